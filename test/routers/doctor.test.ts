import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config/load.js";
import type { RouterConfig } from "../../src/config/router-schema.js";
import { doctorChecks as haproxyChecks } from "../../src/routers/haproxy/doctor.js";
import { createHaproxyRouter } from "../../src/routers/haproxy/haproxy-router.js";
import { doctorChecks as nginxChecks } from "../../src/routers/nginx/doctor.js";
import { requireBinary, startApp, type AppProcess } from "./support/backends.js";
import { HAPROXY_AVAILABLE, startHaproxy, type HaproxyInstance } from "./support/haproxy-harness.js";
import { NGINX_AVAILABLE, startNginx, type NginxInstance } from "./support/nginx-harness.js";

/** Only the keys the router doctors read. */
const configFor = (router: RouterConfig, dir: string) =>
  ({ service: "app", configDir: dir, router }) as unknown as Config;
const statuses = (results: Array<{ name: string; status: string }>) =>
  Object.fromEntries(results.map((r) => [r.name, r.status]));

if (requireBinary("nginx", NGINX_AVAILABLE, "apt-get install nginx")) {
  describe("nginx doctor", () => {
    let nginx: NginxInstance;
    beforeAll(async () => {
      nginx = await startNginx("upstream");
    });
    afterAll(async () => nginx?.stop());

    it("passes for a running nginx whose site loads the include and proxies to the upstream", async () => {
      const results = await nginxChecks(configFor(nginx.routerConfig(), nginx.dir));
      expect(statuses(results)).toEqual({
        "nginx config": "ok",
        "nginx include": "warn", // the harness wrote it, not switchyard
        "nginx running": "ok",
        "nginx site uses the include": "ok",
      });
    });

    it("fails when the site does not load the include, or nginx is not running", async () => {
      const results = await nginxChecks(
        configFor(
          nginx.routerConfig({
            include_file: path.join(nginx.dir, "elsewhere.conf"),
            pid_file: path.join(nginx.dir, "none.pid"),
          }),
          nginx.dir,
        ),
      );
      const site = results.find((r) => r.name === "nginx site uses the include")!;
      expect(site.status).toBe("fail");
      expect(site.detail).toContain("does not load");
      expect(site.fix).toContain("init --router nginx");
      expect(results.find((r) => r.name === "nginx running")!.status).toBe("fail");
    });
  });
}

if (requireBinary("haproxy", HAPROXY_AVAILABLE, "apt-get install haproxy")) {
  describe("haproxy doctor", () => {
    let haproxy: HaproxyInstance;
    let blue: AppProcess;
    beforeAll(async () => {
      blue = await startApp("blue");
      haproxy = await startHaproxy(blue.port, blue.port + 1);
    });
    afterAll(async () => {
      await haproxy?.stop();
      await blue?.stop();
    });

    it("passes for a valid config, an admin socket and health-checked servers in step with the file", async () => {
      const router = haproxy.routerConfig();
      await createHaproxyRouter(router, {
        service: "app",
        configDir: haproxy.dir,
        stateDir: haproxy.dir,
        log: () => undefined,
      }).switchTo({ slot: "blue", host: "127.0.0.1", port: blue.port });
      const results = await haproxyChecks(configFor(router, haproxy.dir));
      expect(statuses(results)).toEqual({
        "haproxy config": "ok",
        "haproxy socket": "ok",
        "haproxy backend": "ok",
        "haproxy config in step": "ok",
      });
    });

    it("fails on an unreachable socket and on unknown server names", async () => {
      const gone = await haproxyChecks(
        configFor(haproxy.routerConfig({ socket: path.join(haproxy.dir, "x.sock") }), haproxy.dir),
      );
      expect(statuses(gone)["haproxy socket"]).toBe("fail");
      const wrong = await haproxyChecks(
        configFor(haproxy.routerConfig({ servers: { blue: "blue", green: "red" } }), haproxy.dir),
      );
      const backend = wrong.find((r) => r.name === "haproxy backend")!;
      expect(backend.status).toBe("fail");
      expect(backend.detail).toContain('no server "red" (it has: blue, green)');
    });
  });
}
