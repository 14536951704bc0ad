// Entry of the child process of load-isolated.ts: argv[2] = the config file; prints one JSON message.
import { ConfigError } from "../errors.js";
import { registeredSecrets } from "../secrets.js";
import type { ResolvedConfigMessage } from "./load-isolated.js";
import { loadConfig } from "./load.js";

let message: ResolvedConfigMessage;
try {
  const config = await loadConfig(process.argv[2] ?? "switchyard.yml");
  message = { ok: true, config, secrets: registeredSecrets() };
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  message = { ok: false, message: err.message, problems: err.problems, hint: err.hint };
}
process.stdout.write(JSON.stringify(message));
