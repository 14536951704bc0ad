import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Transform, type TransformCallback } from "node:stream";
import type { Dispatcher } from "undici";
import type { RouteTarget } from "../routers/types.js";
import type { SlotName } from "../types.js";
import type { TrafficCounters } from "./counters.js";
import { sendErrorPage } from "./respond.js";
import { clientResponseHeaders, upstreamRequestHeaders } from "./forward-headers.js";
import { declaredBodyLength, originFormPath } from "./request-guard.js";
import type { UpstreamPools } from "./upstream-pool.js";

/** What forwarding one request needs from the server around it. */
export interface ForwardContext {
  readonly pools: UpstreamPools;
  readonly counters: TrafficCounters;
  readonly maxBodySize: number;
  readonly isTrusted: (address: string) => boolean;
  /** True while the server is stopping: responses then carry `Connection: close`. */
  readonly closing: () => boolean;
  /** Called once per request when its response is over (the access log). */
  readonly onDone?: (entry: ExchangeRecord) => void;
}

/** One finished request, as the access log records it. */
export interface ExchangeRecord {
  /** The slot that answered; null when the proxy answered itself (503, 400, redirect, ACME). */
  readonly slot: SlotName | null;
  readonly method: string;
  readonly url: string;
  readonly status: number;
  readonly ms: number;
  readonly bytes: number;
  readonly remote: string;
  readonly failed: boolean;
}

const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "TRACE"]);
/** Connection-level failures after connecting; a stale keep-alive socket shows up as one of these. */
const RESET_CODES = new Set(["UND_ERR_SOCKET", "ECONNRESET", "EPIPE"]);
const TIMEOUT_CODES = new Set(["UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);

class BodyTooLarge extends Error {}

/** Counts request body bytes on their way upstream and fails once `limit` is passed. */
class BodyLimiter extends Transform {
  private seen = 0;
  constructor(private readonly limit: number) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.limit) done(new BodyTooLarge(`request body over ${this.limit} bytes`));
    else done(null, chunk);
  }
}

/** Streams one request to `target` and its response back; counts it against the target's slot. */
export function forwardRequest(
  ctx: ForwardContext,
  req: IncomingMessage,
  res: ServerResponse,
  target: RouteTarget,
  proto: "http" | "https",
): void {
  const started = Date.now();
  const bodyLength = declaredBodyLength(req.headers);
  if (typeof bodyLength === "number" && bodyLength > ctx.maxBodySize) {
    sendErrorPage(req, res, 413, `The request body is larger than ${ctx.maxBodySize} bytes.`, true);
    return;
  }
  const remote = req.socket.remoteAddress ?? "";
  const headers = upstreamRequestHeaders(req.rawHeaders, {
    remoteAddress: remote,
    proto,
    isTrusted: ctx.isTrusted,
    newRequestId: randomUUID,
  });
  const hasBody = bodyLength === "chunked" || bodyLength > 0;
  const body = hasBody ? req.pipe(new BodyLimiter(ctx.maxBodySize)) : null;
  const method = req.method ?? "GET";
  const options: Dispatcher.DispatchOptions = {
    path: originFormPath(req.url ?? "/"),
    method,
    headers,
    body,
    idempotent: IDEMPOTENT.has(method) && !hasBody,
  };

  let headersSent = false;
  let failed = false;
  let retried = false;
  let bytes = 0;
  let abortUpstream: ((err?: Error) => void) | undefined;
  let resumeUpstream: () => void = () => undefined;

  ctx.counters.requestStarted(target.slot);
  res.once("close", () => {
    if (!res.writableFinished) abortUpstream?.(new Error("client went away"));
    ctx.counters.requestFinished(target.slot, failed);
    ctx.onDone?.({
      slot: target.slot,
      method,
      url: req.url ?? "",
      status: res.statusCode,
      ms: Date.now() - started,
      bytes,
      remote,
      failed,
    });
  });

  const handler: Dispatcher.DispatchHandler = {
    onConnect(abort) {
      abortUpstream = abort;
      if (res.destroyed) abort(new Error("client went away"));
    },
    onHeaders(status, rawHeaders, resume, statusText) {
      if (status < 200) return true; // 100 Continue and 103 Early Hints stay between proxy and app
      headersSent = true;
      const out = clientResponseHeaders(rawHeaders);
      if (ctx.closing()) out.push("connection", "close");
      resumeUpstream = resume;
      if (statusText) res.writeHead(status, statusText, out);
      else res.writeHead(status, out);
      return true;
    },
    onData(chunk) {
      bytes += chunk.length;
      if (res.write(chunk)) return true;
      res.once("drain", resumeUpstream);
      return false;
    },
    onComplete() {
      res.end();
    },
    onError(err) {
      if (res.destroyed) return; // the client left first; nothing to answer
      if (headersSent) {
        failed = true;
        res.destroy(err);
        return;
      }
      if (err instanceof BodyTooLarge) {
        sendErrorPage(req, res, 413, `The request body is larger than ${ctx.maxBodySize} bytes.`, true);
        return;
      }
      const code = (err as { code?: string }).code ?? "";
      // Retry once on a brand-new connection: safe because the request is idempotent, has no body
      // and no response byte arrived (RFC 9110 9.2.2). Never for POST or any request with a body.
      if (!retried && options.idempotent && RESET_CODES.has(code)) {
        retried = true;
        const client = ctx.pools.fresh(target.host, target.port);
        client.dispatch(options, handler);
        res.once("close", () => void client.close().catch(() => undefined));
        return;
      }
      failed = true;
      const timedOut = TIMEOUT_CODES.has(code);
      const status = timedOut ? 504 : 502;
      const why = timedOut
        ? `The ${target.slot} app did not answer in time.`
        : `The ${target.slot} app could not be reached (${code || err.message}).`;
      sendErrorPage(req, res, status, why, hasBody);
    },
  };
  ctx.pools.get(target.host, target.port).dispatch(options, handler);
}
