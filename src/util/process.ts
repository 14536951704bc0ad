import { readFileSync } from "node:fs";
import { onAbort } from "./abort.js";

export function isPidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Start time of a process in clock ticks since boot (Linux /proc), to tell a pid from a reused one. */
export function pidStartTime(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 2 (comm) may contain spaces and parentheses; fields after the last ")" are fixed.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const value = Number(fields[19]);
    return Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Is this the same process we started (pid alive and, where known, same start time)? */
export function isSameProcess(pid: number, startTime: number | undefined): boolean {
  if (!isPidAlive(pid)) return false;
  if (startTime === undefined) return true;
  const now = pidStartTime(pid);
  return now === undefined || now === startTime;
}

/** Zombie-aware: a killed child not yet reaped still answers kill(0). */
export function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return false;
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    let stop = (): void => undefined;
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      stop();
      resolve();
    }
    stop = onAbort(signal, done);
  });
}
