import { spawn, type ChildProcess } from "node:child_process";
import { openSync, closeSync } from "node:fs";

/** A process the bench started in its own process group; `stop()` is idempotent. */
export interface GroupProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Resolves with the exit code (or signal name) once the leader exited. */
  readonly exited: Promise<number | string>;
  /** SIGTERM to the whole group, SIGKILL after `graceMs`; resolves when the leader exited. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

const running = new Set<GroupProcess>();

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Append stdout and stderr to this file (default: discarded). */
  logFile?: string;
}

/**
 * Spawns `command` as the leader of a new process group so that everything it starts (nginx
 * workers, shells) can be stopped together, even when the bench fails midway.
 */
export function spawnGroup(
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
): GroupProcess {
  const fd = options.logFile === undefined ? "ignore" : openSync(options.logFile, "a");
  const child = spawn(command, args, {
    env: options.env ?? process.env,
    cwd: options.cwd,
    detached: true,
    stdio: ["ignore", fd, fd],
  });
  if (typeof fd === "number") closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start ${command} ${args.join(" ")}`);
  const pid = child.pid;
  const exited = new Promise<number | string>((resolve) => {
    child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown"));
    child.once("error", (err) => resolve(err.message));
  });
  const handle: GroupProcess = {
    pid,
    child,
    exited,
    async stop(signal = "SIGTERM", graceMs = 5_000) {
      // A leader that exited on its own is left alone: its pid (and group id) may be reused later.
      if (child.exitCode !== null || child.signalCode !== null) return;
      killGroup(pid, signal);
      const timer = setTimeout(() => killGroup(pid, "SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
      // Children of the leader (nginx workers) may outlive it for a moment; the group id is still ours.
      killGroup(pid, "SIGKILL");
    },
  };
  running.add(handle);
  void exited.then(() => running.delete(handle));
  return handle;
}

/** Stops every group the bench still has running. */
export async function stopAllGroups(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop("SIGTERM", 2_000)));
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

/** Kills a process we know by pid only (e.g. a daemon switchyard started); ignores a gone pid. */
export function killPid(pid: number, signal: NodeJS.Signals = "SIGKILL"): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/** Runs a command to completion with a time limit; never throws. */
export function runCommand(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000);
    const finish = (code: number) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    };
    child.once("error", (err) => {
      stderr += err.message;
      finish(127);
    });
    child.once("close", (code) => finish(code ?? 1));
  });
}

/** Polls `url` until `accept(status, body)` or `timeoutMs`; returns whether it was accepted. */
export async function waitForHttp(
  url: string,
  accept: (status: number, body: string) => boolean = (status) => status >= 200 && status < 300,
  timeoutMs = 15_000,
  intervalMs = 50,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      if (accept(res.status, await res.text())) return true;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return false;
}
