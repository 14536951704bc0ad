import type { Socket } from "node:net";
import type { RouteTarget } from "../../routers/types.js";
import type { ForwardContext } from "../forward-request.js";
import { upstreamRequestHeaders, type ClientInfo } from "../forward-headers.js";
import { rawHeadersOf } from "../header-lines.js";
import { ResponseRelay } from "../response-relay.js";
import { clientStalled, failureAnswer, IDEMPOTENT, mayRetry } from "../upstream-failure.js";
import type { UpstreamConnection } from "../upstream/connection.js";
import type { ResponseHead } from "../upstream/response-parser.js";
import { UpstreamError, type ExchangeHandler, type OutgoingRequest } from "../upstream/types.js";
import { RawResponse, renderRawErrorPage } from "./raw-response.js";
import { renderUpstreamRequest, type PlainRequest } from "./request-head.js";

const NO_HEADERS: readonly string[] = [];

/** What an exchange tells its connection when its response is over (or the client left). */
export interface ExchangeOwner {
  readonly socket: Socket;
  readonly remoteAddress: string;
  /** The connection as the forwarding headers see it. */
  readonly client: ClientInfo;
  /** `keep-alive: timeout=N\r\n` for responses that leave the connection open, or "". */
  readonly keepAliveLine: string;
  /** plainForwardingLines for this connection and `host`, as bytes (kept: Host rarely changes). */
  forwardingLines(host: string): Buffer;
  /** Called once, when the response was written or the exchange was abandoned. */
  exchangeDone(closeConnection: boolean): void;
}

/**
 * One request on the fast lane: forwarded to `target` with the same headers, retry rule, error
 * pages and counters as the node:http path (forward-request.ts), the response written raw.
 */
export class FastExchange implements ExchangeHandler {
  /** The relay holds body bytes only until the end of each read, and RawResponse copies them. */
  readonly borrowsReads = true;
  private connection: UpstreamConnection | null = null;
  private outgoing: OutgoingRequest | null = null;
  private finished = false;
  private failed = false;
  private retried = false;
  private closing: boolean | null = null;
  /** For the access log only. */
  private readonly started: number;
  private readonly response: RawResponse;
  private readonly relay: ResponseRelay;

  constructor(
    private readonly ctx: ForwardContext,
    private readonly owner: ExchangeOwner,
    private readonly request: PlainRequest,
    private readonly target: RouteTarget,
  ) {
    this.started = ctx.onDone ? Date.now() : 0;
    this.response = new RawResponse(owner.socket, request.method, this, owner.keepAliveLine);
    this.relay = new ResponseRelay(this.response, () => this.closes(), this);
  }

  /** `data`: the bytes the request's head and body were read from (only read during this call). */
  start(data: Buffer): void {
    const { request, ctx } = this;
    const { client } = this.owner;
    this.outgoing = {
      method: request.method,
      path: request.target,
      headers: request.forwarded ? upstreamRequestHeaders(rawHeadersOf(request.text), client) : NO_HEADERS,
      head: request.forwarded
        ? undefined
        : renderUpstreamRequest(data, request, this.owner.forwardingLines(request.host), !request.requestId),
      body: null,
      chunked: false,
    };
    ctx.counters.requestStarted(this.target.slot);
    this.connection = ctx.pools.get(this.target.host, this.target.port).acquire();
    this.connection.send(this.outgoing, this);
  }

  /** The client connection closed: drop the app's response, count the request as over. */
  abandon(): void {
    this.connection?.abort();
    this.connection = null;
    this.finish();
  }

  // Each step is guarded: an exception on the way to the client must not escape into the
  // socket's event handler. (No closure per call: this runs for every request.)
  onHead(head: ResponseHead): void {
    if (this.finished) return;
    try {
      this.relay.onHead(head);
    } catch (err) {
      this.relayFailed(err);
    }
  }

  onBody(chunk: Buffer): void {
    if (this.finished) return;
    try {
      this.relay.onBody(chunk);
    } catch (err) {
      this.relayFailed(err);
    }
  }

  onFlush(): void {
    if (this.finished) return;
    try {
      this.relay.onFlush();
    } catch (err) {
      this.relayFailed(err);
    }
  }

  onEnd(): void {
    this.connection = null;
    if (this.finished) return;
    try {
      this.relay.onEnd();
    } catch (err) {
      this.relayFailed(err);
    }
  }

  onError(err: Error): void {
    this.connection = null;
    if (this.finished) return; // the client left first; nothing to answer
    if (clientStalled(err)) {
      this.owner.socket.destroy();
      return;
    }
    if (this.response.started) {
      this.failed = true;
      this.owner.socket.destroy();
      return;
    }
    const { method, bodyLength } = this.request;
    if (mayRetry(err, IDEMPOTENT.has(method) && bodyLength === 0, this.retried)) {
      this.retried = true;
      this.connection = this.ctx.pools.get(this.target.host, this.target.port).fresh();
      this.connection.send(this.outgoing!, this);
      return;
    }
    this.failed = true;
    const answer = failureAnswer(err, this.target.slot);
    this.response.error(
      answer.status,
      renderRawErrorPage(answer.status, answer.message, this.request, this.closes()),
    );
  }

  /** The relay's flow control: the client is slower than the app. */
  pause(): void {
    this.connection?.pause();
  }

  resume(): void {
    this.connection?.resume();
  }

  /** Called by RawResponse once the response is written. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    const { ctx, target, request } = this;
    ctx.counters.requestFinished(target.slot, this.failed);
    ctx.onDone?.({
      slot: target.slot,
      method: request.method,
      url: request.target,
      status: this.response.status,
      ms: Date.now() - this.started,
      bytes: this.relay.bytes,
      remote: this.owner.remoteAddress,
      failed: this.failed,
    });
    this.owner.exchangeDone(this.closing === true);
  }

  private relayFailed(err: unknown): void {
    this.connection?.abort();
    this.onError(new UpstreamError((err as Error).message, "protocol", false, false));
  }

  /** Decided once per response: `Connection: close` then goes out and the socket ends after it. */
  private closes(): boolean {
    this.closing ??= this.request.close || this.ctx.closing();
    return this.closing;
  }
}
