import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../src/util/ports.js";
import { runCli } from "../support/cli.js";
import {
  TEST_LABEL,
  cleanupDocker,
  pushTestImage,
  uniqueImageName,
  type PushedImage,
} from "../support/images.js";
import { tempDir } from "../support/tmp.js";
import { dockerAvailable, engine } from "./docker-fixture.js";

const available = await dockerAvailable();

/**
 * The seed's first run: `server-a` (started by hand, not by switchyard) serves on the blue port.
 * switchyard refuses to start over it, adopts it without a restart, and retires it on the next deploy.
 */
describe.runIf(available)("docker: adopt the container that already serves (built CLI)", () => {
  const service = uniqueImageName("sy-adopt");
  const serverA = `${service}-server-a`;
  let dir: string;
  let removeDir: () => Promise<void>;
  let v1: PushedImage;
  let serverAId: string;
  const ports = { blue: 0, green: 0, listen: 0 };
  const cli = (args: string[]) => runCli(args, { cwd: dir, timeoutMs: 120_000 });
  const served = async () => {
    const res = await fetch(`http://127.0.0.1:${ports.listen}/`, { signal: AbortSignal.timeout(5_000) });
    await res.text();
    return res.headers.get("x-app-version");
  };
  const serverAState = async () =>
    (await engine.json<{ State: { Status: string } }>({ path: `/containers/${serverAId}/json` })).State
      .Status;

  beforeAll(async () => {
    ({ dir, cleanup: removeDir } = await tempDir("sy-adopt-e2e-"));
    ports.blue = await freePort();
    ports.green = await freePort();
    ports.listen = await freePort();
    v1 = await pushTestImage(engine, { name: service, tag: "app", version: "v1" });
    const created = await engine.json<{ Id: string }>({
      method: "POST",
      path: "/containers/create",
      query: { name: serverA },
      body: {
        Image: `${v1.repository}@${v1.digest}`,
        Env: ["PORT=8080"],
        Labels: TEST_LABEL,
        ExposedPorts: { "8080/tcp": {} },
        HostConfig: { PortBindings: { "8080/tcp": [{ HostIp: "127.0.0.1", HostPort: String(ports.blue) }] } },
      },
    });
    serverAId = created.Id;
    await engine.request({ method: "POST", path: `/containers/${serverAId}/start` });
    const yaml = [
      `service: ${service}`,
      "runtime:",
      "  kind: docker",
      `  image: "${v1.ref}"`,
      '  labels: { "switchyard.test": "1" }',
      "  stop_grace: 2s",
      "slots:",
      `  blue: { port: ${ports.blue} }`,
      `  green: { port: ${ports.green} }`,
      "health: { path: /health, expect_body: running, interval: 200ms, deadline: 8s }",
      `router: { kind: builtin, listen: "127.0.0.1:${ports.listen}" }`,
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

  it("a deploy over server-a's port refuses, naming it and `switchyard adopt`, and starts nothing", async () => {
    const result = await cli(["deploy", "--version", "v1"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`port ${ports.blue} is already published by container ${serverA}`);
    expect(result.stderr).toContain(`switchyard adopt ${serverA}`);
    expect(await serverAState()).toBe("running");
  });

  it("adopt records server-a as the active blue slot and routes to it, without a restart", async () => {
    const result = await cli(["adopt", serverA]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain(`adopted ${serverA} as blue`);
    const status = JSON.parse((await cli(["status", "--json"])).stdout);
    expect(status).toMatchObject({ active: "blue", slots: { blue: { state: "running", port: ports.blue } } });
    expect(await served()).toBe("v1");
    const history = JSON.parse((await cli(["history", "--json"])).stdout);
    expect(history[0]).toMatchObject({ kind: "adopt", outcome: "succeeded", slot: "blue" });
  });

  it("a second adopt is refused with exit 2: something already serves", async () => {
    const result = await cli(["adopt", serverA]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${service} already serves from blue`);
  });

  it("the next deploy starts green, switches, and stops server-a", async () => {
    await pushTestImage(engine, { name: service, tag: "app", version: "v2" });
    const result = await cli(["deploy", "--version", "v2"]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(await served()).toBe("v2");
    expect(await serverAState()).toBe("exited");
  });
});
