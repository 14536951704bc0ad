import path from "node:path";
import { startLoad } from "../lib/load-client.js";
import { freePort } from "../../src/util/ports.js";
import { seedDeploy } from "../seed/seed-deploy.js";
import { startSeedHost } from "../seed/seed-host.js";
import { makeSwitchyardProject, switchyardMissing } from "../switchyard/project.js";
import { builtinSetup } from "../switchyard/routers.js";
import { lastLines } from "../switch/switchyard-row.js";

/** Time from the start of a deploy until the first request answered by the new version. */
export interface DeployTimeRow {
  readonly tool: "switchyard (builtin)" | "seed (10 s polling)";
  readonly readyDelayMs: number;
  /** "measured": run for real; "computed": the seed's loop worked out (10 s steps), not run. */
  readonly how: "measured" | "computed" | "not available";
  readonly switchMs?: number;
  /** Wall time of the whole deploy command (incl. drain and stopping the old slot). */
  readonly commandMs?: number;
  /** Deploys measured; the figures are those of the median one by switchMs. */
  readonly runs?: number;
  /** What switchyard itself printed as the deploy's duration ("deployed v1 to green in 2.36s"). */
  readonly reportedMs?: number;
  readonly reason?: string;
}

export interface DeployTimeOptions {
  readonly delaysMs: readonly number[];
  /** Delays for which the seed's 10 s loop runs for real; the others are computed. */
  readonly seedMeasuredDelaysMs: readonly number[];
  /** switchyard deploys per delay; the row keeps the median (a busy machine makes single runs noisy). */
  readonly repeats: number;
  readonly dir: string;
  readonly log: (line: string) => void;
}

/**
 * Runs `deploy` under light load and returns when the new version first answered, relative to
 * the deploy's start. Node's start-up of the new app counts, as it would in production.
 */
async function timeSwitch(url: string, version: string, deploy: () => Promise<boolean>) {
  const load = startLoad({ url, workers: 2, idleGapMs: [5, 10], postRatio: 0, requestTimeoutMs: 15_000 });
  const started = Date.now();
  let ok = false;
  let error: Error | undefined;
  try {
    ok = await deploy();
  } catch (err) {
    error = err as Error;
  }
  const commandMs = Date.now() - started;
  await new Promise((resolve) => setTimeout(resolve, 200));
  const result = await load.stop();
  if (error !== undefined) throw error;
  const first = result.versionSpans[version]?.first;
  return ok && first !== undefined ? { switchMs: first - started, commandMs } : undefined;
}

export async function runDeployTime(options: DeployTimeOptions): Promise<DeployTimeRow[]> {
  return [...(await switchyardTimes(options)), ...(await seedTimes(options))];
}

async function switchyardTimes(options: DeployTimeOptions): Promise<DeployTimeRow[]> {
  const tool = "switchyard (builtin)" as const;
  const missing = switchyardMissing("builtin");
  if (missing)
    return options.delaysMs.map((readyDelayMs) => ({
      tool,
      readyDelayMs,
      how: "not available",
      reason: missing,
    }));
  const ports = { blue: await freePort(), green: await freePort() };
  const project = await makeSwitchyardProject(
    path.join(options.dir, "switchyard"),
    ports,
    await builtinSetup(),
  );
  const rows: DeployTimeRow[] = [];
  try {
    const first = await project.deploy("t0");
    if (first.code !== 0) throw new Error(`switchyard's first deploy failed: ${lastLines(first.stderr)}`);
    let deploys = 0;
    for (const readyDelayMs of options.delaysMs) {
      const measured: DeployTimeRow[] = [];
      let detail = "";
      for (let rep = 0; rep < options.repeats; rep += 1) {
        deploys += 1;
        const version = `t${deploys}`;
        let reportedMs: number | undefined;
        const timing = await timeSwitch(project.url, version, async () => {
          const run = await project.deploy(version, readyDelayMs);
          detail = lastLines(run.stderr || run.stdout);
          reportedMs = parseReportedMs(run.stdout);
          return run.code === 0;
        });
        if (!timing) break;
        measured.push({
          tool,
          readyDelayMs,
          how: "measured",
          ...timing,
          ...(reportedMs === undefined ? {} : { reportedMs }),
        });
      }
      const median = measured.sort((a, b) => a.switchMs! - b.switchMs!)[
        Math.floor((measured.length - 1) / 2)
      ];
      rows.push(
        median && measured.length === options.repeats
          ? { ...median, ...(options.repeats > 1 ? { runs: measured.length } : {}) }
          : { tool, readyDelayMs, how: "not available", reason: `deploy failed: ${detail}` },
      );
      options.log(
        `  deploy time: ${tool}, app ready after ${readyDelayMs} ms: switch at ${measured.map((m) => m.switchMs).join(", ")} ms`,
      );
    }
  } finally {
    await project.cleanup();
  }
  return rows;
}

/** "deployed v1 to green in 2.36s" (or "in 178ms") -> ms. */
export function parseReportedMs(stdout: string): number | undefined {
  const match = /deployed \S+ to \S+ in ([\d.]+)(ms|s)\b/.exec(stdout);
  if (!match) return undefined;
  return Math.round(Number(match[1]) * (match[2] === "s" ? 1000 : 1));
}

/** The seed's loop: try at once, then every 10 s; the switch follows the first try that sees "running". */
export function seedSwitchEstimateMs(readyDelayMs: number, startupMs: number, intervalMs = 10_000): number {
  return Math.ceil((readyDelayMs + startupMs) / intervalMs) * intervalMs;
}

async function seedTimes(options: DeployTimeOptions): Promise<DeployTimeRow[]> {
  const tool = "seed (10 s polling)" as const;
  const seed = await startSeedHost(path.join(options.dir, "seed"));
  const rows: DeployTimeRow[] = [];
  try {
    const first = await seedDeploy(seed.host, { version: "t0", pollIntervalMs: 200 });
    if (!first.ok) throw new Error("the seed's first deploy failed");
    for (const [i, readyDelayMs] of options.delaysMs.entries()) {
      if (!options.seedMeasuredDelaysMs.includes(readyDelayMs)) {
        rows.push({ tool, readyDelayMs, how: "computed", switchMs: seedSwitchEstimateMs(readyDelayMs, 300) });
        continue;
      }
      const version = `t${i + 1}`;
      const timing = await timeSwitch(seed.url, version, async () => {
        const outcome = await seedDeploy(seed.host, { version, readyDelayMs, pollIntervalMs: 10_000 });
        return outcome.ok;
      });
      rows.push(
        timing
          ? { tool, readyDelayMs, how: "measured", ...timing }
          : { tool, readyDelayMs, how: "not available", reason: "the seed's deploy failed" },
      );
      options.log(
        `  deploy time: ${tool}, app ready after ${readyDelayMs} ms: switch at ${timing?.switchMs ?? "-"} ms`,
      );
    }
  } finally {
    await seed.stop();
  }
  return rows;
}
