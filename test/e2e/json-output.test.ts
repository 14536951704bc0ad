import { execFile, spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, type CliResult } from "../support/cli.js";
import { makeProject } from "../support/project.js";

type Event = Record<string, unknown> & { event: string };
const ESC = "\x1b[";

function ndjson(stdout: string): Event[] {
  const lines = stdout.trim().split("\n");
  return lines.map((line, i) => {
    try {
      return JSON.parse(line) as Event;
    } catch {
      throw new Error(`stdout line ${i + 1} is not JSON: ${line}`);
    }
  });
}

/** Runs the CLI with exactly `env` on top of this process's, NO_COLOR removed unless given. */
function runRaw(args: string[], cwd: string, env: Record<string, string> = {}): Promise<CliResult> {
  const base = { ...process.env };
  delete base["NO_COLOR"];
  delete base["FORCE_COLOR"];
  return new Promise((resolve) => {
    execFile(BIN, args, { cwd, env: { ...base, ...env }, timeout: 120_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** Runs the CLI under a pseudo-terminal (util-linux `script`), so stdout is a TTY. */
function runInTty(args: string[], cwd: string, env: Record<string, string> = {}): Promise<CliResult> {
  const command = [BIN, ...args].map((a) => `'${a}'`).join(" ");
  return runRawFile("script", ["-qec", command, "/dev/null"], cwd, env);
}

function runRawFile(
  file: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
): Promise<CliResult> {
  const base = { ...process.env };
  delete base["NO_COLOR"];
  return new Promise((resolve) => {
    execFile(file, args, { cwd, env: { ...base, ...env }, timeout: 120_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe("machine-readable and quiet output", () => {
  let project: Awaited<ReturnType<typeof makeProject>>;
  beforeAll(async () => {
    project = await makeProject({ keepOld: "2m" });
  });
  afterAll(async () => {
    await project?.cleanup();
  });

  it("deploy --json: every stdout line is an event; steps carry timings; the last is the result", async () => {
    const result = await project.cli(["deploy", "--version", "v1", "--json"]);
    expect(result.code, result.stderr).toBe(0);
    const events = ndjson(result.stdout);
    const steps = events.filter((e) => e.event === "step");
    expect(steps.map((s) => `${String(s["name"])}:${String(s["status"])}`)).toEqual(
      expect.arrayContaining([
        "health gate blue:started",
        "health gate blue:done",
        "switch traffic to blue:done",
      ]),
    );
    for (const done of steps.filter((s) => s["status"] === "done")) expect(done["ms"]).toBeTypeOf("number");
    for (const e of events) expect(Date.parse(String(e["at"]))).not.toBeNaN();
    expect(events.at(-1)).toMatchObject({ event: "result", kind: "deploy", slot: "blue", version: "v1" });
  });

  it("a failing deploy --json ends with an error event carrying the exit code and message", async () => {
    await project.writeConfig({ version: "v2", env: { HEALTH_STATUS: "503" }, deadline: "3s" });
    const result = await project.cli(["deploy", "--version", "v2", "--json"]);
    expect(result.code).toBe(1);
    const events = ndjson(result.stdout);
    expect(events.at(-1)).toMatchObject({ event: "error", code: 1, error: "DeployError" });
    expect(String(events.at(-1)!["message"])).toMatch(/traffic stays on blue/);
    await project.writeConfig({ version: "v2" });
  });

  it("rollback --json ends with a result; status and history --json are single JSON documents", async () => {
    expect((await project.cli(["deploy", "--version", "v2"])).code).toBe(0);
    const rollback = await project.cli(["rollback", "--json"]);
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(ndjson(rollback.stdout).at(-1)).toMatchObject({ event: "result", kind: "rollback", slot: "blue" });
    const status = JSON.parse((await project.cli(["status", "--json"])).stdout) as Record<string, unknown>;
    expect(status).toMatchObject({ service: "hello", active: "blue" });
    const history = JSON.parse((await project.cli(["history", "--json"])).stdout) as Array<
      Record<string, unknown>
    >;
    expect(history.map((h) => [h["kind"], h["outcome"]])).toEqual([
      ["rollback", "succeeded"],
      ["deploy", "succeeded"],
      ["deploy", "failed"],
      ["deploy", "succeeded"],
    ]);
  });

  it("--quiet prints nothing on success and only the error on failure", async () => {
    await project.writeConfig({ version: "v3" });
    const ok = await project.cli(["deploy", "--version", "v3", "--quiet"]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toBe("");
    expect(ok.stderr).toBe("");
    await project.writeConfig({ version: "v4", env: { HEALTH_STATUS: "503" }, deadline: "3s" });
    const bad = await project.cli(["deploy", "--version", "v4", "-q"]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe("");
    expect(bad.stderr).toMatch(/^✗ health gate/m);
    expect(bad.stderr).toMatch(/^error: deploy failed/m);
    await project.writeConfig({ version: "v3" });
  });

  it("colour only on a TTY, and never with NO_COLOR or --no-color", async () => {
    const tty = await runInTty(["status"], project.dir);
    const ttyDeploy = await runInTty(["deploy", "--version", "v5", "--force"], project.dir);
    expect(ttyDeploy.stdout, "a TTY gets colour: the check below can see escape codes").toContain(ESC);
    expect(tty.code).toBe(0);
    const noColorEnv = await runInTty(["deploy", "--version", "v6", "--force"], project.dir, {
      NO_COLOR: "1",
    });
    expect(noColorEnv.code, noColorEnv.stdout).toBe(0);
    expect(noColorEnv.stdout).not.toContain(ESC);
    const noColorFlag = await runInTty(["deploy", "--version", "v7", "--force", "--no-color"], project.dir);
    expect(noColorFlag.code, noColorFlag.stdout).toBe(0);
    expect(noColorFlag.stdout).not.toContain(ESC);
    const pipe = await runRaw(["deploy", "--version", "v8", "--force"], project.dir);
    expect(pipe.code, pipe.stderr).toBe(0);
    expect(pipe.stdout + pipe.stderr).not.toContain(ESC);
    expect(pipe.stdout).toMatch(/✓ health gate \w+: \d+ probe\(s\) \(\d+(ms|\.\d+s|s)\)/);
  });

  it("a reader that goes away mid-deploy (closed pipe) does not stop the deploy", async () => {
    const child = spawn(BIN, ["deploy", "--version", "v9", "--force"], {
      cwd: project.dir,
      env: { ...process.env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.once("data", () => child.stdout.destroy());
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(stderr).not.toContain("EPIPE");
    expect(code).toBe(0);
    const history = JSON.parse((await project.cli(["history", "--json"])).stdout);
    expect(history[0]).toMatchObject({ version: "v9", outcome: "succeeded" });
  });
});
