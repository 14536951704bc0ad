import { open, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { LockHeldError } from "../errors.js";
import { isPidAlive } from "../util/process.js";

export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
  readonly command: string;
}

export interface HeldLock {
  readonly owner: LockOwner;
  /** Set when a stale lock (dead pid on this host) was taken over. */
  readonly takenOver?: LockOwner | undefined;
  release(): Promise<void>;
}

/**
 * An exclusive deploy lock: a file created with O_EXCL holding owner pid, host and time. A lock
 * whose pid is dead on this host is taken over (with a warning); one from another host never is.
 */
export async function acquireLock(stateDir: string, command: string): Promise<HeldLock> {
  const file = path.join(stateDir, "deploy.lock");
  const owner: LockOwner = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString(), command };
  let takenOver: LockOwner | undefined;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      const handle = await open(file, "wx", 0o600);
      await handle.writeFile(`${JSON.stringify(owner)}\n`);
      await handle.sync();
      await handle.close();
      return { owner, takenOver, release: () => releaseLock(file, owner) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const holder = await readOwner(file);
    if (!holder) continue; // released between our open and our read
    if (holder.host === owner.host && !isPidAlive(holder.pid)) {
      takenOver = holder;
      await rm(file, { force: true });
      continue;
    }
    throw new LockHeldError(
      `another deploy holds the lock: pid ${holder.pid} on ${holder.host}, started ${holder.startedAt} (${holder.command})`,
      { hint: `wait for it to finish; if that process is gone for good, remove ${file}` },
    );
  }
  throw new LockHeldError(`could not take the lock ${file}; it keeps changing hands`);
}

async function readOwner(file: string): Promise<LockOwner | undefined> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as LockOwner;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    // A torn lock file (writer crashed mid-write) has no live owner to protect.
    return { pid: -1, host: os.hostname(), startedAt: "unknown", command: "unknown" };
  }
}

async function releaseLock(file: string, owner: LockOwner): Promise<void> {
  const holder = await readOwner(file);
  if (holder && holder.pid === owner.pid && holder.startedAt === owner.startedAt) await rm(file, { force: true });
}
