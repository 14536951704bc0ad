import path from "node:path";
import type { DockerRuntimeConfig } from "../../config/runtime-schema.js";
import { RuntimeError } from "../../errors.js";
import type { SlotSpec } from "../types.js";

/** Labels every switchyard container carries; retention and adoption select by them. */
export const LABELS = {
  service: "switchyard.service",
  slot: "switchyard.slot",
  version: "switchyard.version",
  deployId: "switchyard.deploy-id",
  port: "switchyard.port",
} as const;

/** `<service>-<slot>`: the name of a slot's current container. */
export function slotContainerName(service: string, slot: string): string {
  return `${service}-${slot}`;
}

/** A container create request: the name goes in the query, the rest is the JSON body. */
export interface CreateRequest {
  readonly name: string;
  readonly body: Record<string, unknown>;
}

/**
 * Renders POST /containers/create for one slot. Pure: same input, same output (tested by exact
 * output). `image` is the pinned reference (`repo@sha256:..`) chosen by prepare.
 */
export function renderCreateRequest(
  config: DockerRuntimeConfig,
  spec: SlotSpec,
  image: string,
  configDir: string,
): CreateRequest {
  const containerPort = `${config.container_port}/tcp`;
  const env = { PORT: String(config.container_port), ...config.env, ...spec.env };
  const labels = {
    ...config.labels,
    [LABELS.service]: spec.service,
    [LABELS.slot]: spec.slot,
    [LABELS.version]: spec.version,
    [LABELS.deployId]: spec.deployId,
    [LABELS.port]: String(spec.port),
  };
  const hostConfig: Record<string, unknown> = {
    PortBindings: { [containerPort]: [{ HostIp: config.bind, HostPort: String(spec.port) }] },
    RestartPolicy: { Name: config.restart, MaximumRetryCount: 0 },
    Binds: config.volumes.map((volume) => resolveBind(volume, configDir)),
    ExtraHosts: config.extra_hosts,
  };
  if (config.network) hostConfig.NetworkMode = config.network;
  if (config.memory) hostConfig.Memory = parseMemory(config.memory);
  if (config.cpus) hostConfig.NanoCpus = Math.round(config.cpus * 1e9);
  return {
    name: slotContainerName(spec.service, spec.slot),
    body: {
      Image: image,
      Env: Object.entries(env).map(([key, value]) => `${key}=${value}`),
      Labels: labels,
      ExposedPorts: { [containerPort]: {} },
      HostConfig: hostConfig,
    },
  };
}

/** `./data:/data:ro` -> absolute host path; a bare name is a named volume and stays as is. */
export function resolveBind(volume: string, configDir: string): string {
  const [source, ...rest] = volume.split(":");
  if (!source || rest.length === 0) {
    throw new RuntimeError(`runtime.volumes: "${volume}" is not host:container[:ro]`);
  }
  const isPath = source.startsWith(".") || source.startsWith("/");
  const host = !isPath ? source : path.resolve(configDir, source);
  return [host, ...rest].join(":");
}

/** "512m" -> bytes, as `docker run --memory` reads it. */
export function parseMemory(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([bkmg]?)b?$/i.exec(text.trim());
  if (!match) throw new RuntimeError(`runtime.memory: "${text}" is not a size such as "512m" or "1g"`);
  const factor = { "": 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[match[2]!.toLowerCase()] ?? 1;
  return Math.round(Number(match[1]) * factor);
}
