import { stopDaemon } from "../../daemon/lifecycle.js";
import { withDeployLock } from "../../deploy/engine.js";
import { stopGrace } from "../../deploy/context.js";
import { withSlot } from "../../state/state.js";
import { SLOTS } from "../../types.js";
import { deployContext, type GlobalOptions } from "../context.js";

export async function run(globals: GlobalOptions): Promise<number> {
  const ctx = await deployContext(globals);
  const { config, reporter, runtime, store } = ctx;
  await withDeployLock(ctx, "switchyard down", async (initial) => {
    let state = initial;
    if (config.router.kind !== "builtin") await ctx.router.clear();
    for (const slot of SLOTS) {
      const { handle } = state.slots[slot];
      if (!handle) continue;
      const step = reporter.step(`stop ${slot}`);
      await runtime.stop(handle, stopGrace(config));
      state = withSlot(state, slot, { status: "stopped", handle });
      step.done(handle.version);
    }
    await store.write({ ...state, active: null });
  });
  if (config.router.kind === "builtin") {
    const pid = await stopDaemon(config);
    reporter.info(pid ? `daemon ${pid} stopped` : "daemon was not running");
  }
  return 0;
}
