import { readdir, readlink, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

/**
 * A temp dir removed by the returned cleanup. Processes still running inside it (a daemon or an
 * app a test did not stop) are killed first and named on stderr, so one test's leftovers never
 * hold ports or CPU in the next.
 */
export async function tempDir(
  prefix = "switchyard-test-",
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return {
    dir,
    cleanup: async () => {
      const leftovers = await processesIn(dir);
      for (const { pid, cwd } of leftovers) {
        process.stderr.write(`test cleanup: killing pid ${pid} left running in ${cwd}\n`);
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Processes whose working directory is `dir` or below it (Linux /proc). */
async function processesIn(dir: string): Promise<{ pid: number; cwd: string }[]> {
  const found: { pid: number; cwd: string }[] = [];
  for (const entry of await readdir("/proc").catch(() => [] as string[])) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => "");
    if (cwd === dir || cwd.startsWith(`${dir}/`)) found.push({ pid, cwd });
  }
  return found;
}

export async function writeConfig(dir: string, yaml: string, name = "switchyard.yml"): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, yaml);
  return file;
}
