import { z } from "zod";
import { duration, port } from "./primitives.js";
import { runtimeSchema } from "./runtime-schema.js";
import { routerSchema } from "./router-schema.js";

const slotSchema = z.strictObject({
  port: port.meta({ description: "Port the slot's app listens on (given to the app as PORT)" }),
});

const healthSchema = z.strictObject({
  path: z.string().startsWith("/").default("/health").meta({ description: "Path probed on the new slot" }),
  expect_status: z
    .number()
    .int()
    .min(100)
    .max(599)
    .optional()
    .meta({ description: "Status that counts as healthy; default: any 2xx" }),
  expect_body: z.string().optional().meta({ description: "Substring the response body must contain" }),
  host: z.string().optional().meta({ description: "Host header sent with each probe (default: localhost)" }),
  interval: duration
    .prefault("1s")
    .meta({ description: "Time between probes; the first probe is immediate" }),
  timeout: duration.prefault("2s").meta({ description: "Time one probe may take" }),
  deadline: duration.prefault("1m").meta({ description: "The new slot must be healthy by then" }),
  healthy_threshold: z.number().int().min(1).max(100).default(1),
});

const hookSchema = z.union([
  z.string(),
  z.strictObject({ command: z.string(), timeout: duration.prefault("1m") }),
]);

const hooksSchema = z.strictObject({
  pre_deploy: hookSchema.optional().meta({ description: "Before anything starts; non-zero aborts" }),
  pre_switch: hookSchema
    .optional()
    .meta({ description: "Against the new slot (SWITCHYARD_PREVIEW_URL) before traffic; non-zero aborts" }),
  post_switch: hookSchema.optional(),
  post_deploy: hookSchema.optional(),
  on_failure: hookSchema.optional(),
});

export const configSchema = z.strictObject({
  service: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, {
      message: "expected a lowercase name of letters, digits, '.', '_' or '-'",
    })
    .meta({ description: "Name of the app; used in container names, labels and messages" }),
  env_file: z.string().optional().meta({ description: "KEY=VALUE file; its values are secrets" }),
  runtime: runtimeSchema,
  slots: z
    .strictObject({ blue: slotSchema, green: slotSchema })
    .default({ blue: { port: 8080 }, green: { port: 8081 } }),
  health: healthSchema.prefault({}),
  router: routerSchema.prefault({ kind: "builtin" }),
  drain: z.strictObject({ timeout: duration.prefault("30s") }).prefault({}),
  keep_old: duration.default(0).meta({
    description: "Keep the previous slot running this long for instant rollback (0: stop after drain)",
  }),
  state_dir: z.string().default(".switchyard").meta({ description: "State, history, lock, socket and logs" }),
  hooks: hooksSchema.prefault({}),
});

export type RawConfig = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;
export type HealthConfig = ParsedConfig["health"];
export type HookConfig = z.output<typeof hookSchema>;
export type HooksConfig = ParsedConfig["hooks"];
