import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Config } from "../../config/load.js";
import { fail, ok, warn, type CheckResult } from "../../doctor/types.js";
import { errorMessage } from "../../errors.js";
import { outputLines, runCommand } from "../../util/run-command.js";
import { parseNginxInclude } from "./render-include.js";
import { readMasterPid } from "./workers.js";

/**
 * `switchyard doctor` for router.kind nginx (the binary and the include's directory are checked by
 * src/doctor/router-checks.ts): nginx accepts its config, runs, and the site uses the include.
 */
export async function doctorChecks(config: Config): Promise<CheckResult[]> {
  const router = config.router;
  if (router.kind !== "nginx") return [];
  const includeFile = path.resolve(config.configDir, router.include_file);
  const results: CheckResult[] = [];

  const tested = await runCommand(router.test_command);
  results.push(
    tested.ok
      ? ok("nginx config", `\`${router.test_command.join(" ")}\` passes`)
      : fail(
          "nginx config",
          outputLines(tested, 3).join(" / "),
          `run \`${router.test_command.join(" ")}\` and fix what it reports`,
        ),
  );

  const include = await readFile(includeFile, "utf8").catch(() => undefined);
  const parsed = include === undefined ? undefined : parseNginxInclude(include);
  results.push(
    include === undefined
      ? warn(
          "nginx include",
          `${includeFile} does not exist yet`,
          "`switchyard deploy` creates it; include it from the site first",
        )
      : parsed
        ? ok(
            "nginx include",
            `${includeFile} routes to ${parsed.active ?? "nothing"} (${parsed.target ?? "-"})`,
          )
        : warn(
            "nginx include",
            `${includeFile} was not written by switchyard`,
            "the next deploy replaces it; keep nothing else in it",
          ),
  );

  results.push(
    await readMasterPid(path.resolve(config.configDir, router.pid_file)).then(
      (pid) => ok("nginx running", `master pid ${pid} (${router.pid_file})`),
      (err: unknown) =>
        fail(
          "nginx running",
          errorMessage(err),
          "start nginx (`sudo systemctl start nginx`) or fix router.nginx.pid_file",
        ),
    ),
  );

  results.push(await siteUsesInclude(config, router.test_command, includeFile));
  return results;
}

/** `nginx -T` dumps every loaded file; the include must be one, and the site must proxy to it. */
async function siteUsesInclude(
  config: Config,
  testCommand: readonly string[],
  includeFile: string,
): Promise<CheckResult> {
  const router = config.router;
  if (router.kind !== "nginx") return ok("nginx site", "not nginx");
  const name = "nginx site uses the include";
  if (!testCommand.includes("-t"))
    return warn(name, "cannot dump the config (test_command has no -t)", "check by hand");
  const dump = await runCommand(
    testCommand.filter((arg) => arg !== "-q").map((arg) => (arg === "-t" ? "-T" : arg)),
  );
  if (!dump.ok) return warn(name, "`nginx -T` failed", "fix `nginx -t` first");
  const loaded = dump.stdout.includes(`# configuration file ${includeFile}:`);
  const target =
    router.style === "upstream" ? `http://${router.upstream ?? config.service}` : `$${router.variable}`;
  const proxies = new RegExp(`proxy_pass\\s+${target.replace(/[$.]/g, "\\$&")}[;/\\s]`).test(dump.stdout);
  if (loaded && proxies) return ok(name, `nginx loads ${includeFile} and a location proxies to ${target}`);
  return fail(
    name,
    loaded ? `no \`proxy_pass ${target}\` in the loaded config` : `nginx does not load ${includeFile}`,
    "`switchyard init --router nginx` prints a site config that does both",
  );
}
