import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isPortInUse } from "../../src/util/ports.js";
import { getJson, makeProject } from "../support/project.js";

/** Hooks as the issue promises them, with the built CLI, real app processes and the real daemon. */
describe("deploy hooks", () => {
  let project: Awaited<ReturnType<typeof makeProject>>;
  const servedVersion = async () => (await getJson(`${project.url}/`)).body["version"];
  const withHooks = (version: string, hooks: string[]) =>
    project.writeConfig({ version, extra: ["hooks:", ...hooks.map((h) => `  ${h}`)].join("\n") });

  beforeAll(async () => {
    project = await makeProject();
    const first = await project.cli(["deploy", "--version", "v1"]);
    expect(first.code, first.stderr).toBe(0);
  });
  afterAll(async () => {
    await project?.cleanup();
  });

  it("a failing pre_switch aborts with exit 1: traffic unchanged, the new slot stopped", async () => {
    await withHooks("v2", [
      `pre_switch: 'curl -fsS "$SWITCHYARD_PREVIEW_URL/" > vetoed.json; echo smoke test says no; exit 3'`,
    ]);
    const result = await project.cli(["deploy", "--version", "v2"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/deploy failed: hook pre_switch exited with code 3; traffic stays on blue/);
    expect(result.stderr).toContain("smoke test says no");
    const hookLog = await readFile(path.join(project.dir, ".switchyard/logs/hooks.log"), "utf8");
    expect(hookLog).toMatch(/^\S+Z pre_switch \| smoke test says no$/m);
    expect(hookLog).toMatch(/^\S+Z pre_switch exited with code 3$/m);
    // The hook did see the new version before it vetoed it.
    expect(JSON.parse(await readFile(path.join(project.dir, "vetoed.json"), "utf8"))).toMatchObject({
      version: "v2",
    });
    expect(await servedVersion()).toBe("v1");
    expect(await isPortInUse(project.ports.green)).toBe(false);
    const status = JSON.parse((await project.cli(["status", "--json"])).stdout) as {
      active: string;
      slots: Record<string, { state: string }>;
    };
    expect(status.active).toBe("blue");
    expect(status.slots["green"]!.state).toBe("failed");
    expect(status.slots["blue"]!.state).toBe("running");
  });

  it("a passing pre_switch sees the new slot at SWITCHYARD_PREVIEW_URL, with the documented env", async () => {
    await withHooks("v3", [
      `pre_switch: 'curl -fsS "$SWITCHYARD_PREVIEW_URL/" > preview.json && env | grep ^SWITCHYARD_ | sort > hook-env.txt'`,
    ]);
    const result = await project.cli(["deploy", "--version", "v3"]);
    expect(result.code, result.stderr).toBe(0);
    const preview = JSON.parse(await readFile(path.join(project.dir, "preview.json"), "utf8")) as {
      version: string;
    };
    expect(preview.version).toBe("v3");
    const env = Object.fromEntries(
      (await readFile(path.join(project.dir, "hook-env.txt"), "utf8"))
        .trim()
        .split("\n")
        .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
    expect(env).toMatchObject({
      SWITCHYARD_SERVICE: "hello",
      SWITCHYARD_SLOT: "green",
      SWITCHYARD_PREVIOUS_SLOT: "blue",
      SWITCHYARD_VERSION: "v3",
      SWITCHYARD_IMAGE: "",
      SWITCHYARD_PREVIEW_URL: `http://127.0.0.1:${project.ports.green}`,
    });
    expect(env["SWITCHYARD_DEPLOY_ID"]).toMatch(/^\d{8}T\d{6}-[a-z0-9]+$/);
    // Hooks run in the config file's directory: that is where the files landed.
    expect(await servedVersion()).toBe("v3");
  });

  it("a failing post_switch switches traffic back to the previous slot", async () => {
    await withHooks("v4", [
      "post_switch: 'echo checks after the switch failed; exit 1'",
      "on_failure: 'echo \"$SWITCHYARD_VERSION\" > on-failure.txt'",
    ]);
    const result = await project.cli(["deploy", "--version", "v4"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/hook post_switch exited with code 1; traffic switched back to green/);
    expect(await servedVersion()).toBe("v3");
    const status = JSON.parse((await project.cli(["status", "--json"])).stdout) as {
      active: string;
      slots: Record<string, { state: string }>;
    };
    expect(status.active).toBe("green");
    expect(status.slots["green"]!.state).toBe("running");
    // The rejected v4 is stopped, not left running where nothing routes to it.
    expect(status.slots["blue"]!.state).toBe("failed");
    expect(await isPortInUse(project.ports.blue)).toBe(false);
    expect((await readFile(path.join(project.dir, "on-failure.txt"), "utf8")).trim()).toBe("v4");
    const history = JSON.parse((await project.cli(["history", "--json"])).stdout) as Array<{
      version: string;
      outcome: string;
    }>;
    expect(history[0]).toMatchObject({ version: "v4", outcome: "failed" });
  });

  it("rollback after a rejected deploy goes back to the last good version of that slot, not the rejected one", async () => {
    // blue ran v1 (stopped since), then took the rejected v4; the process runtime cannot restart v1.
    const result = await project.cli(["rollback"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /rollback failed: blue \(v1\) is stopped, and the process runtime cannot start/,
    );
    expect(result.stderr).not.toContain("v4");
    expect(await servedVersion()).toBe("v3");
  });

  it("a failing post_switch on the very first deploy leaves nothing serving, as before", async () => {
    const fresh = await makeProject();
    try {
      await fresh.writeConfig({
        version: "first",
        extra: "hooks:\n  post_switch: 'echo first checks failed; exit 4'",
      });
      const result = await fresh.cli(["deploy", "--version", "first"]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/hook post_switch exited with code 4; nothing serves again/);
      const res = await fetch(`${fresh.url}/`);
      expect(res.status).toBe(503);
      expect(await isPortInUse(fresh.ports.blue)).toBe(false);
      const status = JSON.parse((await fresh.cli(["status", "--json"])).stdout) as {
        active: string | null;
        slots: Record<string, { state: string }>;
      };
      expect(status.active).toBeNull();
      expect(status.slots["blue"]!.state).toBe("failed");
    } finally {
      await fresh.cleanup();
    }
  });

  it("a hook over its timeout is killed and fails the deploy before anything starts", async () => {
    await rm(path.join(project.dir, "slept.txt"), { force: true });
    await withHooks("v5", ["pre_deploy: { command: 'sleep 30; touch slept.txt', timeout: 1s }"]);
    const started = Date.now();
    const result = await project.cli(["deploy", "--version", "v5"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/hook pre_deploy timed out/);
    expect(await readFile(path.join(project.dir, ".switchyard/logs/hooks.log"), "utf8")).toMatch(
      /pre_deploy timed out after 1000ms\n$/,
    );
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(await servedVersion()).toBe("v3");
    await new Promise((r) => setTimeout(r, 300));
    await expect(readFile(path.join(project.dir, "slept.txt"))).rejects.toThrow(/ENOENT/);
  });
});
