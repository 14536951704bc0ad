import type http from "node:http";
import type { Duplex } from "node:stream";
import type { RouteTarget } from "../routers/types.js";
import { serveAcmeChallenge } from "./acme.js";
import type { TrafficCounters } from "./counters.js";
import { forwardRequest, type ExchangeRecord, type ForwardContext } from "./forward-request.js";
import { smugglingProblem } from "./request-guard.js";
import { sendErrorPage } from "./respond.js";
import { decide, type Decision } from "./routing.js";
import { proxyUpgrade, writeRawError, type UpgradeContext } from "./upgrade.js";

const RETRY_AFTER_SECONDS = "5";

/** The proxy's routing state at the moment a request's headers are in. */
export interface RoutingState {
  readonly target: RouteTarget | null;
  readonly maintenanceMessage: string | null;
  readonly redirectToHttpsPort: number | null;
  readonly stopping: boolean;
}

/** What the listeners' request and upgrade handlers need. */
export interface HandlerContext {
  readonly forward: ForwardContext;
  readonly upgrade: UpgradeContext;
  readonly counters: TrafficCounters;
  /** Absolute path of `acme_webroot`, when configured. */
  readonly acmeWebroot: string | undefined;
  readonly routing: () => RoutingState;
}

function decideFor(ctx: HandlerContext, req: http.IncomingMessage, proto: "http" | "https"): Decision {
  const url = req.url ?? "/";
  const state = ctx.routing();
  return decide({
    proto,
    url,
    host: req.headers.host,
    problem: smugglingProblem({
      method: req.method ?? "",
      url,
      httpVersion: req.httpVersion,
      rawHeaders: req.rawHeaders,
    }),
    redirectToHttpsPort: state.redirectToHttpsPort,
    acmeWebroot: ctx.acmeWebroot !== undefined,
    maintenanceMessage: state.maintenanceMessage,
    target: state.target,
  });
}

export function handleRequest(
  ctx: HandlerContext,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  proto: "http" | "https",
): void {
  const decision = decideFor(ctx, req, proto);
  if (decision.kind !== "forward" && ctx.forward.onDone) logWhenDone(ctx.forward.onDone, req, res);
  switch (decision.kind) {
    case "forward":
      forwardRequest(ctx.forward, req, res, decision.target, proto);
      return;
    case "refuse": {
      if (decision.unrouted) ctx.counters.unroutedRequest();
      const extra: Record<string, string> =
        decision.status === 503 ? { "retry-after": RETRY_AFTER_SECONDS } : {};
      sendErrorPage(req, res, decision.status, decision.message, decision.status === 400, extra);
      return;
    }
    case "redirect": {
      const hasBody =
        req.headers["content-length"] !== undefined || req.headers["transfer-encoding"] !== undefined;
      res.writeHead(301, {
        location: decision.location,
        "content-length": 0,
        ...(hasBody ? { connection: "close" } : {}),
      });
      res.end();
      return;
    }
    case "acme":
      serveAcmeChallenge(req, res, ctx.acmeWebroot!, decision.token).catch(() => res.destroy());
      return;
  }
}

export function handleUpgrade(
  ctx: HandlerContext,
  req: http.IncomingMessage,
  socket: Duplex,
  head: Buffer,
  proto: "http" | "https",
): void {
  socket.on("error", () => socket.destroy());
  const decision = decideFor(ctx, req, proto);
  if (ctx.routing().stopping) {
    writeRawError(socket, 503, "The proxy is shutting down.", req, ["Retry-After", RETRY_AFTER_SECONDS]);
  } else if (decision.kind === "forward") {
    proxyUpgrade(ctx.upgrade, req, socket, head, decision.target, proto);
  } else if (decision.kind === "refuse") {
    if (decision.unrouted) ctx.counters.unroutedRequest();
    const extra = decision.status === 503 ? ["Retry-After", RETRY_AFTER_SECONDS] : [];
    writeRawError(socket, decision.status, decision.message, req, extra);
  } else if (decision.kind === "redirect") {
    socket.end(
      `HTTP/1.1 301 Moved Permanently\r\nLocation: ${decision.location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
    );
  } else {
    writeRawError(socket, 400, "ACME challenges are not upgradable.", req);
  }
}

/** Access-log entry for a response the proxy gave itself. */
function logWhenDone(
  onDone: (entry: ExchangeRecord) => void,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): void {
  const started = Date.now();
  res.once("close", () =>
    onDone({
      slot: null,
      method: req.method ?? "",
      url: req.url ?? "",
      status: res.statusCode,
      ms: Date.now() - started,
      bytes: 0,
      remote: req.socket.remoteAddress ?? "",
      failed: false,
    }),
  );
}
