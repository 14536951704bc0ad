import { access, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { UsageError } from "../errors.js";
import type { InitAnswers } from "./answers.js";
import { renderConfig } from "./render-config.js";
import { renderSystemdUnit } from "./render-systemd.js";
import { renderWorkflow } from "./render-workflow.js";

/** One file `switchyard init` writes, relative to the project directory. */
export interface PlannedFile {
  readonly path: string;
  readonly content: string;
  readonly description: string;
}

/** Renders a router's site config; supplied when the router module provides one. */
export type SiteRenderer = (a: InitAnswers) => PlannedFile | undefined;

/** Every file for the answers, in the order they are reported. Pure. */
export function planFiles(a: InitAnswers, site?: SiteRenderer): PlannedFile[] {
  const files: PlannedFile[] = [
    { path: "switchyard.yml", content: renderConfig(a), description: "the config" },
    {
      path: ".github/workflows/deploy.yml",
      content: renderWorkflow(a),
      description: `${a.runtime === "docker" ? "build, push and deploy" : "deploy"} on push to ${a.branch}`,
    },
  ];
  if (a.router === "builtin") {
    files.push({
      path: `deploy/switchyard-${a.service}.service`,
      content: renderSystemdUnit(a),
      description: "systemd unit for `switchyard serve`",
    });
  }
  const siteFile = site?.(a);
  if (siteFile) files.push(siteFile);
  return files;
}

/**
 * Writes the files under `dir`. Without `force`, any existing target stops everything before a
 * single file is written, so a second `init` never leaves a half-overwritten project.
 */
export async function writePlannedFiles(
  dir: string,
  files: readonly PlannedFile[],
  options: { force: boolean },
): Promise<string[]> {
  if (!options.force) {
    const existing: string[] = [];
    for (const file of files) {
      if (await exists(path.join(dir, file.path))) existing.push(file.path);
    }
    if (existing.length > 0) {
      throw new UsageError(`init: ${existing.join(", ")} already exist(s); nothing was written`, {
        hint: "move the file(s) aside, or pass --force to overwrite them",
      });
    }
  }
  const written: string[] = [];
  for (const file of files) {
    const target = path.join(dir, file.path);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, file.content);
    written.push(file.path);
  }
  return written;
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
