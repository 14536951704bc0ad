import { DeployError } from "../errors.js";
import { acquireLock } from "../state/lock.js";
import { rollbackHandle, type State } from "../state/state.js";
import { otherSlot } from "../types.js";
import { type DeployContext, newDeployId } from "./context.js";
import { promote, type PromotePlan, type PromoteResult } from "./promote.js";
import { reapWarmSlots, recoverInterrupted } from "./recover.js";

export interface DeployRequest {
  readonly version: string;
  readonly image?: string | undefined;
  readonly force?: boolean | undefined;
}

/** Takes the lock, finishes any interrupted deploy, and runs `body` on the current state. */
export async function withDeployLock<T>(
  ctx: DeployContext,
  command: string,
  body: (state: State) => Promise<T>,
): Promise<T> {
  await ctx.store.ensureDir();
  const lock = await acquireLock(ctx.config.stateDir, command);
  try {
    if (lock.takenOver) {
      ctx.reporter.warn(
        `took over a stale lock of pid ${lock.takenOver.pid} (started ${lock.takenOver.startedAt}); that process is gone`,
      );
    }
    let state = await ctx.store.read(ctx.config.service);
    await ctx.router.ensureReady();
    state = await recoverInterrupted(ctx, state);
    state = await reapWarmSlots(ctx, state);
    return await body(state);
  } finally {
    await lock.release();
  }
}

/** Deploys `request.version` into the idle slot (blue on the very first deploy). */
export function deploy(ctx: DeployContext, request: DeployRequest): Promise<PromoteResult> {
  return withDeployLock(ctx, `switchyard deploy ${request.version}`, (state) => {
    const from = state.active;
    const plan: PromotePlan = {
      kind: "deploy",
      id: newDeployId(),
      slot: from ? otherSlot(from) : "blue",
      from,
      version: request.version,
      image: request.image,
      force: request.force,
      start: "fresh",
    };
    return promote(ctx, state, plan);
  });
}

/**
 * Switches back to the other slot: instantly while it is still running (kept warm); otherwise by
 * restarting its recorded version where the runtime can.
 */
export function rollback(ctx: DeployContext): Promise<PromoteResult> {
  return withDeployLock(ctx, "switchyard rollback", async (state) => {
    if (!state.active) {
      throw new DeployError("rollback failed: nothing is deployed yet, so there is nothing to roll back to");
    }
    const target = otherSlot(state.active);
    const slot = state.slots[target];
    // After a failed deploy the slot holds the rejected version; rollback goes to the last good one.
    const previous = rollbackHandle(slot);
    if (!previous) {
      throw new DeployError(
        `rollback failed: ${target} has never served a version that passed its deploy; traffic stays on ${state.active}`,
      );
    }
    const base = {
      kind: "rollback",
      id: newDeployId(),
      slot: target,
      from: state.active,
      version: previous.version,
    } as const;
    const warm = previous === slot.handle && (slot.status === "warm" || slot.status === "running");
    if (warm && (await ctx.runtime.inspect(previous)).state === "running") {
      return promote(ctx, state, { ...base, start: "reuse", handle: previous });
    }
    if (!ctx.runtime.canRestart(previous)) {
      throw new DeployError(
        `rollback failed: ${target} (${previous.version}) is stopped, and the ${ctx.runtime.kind} runtime cannot start an old version again; traffic stays on ${state.active}`,
        [],
        {
          hint: `deploy the old code again with \`switchyard deploy\`, or set keep_old (e.g. "10m") so the previous slot stays warm for an instant rollback`,
        },
      );
    }
    return promote(ctx, state, { ...base, start: "restart", handle: previous });
  });
}
