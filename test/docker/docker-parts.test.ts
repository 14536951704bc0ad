import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { RuntimeError } from "../../src/errors.js";
import { demuxLogs, type ContainerSummary } from "../../src/runtimes/docker/containers.js";
import { EngineClient, parseDockerHost } from "../../src/runtimes/docker/engine-client.js";
import { parseImageRef, pinnedRef } from "../../src/runtimes/docker/image-ref.js";
import { parseProgressStream } from "../../src/runtimes/docker/pull.js";
import {
  credentialsFromConfig,
  findCredentials,
  registryAuthHeader,
} from "../../src/runtimes/docker/registry-auth.js";
import { choosePrunable, retainedName } from "../../src/runtimes/docker/retention.js";

describe("parseDockerHost", () => {
  it("defaults to the local socket and reads unix:// and tcp://", () => {
    expect(parseDockerHost(undefined)).toEqual({ kind: "unix", socketPath: "/var/run/docker.sock" });
    expect(parseDockerHost("unix:///run/user/1000/docker.sock")).toEqual({
      kind: "unix",
      socketPath: "/run/user/1000/docker.sock",
    });
    expect(parseDockerHost("tcp://10.0.0.2:2375")).toEqual({ kind: "tcp", host: "10.0.0.2", port: 2375 });
    expect(() => parseDockerHost("ssh://me@host")).toThrow(RuntimeError);
  });

  it("says the engine is unreachable, naming the address", async () => {
    const client = new EngineClient({ kind: "unix", socketPath: "/nonexistent/docker.sock" });
    await expect(client.request({ path: "/_ping" })).rejects.toThrow(
      /cannot reach the Docker engine at unix:\/\/\/nonexistent\/docker.sock/,
    );
  });
});

describe("parseImageRef", () => {
  it("splits registry, repository, tag and digest", () => {
    const digest = "sha256:" + "c".repeat(64);
    expect(parseImageRef("127.0.0.1:5000/team/app:v1")).toEqual({
      registry: "127.0.0.1:5000",
      repository: "127.0.0.1:5000/team/app",
      tag: "v1",
      digest: undefined,
    });
    expect(parseImageRef(`ghcr.io/acme/app@${digest}`)).toMatchObject({
      registry: "ghcr.io",
      tag: undefined,
      digest,
    });
    expect(parseImageRef("nginx")).toMatchObject({
      registry: "docker.io",
      repository: "nginx",
      tag: undefined,
    });
    expect(parseImageRef("localhost/app:dev")).toMatchObject({ registry: "localhost", tag: "dev" });
    expect(pinnedRef(parseImageRef("127.0.0.1:5000/app:v1"), digest)).toBe(`127.0.0.1:5000/app@${digest}`);
  });

  it("rejects malformed references", () => {
    expect(() => parseImageRef("app@sha256:short")).toThrow(/not a valid image reference/);
    expect(() => parseImageRef("App:UPPER")).toThrow(RuntimeError);
    expect(() => parseImageRef("app:")).toThrow(RuntimeError);
  });
});

describe("parseProgressStream", () => {
  it("returns events and fails on the first error event", () => {
    const ok = '{"status":"Pulling from app"}\n{"status":"Digest: sha256:abc"}\n';
    expect(parseProgressStream(ok, "pull")).toHaveLength(2);
    const failed =
      '{"status":"Pulling"}\n{"errorDetail":{"message":"manifest unknown"},"error":"manifest unknown"}\n';
    expect(() => parseProgressStream(failed, "pull of app:v9")).toThrow(
      "pull of app:v9 failed: manifest unknown",
    );
    expect(() => parseProgressStream("not json\n", "pull")).toThrow(/unreadable/);
  });
});

describe("registry credentials", () => {
  const auth = Buffer.from("ci:s3cret").toString("base64");

  it("reads auths entries by registry host, and Docker Hub's legacy key", () => {
    const config = { auths: { "127.0.0.1:5000": { auth }, "https://index.docker.io/v1/": { auth } } };
    expect(credentialsFromConfig(config, "127.0.0.1:5000")).toEqual({
      username: "ci",
      password: "s3cret",
      serveraddress: "127.0.0.1:5000",
    });
    expect(credentialsFromConfig(config, "docker.io")?.username).toBe("ci");
    expect(credentialsFromConfig(config, "ghcr.io")).toBeUndefined();
  });

  it("prefers the environment, then $DOCKER_CONFIG/config.json", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "switchyard-auth-"));
    try {
      await writeFile(path.join(dir, "config.json"), JSON.stringify({ auths: { "reg.example": { auth } } }));
      expect(await findCredentials("reg.example", { DOCKER_CONFIG: dir })).toMatchObject({ username: "ci" });
      const fromEnv = await findCredentials("reg.example", {
        DOCKER_CONFIG: dir,
        SWITCHYARD_REGISTRY_USER: "bot",
        SWITCHYARD_REGISTRY_PASSWORD: "pw",
      });
      expect(fromEnv).toEqual({ username: "bot", password: "pw", serveraddress: "reg.example" });
      expect(await findCredentials("reg.example", { DOCKER_CONFIG: path.join(dir, "none") })).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("encodes X-Registry-Auth as base64url JSON", () => {
    const header = registryAuthHeader({ username: "u", password: "p", serveraddress: "r" });
    expect(JSON.parse(Buffer.from(header["x-registry-auth"]!, "base64url").toString())).toEqual({
      username: "u",
      password: "p",
      serveraddress: "r",
    });
    expect(registryAuthHeader(undefined)).toEqual({});
  });
});

describe("demuxLogs", () => {
  const frame = (stream: number, text: string) => {
    const payload = Buffer.from(text);
    const header = Buffer.alloc(8);
    header[0] = stream;
    header.writeUInt32BE(payload.length, 4);
    return Buffer.concat([header, payload]);
  };

  it("joins stdout and stderr frames in order", () => {
    const body = Buffer.concat([frame(1, "starting\n"), frame(2, "warn: x\n"), frame(1, "ready\n")]);
    expect(demuxLogs(body)).toBe("starting\nwarn: x\nready\n");
  });

  it("returns a TTY container's raw text as is", () => {
    expect(demuxLogs(Buffer.from("plain tty output\n"))).toBe("plain tty output\n");
  });
});

describe("retention", () => {
  const container = (id: string, service: string, state: string, created: number): ContainerSummary => ({
    Id: id,
    Names: [`/${service}-${id}`],
    Image: "app",
    Labels: { "switchyard.service": service },
    State: state,
    Created: created,
    Ports: [],
  });

  it("keeps the newest `retain` stopped containers of the service and never touches others", () => {
    const all = [
      container("a", "shop", "exited", 1),
      container("b", "shop", "exited", 2),
      container("c", "shop", "exited", 3),
      container("d", "shop", "running", 0),
      container("e", "other", "exited", 0),
      container("f", "shop", "exited", 4),
    ];
    expect(choosePrunable(all, "shop", 2).map((c) => c.Id)).toEqual(["b", "a"]);
    expect(choosePrunable(all, "shop", 2, new Set(["a"])).map((c) => c.Id)).toEqual(["b"]);
    expect(choosePrunable(all, "shop", 0).map((c) => c.Id)).toEqual(["f", "c", "b", "a"]);
  });

  it("names retained containers after their deploy", () => {
    expect(retainedName("shop", "blue", "a/b")).toBe("shop-blue-ab");
    expect(retainedName("shop", "blue", "20261128T120000-7f3a")).toBe("shop-blue-20261128T120000-7f3a");
  });
});
