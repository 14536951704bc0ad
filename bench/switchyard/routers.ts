import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { nginxConfHead } from "../lib/nginx-conf.js";
import { freePort } from "../../src/util/ports.js";
import { runCommand, spawnGroup, waitForHttp } from "../lib/processes.js";
import { childPids } from "../lib/proc-stats.js";
import type { RouterSetup } from "./project.js";

/** switchyard's own proxy; it runs in switchyard's daemon, so its pid comes from `status`. */
export async function builtinSetup(): Promise<RouterSetup> {
  const port = await freePort();
  return {
    kind: "builtin",
    yaml: ["  kind: builtin", `  listen: "127.0.0.1:${port}"`],
    url: `http://127.0.0.1:${port}/`,
    proxyPids: () => [],
    stop: async () => undefined,
  };
}

/** nginx as a user would set it up for switchyard: an upstream from the include file switchyard owns. */
export function renderNginxMainConf(prefix: string, listenPort: number, includeFile: string): string {
  return `${nginxConfHead(prefix)}  include ${includeFile};
  server {
    listen 127.0.0.1:${listenPort};
    location / {
      proxy_pass http://bench;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
    }
  }
}
`;
}

/** The include before the first deploy: routes nowhere, in the format switchyard writes. */
const EMPTY_INCLUDE = `# Managed by switchyard: rewritten on every switch, do not edit by hand.
# switchyard: active=none target=none
upstream bench {
    server 127.0.0.1:1 down;
}
`;

/** An include routing straight to one app, for measurements without switchyard. */
export function renderFixedUpstream(appPort: number): string {
  return `upstream bench {\n    server 127.0.0.1:${appPort};\n    keepalive 32;\n}\n`;
}

export async function nginxSetup(dir: string, initialInclude = EMPTY_INCLUDE): Promise<RouterSetup> {
  const prefix = path.join(dir, "nginx");
  for (const sub of ["body", "proxy", "fastcgi", "uwsgi", "scgi"]) {
    await mkdir(path.join(prefix, "tmp", sub), { recursive: true });
  }
  const port = await freePort();
  const conf = path.join(prefix, "nginx.conf");
  const includeFile = path.join(prefix, "switchyard-upstream.conf");
  await writeFile(conf, renderNginxMainConf(prefix, port, includeFile));
  await writeFile(includeFile, initialInclude);
  const base = ["nginx", "-p", prefix, "-c", conf];
  const test = await runCommand(base[0]!, [...base.slice(1), "-t"], { timeoutMs: 10_000 });
  if (test.code !== 0) throw new Error(`nginx -t failed for ${conf}: ${test.stderr.trim()}`);
  const proc = spawnGroup("nginx", [...base.slice(1), "-g", "daemon off;"], {
    logFile: path.join(prefix, "stdout.log"),
  });
  if (!(await waitForHttp(`http://127.0.0.1:${port}/`, () => true, 10_000))) {
    await proc.stop();
    throw new Error(`nginx for the bench did not answer on 127.0.0.1:${port}; see ${prefix}/error.log`);
  }
  const list = (items: string[]) => `[${items.map((i) => JSON.stringify(i)).join(", ")}]`;
  return {
    kind: "nginx",
    yaml: [
      "  kind: nginx",
      `  include_file: ${JSON.stringify(includeFile)}`,
      "  style: upstream",
      "  upstream: bench",
      `  test_command: ${list([...base, "-t"])}`,
      `  reload_command: ${list([...base, "-s", "reload"])}`,
      `  pid_file: ${JSON.stringify(path.join(prefix, "nginx.pid"))}`,
      `  error_log: ${JSON.stringify(path.join(prefix, "error.log"))}`,
      "  worker_exit_timeout: 30s",
    ],
    url: `http://127.0.0.1:${port}/`,
    proxyPids: () => [proc.pid, ...childPids(proc.pid)],
    stop: () => proc.stop("SIGQUIT", 5_000),
  };
}

/** HAProxy with an admin socket; both servers health-checked, green disabled until switchyard enables it. */
export function renderHaproxyConf(
  socket: string,
  listenPort: number,
  ports: { blue: number; green: number },
): string {
  return `global
  stats socket ${socket} level admin
  maxconn 4096

defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  timeout http-keep-alive 60s
  # Under full load the app answers /health late; a 200 ms check timeout would mark it DOWN (503s).
  timeout check 2s

frontend bench
  bind 127.0.0.1:${listenPort}
  default_backend app

backend app
  option httpchk GET /health
  http-check expect string running
  server blue 127.0.0.1:${ports.blue} check inter 200ms fall 3 rise 1
  server green 127.0.0.1:${ports.green} check inter 200ms fall 3 rise 1 disabled
`;
}

export async function haproxySetup(
  dir: string,
  ports: { blue: number; green: number },
): Promise<RouterSetup> {
  const prefix = path.join(dir, "haproxy");
  await mkdir(prefix, { recursive: true });
  const port = await freePort();
  const socket = path.join(prefix, "admin.sock");
  const conf = path.join(prefix, "haproxy.cfg");
  await writeFile(conf, renderHaproxyConf(socket, port, ports));
  const check = await runCommand("haproxy", ["-c", "-f", conf], { timeoutMs: 10_000 });
  if (check.code !== 0) throw new Error(`haproxy -c failed for ${conf}: ${check.stderr.trim()}`);
  const proc = spawnGroup("haproxy", ["-f", conf, "-db"], { logFile: path.join(prefix, "haproxy.log") });
  if (!(await waitForHttp(`http://127.0.0.1:${port}/`, () => true, 10_000))) {
    await proc.stop();
    throw new Error(`haproxy for the bench did not answer on 127.0.0.1:${port}; see ${prefix}/haproxy.log`);
  }
  return {
    kind: "haproxy",
    yaml: [
      "  kind: haproxy",
      `  socket: ${JSON.stringify(socket)}`,
      "  backend: app",
      "  servers: { blue: blue, green: green }",
      `  config: ${JSON.stringify(conf)}`,
    ],
    url: `http://127.0.0.1:${port}/`,
    proxyPids: () => [proc.pid, ...childPids(proc.pid)],
    stop: () => proc.stop("SIGTERM", 5_000),
  };
}
