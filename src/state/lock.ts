import { link, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { LockHeldError } from "../errors.js";
import { isSameProcess, pidStartTime } from "../util/process.js";

export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
  readonly command: string;
  /** /proc start time of the owner: after a reboot its pid may belong to an unrelated process. */
  readonly pidStartTime?: number | undefined;
}

export interface HeldLock {
  readonly owner: LockOwner;
  /** Set when a stale lock (its process gone from this host) was taken over. */
  readonly takenOver?: LockOwner | undefined;
  release(): Promise<void>;
}

/**
 * An exclusive deploy lock: a file holding owner pid, host and time. It is written in full to a
 * private temp file and then hard-linked into place, so the lock never exists half-written and
 * `link` fails atomically when another process holds it. A lock whose process is gone on this host
 * (pid dead, or reused by another process since) is taken over (with a warning); one from another host never is.
 */
export async function acquireLock(stateDir: string, command: string): Promise<HeldLock> {
  const file = path.join(stateDir, "deploy.lock");
  const owner: LockOwner = {
    pid: process.pid,
    host: os.hostname(),
    startedAt: new Date().toISOString(),
    command,
    pidStartTime: pidStartTime(process.pid),
  };
  let takenOver: LockOwner | undefined;
  for (let attempt = 0; attempt < 5; attempt += 1) {
    if (await tryCreate(file, owner)) return { owner, takenOver, release: () => releaseIfOurs(file, owner) };
    const holder = await readOwner(file);
    if (!holder) continue; // released between our link and our read
    if (holder.host === owner.host && !isSameProcess(holder.pid, holder.pidStartTime)) {
      if (await removeStale(file, holder, owner)) takenOver = holder;
      continue;
    }
    throw new LockHeldError(
      `another deploy holds the lock: pid ${holder.pid} on ${holder.host}, started ${holder.startedAt} (${holder.command})`,
      { hint: `wait for it to finish; if that process is gone for good, remove ${file}` },
    );
  }
  throw new LockHeldError(`could not take the lock ${file}; it keeps changing hands`);
}

/** Creates `file` with `owner` as its content, or returns false if it already exists. */
async function tryCreate(file: string, owner: LockOwner): Promise<boolean> {
  const temp = `${file}.${owner.pid}.${process.hrtime.bigint()}.tmp`;
  await writeFile(temp, `${JSON.stringify(owner)}\n`, { mode: 0o600, flush: true });
  try {
    await link(temp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  } finally {
    await rm(temp, { force: true });
  }
}

/**
 * Two processes may find the same dead owner at once; without care the slower one would remove
 * the lock the faster one just took. A second lock file serialises the takeover, and the stale
 * lock is removed only if it still names the dead owner.
 */
async function removeStale(file: string, stale: LockOwner, owner: LockOwner): Promise<boolean> {
  const guard = `${file}.takeover`;
  if (!(await tryCreate(guard, owner))) {
    const guardHolder = await readOwner(guard);
    if (
      guardHolder &&
      guardHolder.host === owner.host &&
      !isSameProcess(guardHolder.pid, guardHolder.pidStartTime)
    )
      await rm(guard, { force: true });
    await new Promise((resolve) => setTimeout(resolve, 20));
    return false;
  }
  try {
    const current = await readOwner(file);
    if (!current || !sameOwner(current, stale)) return false;
    await rm(file, { force: true });
    return true;
  } finally {
    await rm(guard, { force: true });
  }
}

async function readOwner(file: string): Promise<LockOwner | undefined> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as LockOwner;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    // Locks are never written in place, so an unreadable one was damaged outside switchyard.
    return { pid: -1, host: os.hostname(), startedAt: "unknown", command: "unknown (unreadable lock file)" };
  }
}

function sameOwner(a: LockOwner, b: LockOwner): boolean {
  return a.pid === b.pid && a.host === b.host && a.startedAt === b.startedAt;
}

async function releaseIfOurs(file: string, owner: LockOwner): Promise<void> {
  const holder = await readOwner(file);
  if (holder && sameOwner(holder, owner)) await rm(file, { force: true });
}
