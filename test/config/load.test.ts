import { chmod, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { ConfigError, ExitCode } from "../../src/errors.js";
import { clearSecretsForTests, redact } from "../../src/secrets.js";
import { tempDir, writeConfig } from "../support/tmp.js";

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(async () => {
  clearSecretsForTests();
  await cleanup();
});

const minimal = `service: hello
runtime:
  kind: process
  command: ["node", "app.js"]
`;

async function problemsOf(yaml: string, env: NodeJS.ProcessEnv = {}): Promise<string[]> {
  const file = await writeConfig(dir, yaml);
  const err = await loadConfig(file, env).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  expect((err as ConfigError).exitCode).toBe(ExitCode.usage);
  return [...(err as ConfigError).problems];
}

describe("loadConfig", () => {
  it("fills defaults and resolves paths against the config's directory", async () => {
    const config = await loadConfig(await writeConfig(dir, minimal), {});
    expect(config.slots).toEqual({ blue: { port: 8080 }, green: { port: 8081 } });
    expect(config.health).toMatchObject({ path: "/health", interval: 1000, timeout: 2000, deadline: 60_000 });
    expect(config.router).toMatchObject({ kind: "builtin", listen: "127.0.0.1:8000" });
    expect(config.drain.timeout).toBe(30_000);
    expect(config.keep_old).toBe(0);
    expect(config.stateDir).toBe(path.join(dir, ".switchyard"));
  });

  it("parses durations in ms, s, m", async () => {
    const config = await loadConfig(
      await writeConfig(dir, `${minimal}health:\n  interval: 500ms\n  deadline: 1m\ndrain:\n  timeout: 2s\n`),
      {},
    );
    expect([config.health.interval, config.health.deadline, config.drain.timeout]).toEqual([
      500, 60_000, 2000,
    ]);
  });

  it("names a misspelled key and suggests the right one", async () => {
    const problems = await problemsOf(`${minimal}heath:\n  path: /health\n`);
    expect(problems).toEqual(['heath: unknown key (did you mean "health"?)']);
  });

  it("names nested key paths and what is expected", async () => {
    const problems = await problemsOf(
      `${minimal}health:\n  interval: soon\nslots:\n  blue: { port: 80800 }\n  green: { port: 8081 }\n`,
    );
    expect(problems).toContain('health.interval: expected a duration such as "500ms", "2s" or "1m"');
    expect(problems.some((p) => p.startsWith("slots.blue.port:"))).toBe(true);
  });

  it("rejects an unknown runtime kind with the valid ones", async () => {
    const problems = await problemsOf(`service: hello\nruntime:\n  kind: podman\n`);
    expect(problems.join("\n")).toMatch(/runtime\.kind.*process.*docker.*compose/s);
  });

  it("rejects equal slot ports", async () => {
    const problems = await problemsOf(`${minimal}slots:\n  blue: { port: 9000 }\n  green: { port: 9000 }\n`);
    expect(problems).toEqual(["slots.green.port: must differ from slots.blue.port (both are 9000)"]);
  });

  it("interpolates ${VAR} from the environment and treats the value as secret", async () => {
    const yaml = `${minimal.replace('["node", "app.js"]', '["node", "app.js"]\n  env: { GREETING: "${GREETING}", MODE: "${MODE:-prod}" }')}`;
    const config = await loadConfig(await writeConfig(dir, yaml), { GREETING: "hunter2-secret" });
    expect(config.runtime.kind === "process" && config.runtime.env).toEqual({
      GREETING: "hunter2-secret",
      MODE: "prod",
    });
    expect(redact("token=hunter2-secret")).toBe("token=[redacted]");
  });

  it("reports an unset variable by key path", async () => {
    const problems = await problemsOf(`${minimal}  env: { API_KEY: "\${API_KEY}" }\n`);
    expect(problems).toEqual([
      "runtime.env.API_KEY: ${API_KEY} is not set; set it in the environment or in env_file",
    ]);
  });

  it("reads env_file, warns when others can read it, and never echoes its values", async () => {
    await writeFile(path.join(dir, "app.env"), "# secrets\nexport DB_PASSWORD='s3cr3t-pw'\n");
    await chmod(path.join(dir, "app.env"), 0o644);
    const yaml = `service: hello\nenv_file: app.env\nruntime:\n  kind: process\n  command: [node, app.js]\n  env: { DB_PASSWORD: "\${DB_PASSWORD}" }\n`;
    const config = await loadConfig(await writeConfig(dir, yaml), {});
    expect(config.runtime.kind === "process" && config.runtime.env["DB_PASSWORD"]).toBe("s3cr3t-pw");
    expect(config.warnings[0]).toMatch(/readable by other users; run `chmod 600/);
    expect(redact("pw is s3cr3t-pw")).toBe("pw is [redacted]");
  });

  it("reports a missing config file with the next command", async () => {
    const err = (await loadConfig(path.join(dir, "nope.yml")).catch((e: unknown) => e)) as ConfigError;
    expect(err.message).toMatch(/cannot read config file .*nope\.yml: ENOENT/);
    expect(err.hint).toMatch(/switchyard init/);
  });

  it("reports invalid YAML", async () => {
    const problems = await problemsOf("service: [unclosed\n");
    expect(problems.length).toBeGreaterThan(0);
  });
});
