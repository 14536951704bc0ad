import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ConfigError, SwitchyardError } from "../errors.js";
import { registerSecret } from "../secrets.js";
import type { Config } from "./load.js";

/** What `resolve-config-child.js` prints: the loaded config, or why it could not be loaded. */
export type ResolvedConfigMessage =
  | { readonly ok: true; readonly config: Config; readonly secrets: readonly string[] }
  | {
      readonly ok: false;
      readonly message: string;
      readonly problems: readonly string[];
      readonly hint: string | undefined;
    };

/**
 * Loads the config in a short-lived child process. The daemon runs for months: this keeps the
 * YAML parser and the schema library (about 15 MB resident) out of its memory for good.
 */
export function loadConfigIsolated(file: string): Promise<Config> {
  const child = fileURLToPath(new URL("./resolve-config-child.js", import.meta.url));
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [child, file], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      let message: ResolvedConfigMessage;
      try {
        message = JSON.parse(stdout) as ResolvedConfigMessage;
      } catch {
        reject(
          new SwitchyardError(`loading ${file} failed: ${err?.message ?? "no answer"}`, {
            hint: stderr.trim().split("\n").slice(-3).join(" "),
          }),
        );
        return;
      }
      if (!message.ok) {
        reject(new ConfigError(message.message, message.problems, { hint: message.hint }));
        return;
      }
      for (const secret of message.secrets) registerSecret(secret);
      resolve(message.config);
    });
  });
}
