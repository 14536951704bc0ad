import { execFileSync } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import https from "node:https";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHaproxyRouter } from "../../src/routers/haproxy/haproxy-router.js";
import { createNginxRouter } from "../../src/routers/nginx/nginx-router.js";
import { renderNginxInclude } from "../../src/routers/nginx/render-include.js";
import { renderSiteConfig } from "../../src/routers/site-templates/index.js";
import { isPidAlive } from "../../src/util/process.js";
import { runCommand } from "../../src/util/run-command.js";
import { request } from "../conformance/router.conformance.js";
import { tempDir } from "../support/tmp.js";
import { randomPort, requireBinary, startApp, type AppProcess } from "./support/backends.js";
import { HAPROXY_AVAILABLE } from "./support/haproxy-harness.js";
import { NGINX_AVAILABLE } from "./support/nginx-harness.js";

function httpsGet(
  port: number,
  urlPath: string,
): Promise<{ status: number; version: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      {
        host: "127.0.0.1",
        port,
        path: urlPath,
        agent: false,
        rejectUnauthorized: false,
        servername: "example.test",
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            version: res.headers["x-app-version"] as string | undefined,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
      },
    );
    req.on("error", reject);
  });
}

async function stopPidFile(pidFile: string): Promise<void> {
  const pid = Number((await readFile(pidFile, "utf8").catch(() => "")).trim());
  if (!(pid > 0) || !isPidAlive(pid)) return;
  process.kill(pid, "SIGTERM");
  for (let i = 0; i < 100 && isPidAlive(pid); i += 1) await new Promise((r) => setTimeout(r, 50));
}

