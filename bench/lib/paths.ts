import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root, found upward from this file (works from bench/ and from dist/bench/). */
export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, "package.json");
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "switchyard"
    ) {
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir)
      throw new Error("bench: cannot find the switchyard repository root above " + import.meta.url);
    dir = parent;
  }
}

export const appFixture = (): string => path.join(repoRoot(), "test/fixtures/app.mjs");
export const switchyardBin = (): string => path.join(repoRoot(), "bin/switchyard");
