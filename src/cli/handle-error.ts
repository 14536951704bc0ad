import { ConfigError, DetailedError, ExitCode, SwitchyardError } from "../errors.js";
import { redact, redactedJson } from "../secrets.js";
import type { GlobalOptions } from "./context.js";

/** The one place that turns an error into output and an exit code. */
export function handleError(err: unknown, globals: Partial<GlobalOptions>): number {
  if (err instanceof SwitchyardError) {
    const details =
      err instanceof ConfigError ? err.problems : err instanceof DetailedError ? err.details : [];
    if (globals.json) {
      const payload = {
        event: "error",
        code: err.exitCode,
        error: err.name,
        message: err.message,
        details,
        hint: err.hint,
      };
      process.stdout.write(`${redactedJson(payload)}\n`);
    }
    const lines = [`error: ${err.message}`, ...details.map((d) => `  ${d}`)];
    if (err.hint) lines.push(`hint: ${err.hint}`);
    process.stderr.write(`${redact(lines.join("\n"))}\n`);
    return err.exitCode;
  }
  const message =
    err instanceof Error
      ? process.env["SWITCHYARD_DEBUG"]
        ? (err.stack ?? err.message)
        : err.message
      : String(err);
  process.stderr.write(
    `${redact(`internal error: ${message}\nthis is a bug in switchyard; rerun with SWITCHYARD_DEBUG=1 for a stack trace`)}\n`,
  );
  return ExitCode.internal;
}
