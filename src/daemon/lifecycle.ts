import { spawn } from "node:child_process";
import { existsSync, mkdirSync, openSync, closeSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Config } from "../config/load.js";
import { RouterError } from "../errors.js";
import { isPidAlive, sleep } from "../util/process.js";
import { tailFile } from "../util/tail.js";
import { adminRequest } from "./admin-client.js";
import { DAEMON_NODE_FLAGS } from "./node-flags.js";
import { daemonPaths } from "./paths.js";
import type { DaemonStatus } from "./protocol.js";

const START_TIMEOUT_MS = 10_000;

export async function daemonStatus(config: Config): Promise<DaemonStatus | undefined> {
  return adminRequest<DaemonStatus>(daemonPaths(config).socket, "GET", "/status", undefined, 2_000).catch(
    () => undefined,
  );
}

/** `switchyard up`: start the daemon in the background unless it already answers. Idempotent. */
export async function ensureDaemon(config: Config): Promise<{ status: DaemonStatus; started: boolean }> {
  const running = await daemonStatus(config);
  if (running) return { status: running, started: false };
  const paths = daemonPaths(config);
  mkdirSync(path.dirname(paths.logFile), { recursive: true, mode: 0o700 });
  const logFd = openSync(paths.logFile, "a", 0o600);
  const child = spawn(
    process.execPath,
    [...DAEMON_NODE_FLAGS, cliEntry(), "serve", "--config", config.configPath],
    {
      detached: true,
      stdio: ["ignore", logFd, logFd],
      cwd: config.configDir,
      env: process.env,
    },
  );
  closeSync(logFd);
  child.unref();
  let exited: number | null | undefined;
  child.once("exit", (code) => (exited = code));
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const status = await daemonStatus(config);
    if (status) return { status, started: true };
    if (exited !== undefined) break;
    await sleep(50);
  }
  const lines = await tailFile(paths.logFile, 8);
  throw new RouterError(
    exited !== undefined
      ? `the switchyard daemon exited with code ${exited} while starting`
      : `the switchyard daemon did not answer within ${START_TIMEOUT_MS / 1000}s`,
    lines.map((l) => `  ${l}`),
    { hint: `see ${paths.logFile}` },
  );
}

/** Asks the daemon to stop and waits for its process to exit. */
export async function stopDaemon(config: Config): Promise<number | undefined> {
  const paths = daemonPaths(config);
  const status = await daemonStatus(config);
  const pid = status?.pid ?? (await readPid(paths.pidFile));
  if (status) await adminRequest(paths.socket, "POST", "/shutdown").catch(() => undefined);
  else if (pid && isPidAlive(pid)) process.kill(pid, "SIGTERM");
  if (!pid) return undefined;
  for (let i = 0; i < 200 && isPidAlive(pid); i += 1) await sleep(50);
  if (isPidAlive(pid)) process.kill(pid, "SIGKILL");
  return pid;
}

async function readPid(file: string): Promise<number | undefined> {
  const text = await readFile(file, "utf8").catch(() => undefined);
  const pid = Number(text?.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** The compiled CLI entry; tests that run from sources still start the built daemon. */
function cliEntry(): string {
  const here = fileURLToPath(new URL("../cli/main.js", import.meta.url));
  if (existsSync(here)) return here;
  const built = fileURLToPath(new URL("../../dist/src/cli/main.js", import.meta.url));
  if (existsSync(built)) return built;
  throw new RouterError("cannot find the built CLI to start the daemon", [], { hint: "run `npm run build`" });
}
