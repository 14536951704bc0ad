import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isPortInUse } from "../../src/util/ports.js";
import { isPidAlive, isZombie } from "../../src/util/process.js";
import { BIN } from "../support/cli.js";
import { getJson, makeProject } from "../support/project.js";

/** Polls state.json (up to 10 s) until the running deploy records `phase`; returns the last phase seen. */
async function deployPhaseReached(stateFile: string, phase: string): Promise<string> {
  let seen = "";
  for (let i = 0; i < 200 && seen !== phase; i += 1) {
    await new Promise((r) => setTimeout(r, 50));
    seen =
      (JSON.parse(await readFile(stateFile, "utf8")) as { deploy?: { phase: string } }).deploy?.phase ?? "";
  }
  return seen;
}

describe("core: bad input and failures change nothing", () => {
  let project: Awaited<ReturnType<typeof makeProject>> | undefined;
  afterEach(async () => {
    await project?.cleanup();
    project = undefined;
  });

  it("a misspelled key: exit 2, the key named, nothing started", async () => {
    project = await makeProject();
    const file = path.join(project.dir, "switchyard.yml");
    await writeFile(file, (await readFile(file, "utf8")).replace("health:", "heath:"));
    const result = await project.cli(["deploy", "--version", "v1"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/heath: unknown key \(did you mean "health"\?\)/);
    expect(existsSync(path.join(project.dir, ".switchyard"))).toBe(false);
    await expect(fetch(`${project.url}/`)).rejects.toThrow();
  });

  it("adopt with the process runtime: exit 2, saying it works with docker and compose, nothing started", async () => {
    project = await makeProject();
    const result = await project.cli(["adopt", "server-a"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("the process runtime cannot adopt a running app");
    await expect(fetch(`${project.url}/`)).rejects.toThrow();
  });

  it("two deploys at once: the second exits 3 naming the first", async () => {
    project = await makeProject({ env: { READY_DELAY_MS: "2500" } });
    const first = project.cli(["deploy", "--version", "slow"]);
    const lock = path.join(project.dir, ".switchyard", "deploy.lock");
    for (let i = 0; i < 100 && !existsSync(lock); i += 1) await new Promise((r) => setTimeout(r, 50));
    const owner = JSON.parse(await readFile(lock, "utf8")) as { pid: number };
    const second = await project.cli(["deploy", "--version", "other"]);
    expect(second.code).toBe(3);
    expect(second.stderr).toContain(`another deploy holds the lock: pid ${owner.pid} on`);
    expect(second.stderr).toContain("switchyard deploy slow");
    expect((await first).code).toBe(0);
    expect((await getJson(`${project.url}/`)).body["version"]).toBe("v1");
  });

  it("an app that exits during the health gate fails fast with its exit code and last lines", async () => {
    project = await makeProject({ deadline: "30s" });
    await project.writeConfig({ env: { CRASH_AFTER_MS: "300", READY_DELAY_MS: "10000" } });
    const started = Date.now();
    const result = await project.cli(["deploy", "--version", "crashy"]);
    expect(result.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.stderr).toMatch(
      /blue exited with code 3 before it became healthy; nothing was serving before/,
    );
    expect(result.stderr).toMatch(/crashing on purpose/);
  });

  it("rollback with the process runtime after the old slot stopped says plainly it cannot", async () => {
    project = await makeProject({ keepOld: "0s" });
    expect((await project.cli(["deploy", "--version", "v1"])).code).toBe(0);
    await project.writeConfig({ version: "v2" });
    expect((await project.cli(["deploy", "--version", "v2"])).code).toBe(0);
    const result = await project.cli(["rollback"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /blue \(v1\) is stopped, and the process runtime cannot start an old version again; traffic stays on green/,
    );
    expect(result.stderr).toMatch(/hint: .*keep_old/);
    expect((await getJson(`${project.url}/`)).body["version"]).toBe("v2");
  });

  it("a corrupt state file is reported, never replaced", async () => {
    project = await makeProject();
    expect((await project.cli(["deploy", "--version", "v1"])).code).toBe(0);
    const stateFile = path.join(project.dir, ".switchyard", "state.json");
    const good = await readFile(stateFile, "utf8");
    await writeFile(stateFile, "{ not json");
    const result = await project.cli(["deploy", "--version", "v2"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/state\.json is corrupt \(not JSON\); switchyard will not overwrite it/);
    expect(await readFile(stateFile, "utf8")).toBe("{ not json");
    expect((await getJson(`${project.url}/`)).body["version"]).toBe("v1");
    await writeFile(stateFile, good); // so cleanup's `down` can stop what runs
  });

  it("a deploy killed mid-way (kill -9) is recovered by the next one: stale lock taken over, half-started slot stopped", async () => {
    project = await makeProject();
    expect((await project.cli(["deploy", "--version", "v1"])).code).toBe(0);
    await project.writeConfig({ version: "v2", env: { READY_DELAY_MS: "60000" } });
    const child = project.spawn(["deploy", "--version", "v2"]);
    const stateFile = path.join(project.dir, ".switchyard", "state.json");
    expect(await deployPhaseReached(stateFile, "health")).toBe("health");
    const green = (
      JSON.parse(await readFile(stateFile, "utf8")) as { slots: { green: { handle: { pid: number } } } }
    ).slots.green.handle.pid;
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    const status = await project.cli(["status"]);
    expect(status.stdout).toMatch(/deploy in progress: .* \(health\)/);

    await project.writeConfig({ version: "v3" });
    const next = await project.cli(["deploy", "--version", "v3"]);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).toMatch(/took over a stale lock of pid \d+/);
    expect(next.stderr).toMatch(/deploy .* \(v2 to green\) was interrupted during "health"; recovering/);
    expect(next.stderr).toMatch(/stopped the half-started green; traffic stays on blue/);
    expect(isPidAlive(green) && !isZombie(green)).toBe(false);
    expect((await getJson(`${project.url}/`)).body["version"]).toBe("v3");
  });

  it("Ctrl-C (SIGINT) during the health gate fails the deploy cleanly: new slot stopped, lock released, traffic unchanged", async () => {
    project = await makeProject();
    expect((await project.cli(["deploy", "--version", "v1"])).code).toBe(0);
    await project.writeConfig({ version: "v2", env: { READY_DELAY_MS: "60000" } });
    const child = spawn(BIN, ["deploy", "--version", "v2"], {
      cwd: project.dir,
      env: { ...process.env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr.on("data", (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    const stateFile = path.join(project.dir, ".switchyard", "state.json");
    expect(await deployPhaseReached(stateFile, "health")).toBe("health");
    const started = Date.now();
    child.kill("SIGINT");
    expect(await exited).toBe(1);
    expect(Date.now() - started).toBeLessThan(10_000); // not the 20 s health deadline
    expect(output).toMatch(/deploy failed: interrupted by SIGINT; traffic stays on blue/);
    expect(await isPortInUse(project.ports.green)).toBe(false);
    expect(existsSync(path.join(project.dir, ".switchyard", "deploy.lock"))).toBe(false);
    expect((await getJson(`${project.url}/`)).body["version"]).toBe("v1");
    const history = JSON.parse((await project.cli(["history", "--json"])).stdout) as Array<{
      version: string;
      outcome: string;
    }>;
    expect(history[0]).toMatchObject({ version: "v2", outcome: "failed" });
  });
});
