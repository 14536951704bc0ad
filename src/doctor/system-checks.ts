import { constants } from "node:fs";
import { access, mkdtemp, rm, stat } from "node:fs/promises";
import path from "node:path";
import { errorMessage } from "../errors.js";
import { fail, ok, type CheckResult } from "./types.js";

/** The oldest Node switchyard supports: package.json `engines`, the README and CI agree on it. */
export const MIN_NODE = [20, 18, 1] as const;

export function checkNodeVersion(version: string = process.versions.node): CheckResult {
  const parts = version.replace(/^v/, "").split(".").map(Number);
  const tooOld = compareVersions(parts, MIN_NODE) < 0;
  if (tooOld) {
    return fail(
      "node",
      `v${version} is older than v${MIN_NODE.join(".")}`,
      `install Node ${MIN_NODE.join(".")} or newer (e.g. the NodeSource or nvm packages of Node 20 LTS)`,
    );
  }
  return ok("node", `v${version}`);
}

/** Negative when a < b, compared part by part ([20, 9] < [20, 18, 1]). */
export function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** state_dir must be writable (created by the first deploy if missing: then its parent must be). */
export async function checkStateDir(stateDir: string): Promise<CheckResult> {
  const name = "state dir";
  try {
    const info = await stat(stateDir);
    if (!info.isDirectory()) {
      return fail(name, `${stateDir} is not a directory`, `move ${stateDir} aside or set state_dir`);
    }
    const probe = await mkdtemp(path.join(stateDir, ".doctor-"));
    await rm(probe, { recursive: true, force: true });
    return ok(name, `${stateDir} is writable`);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return checkParentWritable(stateDir);
    return fail(
      name,
      `${stateDir} is not writable (${code ?? errorMessage(err)})`,
      `run switchyard as the directory's owner, or \`sudo chown -R $(id -un) ${stateDir}\``,
    );
  }
}

async function checkParentWritable(stateDir: string): Promise<CheckResult> {
  let parent = path.dirname(stateDir);
  for (;;) {
    try {
      await access(parent, constants.W_OK);
      return ok("state dir", `${stateDir} will be created by the first deploy (${parent} is writable)`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT" || parent === path.dirname(parent)) {
        return fail(
          "state dir",
          `${stateDir} does not exist and ${parent} is not writable`,
          `\`sudo install -d -o $(id -un) ${stateDir}\`, or set state_dir to a writable path`,
        );
      }
      parent = path.dirname(parent);
    }
  }
}
