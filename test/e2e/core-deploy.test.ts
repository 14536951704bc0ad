import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLoad } from "../../bench/lib/load-client.js";
import { getJson, makeProject } from "../support/project.js";

/**
 * Issue 2's promises, tried as a user would: the built CLI, real app processes, the real daemon,
 * keep-alive clients on loopback.
 */
describe("core: process runtime + built-in router", () => {
  let project: Awaited<ReturnType<typeof makeProject>>;

  beforeAll(async () => {
    project = await makeProject({ keepOld: "2m" });
  });
  afterAll(async () => {
    await project?.cleanup();
  });

  it("first deploy starts blue and serves it", async () => {
    const result = await project.cli(["deploy", "--version", "v1"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/health gate blue/);
    expect(result.stdout).toMatch(/deployed v1 to blue in/);
    const { body } = await getJson(`${project.url}/`);
    expect(body["version"]).toBe("v1");
    const status = JSON.parse((await project.cli(["status", "--json"])).stdout) as Record<string, any>;
    expect(status).toMatchObject({
      service: "hello",
      active: "blue",
      daemon: { running: true },
      slots: {
        blue: { state: "running", version: "v1", port: project.ports.blue },
        green: { state: "empty" },
      },
    });
    expect(status["daemon"].pid).toBeGreaterThan(0);
  });

  it("deploys v2 under 16 keep-alive clients with 0 failed requests; v2 serves every request after the switch", async () => {
    await project.writeConfig({ version: "v2" });
    const load = startLoad({ url: `${project.url}/`, workers: 16, idleGapMs: [0, 30], postRatio: 0.3 });
    await new Promise((r) => setTimeout(r, 500));
    const deploy = await project.cli(["deploy", "--version", "v2"]);
    const switchedAt = Date.now();
    await new Promise((r) => setTimeout(r, 800));
    const result = await load.stop();
    expect(deploy.code, deploy.stderr).toBe(0);
    expect(result.failed, JSON.stringify(result.byOutcome)).toBe(0);
    expect(result.total).toBeGreaterThan(200);
    expect(result.versions["v1"]).toBeGreaterThan(0);
    expect(result.versions["v2"]).toBeGreaterThan(0);
    expect(result.timeline.filter((t) => t.t > switchedAt && t.version !== "v2")).toEqual([]);
    expect(deploy.stdout).toMatch(/requests during the deploy, 0 failed/);
    const status = JSON.parse((await project.cli(["status", "--json"])).stdout) as Record<string, any>;
    expect(status["active"]).toBe("green");
    expect(status["slots"].blue.state).toBe("warm");
  });

  it("rolls back to the warm v1 in under a second with 0 failed requests", async () => {
    const load = startLoad({ url: `${project.url}/`, workers: 16, idleGapMs: [0, 30], postRatio: 0.3 });
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    const rollback = await project.cli(["rollback"]);
    const took = Date.now() - started;
    await new Promise((r) => setTimeout(r, 300));
    const result = await load.stop();
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(result.failed, JSON.stringify(result.byOutcome)).toBe(0);
    const switchLine = /✓ switch traffic to blue \((\d+)ms\)/.exec(rollback.stdout);
    expect(switchLine, rollback.stdout).not.toBeNull();
    expect(took, "whole rollback command incl. node start-up and drain").toBeLessThan(15_000);
    expect(Number(switchLine![1])).toBeLessThan(1000);
    expect((await getJson(`${project.url}/`)).body["version"]).toBe("v1");
    const history = JSON.parse((await project.cli(["history", "--json"])).stdout) as Array<
      Record<string, any>
    >;
    expect(history.map((h) => [h["kind"], h["outcome"], h["version"]])).toEqual([
      ["rollback", "succeeded", "v1"],
      ["deploy", "succeeded", "v2"],
      ["deploy", "succeeded", "v1"],
    ]);
    expect(history[1]!["traffic"]).toMatchObject({ available: true, failed: 0 });
  });

  it("a version whose health never passes: exit 1 by the deadline, traffic unchanged, failed slot stopped", async () => {
    await project.writeConfig({ version: "v3-broken", env: { HEALTH_STATUS: "503" }, deadline: "2s" });
    const result = await project.cli(["deploy", "--version", "v3-broken"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /deploy failed: green never answered \/health with a 2xx containing 'running' within 2\.00s \(last: HTTP 503 'unhealthy'\); traffic stays on blue/,
    );
    expect(result.stderr).toMatch(/last log lines of green/);
    expect((await getJson(`${project.url}/`)).body["version"]).toBe("v1");
    await expect(fetch(`http://127.0.0.1:${project.ports.green}/health`)).rejects.toThrow();
    const status = JSON.parse((await project.cli(["status", "--json"])).stdout) as Record<string, any>;
    expect(status["active"]).toBe("blue");
    expect(status["slots"].green.state).toBe("failed");
  });

  it("kill -9 of the daemon: status says down; up restores routing to the same app process", async () => {
    const before = JSON.parse((await project.cli(["status", "--json"])).stdout) as Record<string, any>;
    const appPid = before["slots"].blue.pid as number;
    process.kill(before["daemon"].pid as number, "SIGKILL");
    await new Promise((r) => setTimeout(r, 300));
    const down = JSON.parse((await project.cli(["status", "--json"])).stdout) as Record<string, any>;
    expect(down["daemon"]).toEqual({ running: false, pid: null });
    const human = await project.cli(["status"]);
    expect(human.stdout).toMatch(/daemon: NOT running/);
    const up = await project.cli(["up"]);
    expect(up.code, up.stderr).toBe(0);
    const { body } = await getJson(`${project.url}/`);
    expect(body).toMatchObject({ version: "v1", pid: appPid });
  });

  it("a slow request and a stream on the old slot complete: drain waits for them", async () => {
    await project.writeConfig({ version: "v4" });
    let slowFinishedAt = 0;
    const slow = fetch(`${project.url}/slow?ms=2500`).then(async (r) => {
      const body = (await r.json()) as Record<string, unknown>;
      slowFinishedAt = Date.now();
      return { status: r.status, body };
    });
    const stream = fetch(`${project.url}/stream?chunks=20&every=100`).then(async (r) => r.text());
    await new Promise((r) => setTimeout(r, 300));
    const deploy = await project.cli(["deploy", "--version", "v4"]);
    const deployFinishedAt = Date.now();
    expect(deploy.code, deploy.stderr).toBe(0);
    expect(await slow).toEqual({ status: 200, body: { version: "v1", slept: 2500 } });
    const lines = (await stream).trim().split("\n");
    expect(lines).toHaveLength(20);
    expect(lines.every((l) => l.endsWith("from v1"))).toBe(true);
    const drain = /✓ drain blue \((\d+(?:\.\d+)?)(ms|s)\)/.exec(deploy.stdout);
    expect(drain, deploy.stdout).not.toBeNull();
    const drainMs = drain![2] === "s" ? Number(drain![1]) * 1000 : Number(drain![1]);
    // The old slot is stopped right after the drain: the slow request finished before that.
    expect(slowFinishedAt).toBeLessThanOrEqual(deployFinishedAt);
    expect(drainMs).toBeGreaterThan(200);
    expect((await getJson(`${project.url}/`)).body["version"]).toBe("v4");
  });

  it("keeps every file it wrote private and parseable", async () => {
    const state = JSON.parse(
      await readFile(path.join(project.dir, ".switchyard", "state.json"), "utf8"),
    ) as Record<string, any>;
    expect(state["schema"]).toBe(1);
    expect(state["deploy"]).toBeNull();
  });
});
