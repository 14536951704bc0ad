import os from "node:os";
import path from "node:path";
import type { Config } from "../config/load.js";
import type { Reporter } from "../output/reporter.js";
import type { Router } from "../routers/types.js";
import type { Runtime } from "../runtimes/types.js";
import type { StateStore } from "../state/store.js";
import type { SlotName } from "../types.js";

/** Everything a deploy, rollback or recovery needs, passed explicitly. */
export interface DeployContext {
  readonly config: Config;
  readonly runtime: Runtime;
  readonly router: Router;
  readonly store: StateStore;
  readonly reporter: Reporter;
  /**
   * Aborted when the user interrupts. Before the switch the deploy then fails as any other failure
   * does; once traffic has moved it runs to the end (drain and retire must not be skipped).
   */
  readonly cancel?: AbortSignal | undefined;
}

export function slotLogFile(config: Config, slot: SlotName): string {
  return path.join(config.stateDir, "logs", `${slot}.log`);
}

export function stopGrace(config: Config): number {
  return config.runtime.stop_grace;
}

export function newDeployId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "");
  return `${stamp}-${Math.random().toString(36).slice(2, 6)}`;
}

export function whoAmI(): { user: string; host: string } {
  let user = process.env["SWITCHYARD_USER"] ?? process.env["GITHUB_ACTOR"] ?? "";
  if (!user) {
    try {
      user = os.userInfo().username;
    } catch {
      user = "unknown";
    }
  }
  return { user, host: os.hostname() };
}

export function appEnv(config: Config): Record<string, string> {
  return config.runtime.env;
}
