import { DeployError } from "../errors.js";
import type { Reporter } from "../output/reporter.js";

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/**
 * For deploy and rollback: the first Ctrl-C (or a cancelled CI job's SIGTERM/SIGHUP) aborts the
 * returned signal (its reason a DeployError), so the engine fails the deploy the usual way (new slot stopped, lock released,
 * history written) instead of dying with the new slot half-started. A second signal exits at once.
 */
export function interruptOnSignals(reporter: Reporter): AbortSignal {
  const controller = new AbortController();
  for (const name of SIGNALS) {
    process.on(name, () => {
      if (controller.signal.aborted) process.exit(130);
      reporter.warn(`${name}: stopping before the switch if it has not happened yet; again to quit at once`);
      controller.abort(new DeployError(`interrupted by ${name}`));
    });
  }
  return controller.signal;
}
