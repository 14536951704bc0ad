import type { IdAudit } from "../lib/id-audit.js";
import type { LoadResult, Outcome } from "../lib/load-client.js";

/** What every switch-correctness row gets. */
export interface SwitchRowContext {
  /** Deploys under load. */
  readonly cycles: number;
  /** Keep-alive load workers. */
  readonly workers: number;
  /** A fresh temp dir the row may use; removed afterwards. */
  readonly dir: string;
  readonly log: (line: string) => void;
}

/** One row of the switch-correctness table. */
export interface SwitchRowResult {
  readonly name: string;
  /** How traffic is switched, in a few words. */
  readonly method: string;
  readonly available: boolean;
  /** Why the row could not run (available false) or what was odd about it. */
  readonly reason?: string;
  readonly cycles?: number;
  readonly deploysSucceeded?: number;
  /** Wall time of one deploy command/cycle. */
  readonly deployMs?: { readonly p50: number; readonly max: number };
  readonly requests?: number;
  readonly failed?: number;
  readonly failedPerDeploy?: number;
  readonly byOutcome?: Partial<Record<Outcome, number>>;
  /** Requests whose response echoed another request's id (mixed-up responses). */
  readonly mismatchedIds?: number;
  /** The apps' request-id logs against the client's view (absent when the apps did not log). */
  readonly idAudit?: IdAudit;
  /** New TCP connections the load client had to open beyond one per worker. */
  readonly reconnects?: number;
  readonly latencyMs?: LoadResult["latencyMs"];
  readonly errors?: readonly string[];
}

export interface SwitchRow {
  readonly name: string;
  readonly method: string;
  run(ctx: SwitchRowContext): Promise<SwitchRowResult>;
}

/** A row that could not run, with the reason; never a made-up figure. */
export function unavailable(row: Pick<SwitchRow, "name" | "method">, reason: string): SwitchRowResult {
  return { name: row.name, method: row.method, available: false, reason };
}
