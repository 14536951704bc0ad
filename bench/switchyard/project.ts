import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { idLogArgs } from "../lib/id-audit.js";
import { appFixture, repoRoot, switchyardBin } from "../lib/paths.js";
import { killPid, runCommand } from "../lib/processes.js";

/** The router part of a bench project: its YAML lines and the URL clients use. */
export interface RouterSetup {
  readonly kind: "builtin" | "nginx" | "haproxy";
  /** Lines of the `router:` section, indented by two spaces. */
  readonly yaml: readonly string[];
  readonly url: string;
  /** Pid of the proxy process(es) the bench started, for the resources part. */
  readonly proxyPids: () => number[];
  stop(): Promise<void>;
}

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** A temp switchyard project: process runtime running test/fixtures/app.mjs, a given router. */
export interface SwitchyardProject {
  readonly dir: string;
  readonly url: string;
  readonly router: RouterSetup;
  deploy(version: string, readyDelayMs?: number): Promise<CliRun>;
  cli(args: string[]): Promise<CliRun>;
  /** Pid of switchyard's daemon (builtin router), if it runs. */
  daemonPid(): Promise<number | undefined>;
  cleanup(): Promise<void>;
}

const active = new Set<SwitchyardProject>();

/** Runs `cleanup` of every project not cleaned up yet (for an interrupted run). */
export async function cleanupAllProjects(): Promise<void> {
  await Promise.all([...active].map((project) => project.cleanup()));
}

/** Why switchyard with this router cannot run yet, or undefined when it can. */
export function switchyardMissing(kind: RouterSetup["kind"]): string | undefined {
  const root = repoRoot();
  const needed = [
    "dist/src/cli/main.js",
    "dist/src/deploy/engine.js",
    kind === "builtin"
      ? "dist/src/routers/builtin/builtin-router.js"
      : `dist/src/routers/${kind}/${kind}-router.js`,
  ];
  const missing = needed.filter((file) => !existsSync(path.join(root, file)));
  return missing.length === 0 ? undefined : `not built/implemented yet: ${missing.join(", ")} missing`;
}

/** Renders switchyard.yml for a bench project (a pure function). */
export function renderBenchConfig(options: {
  ports: { blue: number; green: number };
  router: readonly string[];
  version: string;
  readyDelayMs: number;
  healthInterval: string;
  /** Apps log request ids here (node --import bench/lib/id-log-hook). */
  idLogDir?: string;
}): string {
  const env = {
    APP_VERSION: options.version,
    READY_DELAY_MS: String(options.readyDelayMs),
    ...(options.idLogDir === undefined ? {} : { BENCH_ID_LOG_DIR: options.idLogDir }),
  };
  const hook = options.idLogDir === undefined ? [] : idLogArgs();
  const command = [process.execPath, ...hook, appFixture()];
  return [
    "service: bench",
    "runtime:",
    "  kind: process",
    `  command: [${command.map((part) => JSON.stringify(part)).join(", ")}]`,
    `  env: ${JSON.stringify(env)}`,
    "  stop_grace: 5s",
    "slots:",
    `  blue: { port: ${options.ports.blue} }`,
    `  green: { port: ${options.ports.green} }`,
    "health:",
    "  path: /health",
    "  expect_body: running",
    `  interval: ${options.healthInterval}`,
    "  deadline: 60s",
    "router:",
    ...options.router,
    "drain:",
    "  timeout: 10s",
    "keep_old: 0s",
    "",
  ].join("\n");
}

export async function makeSwitchyardProject(
  dir: string,
  ports: { blue: number; green: number },
  router: RouterSetup,
  healthInterval = "100ms",
  idLogDir?: string,
): Promise<SwitchyardProject> {
  await mkdir(dir, { recursive: true });
  const configFile = path.join(dir, "switchyard.yml");
  const cli = (args: string[]): Promise<CliRun> =>
    runCommand(switchyardBin(), [...args, "-c", configFile], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: "1" },
      timeoutMs: 120_000,
    });
  const status = async (): Promise<any> => {
    const result = await cli(["status", "--json"]);
    try {
      return JSON.parse(result.stdout);
    } catch {
      return undefined;
    }
  };
  const project: SwitchyardProject = {
    dir,
    url: router.url,
    router,
    cli,
    async deploy(version, readyDelayMs = 0) {
      const yaml = renderBenchConfig({
        ports,
        router: router.yaml,
        version,
        readyDelayMs,
        healthInterval,
        ...(idLogDir === undefined ? {} : { idLogDir }),
      });
      await writeFile(configFile, yaml);
      return cli(["deploy", "--version", version]);
    },
    async daemonPid() {
      const pid = (await status())?.daemon?.pid;
      return typeof pid === "number" ? pid : undefined;
    },
    async cleanup() {
      if (!active.delete(project)) return;
      const before = await status();
      if (existsSync(configFile)) await cli(["down"]);
      // Whatever `down` left behind (it should leave nothing) is killed by pid.
      const pids = [before?.daemon?.pid, before?.slots?.blue?.pid, before?.slots?.green?.pid];
      for (const pid of pids) if (typeof pid === "number") killPid(pid);
      await router.stop();
    },
  };
  active.add(project);
  return project;
}
