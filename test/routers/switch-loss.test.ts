/**
 * Requests lost while deploying through nginx and HAProxy: 16 keep-alive workers (GET and POST, no
 * retries) while 5 deploys each start the idle slot, switch, drain and stop the old slot.
 */
import { writeFile } from "node:fs/promises";
import { afterEach, describe, expect, it } from "vitest";
import { startLoad, type LoadResult } from "../../bench/lib/load-client.js";
import { createHaproxyRouter } from "../../src/routers/haproxy/haproxy-router.js";
import { createNginxRouter } from "../../src/routers/nginx/nginx-router.js";
import { renderNginxInclude } from "../../src/routers/nginx/render-include.js";
import { runCommand } from "../../src/util/run-command.js";
import type { Router } from "../../src/routers/types.js";
import { otherSlot, type SlotName } from "../../src/types.js";
import { randomPort, requireBinary, startApp, type AppProcess } from "./support/backends.js";
import { HAPROXY_AVAILABLE, startHaproxy } from "./support/haproxy-harness.js";
import { NGINX_AVAILABLE, startNginx, type NginxInstance } from "./support/nginx-harness.js";

const DEPLOYS = 5;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
const ctx = (dir: string) => ({ service: "app", configDir: dir, stateDir: dir, log: () => undefined });

/** v1 on blue, then DEPLOYS deploys alternating slots, under load; returns what the clients saw. */
async function deployUnderLoad(
  router: Router,
  url: string,
  ports: Record<SlotName, number>,
): Promise<LoadResult> {
  const apps: Partial<Record<SlotName, AppProcess>> = {};
  cleanups.push(async () => {
    await Promise.all(Object.values(apps).map((app) => app.stop()));
  });
  let active: SlotName = "blue";
  apps.blue = await startApp("v1", ports.blue);
  await router.ensureReady();
  await router.switchTo({ slot: "blue", host: "127.0.0.1", port: ports.blue });
  const load = startLoad({ url: `${url}/`, workers: 16, idleGapMs: [5, 50], postRatio: 0.2 });
  try {
    for (let deploy = 2; deploy <= DEPLOYS + 1; deploy += 1) {
      await new Promise((r) => setTimeout(r, 400));
      const next = otherSlot(active);
      apps[next] = await startApp(`v${deploy}`, ports[next]);
      await router.switchTo({ slot: next, host: "127.0.0.1", port: ports[next] });
      const drained = await router.drain(active, 10_000);
      expect(drained.drained).toBe(true);
      await apps[active]!.stop();
      delete apps[active];
      active = next;
    }
    await new Promise((r) => setTimeout(r, 400));
  } catch (err) {
    await load.stop();
    throw err;
  }
  return load.stop();
}

/** The seed's deploy.sh: rewrite the include, `nginx -s reload`, stop the old slot at once. */
function seedMethod(nginx: NginxInstance): Router {
  const reload = nginx.routerConfig().reload_command;
  return {
    kind: "nginx",
    ensureReady: async () => undefined,
    status: async () => ({ active: null, detail: {} }),
    switchTo: async (target) => {
      const text = renderNginxInclude({ style: "upstream", upstream: "app", variable: "v", target });
      await writeFile(nginx.includeFile, text);
      expect((await runCommand(reload)).ok).toBe(true);
    },
    clear: async () => undefined,
    drain: async () => ({ drained: true, waitedMs: 0 }),
    traffic: async () => undefined,
  };
}

function report(name: string, result: LoadResult): void {
  const outcomes = Object.entries(result.byOutcome)
    .filter(([outcome, n]) => n > 0 && outcome !== "2xx")
    .map(([outcome, n]) => `${n} ${outcome}`);
  console.log(
    `[switch-loss] ${name}: ${DEPLOYS} deploys under 16 keep-alive workers: ${result.total} requests, ` +
      `${result.failed} failed (${(result.failed / DEPLOYS).toFixed(1)} per deploy)` +
      (outcomes.length ? `: ${outcomes.join(", ")}` : "") +
      (result.errors.length ? `; first: ${result.errors.slice(0, 3).join(" | ")}` : ""),
  );
}

describe("requests lost per deploy", () => {
  if (requireBinary("haproxy", HAPROXY_AVAILABLE, "apt-get install haproxy")) {
    it("HAProxy: 0 failed requests over 5 deploys", async () => {
      const ports = { blue: await randomPort(), green: await randomPort() };
      const haproxy = await startHaproxy(ports.blue, ports.green);
      cleanups.push(() => haproxy.stop());
      const router = createHaproxyRouter(haproxy.routerConfig(), ctx(haproxy.dir));
      const result = await deployUnderLoad(router, haproxy.url, ports);
      report("haproxy", result);
      expect(result.total).toBeGreaterThan(500);
      expect(result.failed).toBe(0);
      expect(Object.keys(result.versions).sort()).toEqual(["v1", "v2", "v3", "v4", "v5", "v6"]);
    });
  }

  if (requireBinary("nginx", NGINX_AVAILABLE, "apt-get install nginx")) {
    it("nginx: at most a few reload hang-ups per deploy (the seed lost ~69)", async () => {
      const ports = { blue: await randomPort(), green: await randomPort() };
      const nginx = await startNginx("upstream");
      cleanups.push(() => nginx.stop());
      const router = createNginxRouter(nginx.routerConfig(), ctx(nginx.dir));
      const result = await deployUnderLoad(router, nginx.url, ports);
      report("nginx", result);
      expect(result.total).toBeGreaterThan(500);
      expect(result.failed).toBeLessThanOrEqual(5 * DEPLOYS);
      // What remains is nginx closing idle keep-alive client connections on reload, never a 502.
      expect(result.byOutcome["502"] + result.byOutcome["503"] + result.byOutcome["504"]).toBe(0);
      expect(Object.keys(result.versions).sort()).toEqual(["v1", "v2", "v3", "v4", "v5", "v6"]);
    });
  }

  if (requireBinary("nginx", NGINX_AVAILABLE, "apt-get install nginx")) {
    it("the seed's method through the same nginx loses far more (for comparison)", async () => {
      const ports = { blue: await randomPort(), green: await randomPort() };
      const nginx = await startNginx("upstream");
      cleanups.push(() => nginx.stop());
      const result = await deployUnderLoad(seedMethod(nginx), nginx.url, ports);
      report("seed (sed + reload + immediate stop)", result);
      expect(result.total).toBeGreaterThan(500);
      expect(result.failed).toBeGreaterThan(0);
    });
  }
});
