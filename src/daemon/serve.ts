import { rm, writeFile } from "node:fs/promises";
import type { Config } from "../config/load.js";
import { LockHeldError, RouterError, errorMessage } from "../errors.js";
import { reapWarmSlots } from "../deploy/recover.js";
import { createLineReporter } from "../output/reporter.js";
import { ProxyServer } from "../proxy/proxy-server.js";
import { createRuntime } from "../runtimes/index.js";
import { acquireLock } from "../state/lock.js";
import { StateStore } from "../state/store.js";
import { adminRequest } from "./admin-client.js";
import { startAdminServer } from "./admin-server.js";
import { daemonPaths } from "./paths.js";
import type { DaemonStatus } from "./protocol.js";

const REAP_EVERY_MS = 1_000;

/**
 * `switchyard serve`: the built-in router daemon, in the foreground. Routing is restored from
 * state, so a restarted daemon sends traffic to the app processes that kept running without it.
 */
export async function serve(
  config: Config,
  log: (line: string) => void = (l) => console.log(l),
): Promise<void> {
  if (config.router.kind !== "builtin") {
    throw new RouterError(`serve runs the built-in router, but router.kind is "${config.router.kind}"`);
  }
  const paths = daemonPaths(config);
  const alive = await adminRequest<DaemonStatus>(paths.socket, "GET", "/status", undefined, 1000).catch(
    () => undefined,
  );
  if (alive)
    throw new RouterError(`a switchyard daemon already runs for ${config.service} (pid ${alive.pid})`);

  const store = new StateStore(config.stateDir);
  await store.ensureDir();
  const state = await store.read(config.service);
  const proxy = new ProxyServer({ config: config.router, baseDir: config.configDir, log });
  const listening = await proxy.start();
  const activeHandle = state.active ? state.slots[state.active].handle : null;
  if (state.active && activeHandle) {
    proxy.setTarget({ slot: state.active, host: "127.0.0.1", port: activeHandle.port });
    log(`restored route to ${state.active} (${activeHandle.version}, port ${activeHandle.port}) from state`);
  }
  let maintenance = state.maintenance ?? null;
  if (maintenance) proxy.setMaintenance(true, maintenance.message);
  const startedAt = new Date().toISOString();
  let stopping: Promise<void> | undefined;

  const admin = await startAdminServer({
    socket: paths.socket,
    proxy,
    status: () => ({
      pid: process.pid,
      startedAt,
      target: proxy.target,
      maintenance,
      listen: {
        http: `${listening.http.host}:${listening.http.port}`,
        https: listening.https ? `${listening.https.host}:${listening.https.port}` : undefined,
      },
    }),
    onMaintenance: (request) => {
      maintenance = request.on ? { message: request.message ?? "" } : null;
      proxy.setMaintenance(request.on, request.message);
      log(`maintenance ${request.on ? "on" : "off"}`);
    },
    onShutdown: () => void shutdown("admin request"),
  });
  await writeFile(paths.pidFile, `${process.pid}\n`, { mode: 0o600 });
  log(
    `switchyard daemon ${process.pid} serving ${config.service} on http://${listening.http.host}:${listening.http.port}`,
  );

  const reaper = setInterval(() => void reapInBackground(config, store, log), REAP_EVERY_MS);
  reaper.unref();

  const shutdown = (why: string): Promise<void> => {
    stopping ??= (async () => {
      log(`stopping (${why})`);
      clearInterval(reaper);
      admin.close();
      await proxy.stop(5_000);
      await rm(paths.socket, { force: true });
      await rm(paths.pidFile, { force: true });
      log("stopped");
    })();
    return stopping;
  };
  process.once("SIGTERM", () => void shutdown("SIGTERM").then(() => process.exit(0)));
  process.once("SIGINT", () => void shutdown("SIGINT").then(() => process.exit(0)));
  await new Promise<void>((resolve) =>
    admin.once("close", () => void (stopping ?? shutdown("admin closed")).then(resolve)),
  );
}

async function reapInBackground(
  config: Config,
  store: StateStore,
  log: (line: string) => void,
): Promise<void> {
  try {
    const state = await store.read(config.service);
    const due = Object.values(state.slots).some(
      (s) => s.status === "warm" && s.warmUntil && Date.parse(s.warmUntil) <= Date.now(),
    );
    if (!due) return;
    const lock = await acquireLock(config.stateDir, "switchyard serve (keep_old reaper)");
    try {
      const reporter = createLineReporter(log);
      const runtime = createRuntime(config);
      await reapWarmSlots({ config, runtime, store, reporter }, await store.read(config.service));
    } finally {
      await lock.release();
    }
  } catch (err) {
    if (!(err instanceof LockHeldError)) log(`keep_old reaper: ${errorMessage(err)}`);
  }
}
