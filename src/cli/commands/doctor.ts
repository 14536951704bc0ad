import { runChecks } from "../../doctor/run-checks.js";
import type { CheckResult } from "../../doctor/types.js";
import { redact, redactedJson } from "../../secrets.js";
import { colorWanted } from "../../output/reporter.js";
import type { GlobalOptions } from "../context.js";

const MARK = { ok: ["32", "✓"], warn: ["33", "!"], fail: ["31", "✗"], skip: ["2", "-"] } as const;

/** Exit 0 when no check failed (warnings allowed), 1 otherwise. */
export async function run(globals: GlobalOptions): Promise<number> {
  const results = await runChecks(globals.config);
  const failed = results.filter((r) => r.status === "fail").length;
  const warned = results.filter((r) => r.status === "warn").length;
  if (globals.json) {
    process.stdout.write(`${redactedJson({ ok: failed === 0, failed, warned, checks: results }, 2)}\n`);
    return failed === 0 ? 0 : 1;
  }
  const color = colorWanted(process.stdout, globals.color);
  const paint = (code: string, text: string) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
  const lines = results
    .filter((r) => !globals.quiet || r.status === "fail" || r.status === "warn")
    .map((r) => format(r, paint));
  lines.push(
    failed === 0
      ? `all checks passed${warned ? ` (${warned} warning(s))` : ""}`
      : `${failed} check(s) failed${warned ? `, ${warned} warning(s)` : ""}: fix them and run \`switchyard doctor\` again`,
  );
  process.stdout.write(`${redact(lines.join("\n"))}\n`);
  return failed === 0 ? 0 : 1;
}

function format(r: CheckResult, paint: (code: string, text: string) => string): string {
  const [code, mark] = MARK[r.status];
  const line = `${paint(code, mark)} ${r.name}: ${r.detail}`;
  return r.fix && r.status !== "ok" ? `${line}\n    fix: ${r.fix}` : line;
}
