import { describe, expect, it } from "vitest";
import { RuntimeError } from "../../src/errors.js";
import { parseMemory, renderCreateRequest, resolveBind } from "../../src/runtimes/docker/render-create.js";
import type { SlotSpec } from "../../src/runtimes/types.js";
import { dockerConfig } from "./docker-fixture.js";

const spec: SlotSpec = {
  service: "shop",
  slot: "green",
  port: 8081,
  version: "v2",
  deployId: "20261128-abc",
  artifact: "127.0.0.1:5000/shop@sha256:" + "a".repeat(64),
  env: { DB_URL: "postgres://db", PORT: "9000" },
  logFile: "/tmp/green.log",
};

describe("renderCreateRequest", () => {
  it("renders the full create request for a slot", () => {
    const config = dockerConfig("127.0.0.1:5000/shop:latest", {
      container_port: 9000,
      env: { LOG_LEVEL: "info", DB_URL: "overridden by the spec" },
      network: "web",
      restart: "unless-stopped",
      volumes: ["./data:/data:ro", "cache:/cache"],
      labels: { team: "core" },
      extra_hosts: ["db:10.0.0.5"],
      memory: "512m",
      cpus: 1.5,
    });
    expect(renderCreateRequest(config, spec, spec.artifact!, "/srv/shop")).toEqual({
      name: "shop-green",
      body: {
        Image: "127.0.0.1:5000/shop@sha256:" + "a".repeat(64),
        Env: ["PORT=9000", "LOG_LEVEL=info", "DB_URL=postgres://db"],
        Labels: {
          team: "core",
          "switchyard.service": "shop",
          "switchyard.slot": "green",
          "switchyard.version": "v2",
          "switchyard.deploy-id": "20261128-abc",
          "switchyard.port": "8081",
        },
        ExposedPorts: { "9000/tcp": {} },
        HostConfig: {
          PortBindings: { "9000/tcp": [{ HostIp: "127.0.0.1", HostPort: "8081" }] },
          RestartPolicy: { Name: "unless-stopped", MaximumRetryCount: 0 },
          Binds: ["/srv/shop/data:/data:ro", "cache:/cache"],
          ExtraHosts: ["db:10.0.0.5"],
          NetworkMode: "web",
          Memory: 536870912,
          NanoCpus: 1500000000,
        },
      },
    });
  });

  it("gives the app PORT=container_port unless the env sets it, and omits unset limits", () => {
    const config = dockerConfig("app:1", { labels: {} });
    const rendered = renderCreateRequest(config, { ...spec, env: {} }, "app@sha256:" + "b".repeat(64), "/x");
    expect(rendered.body.Env).toEqual(["PORT=8080"]);
    expect(rendered.body.HostConfig).toEqual({
      PortBindings: { "8080/tcp": [{ HostIp: "127.0.0.1", HostPort: "8081" }] },
      RestartPolicy: { Name: "no", MaximumRetryCount: 0 },
      Binds: [],
      ExtraHosts: [],
    });
  });

  it("publishes on the configured bind address", () => {
    const rendered = renderCreateRequest(dockerConfig("app:1", { bind: "0.0.0.0" }), spec, "app:1", "/x");
    expect(rendered.body.HostConfig).toMatchObject({
      PortBindings: { "8080/tcp": [{ HostIp: "0.0.0.0", HostPort: "8081" }] },
    });
  });
});

describe("resolveBind and parseMemory", () => {
  it("resolves relative host paths against the config directory and keeps named volumes", () => {
    expect(resolveBind("../logs:/logs", "/srv/shop")).toBe("/srv/logs:/logs");
    expect(resolveBind("/abs:/abs:rw", "/srv/shop")).toBe("/abs:/abs:rw");
    expect(resolveBind("named:/data", "/srv/shop")).toBe("named:/data");
    expect(() => resolveBind("nocolon", "/srv")).toThrow(RuntimeError);
  });

  it("reads docker-style sizes", () => {
    expect(parseMemory("512m")).toBe(512 * 1024 ** 2);
    expect(parseMemory("1g")).toBe(1024 ** 3);
    expect(parseMemory("1.5G")).toBe(1.5 * 1024 ** 3);
    expect(parseMemory("64kb")).toBe(64 * 1024);
    expect(parseMemory("1000")).toBe(1000);
    expect(() => parseMemory("lots")).toThrow(/runtime.memory/);
  });
});
