import { open } from "node:fs/promises";

/** The last `lines` lines of a file (reads at most the last 64 KiB); [] when it does not exist. */
export async function tailFile(file: string, lines: number): Promise<string[]> {
  let handle;
  try {
    handle = await open(file, "r");
  } catch {
    return [];
  }
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, 64 * 1024);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    const all = buffer.toString("utf8").split("\n");
    if (all.at(-1) === "") all.pop();
    return all.slice(-lines);
  } finally {
    await handle.close();
  }
}
