import { redactedJson } from "../../secrets.js";
import { formatDuration } from "../../config/duration.js";
import { describeTraffic } from "../../deploy/traffic.js";
import { UsageError } from "../../errors.js";
import { StateStore } from "../../state/store.js";
import { configFor, reporterFor, type GlobalOptions } from "../context.js";

export async function run(
  globals: GlobalOptions,
  _args: unknown[],
  options: Record<string, unknown>,
): Promise<number> {
  const limit = Number(options["limit"]);
  if (!Number.isInteger(limit) || limit < 1)
    throw new UsageError(`--limit must be a positive whole number, not "${String(options["limit"])}"`);
  const reporter = reporterFor(globals);
  const config = await configFor(globals, reporter);
  const entries = (await new StateStore(config.stateDir).history()).slice(-limit).reverse();
  if (globals.json) {
    process.stdout.write(`${redactedJson(entries, 2)}\n`);
    return 0;
  }
  if (entries.length === 0) reporter.info("no deploys yet");
  for (const e of entries) {
    const traffic = e.traffic ? `; ${describeTraffic(e.traffic)}` : "";
    reporter.info(
      `${e.startedAt}  ${e.kind.padEnd(8)} ${e.outcome.padEnd(9)} ${e.version} -> ${e.slot}  ${formatDuration(e.durationMs)}  by ${e.user}@${e.host}${traffic}${e.error ? `\n    ${e.error}` : ""}`,
    );
  }
  return 0;
}
