import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, openSync, closeSync, renameSync, existsSync } from "node:fs";
import path from "node:path";
import type { ProcessRuntimeConfig } from "../../config/runtime-schema.js";
import { RuntimeError } from "../../errors.js";
import { onAbort } from "../../util/abort.js";
import { isSameProcess, isZombie, pidStartTime, sleep } from "../../util/process.js";
import { canBind } from "../../util/ports.js";
import { tailFile } from "../../util/tail.js";
import type { PrepareResult, Runtime, SlotHandle, SlotLiveness, SlotSpec } from "../types.js";

export interface RuntimeContext {
  readonly service: string;
  readonly configDir: string;
  readonly stateDir: string;
}

/**
 * Runs a slot's app as a detached child process (its own process group, output to a log file), so
 * it outlives the CLI and the daemon; identified later by pid plus start time.
 */
export function createProcessRuntime(config: ProcessRuntimeConfig, ctx: RuntimeContext): Runtime {
  const children = new Map<number, { child: ChildProcess; exit: Promise<SlotLiveness> }>();

  const liveness = (handle: SlotHandle): SlotLiveness => {
    if (handle.pid === undefined) return { state: "missing" };
    const known = children.get(handle.pid);
    if (known && known.child.exitCode !== null) return { state: "exited", exitCode: known.child.exitCode };
    if (known && known.child.signalCode !== null) {
      return { state: "exited", exitCode: null, signal: known.child.signalCode };
    }
    if (isSameProcess(handle.pid, handle.pidStartTime) && !isZombie(handle.pid)) return { state: "running" };
    return { state: "exited", exitCode: null };
  };

  return {
    kind: "process",

    async prepare(): Promise<PrepareResult> {
      return {};
    },

    async start(spec: SlotSpec): Promise<SlotHandle> {
      if (!(await canBind(spec.port))) {
        throw new RuntimeError(
          `port ${spec.port} (slot ${spec.slot}) is already in use by another process`,
          [],
          {
            hint: `stop whatever listens on ${spec.port} (\`ss -ltnp 'sport = :${spec.port}'\`) or change slots.${spec.slot}.port`,
          },
        );
      }
      mkdirSync(path.dirname(spec.logFile), { recursive: true });
      if (existsSync(spec.logFile)) renameSync(spec.logFile, `${spec.logFile}.1`);
      const logFd = openSync(spec.logFile, "a", 0o600);
      const [command, ...args] = config.command;
      const child = spawn(command!, args, {
        cwd: path.resolve(ctx.configDir, config.cwd ?? "."),
        env: { ...process.env, ...config.env, ...spec.env, PORT: String(spec.port) },
        detached: true,
        stdio: ["ignore", logFd, logFd],
      });
      closeSync(logFd);
      const spawned = await new Promise<Error | undefined>((resolve) => {
        child.once("spawn", () => resolve(undefined));
        child.once("error", resolve);
      });
      if (spawned || child.pid === undefined) {
        throw new RuntimeError(
          `cannot start ${config.command.join(" ")}: ${spawned?.message ?? "no pid"}`,
          [],
          {
            hint: "check runtime.command and runtime.cwd",
          },
        );
      }
      child.unref();
      const pid = child.pid;
      const exit = new Promise<SlotLiveness>((resolve) =>
        child.once("exit", (code, signal) => resolve({ state: "exited", exitCode: code, signal })),
      );
      children.set(pid, { child, exit });
      return {
        kind: "process",
        slot: spec.slot,
        port: spec.port,
        version: spec.version,
        deployId: spec.deployId,
        startedAt: new Date().toISOString(),
        pid,
        pidStartTime: pidStartTime(pid),
        logFile: spec.logFile,
      };
    },

    async inspect(handle) {
      return liveness(handle);
    },

    async waitExit(handle, signal) {
      const known = handle.pid === undefined ? undefined : children.get(handle.pid);
      if (known) {
        let stopListening = (): void => undefined;
        const aborted = new Promise<null>((resolve) => {
          stopListening = onAbort(signal, () => resolve(null));
        });
        try {
          return await Promise.race([known.exit, aborted]);
        } finally {
          stopListening();
        }
      }
      while (!signal.aborted) {
        const now = liveness(handle);
        if (now.state !== "running") return now;
        await sleep(200, signal);
      }
      return null;
    },

    async stop(handle, graceMs) {
      if (handle.pid === undefined || liveness(handle).state !== "running") return;
      const pid = handle.pid;
      signalGroup(pid, "SIGTERM");
      const deadline = Date.now() + graceMs;
      while (Date.now() < deadline) {
        if (liveness(handle).state !== "running") return;
        await sleep(50);
      }
      signalGroup(pid, "SIGKILL");
      for (let i = 0; i < 40 && liveness(handle).state === "running"; i += 1) await sleep(50);
    },

    async logs(handle, lines) {
      return handle.logFile ? tailFile(handle.logFile, lines) : [];
    },

    canRestart() {
      return false;
    },
  };
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}
