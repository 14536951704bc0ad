import path from "node:path";
import { DeployError, DetailedError, errorMessage, SwitchyardError } from "../errors.js";
import type { RouteTarget } from "../routers/types.js";
import type { SlotHandle } from "../runtimes/types.js";
import type { HistoryEntry, State } from "../state/state.js";
import { withSlot } from "../state/state.js";
import type { SlotName } from "../types.js";
import { type DeployContext, slotLogFile, stopGrace, whoAmI } from "./context.js";
import { healthGate, logDetails } from "./health-gate.js";
import { describeProbe, probe } from "./health.js";
import { hookOutcome, runHook, type HookName } from "./hooks.js";
import { PhaseRunner } from "./phases.js";
import { trafficDelta, type TrafficReport } from "./traffic.js";

/** How the slot that takes traffic gets there. */
export type PromotePlan = {
  readonly kind: "deploy" | "rollback";
  readonly id: string;
  readonly slot: SlotName;
  readonly from: SlotName | null;
  readonly version: string;
  readonly image?: string | undefined;
  readonly force?: boolean | undefined;
} & (
  | { readonly start: "fresh" }
  /** Roll back to a slot that is still running (kept warm): no start, no wait. */
  | { readonly start: "reuse"; readonly handle: SlotHandle }
  /** Roll back by starting a recorded version again (e.g. an image digest). */
  | { readonly start: "restart"; readonly handle: SlotHandle }
);

export interface PromoteResult {
  readonly id: string;
  readonly kind: "deploy" | "rollback";
  readonly slot: SlotName;
  readonly from: SlotName | null;
  readonly version: string;
  readonly artifact?: string | undefined;
  readonly durationMs: number;
  readonly traffic: TrafficReport;
  readonly steps: ReadonlyArray<{ name: string; ms: number; ok: boolean }>;
}

/**
 * The deploy state machine: prepare -> pre_deploy -> start -> health -> pre_switch -> switch ->
 * post_switch -> drain -> retire -> record. Before the switch completes, any failure stops the new
 * slot and leaves traffic where it was.
 */
