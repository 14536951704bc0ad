import { startLoad } from "../lib/load-client.js";
import { auditIds } from "../lib/id-audit.js";
import { quantile } from "../lib/load-stats.js";
import type { SwitchRowContext, SwitchRowResult } from "./types.js";

/** One deploy of a row; `ok` is what the tool itself reported. */
export type DeployOnce = (index: number) => Promise<{ ok: boolean; detail?: string }>;

/**
 * Runs `ctx.cycles` deploys back to back under `ctx.workers` keep-alive workers and classifies
 * every request sent meanwhile. A short pause between deploys lets the clients settle on the new
 * slot, as traffic between real deploys would.
 */
export async function measureCycles(
  row: { name: string; method: string },
  ctx: SwitchRowContext,
  url: string,
  deployOnce: DeployOnce,
  idLogDir?: string,
): Promise<SwitchRowResult> {
  const load = startLoad({
    url,
    workers: ctx.workers,
    idleGapMs: [0, 30],
    postRatio: 0.3,
    requestTimeoutMs: 15_000,
  });
  const durations: number[] = [];
  const problems: string[] = [];
  let succeeded = 0;
  let deployError: Error | undefined;
  try {
    await pause(500);
    for (let i = 0; i < ctx.cycles; i += 1) {
      const started = performance.now();
      const outcome = await deployOnce(i);
      durations.push(performance.now() - started);
      if (outcome.ok) succeeded += 1;
      else if (problems.length < 5) problems.push(`deploy ${i + 1}: ${outcome.detail ?? "failed"}`);
      ctx.log(
        `  ${row.name}: deploy ${i + 1}/${ctx.cycles} ${outcome.ok ? "ok" : "FAILED"} (${Math.round(durations.at(-1)!)} ms, ${load.snapshot().failed} failed so far)`,
      );
      await pause(300);
    }
    await pause(500);
  } catch (err) {
    deployError = err as Error;
  }
  const result = await load.stop();
  if (deployError !== undefined) throw deployError;
  // The old app may still be writing its last ids while it stops.
  await pause(200);
  const idAudit = idLogDir === undefined ? undefined : await auditIds(idLogDir, result);
  const sorted = [...durations].sort((a, b) => a - b);
  const byOutcome = Object.fromEntries(Object.entries(result.byOutcome).filter(([, n]) => n > 0));
  return {
    name: row.name,
    method: row.method,
    available: true,
    ...(problems.length > 0 ? { reason: problems.join("; ") } : {}),
    cycles: ctx.cycles,
    deploysSucceeded: succeeded,
    deployMs: { p50: Math.round(quantile(sorted, 0.5)), max: Math.round(sorted.at(-1) ?? 0) },
    requests: result.total,
    failed: result.failed,
    failedPerDeploy: Math.round((result.failed / ctx.cycles) * 10) / 10,
    byOutcome,
    mismatchedIds: result.ids.mismatched,
    ...(idAudit === undefined ? {} : { idAudit }),
    reconnects: Math.max(0, result.connections - ctx.workers),
    latencyMs: result.latencyMs,
    errors: result.errors.slice(0, 5),
  };
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
