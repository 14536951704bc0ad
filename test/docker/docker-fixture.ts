/**
 * Shared set-up of the docker test files: an engine client, a docker runtime for a throw-away
 * service, and the busybox test image pushed to the local registry. Fails loudly in CI when the
 * engine or registry is missing; locally it skips with a message saying how to get them.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { DockerRuntimeConfig } from "../../src/config/runtime-schema.js";
import { EngineClient } from "../../src/runtimes/docker/engine-client.js";
import { createDockerRuntime } from "../../src/runtimes/docker/docker-runtime.js";
import type { Runtime, SlotSpec } from "../../src/runtimes/types.js";
import type { SlotName } from "../../src/types.js";
import {
  TEST_LABEL,
  TEST_REGISTRY,
  cleanupDocker,
  pushTestImage,
  uniqueImageName,
  type PushedImage,
} from "../support/images.js";

export const engine = new EngineClient();

/** Is a Docker engine and the local registry there? In CI their absence is a failure, not a skip. */
export async function dockerAvailable(): Promise<boolean> {
  const ping = await engine.send({ path: "/_ping", timeoutMs: 3_000 }).then(
    (r) => r.status === 200,
    () => false,
  );
  const registry = await fetch(`http://${TEST_REGISTRY}/v2/`).then(
    (r) => r.ok,
    () => false,
  );
  if (ping && registry) return true;
  const message = `docker tests need dockerd and a registry on ${TEST_REGISTRY}: run scripts/setup-test-env.sh`;
  if (process.env.CI === "true") throw new Error(message);
  console.warn(`SKIPPING docker tests: ${message}`);
  return false;
}

export function dockerConfig(
  image: string,
  overrides: Partial<DockerRuntimeConfig> = {},
): DockerRuntimeConfig {
  return {
    kind: "docker",
    image,
    container_port: 8080,
    env: {},
    create_network: true,
    restart: "no",
    volumes: [],
    labels: { ...TEST_LABEL },
    extra_hosts: [],
    bind: "127.0.0.1",
    stop_grace: 2_000,
    retain: 3,
    ...overrides,
  };
}

/** One throw-away service: its runtime, its image(s), and a cleanup that removes them all. */
export interface DockerWorld {
  readonly service: string;
  readonly image: PushedImage;
  readonly runtime: Runtime;
  readonly dir: string;
  readonly repositories: string[];
  spec(slot: SlotName, port: number, version: string, artifact?: string): SlotSpec;
  cleanup(): Promise<void>;
}

let deployCounter = 0;

export async function makeDockerWorld(
  prefix: string,
  overrides: Partial<DockerRuntimeConfig> = {},
  imageOptions: { healthcheck?: boolean } = {},
): Promise<DockerWorld> {
  const service = uniqueImageName(`sy-${prefix}`);
  const image = await pushTestImage(engine, { name: service, tag: "v1", version: "v1", ...imageOptions });
  const dir = await mkdtemp(path.join(os.tmpdir(), "switchyard-docker-"));
  const runtime = createDockerRuntime(dockerConfig(image.ref, overrides), {
    service,
    configDir: dir,
    stateDir: dir,
    engine,
  });
  const repositories = [image.repository];
  return {
    service,
    image,
    runtime,
    dir,
    repositories,
    spec: (slot, port, version, artifact = `${image.repository}@${image.digest}`) => ({
      service,
      slot,
      port,
      version,
      deployId: `d${Date.now().toString(36)}${(deployCounter += 1)}`,
      artifact,
      env: {},
      logFile: path.join(dir, `${slot}.log`),
    }),
    cleanup: async () => {
      await cleanupDocker(engine, { containerPrefix: service, repositories });
      await rm(dir, { recursive: true, force: true });
    },
  };
}