describe("site templates", () => {
  let dir: string;
  let removeDir: () => Promise<void>;
  let blue: AppProcess;
  let green: AppProcess;
  const ctx = () => ({ service: "web", configDir: dir, stateDir: dir, log: () => undefined });

  beforeAll(async () => {
    ({ dir, cleanup: removeDir } = await tempDir("switchyard-site-"));
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=example.test",
        "-keyout",
        path.join(dir, "privkey.pem"),
        "-out",
        path.join(dir, "fullchain.pem"),
      ],
      { stdio: "pipe" },
    );
    const pem =
      (await readFile(path.join(dir, "fullchain.pem"), "utf8")) +
      (await readFile(path.join(dir, "privkey.pem"), "utf8"));
    await writeFile(path.join(dir, "combined.pem"), pem);
    [blue, green] = await Promise.all([startApp("blue"), startApp("green")]);
  });
  afterAll(async () => {
    await Promise.all([blue?.stop(), green?.stop()]);
    await removeDir?.();
  });

  it("nginx: the seed's shape with TLS, redirect, forwarded headers, keep-alive and the include", () => {
    const site = renderSiteConfig("nginx", {
      service: "web",
      serverName: "example.com",
      includeFile: "/etc/nginx/switchyard/web.conf",
      style: "upstream",
      tls: {
        certificate: "/etc/letsencrypt/live/example.com/fullchain.pem",
        certificateKey: "/etc/letsencrypt/live/example.com/privkey.pem",
      },
    });
    for (const line of [
      "include /etc/nginx/switchyard/web.conf;",
      "    listen 80;",
      "        return 301 https://$host$request_uri;",
      "    listen 443 ssl http2;",
      "    ssl_certificate /etc/letsencrypt/live/example.com/fullchain.pem;",
      "    ssl_certificate_key /etc/letsencrypt/live/example.com/privkey.pem;",
      "        proxy_pass http://web;",
      "        proxy_http_version 1.1;",
      "        proxy_set_header Connection $switchyard_connection;",
      "        proxy_set_header Host $host;",
      "        proxy_set_header X-Real-IP $remote_addr;",
      "        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
      "        proxy_next_upstream error timeout http_502;",
    ]) {
      expect(site.split("\n")).toContain(line);
    }
    const variable = renderSiteConfig("nginx", {
      service: "web",
      includeFile: "/etc/nginx/svc.inc",
      style: "variable",
    });
    expect(variable).toContain("    include /etc/nginx/svc.inc;\n");
    expect(variable).toContain("        proxy_pass $service_url;\n");
    expect(variable).not.toContain("ssl");
  });

  if (requireBinary("nginx", NGINX_AVAILABLE, "apt-get install nginx")) {
    it("nginx: the site passes nginx -t and serves blue/green over https, http -> 301", async () => {
      const [httpPort, httpsPort] = [await randomPort(), await randomPort()];
      const includeFile = path.join(dir, "web.conf");
      const accessLog = path.join(dir, "access.log");
      await writeFile(
        includeFile,
        renderNginxInclude({ style: "upstream", upstream: "web", variable: "v", target: null }),
      );
      await writeFile(
        path.join(dir, "site.conf"),
        renderSiteConfig("nginx", {
          service: "web",
          includeFile,
          style: "upstream",
          httpPort,
          httpsPort,
          accessLog,
          tls: {
            certificate: path.join(dir, "fullchain.pem"),
            certificateKey: path.join(dir, "privkey.pem"),
          },
        }),
      );
      const conf = path.join(dir, "nginx.conf");
      await writeFile(
        conf,
        `worker_processes 1;\npid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\n` +
          `    client_body_temp_path ${dir}/body;\n    proxy_temp_path ${dir}/proxy;\n` +
          `    access_log off;\n    include ${dir}/site.conf;\n}\n`,
      );
      const base = ["-p", dir, "-c", conf];
      const tested = await runCommand(["nginx", "-t", ...base]);
      expect(tested.stderr).toContain("test is successful");
      execFileSync("nginx", base, { stdio: "pipe" });
      try {
        const router = createNginxRouter(
          {
            kind: "nginx",
            include_file: includeFile,
            style: "upstream",
            upstream: "web",
            variable: "service_url",
            test_command: ["nginx", "-t", "-q", ...base],
            reload_command: ["nginx", "-s", "reload", ...base],
            pid_file: path.join(dir, "nginx.pid"),
            verify_timeout: 10_000,
            worker_exit_timeout: 20_000,
            access_log: accessLog,
          },
          ctx(),
        );
        await router.switchTo({ slot: "blue", host: "127.0.0.1", port: blue.port });
        const viaHttps = await httpsGet(httpsPort, "/headers");
        expect(viaHttps.version).toBe("blue");
        const headers = JSON.parse(viaHttps.body).headers;
        expect(headers).toMatchObject({
          "x-real-ip": "127.0.0.1",
          "x-forwarded-for": "127.0.0.1",
          "x-forwarded-proto": "https",
        });
        expect(headers.connection).toBeUndefined(); // "" cleared it: upstream keep-alive
        const redirect = await request(`http://127.0.0.1:${httpPort}`, "/a?b=1");
        expect(redirect.status).toBe(301);
        await router.switchTo({ slot: "green", host: "127.0.0.1", port: green.port });
        expect((await httpsGet(httpsPort, "/")).version).toBe("green");
      } finally {
        await stopPidFile(path.join(dir, "nginx.pid"));
      }
    });
  }

  if (requireBinary("haproxy", HAPROXY_AVAILABLE, "apt-get install haproxy")) {
    it("haproxy: the config passes haproxy -c and serves blue/green over https, http -> 301", async () => {
      const [httpPort, httpsPort] = [await randomPort(), await randomPort()];
      const cfg = path.join(dir, "haproxy.cfg");
      const socket = path.join(dir, "haproxy.sock");
      const text = renderSiteConfig("haproxy", {
        service: "web",
        socket,
        slots: {
          blue: { host: "127.0.0.1", port: blue.port },
          green: { host: "127.0.0.1", port: green.port },
        },
        tls: { pem: path.join(dir, "combined.pem") },
        httpPort,
        httpsPort,
        bindAddress: "127.0.0.1",
      });
      expect(text).toContain(`    server blue 127.0.0.1:${blue.port} check inter 1s fall 3 rise 2\n`);
      expect(text).toContain(
        `    server green 127.0.0.1:${green.port} check inter 1s fall 3 rise 2 disabled\n`,
      );
      expect(text).toContain(`    stats socket ${socket} mode 600 level admin\n`);
      await writeFile(cfg, text);
      const checked = await runCommand(["haproxy", "-c", "-f", cfg]);
      expect(checked.ok).toBe(true);
      const pidFile = path.join(dir, "haproxy.pid");
      execFileSync("haproxy", ["-f", cfg, "-D", "-p", pidFile], { stdio: "pipe" });
      try {
        const router = createHaproxyRouter(
          {
            kind: "haproxy",
            socket,
            backend: "web",
            servers: { blue: "blue", green: "green" },
            config: cfg,
            check_command: ["haproxy", "-c", "-f"],
            ready_timeout: 15_000,
          },
          ctx(),
        );
        await router.switchTo({ slot: "blue", host: "127.0.0.1", port: blue.port });
        const viaHttps = await httpsGet(httpsPort, "/headers");
        expect(viaHttps.version).toBe("blue");
        expect(JSON.parse(viaHttps.body).headers).toMatchObject({
          "x-real-ip": "127.0.0.1",
          "x-forwarded-for": "127.0.0.1",
          "x-forwarded-proto": "https",
        });
        expect((await request(`http://127.0.0.1:${httpPort}`, "/")).status).toBe(301);
        await router.switchTo({ slot: "green", host: "127.0.0.1", port: green.port });
        expect((await httpsGet(httpsPort, "/")).version).toBe("green");
        expect(await readFile(cfg, "utf8")).toContain(
          `    server blue 127.0.0.1:${blue.port} check inter 1s fall 3 rise 2 disabled\n`,
        );
      } finally {
        await stopPidFile(pidFile);
      }
    });
  }
});
