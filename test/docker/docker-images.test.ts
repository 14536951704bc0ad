import { spawn } from "node:child_process";
import http from "node:http";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RuntimeError } from "../../src/errors.js";
import { createDockerRuntime } from "../../src/runtimes/docker/docker-runtime.js";
import { EngineClient, parseDockerHost } from "../../src/runtimes/docker/engine-client.js";
import { listContainers } from "../../src/runtimes/docker/containers.js";
import { LABELS } from "../../src/runtimes/docker/render-create.js";
import type { SlotHandle } from "../../src/runtimes/types.js";
import { freePort } from "../../src/util/ports.js";
import { pushTestImage } from "../support/images.js";
import {
  dockerAvailable,
  dockerConfig,
  engine,
  makeDockerWorld,
  type DockerWorld,
} from "./docker-fixture.js";

const available = await dockerAvailable();

describe.runIf(available)("docker runtime: images and pulls (real engine and registry)", () => {
  let world: DockerWorld;

  beforeAll(async () => {
    world = await makeDockerWorld("img");
  });
  afterAll(async () => {
    await world?.cleanup();
  });

  it("resolves a tag to the digest the registry holds and pulls by it", async () => {
    const result = await world.runtime.prepare({ version: "v1", image: world.image.ref });
    expect(result.artifact).toBe(`${world.image.repository}@${world.image.digest}`);
    expect(result.sameAsActive).toBe(false);
    expect(result.summary).toContain(world.image.digest);
    const local = await engine.json<{ RepoDigests: string[] }>({ path: `/images/${result.artifact}/json` });
    expect(local.RepoDigests).toContain(result.artifact);
  });

  it("sees v2 pushed under the same tag as a new digest, and the same digest as the active one", async () => {
    const v1 = await world.runtime.prepare({ version: "v1", image: world.image.ref });
    const v2image = await pushTestImage(engine, { name: world.service, tag: "v1", version: "v2" });
    const v2 = await world.runtime.prepare({ version: "v2", image: world.image.ref });
    expect(v2.artifact).toBe(`${world.image.repository}@${v2image.digest}`);
    expect(v2.artifact).not.toBe(v1.artifact);

    const active: SlotHandle = {
      kind: "docker",
      slot: "blue",
      port: 1,
      version: "v2",
      deployId: "x",
      startedAt: new Date().toISOString(),
      artifact: v2.artifact,
    };
    const again = await world.runtime.prepare({ version: "v2", image: world.image.ref, active });
    expect(again.sameAsActive).toBe(true);
    expect(again.summary).toBe(
      `${world.image.ref} is ${v2image.digest}, the image blue already runs (a stale tag?)`,
    );

    // The container runs v2's bytes: its / answers the baked-in version.
    const port = await freePort();
    const handle = await world.runtime.start(world.spec("green", port, "v2", v2.artifact));
    try {
      const body = await eventuallyFetch(`http://127.0.0.1:${port}/version`);
      expect(body.trim()).toBe("v2");
      const root = await fetch(`http://127.0.0.1:${port}/`, { method: "POST", body: "x".repeat(300) });
      expect(root.headers.get("x-app-version")).toBe("v2");
      expect(await root.json()).toEqual({ version: "v2", method: "POST" });
      const info = await engine.json<{ Config: { Image: string } }>({
        path: `/containers/${handle.containerId}/json`,
      });
      expect(info.Config.Image).toBe(v2.artifact);
    } finally {
      await world.runtime.stop(handle, 1_000);
    }
  });

  it("an image that does not exist fails prepare with a clear RuntimeError", async () => {
    const missing = `${world.image.repository}:no-such-tag`;
    const err = await world.runtime.prepare({ version: "x", image: missing }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RuntimeError);
    expect((err as RuntimeError).message).toMatch(/^pull of .*:no-such-tag failed: .*not found/);
    expect((err as RuntimeError).hint).toMatch(/exists and that 127.0.0.1:5000 is reachable/);
  });

  it("a registry that refuses connections fails prepare with a clear RuntimeError", async () => {
    const closed = await closedPort();
    const image = `127.0.0.1:${closed}/switchyard-test/app:v1`;
    const runtime = createDockerRuntime(dockerConfig(image), {
      service: world.service,
      configDir: world.dir,
      stateDir: world.dir,
      engine,
    });
    const before = await listContainers(engine, { [LABELS.service]: world.service });
    const err = await runtime.prepare({ version: "v1" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RuntimeError);
    expect((err as RuntimeError).message).toContain(`pull of ${image} failed`);
    expect((err as RuntimeError).message).toMatch(/connection refused/);
    expect(await listContainers(engine, { [LABELS.service]: world.service })).toEqual(before);
  });

  it("an invalid reference is refused before the engine is asked", async () => {
    await expect(world.runtime.prepare({ version: "x", image: "Bad Image!" })).rejects.toThrow(
      /not a valid image reference/,
    );
  });

  it("start re-pulls a pinned image that was removed locally (rollback after image prune)", async () => {
    const { artifact } = await world.runtime.prepare({ version: "v1", image: world.image.ref });
    await engine.request({ method: "DELETE", path: `/images/${artifact!}`, query: { force: true } });
    const port = await freePort();
    const handle = await world.runtime.start(world.spec("blue", port, "v1", artifact));
    try {
      expect(world.runtime.canRestart(handle)).toBe(true);
      expect(await eventuallyFetch(`http://127.0.0.1:${port}/health`)).toContain("running");
    } finally {
      await world.runtime.stop(handle, 1_000);
    }
  });
});

describe.runIf(available)("registry credentials reach the registry through the engine", () => {
  it("sends SWITCHYARD_REGISTRY_USER/PASSWORD as X-Registry-Auth; the engine answers the registry's Basic challenge", async () => {
    const seen: string[] = [];
    const registry = http.createServer((req, res) => {
      const auth = req.headers.authorization;
      if (!auth) {
        res.writeHead(401, {
          "www-authenticate": 'Basic realm="switchyard-test"',
          "content-type": "application/json",
        });
        res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
        return;
      }
      seen.push(auth);
      if (req.url === "/v2/") {
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
        return;
      }
      res.writeHead(404, { "content-type": "application/json" });
      res.end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
    });
    await new Promise<void>((resolve) => registry.listen(0, "127.0.0.1", resolve));
    const { port } = registry.address() as net.AddressInfo;
    const saved = {
      user: process.env.SWITCHYARD_REGISTRY_USER,
      password: process.env.SWITCHYARD_REGISTRY_PASSWORD,
    };
    process.env.SWITCHYARD_REGISTRY_USER = "ci-bot";
    process.env.SWITCHYARD_REGISTRY_PASSWORD = "s3cret-pw";
    try {
      const image = `127.0.0.1:${port}/team/app:v1`;
      const runtime = createDockerRuntime(dockerConfig(image), {
        service: "sy-auth",
        configDir: "/",
        stateDir: "/",
        engine,
      });
      const err = await runtime.prepare({ version: "v1" }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RuntimeError);
      expect(seen).toContain(`Basic ${Buffer.from("ci-bot:s3cret-pw").toString("base64")}`);
      const shown = [
        (err as RuntimeError).message,
        ...(err as RuntimeError).details,
        (err as RuntimeError).hint,
      ].join("\n");
      expect(shown).not.toContain("s3cret-pw");
    } finally {
      process.env.SWITCHYARD_REGISTRY_USER = saved.user;
      process.env.SWITCHYARD_REGISTRY_PASSWORD = saved.password;
      if (saved.user === undefined) delete process.env.SWITCHYARD_REGISTRY_USER;
      if (saved.password === undefined) delete process.env.SWITCHYARD_REGISTRY_PASSWORD;
      await new Promise((r) => registry.close(r));
    }
  });
});

describe.runIf(available)("docker engine client over DOCKER_HOST=tcp://", () => {
  it("speaks the unversioned API through a TCP endpoint (socat in front of the socket)", async () => {
    const port = await freePort();
    const socat = spawn(
      "socat",
      [`TCP-LISTEN:${port},bind=127.0.0.1,fork,reuseaddr`, "UNIX-CONNECT:/var/run/docker.sock"],
      {
        stdio: "ignore",
      },
    );
    try {
      const client = new EngineClient(parseDockerHost(`tcp://127.0.0.1:${port}`));
      let version: { ApiVersion?: string } | undefined;
      for (let i = 0; i < 40 && !version; i += 1) {
        version = await client.json<{ ApiVersion: string }>({ path: "/version" }).catch(() => undefined);
        if (!version) await new Promise((r) => setTimeout(r, 100));
      }
      expect(version?.ApiVersion).toMatch(/^1\.\d+$/);
      expect(client.isLocal).toBe(true);
    } finally {
      socat.kill();
    }
  });
});

async function closedPort(): Promise<number> {
  const port = await freePort();
  const probe = net.connect(port, "127.0.0.1");
  await new Promise<void>((resolve) => probe.once("error", () => resolve()).once("connect", () => resolve()));
  probe.destroy();
  return port;
}

async function eventuallyFetch(url: string): Promise<string> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return await res.text();
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} never answered 200`);
    await new Promise((r) => setTimeout(r, 150));
  }
}
