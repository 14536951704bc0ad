import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { LoadResult } from "./load-types.js";
import { repoRoot } from "./paths.js";

/** Node arguments that make an app log request ids into `dir`, or [] when the hook is not built. */
export function idLogArgs(): string[] {
  const hook = path.join(repoRoot(), "dist/bench/lib/id-log-hook.js");
  return existsSync(hook) ? ["--import", pathToFileURL(hook).href] : [];
}

/** What the apps' id logs say about the requests of a load run. */
export interface IdAudit {
  /** Load requests the apps received (distinct ids). */
  readonly received: number;
  /** Ids an app received more than once (a proxy retried the request). */
  readonly duplicated: number;
  /** Failed requests that an app did receive: processed, yet the client saw a failure. */
  readonly failedButReceived: number;
  /** Failed requests no app received. */
  readonly failedNeverReceived: number;
}

/** Reads every ids-*.log in `dir` and checks them against the client's view; undefined without logs. */
export async function auditIds(dir: string, result: LoadResult): Promise<IdAudit | undefined> {
  const files = existsSync(dir) ? (await readdir(dir)).filter((f) => /^ids-\d+\.log$/.test(f)) : [];
  if (files.length === 0) return undefined;
  const seen = new Map<string, number>();
  for (const file of files) {
    for (const id of (await readFile(path.join(dir, file), "utf8")).split("\n")) {
      if (id !== "") seen.set(id, (seen.get(id) ?? 0) + 1);
    }
  }
  const failedReceived = result.failures.filter((f) => seen.has(f.id)).length;
  return {
    received: seen.size,
    duplicated: [...seen.values()].filter((count) => count > 1).length,
    failedButReceived: failedReceived,
    failedNeverReceived: result.failures.length - failedReceived,
  };
}
