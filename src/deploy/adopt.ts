import { DeployError, UsageError } from "../errors.js";
import type { SlotHandle } from "../runtimes/types.js";
import { withSlot } from "../state/state.js";
import { SLOTS, type SlotName } from "../types.js";
import { newDeployId, whoAmI, type DeployContext } from "./context.js";
import { withDeployLock } from "./engine.js";
import { describeProbe, probe } from "./health.js";

export interface AdoptResult {
  readonly slot: SlotName;
  readonly name: string;
  readonly port: number;
  readonly version: string;
  readonly artifact: string | undefined;
}

/**
 * First run on a host where the app already serves on a slot port (the seed's `server-a`): records
 * that container as the active slot and routes to it. Nothing restarts; the next deploy starts the
 * other slot and retires this one after the switch.
 */
export async function adopt(ctx: DeployContext, name: string, wanted?: SlotName): Promise<AdoptResult> {
  const { config, runtime, router, reporter, store } = ctx;
  const adoptApp = runtime.adopt?.bind(runtime);
  if (!adoptApp) {
    throw new UsageError(
      `the ${runtime.kind} runtime cannot adopt a running app; adopt works with docker and compose`,
      { hint: "stop the app that holds the slot port, then `switchyard deploy`" },
    );
  }
  return withDeployLock(ctx, `switchyard adopt ${name}`, async (state) => {
    if (state.active) {
      throw new UsageError(
        `${config.service} already serves from ${state.active}; adopt is for a first run`,
        {
          hint: "deploy the new version with `switchyard deploy` instead",
        },
      );
    }
    const startedAt = new Date();
    const step = reporter.step(`adopt ${name}`);
    const app = await adoptApp(name);
    const slot = wanted ?? slotWithPort(ctx, name, app.port);
    const port = config.slots[slot].port;
    if (app.port !== port) {
      throw new UsageError(`${name} publishes port ${app.port}, but slots.${slot}.port is ${port}`, {
        hint: `set slots.${slot}.port to ${app.port} in switchyard.yml, or adopt it as the other slot`,
      });
    }
    const handle: SlotHandle = { ...app, slot };
    const health = await probe(port, config.health);
    if (!health.ok) {
      throw new DeployError(
        `adopt failed: ${name} does not pass the health check on port ${port} (${describeProbe(health)}); nothing changed`,
        [],
        { hint: `check health.path (${config.health.path}) against what the app answers` },
      );
    }
    await router.switchTo({ slot, host: "127.0.0.1", port });
    await store.write({
      ...withSlot(state, slot, { status: "running", handle, good: handle }),
      active: slot,
    });
    const finished = new Date();
    await store.appendHistory({
      id: newDeployId(),
      kind: "adopt",
      outcome: "succeeded",
      version: handle.version,
      artifact: handle.artifact,
      slot,
      from: null,
      ...whoAmI(),
      startedAt: startedAt.toISOString(),
      finishedAt: finished.toISOString(),
      durationMs: finished.getTime() - startedAt.getTime(),
      steps: [],
    });
    step.done(`${slot} on port ${port}, ${handle.version}`);
    return { slot, name, port, version: handle.version, artifact: handle.artifact };
  });
}

/** Without --slot: the slot whose port the app publishes. */
function slotWithPort(ctx: DeployContext, name: string, port: number): SlotName {
  const match = SLOTS.find((slot) => ctx.config.slots[slot].port === port);
  if (match) return match;
  const ports = SLOTS.map((slot) => `${slot} ${ctx.config.slots[slot].port}`).join(", ");
  throw new UsageError(`${name} publishes port ${port}, which is no slot's port (${ports})`, {
    hint: `set slots.blue.port to ${port} in switchyard.yml`,
  });
}
