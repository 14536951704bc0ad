import { readFile, rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RouterError } from "../../src/errors.js";
import { createNginxRouter } from "../../src/routers/nginx/nginx-router.js";
import { childPids, readMasterPid } from "../../src/routers/nginx/workers.js";
import { runCommand } from "../../src/util/run-command.js";
import { request } from "../conformance/router.conformance.js";
import { randomPort, requireBinary, startApp, type AppProcess } from "./support/backends.js";
import { NGINX_AVAILABLE, startNginx, type NginxInstance } from "./support/nginx-harness.js";

const blueTarget = (app: AppProcess) => ({ slot: "blue" as const, host: "127.0.0.1", port: app.port });
const greenTarget = (app: AppProcess) => ({ slot: "green" as const, host: "127.0.0.1", port: app.port });

if (requireBinary("nginx", NGINX_AVAILABLE, "apt-get install nginx (or bash scripts/setup-test-env.sh)")) {
  describe("nginx router", () => {
    let nginx: NginxInstance;
    let blue: AppProcess;
    let green: AppProcess;
    const logged: string[] = [];
    const ctx = () => ({
      service: "app",
      configDir: nginx.dir,
      stateDir: nginx.dir,
      log: (l: string) => void logged.push(l),
    });

    beforeAll(async () => {
      nginx = await startNginx("upstream");
      [blue, green] = await Promise.all([startApp("blue"), startApp("green")]);
    });
    afterAll(async () => {
      await Promise.all([blue?.stop(), green?.stop()]);
      await nginx?.stop();
    });

    it("a broken include (nginx -t fails): RouterError with nginx's error, file restored byte for byte, traffic unchanged", async () => {
      const router = createNginxRouter(nginx.routerConfig(), ctx());
      await router.switchTo(blueTarget(blue));
      const before = await readFile(nginx.includeFile);
      // The site proxies to http://app; an include that defines another upstream breaks it.
      const broken = createNginxRouter(nginx.routerConfig({ upstream: "other" }), ctx());
      const error = await broken.switchTo(greenTarget(green)).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(RouterError);
      expect((error as RouterError).message).toMatch(/host not found in upstream "app"/);
      expect((error as RouterError).message).toMatch(/restored the previous file, traffic unchanged/);
      expect((error as RouterError).details.join("\n")).toContain("nginx -t -q");
      expect((await readFile(nginx.includeFile)).equals(before)).toBe(true);
      expect((await runCommand(nginx.routerConfig().test_command)).ok).toBe(true);
      expect((await request(nginx.url, "/")).version).toBe("blue");
      expect((await router.status()).active).toBe("blue");
    });

    it("a failing reload command restores the previous file", async () => {
      const router = createNginxRouter(nginx.routerConfig(), ctx());
      await router.switchTo(blueTarget(blue));
      const before = await readFile(nginx.includeFile);
      const failing = createNginxRouter(
        nginx.routerConfig({ reload_command: ["sh", "-c", "echo reload refused >&2; exit 1"] }),
        ctx(),
      );
      await expect(failing.switchTo(greenTarget(green))).rejects.toThrow(/could not reload.*reload refused/);
      expect((await readFile(nginx.includeFile)).equals(before)).toBe(true);
      expect((await request(nginx.url, "/")).version).toBe("blue");
    });

    it("a reload that never happens is detected and rolled back", async () => {
      const router = createNginxRouter(nginx.routerConfig(), ctx());
      await router.switchTo(blueTarget(blue));
      const before = await readFile(nginx.includeFile);
      const silent = createNginxRouter(
        nginx.routerConfig({ reload_command: ["true"], verify_timeout: "500ms" }),
        ctx(),
      );
      await expect(silent.switchTo(greenTarget(green))).rejects.toThrow(
        /started no new workers within 500ms/,
      );
      expect((await readFile(nginx.includeFile)).equals(before)).toBe(true);
      expect((await request(nginx.url, "/")).version).toBe("blue");
    });

    it("a target nobody listens on is refused before nginx is touched", async () => {
      const router = createNginxRouter(nginx.routerConfig(), ctx());
      await router.switchTo(blueTarget(blue));
      const before = await readFile(nginx.includeFile);
      const port = await randomPort();
      await expect(router.switchTo({ slot: "green", host: "127.0.0.1", port })).rejects.toThrow(
        /nothing accepts connections/,
      );
      expect((await readFile(nginx.includeFile)).equals(before)).toBe(true);
    });

    it("switchTo resolves only after a new worker generation runs and the old workers exited", async () => {
      const router = createNginxRouter(nginx.routerConfig(), ctx());
      await router.switchTo(blueTarget(blue));
      const master = await readMasterPid(nginx.pidFile);
      const oldWorkers = await childPids(master);
      expect(oldWorkers.length).toBeGreaterThan(0);
      await router.switchTo(greenTarget(green));
      const newWorkers = await childPids(master);
      expect(newWorkers.length).toBeGreaterThan(0);
      expect(newWorkers.filter((pid) => oldWorkers.includes(pid))).toEqual([]);
      const status = await router.status();
      expect(status.detail).toMatchObject({ master, workers: newWorkers, target: `127.0.0.1:${green.port}` });
    });

    it("old workers outliving worker_exit_timeout are waited for by drain", async () => {
      const router = createNginxRouter(nginx.routerConfig({ worker_exit_timeout: "200ms" }), ctx());
      await router.switchTo(blueTarget(blue));
      const slow = request(nginx.url, "/slow?ms=2500");
      await new Promise((r) => setTimeout(r, 300));
      const startedAt = Date.now();
      await router.switchTo(greenTarget(green));
      expect(Date.now() - startedAt).toBeLessThan(2_000);
      expect(logged.some((line) => /old worker\(s\) .* still running after 200ms/.test(line))).toBe(true);
      const early = await router.drain("blue", 100);
      expect(early).toMatchObject({ drained: false, remaining: 1 });
      const late = await router.drain("blue", 10_000);
      expect(late.drained).toBe(true);
      expect((await slow).version).toBe("blue");
    });

    it("ensureReady creates a missing include that nginx accepts, routing nothing", async () => {
      await rm(nginx.includeFile);
      const router = createNginxRouter(nginx.routerConfig(), ctx());
      expect((await router.status()).detail).toMatchObject({ include: "missing" });
      await router.ensureReady();
      expect(await readFile(nginx.includeFile, "utf8")).toContain("switchyard: active=none");
      expect((await runCommand(nginx.routerConfig().test_command)).ok).toBe(true);
      expect((await router.status()).active).toBeNull();
      await router.switchTo(blueTarget(blue));
      expect((await request(nginx.url, "/")).version).toBe("blue");
    });
  });
}
