import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { RuntimeError } from "../../src/errors.js";
import { adoptContainer } from "../../src/runtimes/docker/adopt.js";
import { listContainers } from "../../src/runtimes/docker/containers.js";
import { createDockerRuntime } from "../../src/runtimes/docker/docker-runtime.js";
import { findForeignListener } from "../../src/runtimes/docker/ports.js";
import { LABELS } from "../../src/runtimes/docker/render-create.js";
import type { SlotHandle } from "../../src/runtimes/types.js";
import { freePort } from "../../src/util/ports.js";
import { waitForHealth } from "../conformance/runtime.conformance.js";
import { TEST_LABEL, pushTestImage } from "../support/images.js";
import {
  dockerAvailable,
  dockerConfig,
  engine,
  makeDockerWorld,
  type DockerWorld,
} from "./docker-fixture.js";

const available = await dockerAvailable();

describe.runIf(available)("docker runtime: containers (real engine)", () => {
  let world: DockerWorld;
  let pinned: string;
  const handles: SlotHandle[] = [];

  beforeAll(async () => {
    world = await makeDockerWorld("ctr", { restart: "unless-stopped", retain: 2 });
    pinned = `${world.image.repository}@${world.image.digest}`;
  });
  afterEach(async () => {
    for (const handle of handles.splice(0)) await world.runtime.stop(handle, 1_000);
  });
  afterAll(async () => {
    await world?.cleanup();
  });

  /** A container switchyard did not make, publishing `port` (like the seed's server-a). */
  async function foreignContainer(
    name: string,
    port?: number,
    labels: Record<string, string> = {},
  ): Promise<string> {
    const body = {
      Image: pinned,
      Env: ["PORT=8080"],
      Labels: { ...TEST_LABEL, ...labels },
      ExposedPorts: { "8080/tcp": {} },
      HostConfig: port
        ? { PortBindings: { "8080/tcp": [{ HostIp: "127.0.0.1", HostPort: String(port) }] } }
        : {},
    };
    const { Id } = await engine.json<{ Id: string }>({
      method: "POST",
      path: "/containers/create",
      query: { name },
      body,
    });
    await engine.request({ method: "POST", path: `/containers/${Id}/start` });
    return Id;
  }

  it("refuses a port another container publishes, naming it, before creating anything; adopt takes it over", async () => {
    const port = await freePort();
    const foreignName = `${world.service}-server-a`;
    await foreignContainer(foreignName, port);
    const spec = world.spec("blue", port, "v1");

    const err = await world.runtime.start(spec).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RuntimeError);
    expect((err as RuntimeError).message).toBe(
      `port ${port} is already published by container ${foreignName} (${pinned}, another app)`,
    );
    expect((err as RuntimeError).hint).toContain(`switchyard adopt ${foreignName}`);
    expect(await listContainers(engine, { [LABELS.deployId]: spec.deployId })).toEqual([]);

    const foreign = await findForeignListener(port, world.service, engine);
    expect(foreign).toMatchObject({ name: foreignName, state: "running", service: undefined });

    const adopted = { ...(await world.runtime.adopt!(foreignName)), slot: "blue" as const };
    expect(adopted).toMatchObject({ kind: "docker", port, artifact: pinned });
    await expect(adoptContainer("no-such-container-here", "docker", engine)).rejects.toThrow(
      /no container named no-such-container-here/,
    );
    expect(await world.runtime.inspect(adopted)).toEqual({ state: "running" });
    expect(world.runtime.canRestart(adopted)).toBe(true);
    await world.runtime.stop(adopted, 1_000);
    expect((await world.runtime.inspect(adopted)).state).toBe("exited");
  });

  it("reports a crash under a restart policy at once, with its exit code and last log lines", async () => {
    const port = await freePort();
    const base = world.spec("green", port, "v1");
    const handle = await world.runtime.start({ ...base, env: { CRASH_AFTER_MS: "1200" } });
    handles.push(handle);
    const exit = await world.runtime.waitExit(handle, AbortSignal.timeout(20_000));
    expect(exit).toEqual({ state: "exited", exitCode: 3 });
    const lines = await world.runtime.logs(handle, 5);
    expect(lines.join("\n")).toContain("app v1 crashing on purpose");
    expect(lines.length).toBeLessThanOrEqual(5);
  });

  it("removes a stale stopped container of its own under the slot name, and refuses a foreign one", async () => {
    const port = await freePort();
    const staleId = await foreignContainer(`${world.service}-blue`, undefined, {
      [LABELS.service]: world.service,
    });
    await engine.request({ method: "POST", path: `/containers/${staleId}/stop`, query: { t: 0 } });
    const handle = await world.runtime.start(world.spec("blue", port, "v1"));
    handles.push(handle);
    expect(handle.containerId).not.toBe(staleId);
    expect((await engine.send({ path: `/containers/${staleId}/json` })).status).toBe(404);

    await foreignContainer(`${world.service}-green`);
    const err = await world.runtime
      .start(world.spec("green", await freePort(), "v1"))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RuntimeError);
    expect((err as RuntimeError).message).toBe(
      `a container named ${world.service}-green exists and is not managed by switchyard`,
    );
    expect((await engine.send({ path: `/containers/${world.service}-green/json` })).status).toBe(200);
    await engine.request({
      method: "DELETE",
      path: `/containers/${world.service}-green`,
      query: { force: true },
    });
  });

  it("retains the newest stopped containers, prunes older ones, never another service's", async () => {
    const otherService = `${world.service}-other`;
    const otherId = await foreignContainer(`${otherService}-blue-old`, undefined, {
      [LABELS.service]: otherService,
    });
    await engine.request({ method: "POST", path: `/containers/${otherId}/stop`, query: { t: 0 } });
    const before = await listContainers(engine, { [LABELS.service]: world.service });
    for (const c of before)
      await engine.request({ method: "DELETE", path: `/containers/${c.Id}`, query: { force: true } });

    const stoppedIds: string[] = [];
    for (const [i, slot] of (["blue", "green", "blue", "green"] as const).entries()) {
      const port = await freePort();
      const handle = await world.runtime.start(world.spec(slot, port, `v${i}`));
      await waitForHealth(port);
      await world.runtime.stop(handle, 1_000);
      stoppedIds.push(handle.containerId!);
      // Docker's Created has one-second resolution: keep the order unambiguous.
      await new Promise((r) => setTimeout(r, 1_100));
    }
    const left = await listContainers(engine, { [LABELS.service]: world.service });
    expect(left.map((c) => c.Id).sort()).toEqual(stoppedIds.slice(-2).sort());
    expect(left.map((c) => c.Names[0]!.replace(/^\//, "")).sort()).toEqual(
      left.map((c) => `${world.service}-${c.Labels![LABELS.slot]}-${c.Labels![LABELS.deployId]}`).sort(),
    );
    expect((await engine.send({ path: `/containers/${otherId}/json` })).status).toBe(200);
    // Retained containers must not come back by themselves when dockerd restarts.
    const retained = await engine.json<{ HostConfig: { RestartPolicy: { Name: string } } }>({
      path: `/containers/${left[0]!.Id}/json`,
    });
    expect(retained.HostConfig.RestartPolicy.Name).toBe("no");
  });

  it("reports the image's HEALTHCHECK: starting, then healthy; unhealthy when /health never answers", async () => {
    const image = await pushTestImage(engine, {
      name: world.service,
      tag: "hc",
      version: "hc",
      healthcheck: true,
    });
    const artifact = `${image.repository}@${image.digest}`;
    const good = await world.runtime.start(world.spec("blue", await freePort(), "hc", artifact));
    handles.push(good);
    const bad = await world.runtime.start({
      ...world.spec("green", await freePort(), "hc", artifact),
      env: { HEALTH_STATUS: "500" },
    });
    handles.push(bad);
    expect(["starting", "healthy"]).toContain(await world.runtime.healthcheck!(good));
    expect(await waitFor(() => world.runtime.healthcheck!(good), "healthy")).toBe("healthy");
    expect(await waitFor(() => world.runtime.healthcheck!(bad), "unhealthy")).toBe("unhealthy");

    // Our own slot container still running: a second start on that slot is refused, not replaced.
    const again = await world.runtime
      .start(world.spec("blue", await freePort(), "v1"))
      .catch((e: unknown) => e);
    expect(again).toBeInstanceOf(RuntimeError);
    expect((again as RuntimeError).message).toBe(`container ${world.service}-blue is still running`);
  });

  it("creates a missing network when allowed, and says it is required otherwise", async () => {
    const network = `${world.service}-net`;
    const strict = createDockerRuntime(dockerConfig(pinned, { network, create_network: false }), {
      service: world.service,
      configDir: world.dir,
      stateDir: world.dir,
      engine,
    });
    await expect(strict.start(world.spec("blue", await freePort(), "v1"))).rejects.toThrow(
      `docker network "${network}" does not exist and runtime.create_network is false`,
    );
    const creating = createDockerRuntime(dockerConfig(pinned, { network }), {
      service: world.service,
      configDir: world.dir,
      stateDir: world.dir,
      engine,
    });
    const handle = await creating.start(world.spec("blue", await freePort(), "v1"));
    handles.push(handle);
    const info = await engine.json<{ NetworkSettings: { Networks: Record<string, unknown> } }>({
      path: `/containers/${handle.containerId}/json`,
    });
    expect(Object.keys(info.NetworkSettings.Networks)).toEqual([network]);
  });
});

async function waitFor<T>(probe: () => Promise<T>, wanted: T, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await probe();
  while (last !== wanted && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    last = await probe();
  }
  return last;
}
