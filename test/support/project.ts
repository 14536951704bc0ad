import { copyFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../../src/util/ports.js";
import { runCli, spawnCli, type CliResult } from "./cli.js";
import { tempDir } from "./tmp.js";

const APP = fileURLToPath(new URL("../fixtures/app.mjs", import.meta.url));

export interface ProjectOptions {
  readonly version?: string;
  readonly env?: Record<string, string>;
  readonly keepOld?: string;
  readonly deadline?: string;
  readonly drain?: string;
  readonly extra?: string;
}

/**
 * A throwaway app directory with the test app and a switchyard.yml on free loopback ports, using
 * the process runtime and the built-in router.
 */
export async function makeProject(options: ProjectOptions = {}) {
  const { dir, cleanup } = await tempDir("sy-e2e-");
  await copyFile(APP, path.join(dir, "app.mjs"));
  const ports = { blue: await freePort(), green: await freePort(), listen: await freePort() };
  const project = {
    dir,
    ports,
    url: `http://127.0.0.1:${ports.listen}`,
    async writeConfig(overrides: ProjectOptions = {}) {
      const o = { ...options, ...overrides };
      const env = { APP_VERSION: o.version ?? "v1", ...o.env };
      const yaml = [
        "service: hello",
        "runtime:",
        "  kind: process",
        `  command: ["${process.execPath}", "app.mjs"]`,
        `  env: ${JSON.stringify(env)}`,
        "  stop_grace: 3s",
        "slots:",
        `  blue: { port: ${ports.blue} }`,
        `  green: { port: ${ports.green} }`,
        "health:",
        "  path: /health",
        "  expect_body: running",
        "  interval: 200ms",
        `  deadline: ${o.deadline ?? "20s"}`,
        "router:",
        "  kind: builtin",
        `  listen: "127.0.0.1:${ports.listen}"`,
        "drain:",
        `  timeout: ${o.drain ?? "10s"}`,
        `keep_old: ${o.keepOld ?? "0s"}`,
        o.extra ?? "",
      ].join("\n");
      await writeFile(path.join(dir, "switchyard.yml"), `${yaml}\n`);
    },
    cli(args: string[], env?: NodeJS.ProcessEnv): Promise<CliResult> {
      return runCli(args, { cwd: dir, env });
    },
    spawn(args: string[]) {
      return spawnCli(args, { cwd: dir });
    },
    async cleanup() {
      await runCli(["down"], { cwd: dir, timeoutMs: 30_000 });
      await cleanup();
    },
  };
  await project.writeConfig();
  return project;
}

export async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
