import { readFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { RouterError } from "../../errors.js";
import { isPidAlive } from "../../util/process.js";

/** The nginx master pid from its pid file. */
export async function readMasterPid(pidFile: string): Promise<number> {
  let text: string;
  try {
    text = await readFile(pidFile, "utf8");
  } catch (err) {
    throw new RouterError(`cannot read nginx's pid file ${pidFile}: is nginx running?`, [], {
      cause: err,
      hint: "start nginx, or set router.nginx.pid_file to the `pid` of nginx.conf",
    });
  }
  const pid = Number(text.trim());
  if (!Number.isInteger(pid) || pid <= 0 || !isPidAlive(pid)) {
    throw new RouterError(`nginx's pid file ${pidFile} names no running process ("${text.trim()}")`, [], {
      hint: "start nginx, or set router.nginx.pid_file to the `pid` of nginx.conf",
    });
  }
  return pid;
}

/** Pids whose parent is `parent` (workers and cache processes of an nginx master), from /proc. */
export async function childPids(parent: number): Promise<number[]> {
  const children: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, "utf8");
      // Field 2 (comm) may contain spaces; the fields after the last ")" are: state, ppid, ...
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === parent) children.push(Number(entry));
    } catch {
      // the process exited while we looked
    }
  }
  return children.sort((a, b) => a - b);
}

/** Polls until `done` returns true or `timeoutMs` passes; returns whether it became true. */
export async function pollUntil(
  done: () => Promise<boolean>,
  timeoutMs: number,
  everyMs = 50,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await done()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** Waits until a worker not in `old` runs under `master`: the reload really happened. */
export function waitForNewGeneration(
  master: number,
  old: readonly number[],
  timeoutMs: number,
): Promise<boolean> {
  const before = new Set(old);
  return pollUntil(async () => (await childPids(master)).some((pid) => !before.has(pid)), timeoutMs);
}

/** Waits until none of `pids` is alive; returns those still alive at the deadline. */
export async function waitForExit(pids: readonly number[], timeoutMs: number): Promise<number[]> {
  await pollUntil(async () => pids.every((pid) => !isRunning(pid)), timeoutMs);
  return pids.filter((pid) => isRunning(pid));
}

/** Alive and not a zombie waiting for its master to reap it. */
export function isRunning(pid: number): boolean {
  if (!isPidAlive(pid)) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}
