import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { nginxConfHead } from "../lib/nginx-conf.js";
import { spawnGroup, runCommand, waitForHttp, type GroupProcess } from "../lib/processes.js";

/**
 * The seed's nginx, re-created for loopback: one server that proxies everything to `$service_url`
 * from an included file, with the seed's three proxy headers. TLS and the 80 -> 443 redirect are
 * left out (they do not change what a switch does to in-flight and idle connections).
 */
export function renderSeedNginxConf(prefix: string, listenPort: number): string {
  const p = (name: string) => path.join(prefix, name);
  return `${nginxConfHead(prefix)}  server {
    include ${p("service-url.inc")};
    listen 127.0.0.1:${listenPort};
    location / {
      proxy_pass $service_url;
      proxy_set_header X-Real-Ip $remote_addr;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header Host $host;
    }
  }
}
`;
}

/** The seed's include file. */
export function renderServiceUrlInclude(port: number): string {
  return `set $service_url http://127.0.0.1:${port};\n`;
}

/** `sed -i "s/OLD/NEW/" file`: the first occurrence on each line, as the seed does. */
export function sedFirstPerLine(text: string, from: string, to: string): string {
  return text
    .split("\n")
    .map((line) => line.replace(from, to))
    .join("\n");
}

/** A private nginx (own prefix, pid file, logs) running in the foreground of its own process group. */
export interface SeedNginx {
  readonly port: number;
  readonly prefix: string;
  readonly includeFile: string;
  readonly process: GroupProcess;
  /** `nginx -s reload`: returns when the signal was sent, not when the reload happened. */
  reload(): Promise<void>;
  stop(): Promise<void>;
}

export async function startSeedNginx(
  prefix: string,
  listenPort: number,
  firstAppPort: number,
): Promise<SeedNginx> {
  for (const dir of ["body", "proxy", "fastcgi", "uwsgi", "scgi"]) {
    await mkdir(path.join(prefix, "tmp", dir), { recursive: true });
  }
  const conf = path.join(prefix, "nginx.conf");
  const includeFile = path.join(prefix, "service-url.inc");
  await writeFile(conf, renderSeedNginxConf(prefix, listenPort));
  await writeFile(includeFile, renderServiceUrlInclude(firstAppPort));
  const base = ["-p", prefix, "-c", conf];
  const test = await runCommand("nginx", [...base, "-t"], { timeoutMs: 10_000 });
  if (test.code !== 0) throw new Error(`nginx -t failed for the seed config ${conf}: ${test.stderr.trim()}`);
  const proc = spawnGroup("nginx", [...base, "-g", "daemon off;"], {
    logFile: path.join(prefix, "stdout.log"),
  });
  if (!(await waitForHttp(`http://127.0.0.1:${listenPort}/health`, () => true, 10_000))) {
    await proc.stop();
    throw new Error(`the seed's nginx did not answer on 127.0.0.1:${listenPort}; see ${prefix}/error.log`);
  }
  return {
    port: listenPort,
    prefix,
    includeFile,
    process: proc,
    async reload() {
      const result = await runCommand("nginx", [...base, "-s", "reload"], { timeoutMs: 10_000 });
      if (result.code !== 0) throw new Error(`nginx -s reload failed: ${result.stderr.trim()}`);
    },
    stop: () => proc.stop("SIGQUIT", 5_000),
  };
}
