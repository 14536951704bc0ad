/**
 * Issue 5's promises through the built CLI: `switchyard deploy` with router.kind nginx and haproxy,
 * real app processes, our own nginx / HAProxy, keep-alive load on loopback. Needs `npm run build`.
 */
import { copyFile, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLoad } from "../../bench/lib/load-client.js";
import { request } from "../conformance/router.conformance.js";
import { runCli } from "../support/cli.js";
import { randomPort, requireBinary } from "./support/backends.js";
import { HAPROXY_AVAILABLE, startHaproxy, type HaproxyInstance } from "./support/haproxy-harness.js";
import { NGINX_AVAILABLE, startNginx, type NginxInstance } from "./support/nginx-harness.js";

const APP = fileURLToPath(new URL("../fixtures/app.mjs", import.meta.url));

/** switchyard.yml for the process runtime with `routerYaml` (already indented by two spaces). */
async function writeProject(
  dir: string,
  ports: { blue: number; green: number },
  version: string,
  routerYaml: string[],
) {
  const yaml = [
    "service: app",
    "runtime:",
    "  kind: process",
    `  command: ["${process.execPath}", "app.mjs"]`,
    `  env: { APP_VERSION: ${version} }`,
    "  stop_grace: 3s",
    "slots:",
    `  blue: { port: ${ports.blue} }`,
    `  green: { port: ${ports.green} }`,
    "health:",
    "  path: /health",
    "  interval: 200ms",
    "  deadline: 20s",
    "router:",
    ...routerYaml,
    "drain:",
    "  timeout: 10s",
    "keep_old: 0s",
  ];
  await writeFile(path.join(dir, "switchyard.yml"), `${yaml.join("\n")}\n`);
}

const list = (argv: readonly string[]) => `[${argv.map((a) => JSON.stringify(a)).join(", ")}]`;

async function deployUnderLoad(dir: string, url: string) {
  const load = startLoad({ url: `${url}/`, workers: 16, idleGapMs: [5, 50], postRatio: 0.2 });
  await new Promise((r) => setTimeout(r, 300));
  const deploy = await runCli(["deploy", "--version", "v2"], { cwd: dir });
  await new Promise((r) => setTimeout(r, 300));
  return { deploy, load: await load.stop() };
}

if (requireBinary("nginx", NGINX_AVAILABLE, "apt-get install nginx")) {
  describe("switchyard deploy through nginx", () => {
    let nginx: NginxInstance;
    let ports: { blue: number; green: number };
    const routerYaml = (upstream = "app") => {
      const c = nginx.routerConfig();
      return [
        "  kind: nginx",
        `  include_file: ${c.include_file}`,
        `  upstream: ${upstream}`,
        `  test_command: ${list(c.test_command)}`,
        `  reload_command: ${list(c.reload_command)}`,
        `  pid_file: ${c.pid_file}`,
        `  access_log: ${nginx.accessLog}`,
        `  error_log: ${nginx.errorLog}`,
      ];
    };
    beforeAll(async () => {
      nginx = await startNginx("upstream");
      ports = { blue: await randomPort(), green: await randomPort() };
      await copyFile(APP, path.join(nginx.dir, "app.mjs"));
    });
    afterAll(async () => {
      if (nginx) {
        await writeProject(nginx.dir, ports, "v1", routerYaml());
        await runCli(["down"], { cwd: nginx.dir, timeoutMs: 30_000 });
        await nginx.stop();
      }
    });

    it("deploys v1, then v2 under 16 keep-alive clients with at most a few reload hang-ups", async () => {
      await writeProject(nginx.dir, ports, "v1", routerYaml());
      const first = await runCli(["deploy", "--version", "v1"], { cwd: nginx.dir });
      expect(first.code, first.stderr).toBe(0);
      expect((await request(nginx.url, "/")).version).toBe("v1");

      await writeProject(nginx.dir, ports, "v2", routerYaml());
      const { deploy, load } = await deployUnderLoad(nginx.dir, nginx.url);
      console.log(
        `[deploy-e2e] nginx: ${load.total} requests, ${load.failed} failed ${JSON.stringify(load.byOutcome)}`,
      );
      expect(deploy.code, deploy.stderr).toBe(0);
      expect(deploy.stdout).toMatch(/old workers gone after \d+ms/);
      expect(deploy.stdout).toMatch(/[\d,]+ requests during the deploy, \d+ failed/);
      expect(load.failed).toBeLessThanOrEqual(5);
      expect(load.byOutcome["502"]).toBe(0);
      expect((await request(nginx.url, "/")).version).toBe("v2");
    });

    it("a broken include: exit 1, nginx's error shown, the previous file restored, traffic unchanged", async () => {
      const before = await readFile(nginx.includeFile);
      // The site proxies to http://app: an include defining another upstream fails `nginx -t`.
      await writeProject(nginx.dir, ports, "v3", routerYaml("other"));
      const deploy = await runCli(["deploy", "--version", "v3"], { cwd: nginx.dir });
      expect(deploy.code).toBe(1);
      expect(deploy.stderr).toContain('[emerg] host not found in upstream "app"');
      expect(deploy.stderr).toMatch(/restored the previous file, traffic unchanged/);
      expect((await readFile(nginx.includeFile)).equals(before)).toBe(true);
      expect((await request(nginx.url, "/")).version).toBe("v2");
    });
  });
}

if (requireBinary("haproxy", HAPROXY_AVAILABLE, "apt-get install haproxy")) {
  describe("switchyard deploy through HAProxy", () => {
    let haproxy: HaproxyInstance;
    let ports: { blue: number; green: number };
    const routerYaml = () => [
      "  kind: haproxy",
      `  socket: ${haproxy.socket}`,
      "  backend: app",
      "  servers: { blue: blue, green: green }",
      `  config: ${haproxy.configFile}`,
      "  ready_timeout: 10s",
    ];
    beforeAll(async () => {
      ports = { blue: await randomPort(), green: await randomPort() };
      haproxy = await startHaproxy(ports.blue, ports.green);
      await copyFile(APP, path.join(haproxy.dir, "app.mjs"));
    });
    afterAll(async () => {
      if (haproxy) {
        await runCli(["down"], { cwd: haproxy.dir, timeoutMs: 30_000 });
        await haproxy.stop();
      }
    });

    it("deploys v1, then v2 under 16 keep-alive clients with 0 failed requests, counted by HAProxy too", async () => {
      await writeProject(haproxy.dir, ports, "v1", routerYaml());
      const first = await runCli(["deploy", "--version", "v1"], { cwd: haproxy.dir });
      expect(first.code, first.stderr).toBe(0);
      expect((await request(haproxy.url, "/")).version).toBe("v1");

      await writeProject(haproxy.dir, ports, "v2", routerYaml());
      const { deploy, load } = await deployUnderLoad(haproxy.dir, haproxy.url);
      console.log(`[deploy-e2e] haproxy: ${load.total} requests, ${load.failed} failed`);
      expect(deploy.code, deploy.stderr).toBe(0);
      expect(load.failed, JSON.stringify(load.byOutcome)).toBe(0);
      expect(deploy.stdout).toMatch(/[\d,]+ requests during the deploy, 0 failed/);
      expect((await request(haproxy.url, "/")).version).toBe("v2");
      expect(await readFile(haproxy.configFile, "utf8")).toContain(
        `server blue 127.0.0.1:${ports.blue} check inter 200ms fall 2 rise 1 disabled`,
      );
    });
  });
}
