import { loadConfig, type Config } from "../config/load.js";
import { ConfigError, errorMessage } from "../errors.js";
import type { State } from "../state/state.js";
import { StateStore } from "../state/store.js";
import { checkDocker, checkRegistryLogin } from "./docker-checks.js";
import { checkPorts } from "./port-checks.js";
import { checkRouter } from "./router-checks.js";
import { checkNodeVersion, checkStateDir } from "./system-checks.js";
import { fail, ok, type CheckResult } from "./types.js";

/** Every check for the config at `configFile`, in the order a user fixes them. Never throws. */
export async function runChecks(
  configFile: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [checkNodeVersion()];
  let config: Config;
  try {
    config = await loadConfig(configFile, env);
  } catch (err) {
    const problems = err instanceof ConfigError ? err.problems.map((p) => `; ${p}`).join("") : "";
    results.push(
      fail(
        "config",
        `${errorMessage(err)}${problems}`,
        err instanceof ConfigError && err.hint ? err.hint : "run `switchyard init` to write a config",
      ),
    );
    return results;
  }
  results.push(ok("config", config.configPath));
  for (const warning of config.warnings) {
    results.push({ name: "config", status: "warn", detail: warning, fix: "see the warning" });
  }
  results.push(await checkStateDir(config.stateDir));
  let state: State | undefined;
  try {
    state = await new StateStore(config.stateDir).read(config.service);
  } catch (err) {
    results.push(fail("state", errorMessage(err), "see the message; `switchyard status` shows more"));
  }
  results.push(...(await checkPorts(config, state)));
  if (config.runtime.kind === "docker" || config.runtime.kind === "compose") {
    results.push(await checkDocker(env));
  }
  if (config.runtime.kind === "docker") results.push(await checkRegistryLogin(config.runtime.image, env));
  results.push(...(await checkRouter(config)));
  return results;
}
