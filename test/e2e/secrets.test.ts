import { randomBytes } from "node:crypto";
import { chmod, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliResult } from "../support/cli.js";
import { makeProject } from "../support/project.js";

/**
 * A secret planted through the environment and one through env_file must appear in no file
 * switchyard writes and in none of its output — across deploys that succeed and fail, status,
 * history, logs and hooks that echo them.
 *
 * The app's own log files (logs/blue.log, logs/green.log) are the exception, by design: they hold
 * what the app printed, written by the app to a descriptor switchyard hands it, and the app runs on
 * after the CLI exits. switchyard redacts them when it reads them (`switchyard logs`).
 */
describe("secrets are redacted everywhere switchyard writes", () => {
  const fromEnv = `env-secret-${randomBytes(6).toString("hex")}`;
  const fromFile = `file-secret-${randomBytes(6).toString("hex")}`;
  const env = { PLANTED_SECRET: fromEnv };
  const outputs: Array<[string, CliResult]> = [];
  let project: Awaited<ReturnType<typeof makeProject>>;

  const run = async (args: string[]) => {
    const result = await project.cli(args, env);
    outputs.push([args.join(" "), result]);
    return result;
  };

  beforeAll(async () => {
    project = await makeProject({ env: { DB_PASSWORD: "${PLANTED_SECRET}", API_TOKEN: "${FILE_TOKEN}" } });
    await writeFile(path.join(project.dir, ".env"), `FILE_TOKEN=${fromFile}\n`);
    await chmod(path.join(project.dir, ".env"), 0o600);
    // The app prints its APP_VERSION at start: this one is the env_file secret, to test `logs`.
    await writeConfig(`v1-${fromFile}`, "true");
  });
  afterAll(async () => {
    // `down` needs the config, and the config needs the secrets it interpolates.
    await project?.cli(["down"], env);
    await project?.cleanup();
  });

  const writeConfig = (appVersion: string, preSwitch: string) =>
    project.writeConfig({
      env: { DB_PASSWORD: "${PLANTED_SECRET}", API_TOKEN: "${FILE_TOKEN}", APP_VERSION: appVersion },
      extra: [
        "env_file: .env",
        "hooks:",
        '  pre_deploy: echo "pre_deploy sees $PLANTED_SECRET"; ' +
          // The secret arrives in two chunks: redaction must work on whole lines, not chunks.
          'printf split:; printf %s "$PLANTED_SECRET" | head -c 10; sleep 0.3; printf %s "$PLANTED_SECRET" | tail -c +11; echo',
        `  pre_switch: 'grep FILE_TOKEN .env; ${preSwitch}'`,
        '  post_deploy: echo "post_deploy sees $PLANTED_SECRET" >&2',
        "  on_failure: 'echo \"on_failure sees $PLANTED_SECRET\"; cat .env'",
      ].join("\n"),
    });

  it("a successful deploy, a failing one, status, history and logs never show either secret", async () => {
    const first = await run(["deploy", "--version", "v1"]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain("pre_deploy sees [redacted]");
    expect(first.stdout).toContain("FILE_TOKEN=[redacted]");
    expect(first.stdout).toContain("pre_deploy | split:[redacted]\n");
    expect(first.stdout).toContain("post_deploy | post_deploy sees [redacted]");

    await writeConfig("v2", "exit 1");
    const failed = await run(["deploy", "--version", "v2"]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/hook pre_switch exited with code 1/);
    expect(failed.stdout).toContain("on_failure sees [redacted]");
    const failedJson = await run(["deploy", "--version", "v2b", "--json"]);
    expect(failedJson.code).toBe(1);
    expect(failedJson.stdout).toContain('"event":"error"');

    await run(["status"]);
    expect((await run(["status", "--json"])).code).toBe(0);
    await run(["history"]);
    const history = await run(["history", "--json"]);
    expect((JSON.parse(history.stdout) as unknown[]).length).toBe(3);
    const logs = await run(["logs", "blue"]);
    expect(logs.stdout, JSON.stringify(logs)).toContain("app v1-[redacted] listening");
    await run(["logs", "daemon"]);

    for (const [what, result] of outputs) {
      for (const secret of [fromEnv, fromFile]) {
        expect(result.stdout, `stdout of ${what}`).not.toContain(secret);
        expect(result.stderr, `stderr of ${what}`).not.toContain(secret);
      }
    }
  });

  it("no file under the state dir holds either secret (state, history, daemon and hook logs)", async () => {
    const stateDir = path.join(project.dir, ".switchyard");
    const files = (await readdir(stateDir, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => path.join(e.parentPath, e.name));
    const appLogs = /logs\/(blue|green)\.log(\.1)?$/;
    const checked = files.filter((f) => !appLogs.test(f)).map((f) => path.relative(stateDir, f));
    expect(checked).toEqual(
      expect.arrayContaining(["state.json", "history.json", "logs/daemon.log", "logs/hooks.log"]),
    );
    for (const file of files.filter((f) => !appLogs.test(f))) {
      const text = await readFile(file, "utf8");
      expect(text, file).not.toContain(fromEnv);
      expect(text, file).not.toContain(fromFile);
    }
    // The documented exception is real: the app's own log has what the app printed.
    const blueLog = await readFile(path.join(stateDir, "logs/blue.log"), "utf8");
    expect(blueLog).toContain(`app v1-${fromFile} listening`);
  });

  it("an env_file readable by others is warned about", async () => {
    await chmod(path.join(project.dir, ".env"), 0o644);
    const status = await run(["status"]);
    expect(status.stderr).toMatch(/env_file .*\.env is readable by other users; run `chmod 600/);
    await chmod(path.join(project.dir, ".env"), 0o600);
  });
});
