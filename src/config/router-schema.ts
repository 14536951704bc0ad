import { z } from "zod";
import { duration, size } from "./primitives.js";

const hostPort = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/, { message: 'expected "host:port", e.g. "127.0.0.1:8000"' });

const builtinRouter = z.strictObject({
  kind: z.literal("builtin"),
  listen: hostPort.default("127.0.0.1:8000").meta({ description: "HTTP listener of the built-in proxy" }),
  https: z
    .strictObject({
      listen: hostPort.default("0.0.0.0:443"),
      cert: z.string().meta({ description: "PEM certificate chain (e.g. fullchain.pem)" }),
      key: z.string().meta({ description: "PEM private key (e.g. privkey.pem)" }),
      redirect_http: z.boolean().default(true).meta({ description: "http answers 301 to https" }),
    })
    .optional(),
  acme_webroot: z.string().optional().meta({ description: "Serves /.well-known/acme-challenge/ over http" }),
  trusted_proxies: z.array(z.string()).default([]).meta({ description: "IPs whose X-Forwarded-* are kept" }),
  max_header_size: size.prefault("16k"),
  max_body_size: size.prefault("10m"),
  header_timeout: duration.prefault("10s"),
  request_timeout: duration.prefault("1m"),
  idle_timeout: duration.prefault("1m"),
  upstream_connect_timeout: duration.prefault("5s"),
  upstream_timeout: duration.prefault("1m"),
  upstream_idle_timeout: duration.prefault("4s"),
  close_upgrades_on_drain: z.boolean().default(true),
  access_log: z.boolean().default(false),
  fast_lane: z
    .boolean()
    .default(true)
    .meta({ description: "Plain HTTP/1.1 requests bypass node:http (faster); false sends all through it" }),
});

const nginxRouter = z.strictObject({
  kind: z.literal("nginx"),
  include_file: z.string().meta({ description: "The file switchyard owns and rewrites on each switch" }),
  style: z.enum(["upstream", "variable"]).default("upstream"),
  upstream: z.string().optional().meta({ description: "Upstream name (style upstream); default: service" }),
  variable: z.string().default("service_url").meta({ description: "Variable name (style variable)" }),
  test_command: z.array(z.string()).default(["nginx", "-t"]),
  reload_command: z.array(z.string()).default(["nginx", "-s", "reload"]),
  pid_file: z.string().default("/run/nginx.pid"),
  verify_timeout: duration.prefault("10s"),
  worker_exit_timeout: duration.prefault("1m"),
  error_log: z
    .string()
    .optional()
    .meta({ description: "nginx error_log; its last lines are shown when a reload fails" }),
  access_log: z.string().optional().meta({
    description: "Access log in `log_format switchyard` (see `init --router nginx`) for traffic counts",
  }),
});

const haproxyRouter = z.strictObject({
  kind: z.literal("haproxy"),
  socket: z.string().meta({ description: "Admin-level stats socket (unix path or host:port)" }),
  backend: z.string(),
  servers: z.strictObject({ blue: z.string(), green: z.string() }),
  config: z.string().optional().meta({ description: "haproxy.cfg to keep in step with the runtime state" }),
  state_file: z.string().optional(),
  check_command: z.array(z.string()).default(["haproxy", "-c", "-f"]),
  ready_timeout: duration.prefault("30s"),
});

export const routerSchema = z.discriminatedUnion("kind", [builtinRouter, nginxRouter, haproxyRouter]);

export type RouterConfig = z.output<typeof routerSchema>;
export type BuiltinRouterConfig = z.output<typeof builtinRouter>;
export type NginxRouterConfig = z.output<typeof nginxRouter>;
export type HaproxyRouterConfig = z.output<typeof haproxyRouter>;