export async function promote(ctx: DeployContext, initial: State, plan: PromotePlan): Promise<PromoteResult> {
  const { config, runtime, router, reporter } = ctx;
  const startedAt = new Date();
  const runner = new PhaseRunner(
    ctx.store,
    reporter,
    initial,
    {
      id: plan.id,
      kind: plan.kind,
      slot: plan.slot,
      from: plan.from,
      version: plan.version,
      pid: process.pid,
      startedAt: startedAt.toISOString(),
    },
    ctx.cancel,
  );
  const fromHandle = plan.from ? initial.slots[plan.from].handle : null;
  const before = await router.traffic().catch(() => undefined);
  let artifact = plan.start === "fresh" ? undefined : plan.handle.artifact;
  let handle: SlotHandle | null = plan.start === "reuse" ? plan.handle : null;
  let switched = false;
  const hook = (name: HookName, extra: Record<string, string> = {}, signal?: AbortSignal) =>
    runHook(name, config.hooks, {
      cwd: config.configDir,
      reporter,
      signal,
      logFile: path.join(config.stateDir, "logs", "hooks.log"),
      env: {
        SWITCHYARD_SERVICE: config.service,
        SWITCHYARD_SLOT: plan.slot,
        SWITCHYARD_PREVIOUS_SLOT: plan.from ?? "",
        SWITCHYARD_VERSION: plan.version,
        SWITCHYARD_IMAGE: artifact ?? plan.image ?? "",
        SWITCHYARD_DEPLOY_ID: plan.id,
        ...extra,
      },
    });
  const vetoingHook = async (name: HookName, extra?: Record<string, string>) => {
    if (config.hooks[name] === undefined) return;
    await runner.run(name as "pre_deploy" | "pre_switch", `hook ${name}`, async () => {
      const result = await hook(name, extra, ctx.cancel);
      ctx.cancel?.throwIfAborted();
      if (!result.ok) {
        throw new DeployError(
          `hook ${name} ${hookOutcome(result)}`,
          result.lastLines.map((l) => `  ${l}`),
        );
      }
    });
  };

  try {
    if (plan.start === "fresh") {
      const prepared = await runner.run(
        "prepare",
        "prepare",
        () =>
          runtime.prepare({
            version: plan.version,
            image: plan.image,
            active: fromHandle ?? undefined,
            signal: ctx.cancel,
          }),
        (r) => r.summary,
      );
      if (prepared.sameAsActive && !plan.force) {
        throw new DeployError(`${prepared.artifact ?? plan.version} is already what ${plan.from} runs`, [], {
          hint: "nothing new to deploy; pass --force to deploy it anyway",
        });
      }
      artifact = prepared.artifact;
      await vetoingHook("pre_deploy");
    }
    if (plan.start !== "reuse") {
      await clearIdleSlot(ctx, runner, plan.slot);
      handle = await runner.run(
        "start",
        `start ${plan.slot} (${plan.version})`,
        async () => {
          await runner.save(withSlot(runner.state, plan.slot, { status: "starting", handle: null }));
          const started: SlotHandle = await runtime.start({
            service: config.service,
            slot: plan.slot,
            port: config.slots[plan.slot].port,
            version: plan.version,
            deployId: plan.id,
            artifact,
            env: config.runtime.env,
            logFile: slotLogFile(config, plan.slot),
          });
          handle = started; // known before the save: if that fails, the failure path still stops it
          await runner.save(withSlot(runner.state, plan.slot, { status: "starting", handle: started }));
          return started;
        },
        (h) =>
          h.pid ? `pid ${h.pid}` : h.containerId ? `container ${h.containerId.slice(0, 12)}` : undefined,
      );
      const started = handle;
      await runner.run(
        "health",
        `health gate ${plan.slot}`,
        () => healthGate(ctx, started),
        (o) => `${o.attempts} probe(s)`,
      );
    } else {
      const warm = handle!;
      await runner.run("health", `check warm ${plan.slot}`, async () => {
        const result = await probe(warm.port, config.health);
        if (!result.ok) {
          throw new DeployError(`${plan.slot} is running but unhealthy (last: ${describeProbe(result)})`);
        }
      });
    }
    await vetoingHook("pre_switch", {
      SWITCHYARD_PREVIEW_URL: `http://127.0.0.1:${config.slots[plan.slot].port}`,
    });
    const target = targetOf(ctx, plan.slot);
    await runner.run("switch", `switch traffic to ${plan.slot}`, () => router.switchTo(target));
    switched = true;
    await runner.save({
      ...withSlot(runner.state, plan.slot, { status: "running", handle }),
      active: plan.slot,
    });
  } catch (err) {
    // The switch went through but recording it did not (disk full): traffic goes back first, so
    // stopping the new slot below cannot cut off the requests it now serves.
    if (switched) {
      try {
        await undoSwitch(ctx, plan, fromHandle);
      } catch (undoErr) {
        throw new DeployError(
          `${plan.kind} failed after the switch: ${errorMessage(err)}; switching back to ${plan.from ?? "nothing"} failed too (${errorMessage(undoErr)}), so ${plan.slot} keeps serving`,
          [],
          { cause: err, hint: "fix the cause, then run `switchyard status` and deploy again" },
        );
      }
    }
    throw await failBeforeSwitch(ctx, runner, plan, handle, err, hook);
  }

  await afterSwitch(ctx, runner, plan, initial, fromHandle, hook);
  const after = await router.traffic().catch(() => undefined);
  const traffic = trafficDelta(before, after);
  const finished = new Date();
  const result: PromoteResult = {
    id: plan.id,
    kind: plan.kind,
    slot: plan.slot,
    from: plan.from,
    version: plan.version,
    artifact,
    durationMs: finished.getTime() - startedAt.getTime(),
    traffic,
    steps: runner.steps,
  };
  await runner.run("record", "record", async () => {
    await ctx.store.appendHistory(historyEntry(plan, result, startedAt, finished, "succeeded"));
    await runner.save({ ...runner.state, deploy: null });
  });
  const postDeploy = await hook("post_deploy");
  if (!postDeploy.ok)
    reporter.warn(`hook post_deploy exited with code ${postDeploy.exitCode}; the deploy stands`);
  return result;
}

