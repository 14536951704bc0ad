import { ensureDaemon } from "../../daemon/lifecycle.js";
import { configFor, reporterFor, type GlobalOptions } from "../context.js";

export async function run(globals: GlobalOptions): Promise<number> {
  const reporter = reporterFor(globals);
  const config = await configFor(globals, reporter);
  if (config.router.kind !== "builtin") {
    reporter.info(`router.kind is ${config.router.kind}: there is no switchyard daemon to start`);
    return 0;
  }
  const { status, started } = await ensureDaemon(config);
  const target = status.target ? `${status.target.slot} (port ${status.target.port})` : "nothing yet";
  reporter.event("daemon", { ...status, started });
  reporter.info(
    `daemon ${started ? "started" : "already running"}: pid ${status.pid}, http://${status.listen.http} -> ${target}`,
  );
  return 0;
}
