import { execFileSync, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { routerSchema, type NginxRouterConfig } from "../../../src/config/router-schema.js";
import { isPidAlive } from "../../../src/util/process.js";
import { randomPort } from "./backends.js";

export const NGINX_AVAILABLE = spawnSync("nginx", ["-v"]).status === 0;

/** An nginx of our own: prefix, config, pid, logs and temp dirs all in one temp dir. */
export interface NginxInstance {
  readonly dir: string;
  readonly port: number;
  readonly url: string;
  readonly confFile: string;
  readonly includeFile: string;
  readonly pidFile: string;
  readonly errorLog: string;
  readonly accessLog: string;
  /** router.nginx config for this instance; `overrides` as in switchyard.yml (snake_case). */
  routerConfig(overrides?: Record<string, unknown>): NginxRouterConfig;
  stop(): Promise<void>;
}

/** The nginx.conf of a test instance: the include sits in http{} (upstream) or server{} (variable). */
function renderTestConf(dir: string, port: number, style: "upstream" | "variable"): string {
  const proxy = style === "upstream" ? "proxy_pass http://app;" : "proxy_pass $service_url;";
  return `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log notice;
events { worker_connections 1024; }
http {
    client_body_temp_path ${dir}/tmp/body;
    proxy_temp_path ${dir}/tmp/proxy;
    fastcgi_temp_path ${dir}/tmp/fastcgi;
    uwsgi_temp_path ${dir}/tmp/uwsgi;
    scgi_temp_path ${dir}/tmp/scgi;
    log_format switchyard 'switchyard $msec $upstream_addr $status';
    access_log ${dir}/access.log switchyard;
    ${style === "upstream" ? `include ${dir}/switchyard.conf;` : ""}
    server {
        listen 127.0.0.1:${port};
        ${style === "variable" ? `include ${dir}/switchyard.conf;` : ""}
        location / {
            ${proxy}
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_next_upstream error timeout http_502;
        }
    }
}
`;
}

export async function startNginx(style: "upstream" | "variable" = "upstream"): Promise<NginxInstance> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "switchyard-nginx-"));
  const port = await randomPort();
  const confFile = path.join(dir, "nginx.conf");
  const includeFile = path.join(dir, "switchyard.conf");
  const pidFile = path.join(dir, "nginx.pid");
  await writeFile(confFile, renderTestConf(dir, port, style));
  // nginx needs the include to exist to start; the router's ensureReady would create the same.
  await writeFile(
    includeFile,
    style === "upstream"
      ? "upstream app {\n    server 127.0.0.1:1 down;\n}\n"
      : "set $service_url http://127.0.0.1:1;\nreturn 503;\n",
  );
  execFileSync("mkdir", ["-p", path.join(dir, "tmp")]);
  const base = ["-p", dir, "-c", confFile];
  execFileSync("nginx", base, { stdio: "pipe" });
  const stop = async (): Promise<void> => {
    const pid = Number((await readFile(pidFile, "utf8").catch(() => "")).trim());
    if (pid > 0 && isPidAlive(pid)) {
      process.kill(pid, "SIGTERM");
      const deadline = Date.now() + 5_000;
      while (isPidAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      if (isPidAlive(pid)) process.kill(pid, "SIGKILL");
    }
    await rm(dir, { recursive: true, force: true });
  };
  return {
    dir,
    port,
    url: `http://127.0.0.1:${port}`,
    confFile,
    includeFile,
    pidFile,
    errorLog: path.join(dir, "error.log"),
    accessLog: path.join(dir, "access.log"),
    routerConfig: (overrides = {}) =>
      routerSchema.parse({
        kind: "nginx",
        include_file: includeFile,
        style,
        upstream: "app",
        test_command: ["nginx", "-t", "-q", ...base],
        reload_command: ["nginx", "-s", "reload", ...base],
        pid_file: pidFile,
        error_log: path.join(dir, "error.log"),
        access_log: path.join(dir, "access.log"),
        verify_timeout: "10s",
        worker_exit_timeout: "20s",
        ...overrides,
      }) as NginxRouterConfig,
    stop,
  };
}
