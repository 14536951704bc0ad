import { formatDuration } from "../../config/duration.js";
import { rollback } from "../../deploy/engine.js";
import { describeTraffic } from "../../deploy/traffic.js";
import { deployContext, type GlobalOptions } from "../context.js";

export async function run(globals: GlobalOptions): Promise<number> {
  const ctx = await deployContext(globals, { interruptible: true });
  const result = await rollback(ctx);
  ctx.reporter.info(
    `rolled back to ${result.slot} (${result.version}) in ${formatDuration(result.durationMs)}; ${describeTraffic(result.traffic)}`,
  );
  // --json: the result is the last event, so CI can read the final line.
  ctx.reporter.event("result", { ...result });
  return 0;
}