/** The idle slot may still hold a warm or stopped previous version: it is being replaced. */
async function clearIdleSlot(ctx: DeployContext, runner: PhaseRunner, slot: SlotName): Promise<void> {
  const idle = runner.state.slots[slot];
  if (!idle.handle || idle.status === "empty" || runner.state.active === slot) return;
  await ctx.runtime.stop(idle.handle, stopGrace(ctx.config));
  await runner.save(withSlot(runner.state, slot, { status: "stopped", handle: idle.handle }));
}

async function afterSwitch(
  ctx: DeployContext,
  runner: PhaseRunner,
  plan: PromotePlan,
  initial: State,
  fromHandle: SlotHandle | null,
  hook: (name: HookName) => ReturnType<typeof runHook>,
): Promise<void> {
  const { config, router, runtime, reporter } = ctx;
  const post = await hook("post_switch");
  if (!post.ok) {
    const where = await rejectAfterSwitch(ctx, runner, plan, initial, fromHandle);
    await hook("on_failure");
    throw await failAfter(
      ctx,
      runner,
      plan,
      `hook post_switch ${hookOutcome(post)}; ${where}`,
      post.lastLines,
    );
  }
  const promoted = runner.state.slots[plan.slot];
  if (promoted.handle)
    await runner.save(withSlot(runner.state, plan.slot, { ...promoted, good: promoted.handle }));
  if (!plan.from || !fromHandle) return;
  const from = plan.from;
  // From here on the new version serves and stays: a drain or stop that fails is a warning with
  // what to do, not a failed deploy (exit 1 promises traffic unchanged).
  await runner
    .run(
      "drain",
      `drain ${from}`,
      () => router.drain(from, config.drain.timeout),
      (d) => (d.drained ? undefined : `${d.remaining} still in flight at the deadline (${d.note})`),
    )
    .catch((err: unknown) =>
      reporter.warn(`drain of ${from} failed (${errorMessage(err)}); retiring it anyway`),
    );
  if (config.keep_old > 0) {
    const warmUntil = new Date(Date.now() + config.keep_old).toISOString();
    await runner.run(
      "retire",
      `keep ${from} warm`,
      () => runner.save(withSlot(runner.state, from, { status: "warm", handle: fromHandle, warmUntil })),
      () => `until ${warmUntil.slice(11, 19)} UTC; \`switchyard rollback\` is instant until then`,
    );
  } else {
    await runner
      .run("retire", `stop ${from}`, async () => {
        await runtime.stop(fromHandle, stopGrace(config));
        await runner.save(withSlot(runner.state, from, { status: "stopped", handle: fromHandle }));
      })
      .catch((err: unknown) =>
        reporter.warn(
          `could not stop ${from} (${errorMessage(err)}); it may still run: check \`switchyard status\``,
        ),
      );
  }
  if (runtime.prune) {
    const keep = Object.values(runner.state.slots).flatMap((s) => [s.handle, s.good ?? null]);
    await runtime
      .prune(keep.filter((h): h is SlotHandle => h !== null))
      .catch((err: unknown) => reporter.warn(`prune: ${errorMessage(err)}`));
  }
}

/** Puts traffic back where it was before this promotion's switch. */
async function undoSwitch(
  ctx: DeployContext,
  plan: PromotePlan,
  fromHandle: SlotHandle | null,
): Promise<void> {
  if (plan.from && fromHandle) await ctx.router.switchTo(targetOf(ctx, plan.from));
  else await ctx.router.clear();
}

/**
 * A post-switch check rejected the new slot: traffic goes back where it was (nowhere, on a first
 * deploy), the rejected slot is stopped (a warm slot rolled back to turns warm again). Returns where
 * traffic is, for the error message.
 */
