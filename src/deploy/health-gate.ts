import { formatDuration } from "../config/duration.js";
import { DeployError } from "../errors.js";
import type { SlotHandle, SlotLiveness } from "../runtimes/types.js";
import { onAbort } from "../util/abort.js";
import { sleep } from "../util/process.js";
import type { DeployContext } from "./context.js";
import { describeProbe, waitHealthy, type HealthOutcome } from "./health.js";

/**
 * Waits until the new slot answers its health check (and, where the runtime has one, its own
 * health status says healthy). Fails at once when the app exits. Throws DeployError with the
 * evidence: the last health response, the exit code, the last log lines.
 */
export async function healthGate(ctx: DeployContext, handle: SlotHandle): Promise<HealthOutcome> {
  const { health } = ctx.config;
  const stopWatching = new AbortController();
  const gate = new AbortController();
  let exit: SlotLiveness | null = null;
  // An Engine error while watching (dockerd restarting) must not crash the CLI: the HTTP probe and
  // the final checks still decide.
  void ctx.runtime.waitExit(handle, stopWatching.signal).then(
    (liveness) => {
      if (liveness && liveness.state !== "running") {
        exit = liveness;
        gate.abort();
      }
    },
    () => undefined,
  );
  const stopCancel = onAbort(ctx.cancel, () => gate.abort());
  try {
    const outcome = await waitHealthy(handle.port, health, gate.signal);
    if (outcome.healthy && ctx.runtime.healthcheck) {
      await waitRuntimeHealthy(ctx, handle, outcome.elapsedMs, gate.signal);
    }
    ctx.cancel?.throwIfAborted();
    if (exit) throw await exitedError(ctx, handle, exit);
    if (!outcome.healthy) {
      const expected = health.expect_status === undefined ? "a 2xx" : String(health.expect_status);
      throw new DeployError(
        `${handle.slot} never answered ${health.path} with ${expected}${health.expect_body ? ` containing '${health.expect_body}'` : ""} within ${formatDuration(health.deadline)} (last: ${describeProbe(outcome.last)})`,
        await logDetails(ctx, handle),
        { hint: `see \`switchyard logs ${handle.slot}\`` },
      );
    }
    return outcome;
  } finally {
    stopWatching.abort();
    stopCancel();
  }
}

async function waitRuntimeHealthy(
  ctx: DeployContext,
  handle: SlotHandle,
  spent: number,
  signal: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + Math.max(0, ctx.config.health.deadline - spent);
  let status = await ctx.runtime.healthcheck!(handle);
  while (status === "starting" && Date.now() < deadline && !signal.aborted) {
    await sleep(Math.min(ctx.config.health.interval, 500), signal);
    status = await ctx.runtime.healthcheck!(handle);
  }
  if (signal.aborted) return;
  if (status !== "healthy" && status !== "none") {
    throw new DeployError(
      `${handle.slot} answered ${ctx.config.health.path}, but its own HEALTHCHECK says "${status}"`,
      await logDetails(ctx, handle),
      { hint: `see \`switchyard logs ${handle.slot}\`` },
    );
  }
}

async function exitedError(ctx: DeployContext, handle: SlotHandle, exit: SlotLiveness): Promise<DeployError> {
  const how =
    exit.state === "exited"
      ? exit.exitCode !== null
        ? `with code ${exit.exitCode}`
        : `by signal ${exit.signal ?? "unknown"}`
      : "(it vanished)";
  return new DeployError(
    `${handle.slot} exited ${how} before it became healthy`,
    await logDetails(ctx, handle),
    {
      hint: `see \`switchyard logs ${handle.slot}\``,
    },
  );
}

export async function logDetails(ctx: DeployContext, handle: SlotHandle): Promise<string[]> {
  const lines = await ctx.runtime.logs(handle, 10).catch(() => []);
  return lines.length > 0 ? [`last log lines of ${handle.slot}:`, ...lines.map((l) => `  ${l}`)] : [];
}
