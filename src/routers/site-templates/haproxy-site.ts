import type { SlotName } from "../../types.js";

/** What `switchyard init --router haproxy` needs to write a haproxy.cfg. */
export interface HaproxySiteOptions {
  readonly service: string;
  /** Admin stats socket (router.haproxy.socket). */
  readonly socket: string;
  /** Backend name (router.haproxy.backend); default the service name. */
  readonly backend?: string;
  /** Server names of the slots (router.haproxy.servers); default blue / green. */
  readonly servers?: Readonly<Record<SlotName, string>>;
  /** Where each slot listens. */
  readonly slots: Readonly<Record<SlotName, { readonly host: string; readonly port: number }>>;
  /** The slot the config routes to at start; the other server is `disabled`. Default blue. */
  readonly active?: SlotName;
  /** Health check path HAProxy probes on each server; default /health. */
  readonly healthPath?: string;
  /** TLS on `httpsPort` with one PEM holding certificate chain + key; http answers 301 to https. */
  readonly tls?: { readonly pem: string };
  readonly httpPort?: number;
  readonly httpsPort?: number;
  /** Bind address for the frontends; default all addresses. */
  readonly bindAddress?: string;
}

/**
 * A complete haproxy.cfg equivalent to the nginx site: 80 -> 301 https, TLS on 443, X-Real-IP /
 * X-Forwarded-For / -Proto, one backend with a server per slot (health-checked, the idle one
 * `disabled`), and the admin stats socket switchyard drives.
 */
export function renderHaproxySite(options: HaproxySiteOptions): string {
  const backend = options.backend ?? options.service;
  const servers = options.servers ?? { blue: "blue", green: "green" };
  const active = options.active ?? "blue";
  const bind = options.bindAddress ?? "";
  const serverLine = (slot: SlotName) =>
    `    server ${servers[slot]} ${options.slots[slot].host}:${options.slots[slot].port} check inter 1s fall 3 rise 2` +
    (slot === active ? "" : " disabled");
  const frontend = [
    "frontend web",
    `    bind ${bind}:${options.httpPort ?? 80}`,
    ...(options.tls
      ? [
          `    bind ${bind}:${options.httpsPort ?? 443} ssl crt ${options.tls.pem} alpn h2,http/1.1`,
          "    http-request redirect scheme https code 301 unless { ssl_fc }",
        ]
      : []),
    "    option forwardfor",
    "    http-request set-header X-Real-IP %[src]",
    "    http-request set-header X-Forwarded-Proto https if { ssl_fc }",
    "    http-request set-header X-Forwarded-Proto http unless { ssl_fc }",
    `    default_backend ${backend}`,
  ];
  return [
    `# haproxy.cfg for "${options.service}", written by \`switchyard init --router haproxy\`.`,
    "# switchyard switches slots through the stats socket (no reload) and keeps the `disabled`",
    `# flags of backend ${backend} in step, so a reload keeps routing to the active slot.`,
    "global",
    `    stats socket ${options.socket} mode 600 level admin`,
    "    maxconn 4096",
    "",
    "defaults",
    "    mode http",
    "    timeout connect 5s",
    "    timeout client 60s",
    "    timeout server 60s",
    "    timeout http-request 10s",
    "    timeout http-keep-alive 10s",
    "    option http-keep-alive",
    "",
    ...frontend,
    "",
    `backend ${backend}`,
    "    balance roundrobin",
    `    option httpchk GET ${options.healthPath ?? "/health"}`,
    "    http-check expect status 200",
    "    http-reuse safe",
    // Only a connection that never opened is retried: a request the app may have seen is not replayed.
    "    retry-on conn-failure",
    "    retries 2",
    serverLine("blue"),
    serverLine("green"),
    "",
  ].join("\n");
}
