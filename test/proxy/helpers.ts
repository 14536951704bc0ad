import http from "node:http";
import type { AddressInfo } from "node:net";
import { routerSchema, type BuiltinRouterConfig } from "../../src/config/router-schema.js";
import { ProxyServer } from "../../src/proxy/proxy-server.js";

export interface Backend {
  readonly port: number;
  readonly server: http.Server;
  readonly close: () => Promise<void>;
}

/** A loopback app that answers like test/fixtures/app.mjs (version, /slow, /stream, POST echo). */
export async function startBackend(version: string): Promise<Backend> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const json = (body: unknown): void => {
      res.writeHead(200, { "content-type": "application/json", "x-app-version": version });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === "/slow") {
      setTimeout(() => json({ version, slept: true }), Number(url.searchParams.get("ms") ?? 1000));
      return;
    }
    if (url.pathname === "/stream") {
      const chunks = Number(url.searchParams.get("chunks") ?? 10);
      const every = Number(url.searchParams.get("every") ?? 100);
      res.writeHead(200, { "content-type": "text/plain", "x-app-version": version });
      let sent = 0;
      const timer = setInterval(() => {
        res.write(`chunk ${sent} from ${version}\n`);
        sent += 1;
        if (sent >= chunks) {
          clearInterval(timer);
          res.end();
        }
      }, every);
      return;
    }
    if (url.pathname === "/headers")
      return json({ version, headers: req.headers, rawHeaders: req.rawHeaders });
    const parts: Buffer[] = [];
    req.on("data", (chunk: Buffer) => parts.push(chunk));
    req.on("end", () =>
      json({ version, method: req.method, url: req.url, received: Buffer.concat(parts).length }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * `npm test` runs the proxy suites twice: with the fast lane (the default) and, with
 * SWITCHYARD_TEST_FAST_LANE=off, with every request on node:http, so both paths pass them all.
 */
const FAST_LANE = process.env.SWITCHYARD_TEST_FAST_LANE !== "off";

export function builtinConfig(overrides: Record<string, unknown> = {}): BuiltinRouterConfig {
  const parsed = routerSchema.parse({
    kind: "builtin",
    listen: "127.0.0.1:0",
    fast_lane: FAST_LANE,
    ...overrides,
  });
  if (parsed.kind !== "builtin") throw new Error("unreachable");
  return parsed;
}

export async function startProxy(
  overrides: Record<string, unknown> = {},
  baseDir = process.cwd(),
  certPollMs?: number,
): Promise<{ proxy: ProxyServer; port: number; httpsPort?: number; lines: string[] }> {
  const lines: string[] = [];
  const proxy = new ProxyServer({
    config: builtinConfig(overrides),
    baseDir,
    log: (line) => lines.push(line),
    certPollMs,
  });
  const addresses = await proxy.start();
  return { proxy, port: addresses.http.port, httpsPort: addresses.https?.port, lines };
}

export interface Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** One request through `agent` (keep-alive when the agent is), body collected as text. */
export function request(
  port: number,
  path: string,
  options: { method?: string; body?: string; agent?: http.Agent; headers?: http.OutgoingHttpHeaders } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        path,
        method: options.method ?? "GET",
        agent: options.agent,
        headers: options.headers,
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on("data", (chunk: Buffer) => parts.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(parts).toString(),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
