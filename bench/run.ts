/**
 * `npm run bench [-- --quick] [-- --only=switch,deploy,resources,overhead]`: runs the four parts
 * on loopback, each bounded, and writes bench/results/*.json and docs/benchmarks.md.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { runDeployTime } from "./deploy-time/deploy-time.js";
import { describeMachine } from "./lib/machine.js";
import { repoRoot } from "./lib/paths.js";
import { stopAllGroups } from "./lib/processes.js";
import { runOverhead } from "./overhead/overhead.js";
import type { BenchResults, PartError } from "./report/results.js";
import { writeResults } from "./report/write.js";
import { runResources } from "./resources/resources.js";
import { runSwitchCorrectness } from "./switch/run-switch.js";
import { cleanupAllProjects } from "./switchyard/project.js";
import { benchPlan, parseBenchArgs } from "./plan.js";

const args = parseBenchArgs(process.argv.slice(2));
const plan = benchPlan(args.quick);
const log = (line: string) => console.log(line);
const tmp = await mkdtemp(path.join(os.tmpdir(), "switchyard-bench-"));
let cleaning: Promise<void> | undefined;
const cleanup = () =>
  (cleaning ??= Promise.all([cleanupAllProjects(), stopAllGroups()]).then(() =>
    rm(tmp, { recursive: true, force: true }),
  ));

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    console.error(`bench: ${signal}, stopping everything it started`);
    void cleanup().finally(() => process.exit(130));
  });
}
const watchdog = setTimeout(() => {
  console.error(`bench: still running after ${plan.limitMinutes} min; stopping everything it started`);
  void cleanup().finally(() => process.exit(1));
}, plan.limitMinutes * 60_000);

async function part<T>(
  name: string,
  enabled: boolean,
  run: (dir: string) => Promise<T>,
): Promise<T | PartError> {
  if (!enabled) return { error: `skipped (--only=${args.only.join(",")})` };
  log(`\n== ${name}`);
  const started = performance.now();
  try {
    return await run(path.join(tmp, name.replace(/\W+/g, "-")));
  } catch (err) {
    console.error(`bench: ${name} failed: ${(err as Error).stack ?? String(err)}`);
    return { error: (err as Error).message };
  } finally {
    await stopAllGroups();
    log(`== ${name}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
}

let failedParts = 0;
try {
  const startedAt = new Date().toISOString();
  const machine = await describeMachine();
  log(
    `bench ${args.quick ? "--quick " : ""}on ${machine.nproc} CPUs (${machine.cpu}), load average ${machine.loadAverageAtStart}`,
  );
  const wants = (p: string) => args.only.length === 0 || args.only.includes(p);
  const switchCorrectness = await part("switch correctness", wants("switch"), (dir) =>
    runSwitchCorrectness({ ...plan.switch, dir, log }),
  );
  const deployTime = await part("deploy time", wants("deploy"), (dir) =>
    runDeployTime({ ...plan.deployTime, dir, log }),
  );
  const resources = await part("resources", wants("resources"), (dir) =>
    runResources({ ...plan.resources, dir, log }),
  );
  const overhead = await part("proxy overhead", wants("overhead"), (dir) =>
    runOverhead({ ...plan.overhead, dir, log }),
  );
  const results: BenchResults = {
    schema: 1,
    startedAt,
    finishedAt: new Date().toISOString(),
    quick: args.quick,
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
    machine,
    switchCorrectness,
    overhead,
    deployTime,
    resources,
  };
  failedParts = [switchCorrectness, deployTime, resources, overhead].filter(
    (p) => "error" in p && !p.error.startsWith("skipped"),
  ).length;
  const written = await writeResults(results, repoRoot());
  log(
    `\nwrote ${path.relative(repoRoot(), written.jsonFile)}, bench/results/latest.json and ${path.relative(repoRoot(), written.docFile)}`,
  );
} finally {
  clearTimeout(watchdog);
  await cleanup();
}
if (failedParts > 0) {
  console.error(`bench: ${failedParts} part(s) failed; see the messages above and the results file`);
  process.exitCode = 1;
}
