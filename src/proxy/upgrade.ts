import http from "node:http";
import type { Duplex } from "node:stream";
import { newRequestId } from "./request-id.js";
import type { RouteTarget } from "../routers/types.js";
import type { TrafficCounters } from "./counters.js";
import { renderErrorPage, reasonPhrase } from "./error-pages.js";
import { upstreamRequestHeaders } from "./forward-headers.js";
import { originFormPath } from "./request-guard.js";

/** What proxying one Upgrade request needs from the server around it. */
export interface UpgradeContext {
  readonly counters: TrafficCounters;
  readonly isTrusted: (address: string) => boolean;
  readonly connectTimeoutMs: number;
  /** How long the app may take to answer the upgrade request once connected. */
  readonly responseTimeoutMs: number;
}

/**
 * Proxies an Upgrade (WebSocket) request on its own upstream connection. The client socket counts
 * as busy for `target.slot` from the request until either side closes, so drain waits for it and
 * can close it at the deadline; a later switch never moves it.
 */
export function proxyUpgrade(
  ctx: UpgradeContext,
  req: http.IncomingMessage,
  client: Duplex,
  head: Buffer,
  target: RouteTarget,
  proto: "http" | "https",
): void {
  const { slot } = target;
  ctx.counters.upgradeOpened(slot, client);
  client.once("close", () => ctx.counters.upgradeClosed(slot, client));
  client.on("error", () => client.destroy());

  const headers = upstreamRequestHeaders(req.rawHeaders, {
    remoteAddress: req.socket.remoteAddress ?? "",
    proto,
    isTrusted: ctx.isTrusted,
    newRequestId,
  });
  headers.push("connection", "upgrade", "upgrade", req.headers.upgrade ?? "websocket");
  const upstream = http.request({
    host: target.host,
    port: target.port,
    method: req.method,
    path: originFormPath(req.url ?? "/"),
    headers,
    agent: false,
    setHost: false,
    timeout: ctx.connectTimeoutMs,
  });
  let answered = false;
  upstream.once("socket", (socket) => {
    socket.once("connect", () => upstream.setTimeout(ctx.responseTimeoutMs));
  });
  upstream.on("timeout", () =>
    upstream.destroy(Object.assign(new Error("connect timeout"), { code: "ETIMEDOUT" })),
  );
  upstream.on("upgrade", (res, appSocket, appHead) => {
    answered = true;
    appSocket.setTimeout(0);
    client.write(statusLine(res) + rawHeaderBlock(res.rawHeaders));
    if (appHead.length > 0) client.write(appHead);
    if (head.length > 0) appSocket.write(head);
    appSocket.on("error", () => client.destroy());
    appSocket.once("close", () => client.destroy());
    client.once("close", () => appSocket.destroy());
    appSocket.pipe(client);
    client.pipe(appSocket);
  });
  upstream.on("response", (res) => {
    // The app refused the upgrade: relay its answer as a plain response and close.
    answered = true;
    const parts: Buffer[] = [];
    res.on("data", (chunk: Buffer) => parts.push(chunk));
    res.on("end", () => {
      const body = Buffer.concat(parts);
      const kept = keepEndToEnd(res.rawHeaders);
      kept.push("Content-Length", String(body.length), "Connection", "close");
      client.end(Buffer.concat([Buffer.from(statusLine(res) + rawHeaderBlock(kept), "latin1"), body]));
    });
    res.on("error", () => client.destroy());
  });
  upstream.on("error", (err: Error & { code?: string }) => {
    if (answered) {
      client.destroy();
      return;
    }
    ctx.counters.failure(slot);
    const timedOut = err.code === "ETIMEDOUT";
    const status = timedOut ? 504 : 502;
    writeRawError(
      client,
      status,
      `The ${slot} app could not take the upgrade (${err.code ?? err.message}).`,
      req,
    );
  });
  upstream.end();
}

/** Answers on a raw socket (upgrade requests have no ServerResponse) and closes it. */
export function writeRawError(
  socket: Duplex,
  status: number,
  message: string,
  req: http.IncomingMessage,
  extra: string[] = [],
): void {
  const page = renderErrorPage(status, message, req.headers.accept);
  const headers = [
    "Content-Type",
    page.contentType,
    "Content-Length",
    String(Buffer.byteLength(page.body)),
    ...extra,
    "Connection",
    "close",
  ];
  socket.end(`HTTP/1.1 ${status} ${reasonPhrase(status)}\r\n${rawHeaderBlock(headers)}${page.body}`);
}

function statusLine(res: http.IncomingMessage): string {
  return `HTTP/1.1 ${res.statusCode ?? 502} ${res.statusMessage ?? ""}\r\n`;
}

function rawHeaderBlock(raw: readonly string[]): string {
  let block = "";
  for (let i = 0; i < raw.length; i += 2) block += `${raw[i]}: ${raw[i + 1]}\r\n`;
  return `${block}\r\n`;
}

const DROPPED_ON_REFUSAL = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "content-length",
  "upgrade",
]);

function keepEndToEnd(raw: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    if (!DROPPED_ON_REFUSAL.has(raw[i]!.toLowerCase())) kept.push(raw[i]!, raw[i + 1]!);
  }
  return kept;
}
