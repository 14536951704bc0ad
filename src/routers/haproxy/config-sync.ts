import { readFile, rm } from "node:fs/promises";
import { RouterError } from "../../errors.js";
import { commitTemp, writeFileAtomic, writeTempBeside } from "../../util/atomic-file.js";
import { outputLines, runCommand } from "../../util/run-command.js";
import { rewriteHaproxyServers, type ServerLineChange } from "./render-config.js";
import { socketCommand } from "./stats-socket.js";

/** A validated haproxy.cfg waiting to be moved into place once the runtime switch succeeded. */
export interface PendingConfig {
  commit(): Promise<void>;
  discard(): Promise<void>;
}

const NOTHING: PendingConfig = { commit: async () => undefined, discard: async () => undefined };

/**
 * Renders the new `server` lines into a temp file beside `configFile` and validates it with
 * `checkCommand <temp>`; throws RouterError with HAProxy's output when invalid (nothing changed).
 */
export async function prepareConfig(
  configFile: string | undefined,
  backend: string,
  changes: readonly ServerLineChange[],
  checkCommand: readonly string[],
): Promise<PendingConfig> {
  if (configFile === undefined) return NOTHING;
  let current: string;
  try {
    current = await readFile(configFile, "utf8");
  } catch (err) {
    throw new RouterError(`cannot read the HAProxy config ${configFile} (router.haproxy.config)`, [], {
      cause: err,
    });
  }
  const next = rewriteHaproxyServers(current, backend, changes);
  if (next === current) return NOTHING;
  const temp = await writeTempBeside(configFile, next);
  const checked = await runCommand([...checkCommand, temp]);
  if (!checked.ok) {
    await rm(temp, { force: true });
    const lines = outputLines(checked);
    throw new RouterError(
      `HAProxy rejects the updated ${configFile}: ${lines.find((l) => /ALERT|error/i.test(l)) ?? lines[0] ?? "no output"}; nothing changed`,
      lines.map((line) => `  ${line}`),
      { hint: `run \`${[...checkCommand, configFile].join(" ")}\` and fix the config, then deploy again` },
    );
  }
  return { commit: () => commitTemp(temp, configFile), discard: () => rm(temp, { force: true }) };
}

/** Saves `show servers state` where `server-state-file` + `load-server-state-from-file` read it on reload. */
export async function saveServerState(socket: string, stateFile: string | undefined): Promise<void> {
  if (stateFile === undefined) return;
  const state = await socketCommand(socket, "show servers state");
  await writeFileAtomic(stateFile, state);
}
