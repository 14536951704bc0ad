import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLoad } from "../../bench/lib/load-client.js";
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
import { seedComposeFile } from "./seed-compose.js";
import { dockerAvailable, engine } from "./docker-fixture.js";

const available = await dockerAvailable();

/** The seed's two compose files, as one, deployed by the built CLI with the compose runtime. */
describe.runIf(available)("compose: the seed's service shape deploys v1 then v2 under load", () => {
  const service = uniqueImageName("sy-cmp");
  const network = `${service}-seed`;
  let dir: string;
  let removeDir: () => Promise<void>;
  let v1: PushedImage;
  const ports = { blue: 0, green: 0, listen: 0 };
  const url = () => `http://127.0.0.1:${ports.listen}/`;
  const cli = (args: string[]) => runCli(args, { cwd: dir, timeoutMs: 180_000 });

  beforeAll(async () => {
    ({ dir, cleanup: removeDir } = await tempDir("sy-compose-e2e-"));
    Object.assign(ports, { blue: await freePort(), green: await freePort(), listen: await freePort() });
    v1 = await pushTestImage(engine, { name: service, tag: "latest", version: "v1" });
    await engine.request({
      method: "POST",
      path: "/networks/create",
      body: { Name: network, Labels: TEST_LABEL },
    });
    await mkdir(path.join(dir, "deploy"));
    await writeFile(path.join(dir, "deploy", "docker-compose.yml"), seedComposeFile(v1.ref, network));
    const yaml = [
      `service: ${service}`,
      "runtime: { kind: compose, file: deploy/docker-compose.yml, service: server, stop_grace: 3s }",
      `slots: { blue: { port: ${ports.blue} }, green: { port: ${ports.green} } }`,
      "health: { path: /health, expect_body: running, interval: 200ms, deadline: 20s }",
      `router: { kind: builtin, listen: "127.0.0.1:${ports.listen}" }`,
      "drain: { timeout: 10s }",
    ].join("\n");
    await writeFile(path.join(dir, "switchyard.yml"), `${yaml}\n`);
  });
  afterAll(async () => {
    if (dir) await runCli(["down"], { cwd: dir, timeoutMs: 60_000 });
    await cleanupDocker(engine, { containerPrefix: service, repositories: [v1?.repository].filter(Boolean) });
    await removeDir?.();
  });

  async function servedVersion(): Promise<string | null> {
    const res = await fetch(url(), { signal: AbortSignal.timeout(5_000) });
    await res.text();
    return res.headers.get("x-app-version");
  }

  it("deploys v1, then v2 pushed under :latest with 0 failed requests", async () => {
    const first = await cli(["deploy", "--version", "v1"]);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(await servedVersion()).toBe("v1");

    const v2 = await pushTestImage(engine, { name: service, tag: "latest", version: "v2" });
    const load = startLoad({ url: url(), workers: 8, idleGapMs: [0, 30], postRatio: 0.3 });
    await new Promise((r) => setTimeout(r, 400));
    const second = await cli(["deploy", "--version", "v2"]);
    await new Promise((r) => setTimeout(r, 500));
    const result = await load.stop();
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(second.stdout).toContain(v2.digest);
    expect(result.failed, JSON.stringify(result.byOutcome)).toBe(0);
    expect(result.versions["v2"]).toBeGreaterThan(0);
    expect(await servedVersion()).toBe("v2");
    console.log(`compose e2e: ${result.total} requests during the v1 -> v2 deploy, ${result.failed} failed`);

    // One compose project per slot, on the seed's external network, restart: always kept.
    const info = await engine.json<{
      HostConfig: { RestartPolicy: { Name: string } };
      NetworkSettings: { Networks: Record<string, unknown> };
    }>({ path: `/containers/${service}-green_server_1/json` });
    expect(info.HostConfig.RestartPolicy.Name).toBe("always");
    expect(Object.keys(info.NetworkSettings.Networks)).toEqual([network]);
  });
});
