import { execFileSync, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { routerSchema, type HaproxyRouterConfig } from "../../../src/config/router-schema.js";
import { isPidAlive } from "../../../src/util/process.js";
import { randomPort } from "./backends.js";

export const HAPROXY_AVAILABLE = spawnSync("haproxy", ["-v"]).status === 0;

/** An HAProxy of our own (daemon mode), its config, pid file and admin socket in one temp dir. */
export interface HaproxyInstance {
  readonly dir: string;
  readonly url: string;
  readonly configFile: string;
  readonly socket: string;
  routerConfig(overrides?: Record<string, unknown>): HaproxyRouterConfig;
  /** Reloads with the config file as it is now (a new process; runtime state not carried over). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export function renderTestHaproxyConfig(dir: string, port: number, blue: number, green: number): string {
  return `global
    stats socket ${dir}/admin.sock mode 600 level admin
    maxconn 2000

defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    timeout http-keep-alive 10s
    option http-keep-alive

frontend web
    bind 127.0.0.1:${port}
    default_backend app

backend app
    balance roundrobin
    option httpchk GET /health
    http-reuse safe
    retry-on conn-failure
    server blue 127.0.0.1:${blue} check inter 200ms fall 2 rise 1 disabled
    server green 127.0.0.1:${green} check inter 200ms fall 2 rise 1 disabled
`;
}

export async function startHaproxy(bluePort: number, greenPort: number): Promise<HaproxyInstance> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "switchyard-haproxy-"));
  const port = await randomPort();
  const configFile = path.join(dir, "haproxy.cfg");
  const pidFile = path.join(dir, "haproxy.pid");
  const socket = path.join(dir, "admin.sock");
  await writeFile(configFile, renderTestHaproxyConfig(dir, port, bluePort, greenPort));

  const kill = async (): Promise<void> => {
    const pid = Number((await readFile(pidFile, "utf8").catch(() => "")).trim());
    if (!(pid > 0) || !isPidAlive(pid)) return;
    process.kill(pid, "SIGTERM");
    const deadline = Date.now() + 5_000;
    while (isPidAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (isPidAlive(pid)) process.kill(pid, "SIGKILL");
  };
  const start = async (): Promise<void> => {
    execFileSync("haproxy", ["-f", configFile, "-D", "-p", pidFile], { stdio: "pipe" });
    const deadline = Date.now() + 5_000;
    while (spawnSync("test", ["-S", socket]).status !== 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await start();
  return {
    dir,
    url: `http://127.0.0.1:${port}`,
    configFile,
    socket,
    routerConfig: (overrides = {}) =>
      routerSchema.parse({
        kind: "haproxy",
        socket,
        backend: "app",
        servers: { blue: "blue", green: "green" },
        config: configFile,
        ready_timeout: "10s",
        ...overrides,
      }) as HaproxyRouterConfig,
    restart: async () => {
      await kill();
      await rm(socket, { force: true });
      await start();
    },
    stop: async () => {
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
