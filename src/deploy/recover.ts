import { errorMessage } from "../errors.js";
import type { State } from "../state/state.js";
import { withSlot } from "../state/state.js";
import { otherSlot, SLOTS } from "../types.js";
import { type DeployContext, stopGrace } from "./context.js";

/**
 * A deploy that crashed (its record is still in state, and we now hold the lock) is finished in the
 * direction the router shows: if the new slot got traffic, it stays active and the old one is
 * stopped; otherwise the half-started slot is stopped and traffic stays where it was.
 */
export async function recoverInterrupted(ctx: DeployContext, state: State): Promise<State> {
  const interrupted = state.deploy;
  if (!interrupted) return state;
  const { reporter, runtime, store, config } = ctx;
  reporter.warn(
    `${interrupted.kind} ${interrupted.id} (${interrupted.version} to ${interrupted.slot}) was interrupted during "${interrupted.phase}"; recovering`,
  );
  const routed = await ctx.router
    .status()
    .then((s) => s.active)
    .catch(() => state.active);
  let next: State = state;
  const newSlot = next.slots[interrupted.slot];
  if (routed === interrupted.slot) {
    next = {
      ...withSlot(next, interrupted.slot, {
        status: "running",
        handle: newSlot.handle,
        good: newSlot.handle ?? undefined,
      }),
      active: interrupted.slot,
    };
    const old = otherSlot(interrupted.slot);
    const oldState = next.slots[old];
    if (oldState.handle && oldState.status === "running") {
      await runtime
        .stop(oldState.handle, stopGrace(config))
        .catch((e: unknown) => reporter.warn(errorMessage(e)));
      next = withSlot(next, old, { status: "stopped", handle: oldState.handle });
    }
    reporter.warn(`${interrupted.slot} had already taken traffic; it stays active`);
  } else {
    if (newSlot.handle) {
      await runtime
        .stop(newSlot.handle, stopGrace(config))
        .catch((e: unknown) => reporter.warn(errorMessage(e)));
    }
    next = withSlot(next, interrupted.slot, {
      status: newSlot.handle ? "failed" : "empty",
      handle: newSlot.handle,
    });
    reporter.warn(
      `stopped the half-started ${interrupted.slot}; traffic stays on ${state.active ?? "nothing"}`,
    );
  }
  return store.write({ ...next, deploy: null });
}

/** Stops slots kept warm (`keep_old`) whose window has passed. */
export async function reapWarmSlots(
  ctx: Pick<DeployContext, "config" | "runtime" | "store" | "reporter">,
  state: State,
  now = Date.now(),
): Promise<State> {
  let next = state;
  for (const slot of SLOTS) {
    const s = next.slots[slot];
    if (s.status !== "warm" || !s.handle || next.active === slot) continue;
    if (s.warmUntil && Date.parse(s.warmUntil) > now) continue;
    await ctx.runtime.stop(s.handle, stopGrace(ctx.config));
    next = withSlot(next, slot, { status: "stopped", handle: s.handle });
    ctx.reporter.info(`stopped ${slot} (${s.handle.version}): its keep_old window has passed`);
  }
  return next === state ? state : ctx.store.write(next);
}
