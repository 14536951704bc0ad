import { newRequestId } from "./request-id.js";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Transform, type Readable, type TransformCallback } from "node:stream";
import type { RouteTarget } from "../routers/types.js";
import type { SlotName } from "../types.js";
import type { TrafficCounters } from "./counters.js";
import { sendErrorPage } from "./respond.js";
import { upstreamRequestHeaders } from "./forward-headers.js";
import { ResponseRelay, serverResponse } from "./response-relay.js";
import { declaredBodyLength, originFormPath } from "./request-guard.js";
import type { UpstreamConnection } from "./upstream/connection.js";
import { UpstreamError, type ExchangeHandler, type OutgoingRequest } from "./upstream/types.js";
import { clientStalled, failureAnswer, IDEMPOTENT, mayRetry } from "./upstream-failure.js";
import type { UpstreamPools } from "./upstream/pool.js";

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

/**
 * The request body, failing once it passes `limit`. Its error is also caught here for good: after
 * the app answered early, the rest of the body is read and dropped, and may still overflow.
 */
function limitedBody(req: IncomingMessage, limit: number): Readable {
  const limiter = new BodyLimiter(limit);
  limiter.on("error", () => undefined);
  return req.pipe(limiter);
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
    newRequestId,
  });
  const hasBody = bodyLength === "chunked" || bodyLength > 0;
  const method = req.method ?? "GET";
  const request: OutgoingRequest = {
    method,
    path: originFormPath(req.url ?? "/"),
    headers,
    body: hasBody ? limitedBody(req, ctx.maxBodySize) : null,
    chunked: bodyLength === "chunked",
  };
  const idempotent = IDEMPOTENT.has(method) && !hasBody;
  const pool = ctx.pools.get(target.host, target.port);

  let connection: UpstreamConnection | null = null;
  let failed = false;
  let retried = false;
  const relay = new ResponseRelay(serverResponse(res), ctx.closing, {
    pause: () => connection?.pause(),
    resume: () => connection?.resume(),
  });

  ctx.counters.requestStarted(target.slot);
  res.once("close", () => {
    if (!res.writableFinished) connection?.abort();
    ctx.counters.requestFinished(target.slot, failed);
    ctx.onDone?.({
      slot: target.slot,
      method,
      url: req.url ?? "",
      status: res.statusCode,
      ms: Date.now() - started,
      bytes: relay.bytes,
      remote,
      failed,
    });
  });
  /** ServerResponse refuses a bad header name or value from the app: that is the app's 502. */
  const guarded = (step: () => void): void => {
    if (res.destroyed || res.writableEnded) return;
    try {
      step();
    } catch (err) {
      connection?.abort();
      handler.onError(new UpstreamError((err as Error).message, "protocol", false, false));
    }
  };

  const handler: ExchangeHandler = {
    onHead: (head) => guarded(() => relay.onHead(head)),
    onBody: (chunk) => guarded(() => relay.onBody(chunk)),
    onFlush: () => guarded(() => relay.onFlush()),
    onEnd: () => {
      connection = null;
      guarded(() => relay.onEnd());
    },
    onError(err) {
      connection = null;
      if (res.destroyed) return; // the client left first; nothing to answer
      if (clientStalled(err)) {
        res.destroy();
        return;
      }
      if (res.headersSent) {
        failed = true;
        res.destroy(err);
        return;
      }
      if (err instanceof BodyTooLarge) {
        sendErrorPage(req, res, 413, `The request body is larger than ${ctx.maxBodySize} bytes.`, true);
        return;
      }
      if (mayRetry(err, idempotent, retried)) {
        retried = true;
        connection = pool.fresh();
        connection.send(request, handler);
        return;
      }
      failed = true;
      const answer = failureAnswer(err, target.slot);
      sendErrorPage(req, res, answer.status, answer.message, hasBody);
    },
  };
  connection = pool.acquire();
  connection.send(request, handler);
}
