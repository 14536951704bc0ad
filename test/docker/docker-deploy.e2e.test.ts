import net from "node:net";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLoad } from "../../bench/lib/load-client.js";
import { listContainers } from "../../src/runtimes/docker/containers.js";
import { LABELS } from "../../src/runtimes/docker/render-create.js";
import { freePort } from "../../src/util/ports.js";
import { runCli } from "../support/cli.js";
import { cleanupDocker, pushTestImage, uniqueImageName, type PushedImage } from "../support/images.js";
import { tempDir } from "../support/tmp.js";
import { dockerAvailable, engine } from "./docker-fixture.js";

const available = await dockerAvailable();

/**
 * Issue 4's promises, as a user sees them: the built CLI, the built-in router, real containers
 * from a real registry, keep-alive load on loopback.
 */
describe.runIf(available)(
  "docker: deploy v1 then v2 under load (built CLI, real engine and registry)",
  () => {
    const service = uniqueImageName("sy-e2e");
    let dir: string;
    let removeDir: () => Promise<void>;
    let v1: PushedImage;
    let v2: PushedImage;
    const ports = { blue: 0, green: 0, listen: 0 };
    const url = () => `http://127.0.0.1:${ports.listen}/`;
    const cli = (args: string[]) => runCli(args, { cwd: dir, timeoutMs: 120_000 });

    beforeAll(async () => {
      ({ dir, cleanup: removeDir } = await tempDir("sy-docker-e2e-"));
      ports.blue = await freePort();
      ports.green = await freePort();
      ports.listen = await freePort();
      v1 = await pushTestImage(engine, { name: service, tag: "app", version: "v1" });
      const yaml = [
        `service: ${service}`,
        "runtime:",
        "  kind: docker",
        `  image: "${v1.ref}"`,
        "  restart: unless-stopped",
        '  labels: { "switchyard.test": "1" }',
        "  stop_grace: 3s",
        "  retain: 2",
        "slots:",
        `  blue: { port: ${ports.blue} }`,
        `  green: { port: ${ports.green} }`,
        "health: { path: /health, expect_body: running, interval: 200ms, deadline: 8s }",
        `router: { kind: builtin, listen: "127.0.0.1:${ports.listen}" }`,
        "drain: { timeout: 10s }",
        "keep_old: 0s",
      ].join("\n");
      await writeFile(path.join(dir, "switchyard.yml"), `${yaml}\n`);
    });
    afterAll(async () => {
      if (dir) await runCli(["down"], { cwd: dir, timeoutMs: 60_000 });
      await cleanupDocker(engine, {
        containerPrefix: service,
        repositories: [`127.0.0.1:5000/switchyard-test/${service}`],
      });
      await removeDir?.();
    });

    async function servedVersion(): Promise<string | null> {
      const res = await fetch(url(), { signal: AbortSignal.timeout(5_000) });
      await res.text();
      return res.headers.get("x-app-version");
    }

    async function running(): Promise<Record<string, string>> {
      const containers = await listContainers(engine, { [LABELS.service]: service });
      return Object.fromEntries(
        containers.filter((c) => c.State === "running").map((c) => [c.Labels![LABELS.slot]!, c.Image]),
      );
    }

    it("first deploy pulls v1 by digest and serves it from blue", async () => {
      const result = await cli(["deploy", "--version", "v1"]);
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(result.stdout).toContain(v1.digest);
      expect(await servedVersion()).toBe("v1");
      expect(await running()).toEqual({ blue: `${v1.repository}@${v1.digest}` });
    });

    it("v2 pushed under the same tag deploys under 16 keep-alive clients with 0 failed requests", async () => {
      v2 = await pushTestImage(engine, { name: service, tag: "app", version: "v2" });
      expect(v2.digest).not.toBe(v1.digest);
      const load = startLoad({ url: url(), workers: 16, idleGapMs: [0, 30], postRatio: 0.3 });
      await new Promise((r) => setTimeout(r, 500));
      const deploy = await cli(["deploy", "--version", "v2"]);
      const switchedAt = Date.now();
      await new Promise((r) => setTimeout(r, 800));
      const result = await load.stop();
      expect(deploy.code, deploy.stdout + deploy.stderr).toBe(0);
      expect(result.failed, JSON.stringify(result.byOutcome)).toBe(0);
      expect(result.total).toBeGreaterThan(100);
      expect(result.versions["v1"]).toBeGreaterThan(0);
      expect(result.versions["v2"]).toBeGreaterThan(0);
      expect(result.timeline.filter((t) => t.t > switchedAt && t.version !== "v2")).toEqual([]);
      console.log(`docker e2e: ${result.total} requests during the v1 -> v2 deploy, ${result.failed} failed`);

      const pinned = `${v2.repository}@${v2.digest}`;
      expect(await running()).toEqual({ green: pinned });
      const history = JSON.parse((await cli(["history", "--json"])).stdout) as Array<Record<string, unknown>>;
      expect(history[0]).toMatchObject({ outcome: "succeeded", version: "v2", artifact: pinned });
    });

    it("the same digest again is refused (the stale-tag trap) and changes nothing", async () => {
      const again = await cli(["deploy", "--version", "v2-again"]);
      expect(again.code).toBe(1);
      expect(again.stdout + again.stderr).toMatch(/already what green runs/);
      expect(await servedVersion()).toBe("v2");
    });

    it("rollback after the retained containers were pruned re-creates v1 from its digest", async () => {
      for (const c of await listContainers(engine, { [LABELS.service]: service })) {
        if (c.State !== "running") await engine.request({ method: "DELETE", path: `/containers/${c.Id}` });
      }
      // The image too: the rollback has only the recorded digest and the registry.
      await engine.request({
        method: "DELETE",
        path: `/images/${v1.repository}@${v1.digest}`,
        query: { force: true },
      });
      const rollback = await cli(["rollback"]);
      expect(rollback.code, rollback.stdout + rollback.stderr).toBe(0);
      expect(await servedVersion()).toBe("v1");
      expect(await running()).toEqual({ blue: `${v1.repository}@${v1.digest}` });
    });

    it("an image that never gets healthy: exit 1, traffic unchanged, its container removed, its logs shown", async () => {
      const bad = await pushTestImage(engine, {
        name: service,
        tag: "bad",
        version: "bad",
        env: { HEALTH_STATUS: "500" },
      });
      const before = await running();
      const deploy = await cli(["deploy", "--image", bad.ref, "--version", "bad"]);
      expect(deploy.code).toBe(1);
      const output = deploy.stdout + deploy.stderr;
      expect(output).toMatch(/traffic stays on blue/);
      expect(output).toContain("app bad listening on port 8080");
      expect(await servedVersion()).toBe("v1");
      expect(await running()).toEqual(before);
      const leftovers = await listContainers(engine, { [LABELS.service]: service, [LABELS.version]: "bad" });
      expect(leftovers).toEqual([]);
      // The container is gone, its last output is not: the runtime saved it to the slot's log file.
      const logs = await cli(["logs", "green"]);
      expect(logs.stdout).toContain("app bad listening on port 8080");
    });

    it("an image that does not exist and a port held by another process: clear messages, nothing changes", async () => {
      const before = await listContainers(engine, { [LABELS.service]: service });
      const missing = await cli(["deploy", "--image", `${v1.repository}:does-not-exist`, "--version", "x"]);
      expect(missing.code).toBe(1);
      expect(missing.stdout + missing.stderr).toMatch(/pull of .*:does-not-exist failed: .*not found/);

      const blocker = net.createServer().listen(ports.green, "127.0.0.1");
      await new Promise((r) => blocker.once("listening", r));
      try {
        const taken = await cli(["deploy", "--version", "v3", "--force"]);
        expect(taken.code).toBe(1);
        expect(taken.stdout + taken.stderr).toContain(
          `port ${ports.green} on 127.0.0.1 is taken by another process`,
        );
      } finally {
        await new Promise((r) => blocker.close(r));
      }
      expect((await listContainers(engine, { [LABELS.service]: service })).map((c) => c.Id).sort()).toEqual(
        before.map((c) => c.Id).sort(),
      );
      expect(await servedVersion()).toBe("v1");
    });

    it("rollback after those failed deploys re-creates green's last good version (v2), never the rejected image", async () => {
      const rollback = await cli(["rollback"]);
      expect(rollback.code, rollback.stdout + rollback.stderr).toBe(0);
      expect(await servedVersion()).toBe("v2");
      expect(await running()).toEqual({ green: `${v2.repository}@${v2.digest}` });
    });
  },
);