async function rejectAfterSwitch(
  ctx: DeployContext,
  runner: PhaseRunner,
  plan: PromotePlan,
  initial: State,
  fromHandle: SlotHandle | null,
): Promise<string> {
  const { config, router, runtime, reporter } = ctx;
  try {
    await undoSwitch(ctx, plan, fromHandle);
  } catch (err) {
    return `switching back failed too (${errorMessage(err)}), so ${plan.slot} keeps serving`;
  }
  const back = plan.from && fromHandle ? plan.from : null;
  await runner.save({ ...runner.state, active: back });
  await router.drain(plan.slot, config.drain.timeout).catch(() => undefined);
  const rejected = runner.state.slots[plan.slot].handle;
  if (plan.start === "reuse") {
    await runner.save(withSlot(runner.state, plan.slot, initial.slots[plan.slot]));
  } else if (rejected) {
    await runtime
      .stop(rejected, stopGrace(config))
      .catch((e: unknown) => reporter.warn(`could not stop ${plan.slot}: ${errorMessage(e)}`));
    await runner.save(withSlot(runner.state, plan.slot, { status: "failed", handle: rejected }));
  }
  return back
    ? `traffic switched back to ${back}`
    : `nothing serves again, as before this deploy, and ${plan.slot} is stopped`;
}

function targetOf(ctx: DeployContext, slot: SlotName): RouteTarget {
  return { slot, host: "127.0.0.1", port: ctx.config.slots[slot].port };
}

/** Stops the new slot, records the failure and returns the error to throw; traffic never moved. */
async function failBeforeSwitch(
  ctx: DeployContext,
  runner: PhaseRunner,
  plan: PromotePlan,
  handle: SlotHandle | null,
  err: unknown,
  hook: (name: HookName) => ReturnType<typeof runHook>,
): Promise<SwitchyardError> {
  const { reporter } = ctx;
  const evidence = err instanceof DetailedError ? [...err.details] : [];
  if (handle && plan.start !== "reuse") {
    if (evidence.length === 0) evidence.push(...(await logDetails(ctx, handle)));
    const { runtime } = ctx;
    await (
      runtime.discard
        ? runtime.discard(handle, stopGrace(ctx.config))
        : runtime.stop(handle, stopGrace(ctx.config))
    ).catch((e: unknown) => reporter.warn(`could not stop ${plan.slot}: ${errorMessage(e)}`));
    await runner.save(withSlot(runner.state, plan.slot, { status: "failed", handle }));
  } else if (runner.state.slots[plan.slot].status === "starting") {
    await runner.save(withSlot(runner.state, plan.slot, { status: "empty", handle: null }));
  }
  const where = plan.from
    ? `traffic stays on ${plan.from}`
    : "nothing was serving before, nothing serves now";
  const failure = await failAfter(
    ctx,
    runner,
    plan,
    `${plan.kind} failed: ${errorMessage(err)}; ${where}`,
    evidence,
  );
  await hook("on_failure");
  const hint = err instanceof SwitchyardError ? err.hint : undefined;
  return new DeployError(failure.message, failure.details, { cause: err, hint });
}

async function failAfter(
  ctx: DeployContext,
  runner: PhaseRunner,
  plan: PromotePlan,
  message: string,
  lines: readonly string[],
): Promise<DeployError> {
  const finished = new Date();
  const startedAt = new Date(runner.state.deploy?.startedAt ?? finished);
  const entry = historyEntry(
    plan,
    { durationMs: finished.getTime() - startedAt.getTime(), steps: runner.steps },
    startedAt,
    finished,
    "failed",
    message,
  );
  await ctx.store.appendHistory(entry);
  await runner.save({ ...runner.state, deploy: null });
  return new DeployError(message, lines);
}

function historyEntry(
  plan: PromotePlan,
  result: Pick<PromoteResult, "durationMs" | "steps"> & Partial<Pick<PromoteResult, "artifact" | "traffic">>,
  startedAt: Date,
  finished: Date,
  outcome: HistoryEntry["outcome"],
  error?: string,
): HistoryEntry {
  return {
    id: plan.id,
    kind: plan.kind,
    outcome,
    version: plan.version,
    artifact: result.artifact,
    slot: plan.slot,
    from: plan.from,
    ...whoAmI(),
    startedAt: startedAt.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: result.durationMs,
    steps: result.steps,
    error,
    traffic: result.traffic,
  };
}
