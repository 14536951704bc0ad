import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Config } from "../../config/load.js";
import { fail, ok, warn, type CheckResult } from "../../doctor/types.js";
import { errorMessage } from "../../errors.js";
import { SLOTS } from "../../types.js";
import { outputLines, runCommand } from "../../util/run-command.js";
import { hasHealthCheck, isReady } from "./parse-stats.js";
import { HaproxyBackend } from "./runtime-api.js";
import { socketCommand } from "./stats-socket.js";

/**
 * `switchyard doctor` for router.kind haproxy (the binary is checked by src/doctor/router-checks.ts):
 * the config is valid, the socket answers at admin level, the backend has both servers with health
 * checks, and the config file's `disabled` flags agree with the runtime state.
 */
export async function doctorChecks(config: Config): Promise<CheckResult[]> {
  const router = config.router;
  if (router.kind !== "haproxy") return [];
  const results: CheckResult[] = [];
  const configFile = router.config === undefined ? undefined : path.resolve(config.configDir, router.config);
  if (configFile) {
    const checked = await runCommand([...router.check_command, configFile]);
    results.push(
      checked.ok
        ? ok("haproxy config", `${configFile} is valid`)
        : fail(
            "haproxy config",
            outputLines(checked, 3).join(" / "),
            `run \`${[...router.check_command, configFile].join(" ")}\``,
          ),
    );
  } else {
    results.push(
      warn(
        "haproxy config",
        "router.haproxy.config is not set",
        "set it so a reload keeps routing to the active slot",
      ),
    );
  }

  const level: string | Error = await socketCommand(router.socket, "show cli level").catch((err: unknown) =>
    err instanceof Error ? err : new Error(String(err)),
  );
  if (level instanceof Error) {
    results.push(
      fail(
        "haproxy socket",
        errorMessage(level),
        "add `stats socket <path> mode 600 level admin` to `global`, reload",
      ),
    );
    return results;
  }
  results.push(
    level.trim() === "admin"
      ? ok("haproxy socket", `${router.socket} answers at level admin`)
      : fail(
          "haproxy socket",
          `${router.socket} is at level "${level.trim()}"`,
          "add `level admin` to the `stats socket` line",
        ),
  );

  try {
    const be = new HaproxyBackend(router.socket, router.backend);
    const servers = await Promise.all(SLOTS.map((slot) => be.server(router.servers[slot])));
    const unchecked = servers.filter((s) => !hasHealthCheck(s)).map((s) => s.name);
    results.push(
      unchecked.length === 0
        ? ok(
            "haproxy backend",
            `${router.backend} has ${servers.map((s) => s.name).join(" and ")}, health-checked`,
          )
        : warn(
            "haproxy backend",
            `no \`check\` on ${unchecked.join(", ")}`,
            "add `check` so HAProxy confirms a slot is up before it gets traffic",
          ),
    );
    if (configFile)
      results.push(
        await configMatchesRuntime(
          configFile,
          servers.filter(isReady).map((s) => s.name),
        ),
      );
  } catch (err) {
    results.push(
      fail("haproxy backend", errorMessage(err), "make router.haproxy.backend and servers match haproxy.cfg"),
    );
  }
  return results;
}

async function configMatchesRuntime(configFile: string, ready: readonly string[]): Promise<CheckResult> {
  const text = await readFile(configFile, "utf8").catch(() => "");
  const enabledInFile = [...text.matchAll(/^\s*server\s+(\S+)\s+\S+(.*)$/gm)]
    .filter((m) => !/\bdisabled\b/.test(m[2] ?? ""))
    .map((m) => m[1]!);
  const mismatch = ready.filter((name) => !enabledInFile.includes(name));
  return mismatch.length === 0
    ? ok("haproxy config in step", "a reload keeps routing to the active slot")
    : warn(
        "haproxy config in step",
        `${mismatch.join(", ")} takes traffic but is \`disabled\` in ${configFile}`,
        "deploy again, or fix the server lines by hand",
      );
}
