import { z } from "zod";
import { duration, port } from "./primitives.js";

const envMap = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String));

const processRuntime = z.strictObject({
  kind: z.literal("process"),
  command: z
    .array(z.string())
    .min(1)
    .meta({ description: "argv of the app; started with PORT=<slot port> in the config's directory" }),
  cwd: z.string().optional().meta({ description: "Working directory, relative to the config file" }),
  env: envMap.default({}),
  stop_grace: duration.prefault("10s").meta({ description: "SIGTERM, then SIGKILL after this long" }),
});

const dockerRuntime = z.strictObject({
  kind: z.literal("docker"),
  image: z.string().min(1).meta({ description: "Image reference; `deploy --image` overrides it" }),
  container_port: port.default(8080).meta({ description: "Port the app listens on inside the container" }),
  env: envMap.default({}),
  network: z.string().optional(),
  create_network: z.boolean().default(true).meta({ description: "Create `network` when it is missing" }),
  restart: z.enum(["no", "always", "unless-stopped", "on-failure"]).default("unless-stopped"),
  volumes: z.array(z.string()).default([]).meta({ description: "host:container[:ro] bind mounts" }),
  labels: z.record(z.string(), z.string()).default({}),
  extra_hosts: z.array(z.string()).default([]),
  memory: z.string().optional().meta({ description: 'Memory limit, e.g. "512m"' }),
  cpus: z.number().positive().optional(),
  bind: z
    .string()
    .default("127.0.0.1")
    .meta({ description: "Host address ports are published on; 0.0.0.0 bypasses the proxy" }),
  stop_grace: duration.prefault("10s"),
  retain: z.number().int().min(0).default(3).meta({ description: "Stopped containers kept for rollback" }),
});

const composeRuntime = z.strictObject({
  kind: z.literal("compose"),
  file: z.string().default("compose.yml").meta({ description: "The compose file, relative to the config" }),
  service: z.string().meta({ description: "The compose service that is the app" }),
  container_port: port.default(8080),
  env: envMap.default({}),
  stop_grace: duration.prefault("10s"),
});

export const runtimeSchema = z.discriminatedUnion("kind", [processRuntime, dockerRuntime, composeRuntime]);

export type RuntimeConfig = z.output<typeof runtimeSchema>;
export type ProcessRuntimeConfig = z.output<typeof processRuntime>;
export type DockerRuntimeConfig = z.output<typeof dockerRuntime>;
export type ComposeRuntimeConfig = z.output<typeof composeRuntime>;
