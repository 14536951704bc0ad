import { adminRequest } from "../../daemon/admin-client.js";
import { daemonPaths } from "../../daemon/paths.js";
import { withDeployLock } from "../../deploy/engine.js";
import { UsageError } from "../../errors.js";
import { deployContext, type GlobalOptions } from "../context.js";

export async function run(
  globals: GlobalOptions,
  args: unknown[],
  options: Record<string, unknown>,
): Promise<number> {
  const on = args[0] === "on";
  const message =
    (options["message"] as string | undefined) ?? "We are down for maintenance and will be back shortly.";
  const ctx = await deployContext(globals);
  if (ctx.config.router.kind !== "builtin") {
    throw new UsageError(`maintenance needs the built-in router; router.kind is ${ctx.config.router.kind}`);
  }
  await withDeployLock(ctx, `switchyard maintenance ${on ? "on" : "off"}`, async (state) => {
    await adminRequest(daemonPaths(ctx.config).socket, "POST", "/maintenance", { on, message });
    await ctx.store.write({ ...state, maintenance: on ? { message } : null });
  });
  ctx.reporter.info(
    on ? `maintenance on: every request gets 503 "${message}"` : "maintenance off: traffic flows again",
  );
  return 0;
}
