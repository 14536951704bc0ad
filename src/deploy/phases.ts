import type { Reporter } from "../output/reporter.js";
import type { DeployPhase, DeployProgress, State } from "../state/state.js";
import type { StateStore } from "../state/store.js";
import { errorMessage } from "../errors.js";
import { formatDuration } from "../config/duration.js";

/** Phases an interruption still stops: traffic has not moved yet. */
const BEFORE_SWITCH: ReadonlySet<DeployPhase> = new Set([
  "prepare",
  "pre_deploy",
  "start",
  "health",
  "pre_switch",
  "switch",
]);

/**
 * Runs the phases of one deploy in order, persisting `state.deploy.phase` before each one so that a
 * crash leaves a record of how far it got, and timing each step for the user and for history.
 */
export class PhaseRunner {
  readonly steps: Array<{ name: string; ms: number; ok: boolean }> = [];
  private current: State;

  constructor(
    private readonly store: StateStore,
    private readonly reporter: Reporter,
    state: State,
    private readonly progress: Omit<DeployProgress, "phase">,
    private readonly cancel?: AbortSignal,
  ) {
    this.current = state;
  }

  get state(): State {
    return this.current;
  }

  /** Persist a new state (keeping the deploy progress record). */
  async save(next: State): Promise<State> {
    this.current = await this.store.write(next);
    return this.current;
  }

  async run<T>(
    phase: DeployPhase,
    label: string,
    body: () => Promise<T>,
    describe?: (result: T) => string | undefined,
  ): Promise<T> {
    if (BEFORE_SWITCH.has(phase)) this.cancel?.throwIfAborted();
    await this.save({ ...this.current, deploy: { ...this.progress, phase } });
    const step = this.reporter.step(label);
    const started = Date.now();
    try {
      const result = await body();
      this.steps.push({ name: phase, ms: Date.now() - started, ok: true });
      step.done(describe?.(result));
      return result;
    } catch (err) {
      this.steps.push({ name: phase, ms: Date.now() - started, ok: false });
      // A step cut short by Ctrl-C (an image pull aborted) reports the interrupt, not "aborted".
      const aborted = this.cancel?.aborted === true && (err as Error | undefined)?.name === "AbortError";
      const cause: unknown = aborted ? this.cancel?.reason : err;
      step.fail(errorMessage(cause));
      throw cause;
    }
  }

  summary(): string {
    return this.steps.map((s) => `${s.name} ${formatDuration(s.ms)}`).join(", ");
  }
}
