import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RouterError } from "../../src/errors.js";
import { createHaproxyRouter } from "../../src/routers/haproxy/haproxy-router.js";
import { HaproxyBackend } from "../../src/routers/haproxy/runtime-api.js";
import { isInMaintenance } from "../../src/routers/haproxy/parse-stats.js";
import { runCommand } from "../../src/util/run-command.js";
import { request } from "../conformance/router.conformance.js";
import { requireBinary, startApp, type AppProcess } from "./support/backends.js";
import { HAPROXY_AVAILABLE, startHaproxy, type HaproxyInstance } from "./support/haproxy-harness.js";

if (
  requireBinary("haproxy", HAPROXY_AVAILABLE, "apt-get install haproxy (or bash scripts/setup-test-env.sh)")
) {
  describe("haproxy router", () => {
    let haproxy: HaproxyInstance;
    let blue: AppProcess;
    let green: AppProcess;
    const ctx = () => ({
      service: "app",
      configDir: haproxy.dir,
      stateDir: haproxy.dir,
      log: () => undefined,
    });
    const target = (slot: "blue" | "green", app: AppProcess) => ({ slot, host: "127.0.0.1", port: app.port });

    beforeAll(async () => {
      [blue, green] = await Promise.all([startApp("blue"), startApp("green")]);
      haproxy = await startHaproxy(blue.port, green.port);
    });
    afterAll(async () => {
      await haproxy?.stop();
      await Promise.all([blue?.stop(), green?.stop()]);
    });

    it("keeps haproxy.cfg in step: after a restart HAProxy still routes to the active slot", async () => {
      const stateFile = path.join(haproxy.dir, "servers.state");
      const router = createHaproxyRouter(haproxy.routerConfig({ state_file: stateFile }), ctx());
      await router.switchTo(target("green", green));
      const cfg = await readFile(haproxy.configFile, "utf8");
      expect(cfg).toContain(`server green 127.0.0.1:${green.port} check inter 200ms fall 2 rise 1\n`);
      expect(cfg).toContain(`server blue 127.0.0.1:${blue.port} check inter 200ms fall 2 rise 1 disabled\n`);
      expect((await runCommand(["haproxy", "-c", "-f", haproxy.configFile])).ok).toBe(true);
      expect(await readFile(stateFile, "utf8")).toMatch(/^# be_id be_name/m);

      await haproxy.restart();
      expect((await router.status()).active).toBe("green");
      expect((await request(haproxy.url, "/")).version).toBe("green");
    });

    it("a new slot that fails HAProxy's health check is not switched to", async () => {
      const router = createHaproxyRouter(haproxy.routerConfig({ ready_timeout: "1s" }), ctx());
      await router.switchTo(target("blue", blue));
      const cfgBefore = await readFile(haproxy.configFile, "utf8");
      const sick = await startApp("sick", undefined, { HEALTH_STATUS: "500" });
      try {
        const error = await router.switchTo(target("green", sick)).catch((err: unknown) => err);
        expect(error).toBeInstanceOf(RouterError);
        expect((error as Error).message).toMatch(/did not see green \(app\/green\) UP within 1000ms .*L7STS/);
        expect((await request(haproxy.url, "/")).version).toBe("blue");
        const greenServer = await new HaproxyBackend(haproxy.socket, "app").server("green");
        expect(isInMaintenance(greenServer)).toBe(true);
        expect(await readFile(haproxy.configFile, "utf8")).toBe(cfgBefore);
      } finally {
        await sick.stop();
      }
    });

    it("an unreachable stats socket is a RouterError naming the socket", async () => {
      const router = createHaproxyRouter(
        haproxy.routerConfig({ socket: path.join(haproxy.dir, "nope.sock") }),
        ctx(),
      );
      await expect(router.switchTo(target("green", green))).rejects.toThrow(
        /stats socket .*nope\.sock: no such socket/,
      );
      await expect(router.status()).rejects.toBeInstanceOf(RouterError);
    });

    it("a config HAProxy rejects stops the switch before the runtime changes", async () => {
      const router = createHaproxyRouter(haproxy.routerConfig(), ctx());
      await router.switchTo(target("blue", blue));
      const cfgBefore = await readFile(haproxy.configFile, "utf8");
      const rejecting = createHaproxyRouter(
        haproxy.routerConfig({
          check_command: ["sh", "-c", "echo '[ALERT] parsing: bad' >&2; exit 1", "check"],
        }),
        ctx(),
      );
      await expect(rejecting.switchTo(target("green", green))).rejects.toThrow(
        /HAProxy rejects the updated .*\[ALERT\] parsing: bad/,
      );
      expect(await readFile(haproxy.configFile, "utf8")).toBe(cfgBefore);
      expect((await router.status()).active).toBe("blue");
      expect((await request(haproxy.url, "/")).version).toBe("blue");
    });

    it("counts requests per slot and the 503s answered while nothing is routed", async () => {
      const router = createHaproxyRouter(haproxy.routerConfig(), ctx());
      await router.switchTo(target("blue", blue));
      const before = (await router.traffic())!;
      for (let i = 0; i < 4; i += 1) expect((await request(haproxy.url, "/")).status).toBe(200);
      await router.clear();
      for (let i = 0; i < 3; i += 1) expect((await request(haproxy.url, "/")).status).toBe(503);
      const after = (await router.traffic())!;
      expect(after.slots.blue!.requests - before.slots.blue!.requests).toBe(4);
      expect(after.slots.blue!.failures - before.slots.blue!.failures).toBe(0);
      expect(after.unrouted! - before.unrouted!).toBe(3);
      expect(await readFile(haproxy.configFile, "utf8")).not.toMatch(
        /server (blue|green) .*check inter 200ms fall 2 rise 1\n/,
      );
      await router.switchTo(target("blue", blue));
    });
  });
}
