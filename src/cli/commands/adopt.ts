import { adopt } from "../../deploy/adopt.js";
import { UsageError } from "../../errors.js";
import { isSlotName } from "../../types.js";
import { deployContext, type GlobalOptions } from "../context.js";

export async function run(
  globals: GlobalOptions,
  args: unknown[],
  options: Record<string, unknown>,
): Promise<number> {
  const name = String(args[0]);
  const slot = options["slot"] as string | undefined;
  if (slot !== undefined && !isSlotName(slot))
    throw new UsageError(`--slot must be blue or green, not ${slot}`);
  const ctx = await deployContext(globals);
  const result = await adopt(ctx, name, slot);
  ctx.reporter.info(
    `adopted ${name} as ${result.slot} (${result.version}, port ${result.port}); the next deploy starts ${result.slot === "blue" ? "green" : "blue"} and retires it`,
  );
  ctx.reporter.event("result", { ...result });
  return 0;
}
