import { mkdir, writeFile } from "node:fs/promises";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, type Config } from "../../src/config/load.js";
import { checkDocker, checkRegistryLogin } from "../../src/doctor/docker-checks.js";
import { checkPorts } from "../../src/doctor/port-checks.js";
import { checkNodeVersion, checkStateDir, compareVersions } from "../../src/doctor/system-checks.js";
import { initialState, withSlot } from "../../src/state/state.js";
import { freePort } from "../../src/util/ports.js";
import { tempDir } from "../support/tmp.js";

describe("doctor checks", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir("sy-doctor-"));
  });
  afterAll(async () => {
    await cleanup();
  });

  it("node: 20.18.1 and newer pass, older fail with the fix", () => {
    expect(compareVersions([20, 9], [20, 18, 1])).toBeLessThan(0);
    expect(compareVersions([21, 0, 0], [20, 18, 1])).toBeGreaterThan(0);
    expect(checkNodeVersion("20.18.1").status).toBe("ok");
    expect(checkNodeVersion("22.0.0").status).toBe("ok");
    expect(checkNodeVersion(process.versions.node).status).toBe("ok");
    const old = checkNodeVersion("20.18.0");
    expect(old).toMatchObject({ status: "fail", detail: "v20.18.0 is older than v20.18.1" });
    expect(old.fix).toMatch(/install Node 20.18.1 or newer/);
    expect(checkNodeVersion("18.20.4").status).toBe("fail");
  });

  it("state dir: writable, to be created, or unusable with the fix", async () => {
    expect(await checkStateDir(dir)).toMatchObject({ status: "ok", detail: `${dir} is writable` });
    expect((await checkStateDir(path.join(dir, "a", "b"))).detail).toMatch(
      /will be created by the first deploy/,
    );
    const file = path.join(dir, "plain-file");
    await writeFile(file, "");
    expect(await checkStateDir(file)).toMatchObject({ status: "fail", detail: `${file} is not a directory` });
    const under = await checkStateDir(path.join(file, "state"));
    expect(under.status).toBe("fail");
    expect(under.fix).toBeTruthy();
  });

  describe("ports", () => {
    let config: Config;
    let foreign: net.Server;
    beforeAll(async () => {
      const ports = new Set<number>();
      while (ports.size < 3) ports.add(await freePort());
      const [blue, green, listen] = [...ports];
      const file = path.join(dir, "switchyard.yml");
      await writeFile(
        file,
        [
          "service: shop",
          "runtime: { kind: process, command: [node, app.mjs] }",
          `slots: { blue: { port: ${blue} }, green: { port: ${green} } }`,
          `router: { kind: builtin, listen: "127.0.0.1:${listen}" }`,
        ].join("\n"),
      );
      config = await loadConfig(file, {});
      foreign = net.createServer();
      await new Promise<void>((resolve) => foreign.listen(green, "127.0.0.1", resolve));
    });
    afterAll(async () => {
      await new Promise((resolve) => foreign?.close(resolve));
    });

    it("free ports pass; a port held by another process fails with how to find it", async () => {
      const results = await checkPorts(config, undefined);
      const byName = Object.fromEntries(results.map((r) => [r.name.split(" (")[1]!.slice(0, -1), r]));
      expect(byName["slots.blue"]).toMatchObject({ status: "ok", detail: "free" });
      expect(byName["router.listen"]).toMatchObject({ status: "ok", detail: "free" });
      expect(byName["slots.green"]!.status).toBe("fail");
      expect(byName["slots.green"]!.fix).toContain(`ss -ltnp 'sport = :${config.slots.green.port}'`);
    });

    it("a port held by this service's own running slot passes", async () => {
      const state = withSlot(initialState("shop"), "green", {
        status: "running",
        handle: {
          slot: "green",
          port: config.slots.green.port,
          version: "v7",
          deployId: "x",
          startedAt: new Date().toISOString(),
          pid: 1,
        } as never,
      });
      const green = (await checkPorts(config, state)).find((r) => r.name.includes("slots.green"))!;
      expect(green).toMatchObject({ status: "ok" });
      expect(green.detail).toMatch(/held by shop's green slot \(v7, running\)/);
    });
  });

  describe("docker", () => {
    let engine: http.Server;
    let socket: string;
    beforeAll(async () => {
      // A stand-in engine on a unix socket: the process boundary doctor talks to.
      socket = path.join(dir, "engine.sock");
      engine = http.createServer((req, res) => {
        if (req.url === "/_ping") return res.end("OK");
        if (req.url === "/version") {
          res.setHeader("content-type", "application/json");
          return res.end(JSON.stringify({ Version: "20.10.24+dfsg1", ApiVersion: "1.41" }));
        }
        res.statusCode = 404;
        res.end("{}");
      });
      await new Promise<void>((resolve) => engine.listen(socket, resolve));
    });
    afterAll(async () => {
      await new Promise((resolve) => engine.close(resolve));
    });

    it("reports the engine's version over DOCKER_HOST", async () => {
      expect(await checkDocker({ DOCKER_HOST: `unix://${socket}` })).toMatchObject({
        status: "ok",
        detail: `engine 20.10.24+dfsg1 (API 1.41) at unix://${socket}`,
      });
    });

    it("an unreachable engine fails with how to start it", async () => {
      const result = await checkDocker({ DOCKER_HOST: `unix://${path.join(dir, "nothing.sock")}` });
      expect(result.status).toBe("fail");
      expect(result.detail).toMatch(/cannot reach the engine/);
      expect(result.fix).toMatch(/start dockerd/);
      expect((await checkDocker({ DOCKER_HOST: "ssh://host" })).status).toBe("fail");
    });
  });

  describe("registry login", () => {
    const dockerConfig = async (name: string, content: object) => {
      const configDir = path.join(dir, name);
      await mkdir(configDir, { recursive: true });
      await writeFile(path.join(configDir, "config.json"), JSON.stringify(content));
      return configDir;
    };

    it("finds a login in config.json auths, for Docker Hub under its legacy key too", async () => {
      const auth = Buffer.from("me:token").toString("base64");
      const configDir = await dockerConfig("auths", {
        auths: { "ghcr.io": { auth }, "https://index.docker.io/v1/": { auth } },
      });
      expect((await checkRegistryLogin("ghcr.io/acme/shop:1", { DOCKER_CONFIG: configDir })).status).toBe(
        "ok",
      );
      expect((await checkRegistryLogin("acme/shop", { DOCKER_CONFIG: configDir })).status).toBe("ok");
      const other = await checkRegistryLogin("quay.io/acme/shop", { DOCKER_CONFIG: configDir });
      expect(other).toMatchObject({ status: "warn", name: "registry login (quay.io)" });
      expect(other.fix).toMatch(/docker login quay.io/);
    });

    it("warns that credential helpers are not used, and accepts the SWITCHYARD_REGISTRY_* variables", async () => {
      const configDir = await dockerConfig("helper", { credsStore: "pass" });
      const helper = await checkRegistryLogin("ghcr.io/acme/shop", { DOCKER_CONFIG: configDir });
      expect(helper.status).toBe("warn");
      expect(helper.detail).toMatch(/credential helper "pass"/);
      const fromEnv = await checkRegistryLogin("ghcr.io/acme/shop", {
        DOCKER_CONFIG: configDir,
        SWITCHYARD_REGISTRY_USER: "me",
        SWITCHYARD_REGISTRY_PASSWORD: "pw",
      });
      expect(fromEnv.status).toBe("ok");
      const none = await checkRegistryLogin("ghcr.io/acme/shop", {
        DOCKER_CONFIG: path.join(dir, "missing"),
      });
      expect(none.status).toBe("warn");
    });
  });
});
