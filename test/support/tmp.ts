import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

/** A temp dir removed by the returned cleanup. */
export async function tempDir(
  prefix = "switchyard-test-",
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export async function writeConfig(dir: string, yaml: string, name = "switchyard.yml"): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, yaml);
  return file;
}
