import { randomBytes } from "node:crypto";
import { open, rename, rm } from "node:fs/promises";
import path from "node:path";

/** Writes `content` to a temp file next to `file` and fsyncs it; returns the temp path. */
export async function writeTempBeside(file: string, content: string | Buffer): Promise<string> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString("hex")}.tmp`);
  const handle = await open(temp, "wx", 0o644);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await rm(temp, { force: true });
    throw err;
  }
  await handle.close();
  return temp;
}

/** Moves a temp file over `file` (atomic on one filesystem) and fsyncs the directory. */
export async function commitTemp(temp: string, file: string): Promise<void> {
  await rename(temp, file);
  const dir = await open(path.dirname(file), "r");
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** Replaces `file` atomically: readers see the old bytes or the new bytes, never a mix. */
export async function writeFileAtomic(file: string, content: string | Buffer): Promise<void> {
  await commitTemp(await writeTempBeside(file, content), file);
}
