import { Command, CommanderError, Option } from "commander";
import { handleError } from "./handle-error.js";
import type { GlobalOptions } from "./context.js";

// A reader that goes away (CI's ssh session drops, `| head`) must not kill a deploy half-way:
// output is best effort, the deploy's state and history are what count.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE" && err.code !== "ERR_STREAM_DESTROYED") throw err;
  });
}

/** One verb per module, loaded only when that verb runs. */
type Verb = (
  globals: GlobalOptions,
  args: unknown[],
  options: Record<string, unknown>,
) => Promise<number | void>;
// The common flags belong to the subcommand, so the error handler needs the running verb's copy.
let verbGlobals: Partial<GlobalOptions> = {};
const verb =
  (load: () => Promise<{ run: Verb }>) =>
  async (...params: unknown[]) => {
    const command = params.at(-1) as Command;
    const globals = command.optsWithGlobals<GlobalOptions>();
    verbGlobals = globals;
    const { run } = await load();
    const code = await run(globals, params.slice(0, -2), command.opts());
    process.exitCode = code ?? 0;
  };

// Positional options: `switchyard --version` is the tool's version, `switchyard deploy --version L`
// the deploy's label. The common flags are therefore given to every verb.
const program = new Command("switchyard")
  .description("Zero-downtime blue/green deploys for any web app")
  .version("0.1.0")
  .enablePositionalOptions()
  .exitOverride()
  .showSuggestionAfterError();
program.hook("preSubcommand", (_program, sub) => {
  sub
    .option("-c, --config <path>", "config file", "switchyard.yml")
    .option("--json", "machine-readable output (NDJSON events for deploy)")
    .option("-q, --quiet", "only warnings and errors")
    .option("--no-color", "no colour (NO_COLOR is honoured too)")
    .exitOverride();
});

program
  .command("deploy")
  .description(
    "start the new version in the idle slot, health-check it, switch traffic, drain and stop the old one",
  )
  .option("--version <label>", "label of this version (default: git describe of the config's directory)")
  .option("--image <ref>", "docker/compose: image to deploy instead of runtime.image")
  .option("--force", "deploy even when the image digest is the one already running")
  .action(verb(() => import("./commands/deploy.js")));

program
  .command("rollback")
  .description("switch traffic back to the previous slot (instant while it is kept warm)")
  .action(verb(() => import("./commands/rollback.js")));

program
  .command("status")
  .description("which slot serves, what runs in each slot, whether the daemon runs")
  .action(verb(() => import("./commands/status.js")));

program
  .command("history")
  .description("past deploys and rollbacks, newest first")
  .option("-n, --limit <count>", "how many", "20")
  .action(verb(() => import("./commands/history.js")));

program
  .command("logs")
  .description("the last lines a slot's app (or the daemon) printed")
  .argument("[slot]", "blue | green | daemon (default: the active slot)")
  .option("-n, --lines <count>", "how many lines", "100")
  .action(verb(() => import("./commands/logs.js")));

program
  .command("adopt")
  .description("first run only: take over the container already serving on a slot port as the active slot")
  .argument("<container>", "name or id of the running container (e.g. the seed's server-a)")
  .option("--slot <slot>", "blue | green (default: the slot whose port it publishes)")
  .action(verb(() => import("./commands/adopt.js")));

program
  .command("serve")
  .description("run the built-in router daemon in the foreground (for systemd)")
  .action(verb(() => import("./commands/serve.js")));

program
  .command("up")
  .description("start the built-in router daemon in the background if it is not running")
  .action(verb(() => import("./commands/up.js")));

program
  .command("down")
  .description("stop both slots and the daemon")
  .action(verb(() => import("./commands/down.js")));

program
  .command("maintenance")
  .description("answer every request with 503 and a message (the daemon keeps running)")
  .addArgument(new Command().createArgument("<state>", "on | off").choices(["on", "off"]))
  .addOption(new Option("-m, --message <text>", "shown on the 503 page"))
  .action(verb(() => import("./commands/maintenance.js")));

program
  .command("init")
  .description(
    "write switchyard.yml, a GitHub Actions deploy workflow, and a systemd unit or router site config (asks in a TTY)",
  )
  .option("--dir <path>", "project directory to write into", ".")
  .option("--service <name>", "service name (default: the directory's name)")
  .addOption(new Option("--runtime <kind>", "how the app runs").choices(["process", "docker"]))
  .option("--image <repository>", "docker: image repository without tag, e.g. ghcr.io/acme/shop")
  .option("--command <argv>", 'process: command that starts the app, e.g. "node server.js"')
  .addOption(new Option("--router <kind>", "what moves traffic").choices(["builtin", "nginx", "haproxy"]))
  .option("--blue-port <port>", "blue slot port")
  .option("--green-port <port>", "green slot port")
  .option("--listen-port <port>", "builtin: port the proxy listens on")
  .option("--container-port <port>", "docker: port the app listens on in the container")
  .option("--health-path <path>", "health check path")
  .option("--branch <name>", "branch whose pushes deploy")
  .option("--deploy-dir <path>", "directory on the server holding switchyard.yml")
  .option("--domain <name>", "nginx/haproxy: public host name; the site config then serves TLS")
  .option("-y, --yes", "ask nothing: flags and defaults")
  .option("--force", "overwrite existing files")
  .action(verb(() => import("./commands/init.js")));

program
  .command("doctor")
  .description("check this host for what the config needs; each problem with its fix")
  .action(verb(() => import("./commands/doctor.js")));

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // commander printed its own message; help and version are not errors.
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else {
    process.exitCode = handleError(err, verbGlobals);
  }
}
