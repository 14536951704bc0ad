import { ACCESS_LOG_FORMAT } from "../nginx/access-log.js";

/** What `switchyard init --router nginx` needs to write a site. */
export interface NginxSiteOptions {
  readonly service: string;
  /** `server_name`; default "_" (any host). */
  readonly serverName?: string;
  /** The file switchyard rewrites (router.nginx.include_file). */
  readonly includeFile: string;
  readonly style: "upstream" | "variable";
  /** Upstream name (style upstream); default the service name. */
  readonly upstream?: string;
  /** Variable name without `$` (style variable); default "service_url". */
  readonly variable?: string;
  /** TLS on `httpsPort`, and http answers 301 to https. Absent: plain http only. */
  readonly tls?: { readonly certificate: string; readonly certificateKey: string };
  readonly httpPort?: number;
  readonly httpsPort?: number;
  /** Where to log in switchyard's format so deploys can count requests (router.nginx.access_log). */
  readonly accessLog?: string;
  /** Where `/.well-known/acme-challenge/` is served from over http (certbot --webroot). */
  readonly acmeWebroot?: string;
}

/**
 * An nginx site (a file included in `http {}`, e.g. /etc/nginx/sites-enabled/<service>) in the
 * shape of the seed: TLS on 443, 80 -> 301 https, X-Real-IP / X-Forwarded-For / Host, and the
 * switchyard include; plus upstream keep-alive and WebSocket-safe Connection handling.
 */
export function renderNginxSite(options: NginxSiteOptions): string {
  const upstream = options.upstream ?? options.service;
  const variable = options.variable ?? "service_url";
  const serverName = options.serverName ?? "_";
  const httpPort = options.httpPort ?? 80;
  const httpsPort = options.httpsPort ?? 443;
  const upstreamStyle = options.style === "upstream";
  const out: string[] = [
    `# nginx site for "${options.service}", written by \`switchyard init --router nginx\`.`,
    `# switchyard rewrites ${options.includeFile} on every deploy; edit everything else freely.`,
  ];
  if (upstreamStyle) out.push(`include ${options.includeFile};`);
  out.push(
    "",
    "# Keep-alive to the app for normal requests, Upgrade passed through for WebSockets.",
    "map $http_upgrade $switchyard_connection {",
    "    default upgrade;",
    "    ''      '';",
    "}",
  );
  if (options.accessLog) out.push(ACCESS_LOG_FORMAT);

  const acme = options.acmeWebroot
    ? [`    location /.well-known/acme-challenge/ {`, `        root ${options.acmeWebroot};`, "    }"]
    : [];
  const proxy = (withAcme: boolean) => [
    ...(upstreamStyle ? [] : [`    include ${options.includeFile};`]),
    ...(options.accessLog ? [`    access_log ${options.accessLog} switchyard;`] : []),
    ...(withAcme ? acme : []),
    "    location / {",
    `        proxy_pass ${upstreamStyle ? `http://${upstream}` : `$${variable}`};`,
    "        proxy_http_version 1.1;",
    "        proxy_set_header Upgrade $http_upgrade;",
    "        proxy_set_header Connection $switchyard_connection;",
    "        proxy_set_header Host $host;",
    "        proxy_set_header X-Real-IP $remote_addr;",
    "        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
    "        proxy_set_header X-Forwarded-Proto $scheme;",
    "        proxy_next_upstream error timeout http_502;",
    "        proxy_read_timeout 60s;",
    "    }",
  ];

  if (options.tls) {
    out.push(
      "",
      "server {",
      `    listen ${httpPort};`,
      `    server_name ${serverName};`,
      ...acme,
      "    location / {",
      `        return 301 https://$host${httpsPort === 443 ? "" : `:${httpsPort}`}$request_uri;`,
      "    }",
      "}",
      "",
      "server {",
      `    listen ${httpsPort} ssl http2;`,
      `    server_name ${serverName};`,
      `    ssl_certificate ${options.tls.certificate};`,
      `    ssl_certificate_key ${options.tls.certificateKey};`,
      ...proxy(false),
      "}",
    );
  } else {
    out.push(
      "",
      "server {",
      `    listen ${httpPort};`,
      `    server_name ${serverName};`,
      ...proxy(true),
      "}",
    );
  }
  return `${out.join("\n")}\n`;
}
