import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import path from "node:path";
import type { HookConfig, HooksConfig } from "../config/schema.js";
import type { Reporter } from "../output/reporter.js";
import { redact } from "../secrets.js";
import { onAbort } from "../util/abort.js";

export type HookName = keyof HooksConfig;

/** `ran: false, ok: false`: not started, as the deploy was already interrupted. */
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
  options: {
    cwd: string;
    env: Record<string, string>;
    reporter: Reporter;
    /** Where the output is also appended (redacted), e.g. state_dir/logs/hooks.log. */
    logFile?: string;
    /** Aborting it stops the hook (SIGTERM to its process group), e.g. on Ctrl-C. */
    signal?: AbortSignal | undefined;
  },
): Promise<HookResult> {
  const hook: HookConfig | undefined = hooks[name];
  if (hook === undefined) return { ran: false, ok: true, exitCode: 0, lastLines: [], timedOut: false };
  if (options.signal?.aborted)
    return { ran: false, ok: false, exitCode: null, lastLines: [], timedOut: false };
  const { command, timeout } = typeof hook === "string" ? { command: hook, timeout: 60_000 } : hook;
  const child = spawn("sh", ["-c", command], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const lastLines: string[] = [];
  const log = openHookLog(options.logFile);
  const emit = (line: string) => {
    if (line === "") return;
    options.reporter.passthrough(name, line);
    log?.write(`${new Date().toISOString()} ${name} | ${redact(line)}\n`);
    lastLines.push(line);
    if (lastLines.length > 20) lastLines.shift();
  };
  // Whole lines only: a secret split across two chunks would otherwise escape redaction.
  const lineReader = () => {
    let partial = "";
    return {
      data: (chunk: string) => {
        const lines = (partial + chunk).split("\n");
        partial = lines.pop()!;
        lines.forEach(emit);
      },
      end: () => emit(partial),
    };
  };
  const out = lineReader();
  const err = lineReader();
  // Decoding on the stream keeps a multi-byte character split across chunks intact.
  child.stdout.setEncoding("utf8");
  child.stderr.setEncoding("utf8");
  child.stdout.on("data", out.data);
  child.stderr.on("data", err.data);
  child.stdout.on("end", out.end);
  child.stderr.on("end", err.end);
  let timedOut = false;
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already exited
    }
  };
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup("SIGKILL");
  }, timeout);
  const stopAbort = onAbort(options.signal, () => killGroup("SIGTERM"));
  const exitCode = await new Promise<number | null>((resolve) => {
    child.once("error", () => resolve(127));
    child.once("exit", (code) => resolve(code));
  });
  clearTimeout(timer);
  stopAbort();
  // A job the hook left in the background (`warm-cache.sh &`) keeps the pipes open: the hook is
  // done when `sh` exits; its remaining output gets a moment, then the pipes are let go.
  await outputClosed(child, HOOK_OUTPUT_GRACE_MS);
  if (log) {
    const outcome = timedOut ? `timed out after ${timeout}ms` : `exited with code ${exitCode}`;
    await new Promise<void>((resolve) =>
      log.end(`${new Date().toISOString()} ${name} ${outcome}\n`, () => resolve()),
    );
  }
  return { ran: true, ok: exitCode === 0 && !timedOut, exitCode, lastLines, timedOut };
}

/** How a hook that did not pass ended, for messages: "timed out" or "exited with code N". */
export function hookOutcome(result: Pick<HookResult, "timedOut" | "exitCode">): string {
  return result.timedOut ? "timed out" : `exited with code ${result.exitCode}`;
}

const HOOK_OUTPUT_GRACE_MS = 500;

function outputClosed(child: ChildProcess, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (child.stdout?.closed !== false && child.stderr?.closed !== false) return resolve();
    const timer = setTimeout(() => {
      child.stdout?.destroy();
      child.stderr?.destroy();
      resolve();
    }, graceMs);
    child.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function openHookLog(file: string | undefined) {
  if (!file) return undefined;
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const stream = createWriteStream(file, { flags: "a", mode: 0o600 });
  // A log that cannot be written must not fail the hook; the output was shown already.
  stream.on("error", () => undefined);
  return stream;
}
