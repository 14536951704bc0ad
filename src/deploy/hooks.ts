import { spawn } from "node:child_process";
import type { HookConfig, HooksConfig } from "../config/schema.js";
import type { Reporter } from "../output/reporter.js";

export type HookName = keyof HooksConfig;

export interface HookResult {
  readonly ran: boolean;
  readonly ok: boolean;
  readonly exitCode: number | null;
  readonly lastLines: string[];
  readonly timedOut: boolean;
}

/**
 * Runs a configured hook with `sh -c` in the config's directory; its output is shown (redacted) as
 * it arrives. A hook that is not configured reports `ran: false`.
 */
export async function runHook(
  name: HookName,
  hooks: HooksConfig,
  options: { cwd: string; env: Record<string, string>; reporter: Reporter },
): Promise<HookResult> {
  const hook: HookConfig | undefined = hooks[name];
  if (hook === undefined) return { ran: false, ok: true, exitCode: 0, lastLines: [], timedOut: false };
  const { command, timeout } = typeof hook === "string" ? { command: hook, timeout: 60_000 } : hook;
  const child = spawn("sh", ["-c", command], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const lastLines: string[] = [];
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n")) {
      if (line === "") continue;
      options.reporter.passthrough(name, line);
      lastLines.push(line);
      if (lastLines.length > 20) lastLines.shift();
    }
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // already exited
    }
  }, timeout);
  const exitCode = await new Promise<number | null>((resolve) => {
    child.once("error", () => resolve(127));
    child.once("close", (code) => resolve(code));
  });
  clearTimeout(timer);
  return { ran: true, ok: exitCode === 0 && !timedOut, exitCode, lastLines, timedOut };
}
