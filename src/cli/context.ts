import { loadConfig, type Config } from "../config/load.js";
import type { DeployContext } from "../deploy/context.js";
import { colorWanted, createReporter, type Reporter } from "../output/reporter.js";
import { createRouter } from "../routers/index.js";
import { createRuntime } from "../runtimes/index.js";
import { StateStore } from "../state/store.js";
import { interruptOnSignals } from "./interrupt.js";

export interface GlobalOptions {
  readonly config: string;
  readonly json?: boolean;
  readonly quiet?: boolean;
  readonly color?: boolean;
}

export function reporterFor(globals: GlobalOptions): Reporter {
  return createReporter({
    mode: globals.json ? "json" : globals.quiet ? "quiet" : "human",
    color: colorWanted(process.stdout, globals.color),
  });
}

export async function configFor(globals: GlobalOptions, reporter: Reporter): Promise<Config> {
  const config = await loadConfig(globals.config);
  for (const warning of config.warnings) reporter.warn(warning);
  return config;
}

/**
 * Config, runtime, router, state and output for a command that changes things; `interruptible`
 * (deploy, rollback) turns SIGINT/SIGTERM/SIGHUP into a clean failure before the switch.
 */
export async function deployContext(
  globals: GlobalOptions,
  options: { readonly interruptible?: boolean } = {},
): Promise<DeployContext> {
  const reporter = reporterFor(globals);
  const config = await configFor(globals, reporter);
  return {
    config,
    reporter,
    runtime: createRuntime(config),
    router: await createRouter(config, reporter),
    store: new StateStore(config.stateDir),
    cancel: options.interruptible ? interruptOnSignals(reporter) : undefined,
  };
}
