import { daemonPaths } from "../../daemon/paths.js";
import { slotLogFile } from "../../deploy/context.js";
import { UsageError } from "../../errors.js";
import { StateStore } from "../../state/store.js";
import { isSlotName } from "../../types.js";
import { tailFile } from "../../util/tail.js";
import { createRuntime } from "../../runtimes/index.js";
import { configFor, reporterFor, type GlobalOptions } from "../context.js";

export async function run(
  globals: GlobalOptions,
  args: unknown[],
  options: Record<string, unknown>,
): Promise<number> {
  const lines = Number(options["lines"]);
  if (!Number.isInteger(lines) || lines < 1) throw new UsageError(`--lines must be a positive whole number`);
  const reporter = reporterFor(globals);
  const config = await configFor(globals, reporter);
  const which = (args[0] as string | undefined) ?? undefined;
  if (which === "daemon") {
    for (const line of await tailFile(daemonPaths(config).logFile, lines))
      reporter.passthrough("daemon", line);
    return 0;
  }
  const state = await new StateStore(config.stateDir).read(config.service);
  const slot = which ?? state.active ?? "blue";
  if (!isSlotName(slot)) throw new UsageError(`unknown slot "${slot}": use blue, green or daemon`);
  const handle = state.slots[slot].handle;
  const output = handle
    ? await createRuntime(config).logs(handle, lines)
    : await tailFile(slotLogFile(config, slot), lines);
  if (output.length === 0) reporter.info(`no output from ${slot} yet`);
  for (const line of output) reporter.passthrough(slot, line);
  return 0;
}
