import { newRequestId } from "../request-id.js";
import type { Socket } from "node:net";
import { plainForwardingLines, type ClientInfo } from "../forward-headers.js";
import { holdsAt } from "../header-lines.js";
import { IdleTimer } from "../idle-timer.js";
import type { HandlerContext } from "../request-handler.js";
import { httpForwardTarget } from "../routing.js";
import { FastExchange, type ExchangeOwner } from "./fast-exchange.js";
import { parseRequestHead, type HeadParse, type PlainRequest } from "./request-head.js";
import { readAsStream, readIntoSharedBuffer } from "./shared-buffer-reads.js";

/** What every fast-lane connection shares. */
export interface FastLaneOptions {
  readonly handlers: HandlerContext;
  readonly maxHeaderSize: number;
  readonly headerTimeoutMs: number;
  /** Keep-alive: how long a connection may sit with no request. */
  readonly idleTimeoutMs: number;
  /** Gives a connection to node:http for good; its unread bytes were put back first. */
  readonly handOff: (socket: Socket) => void;
}

const REQUEST_TIMEOUT = Buffer.from("HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n", "latin1");

/**
 * One client connection on the fast lane: reads request heads itself and forwards the plain ones
 * (see request-head.ts), one at a time. At the first request that is not plain, or that the proxy
 * answers itself (redirect, 503, ACME), the connection goes to node:http with that request's
 * bytes untouched, and stays there.
 */
export class FastConnection implements ExchangeOwner {
  readonly remoteAddress: string;
  readonly client: ClientInfo;
  readonly keepAliveLine: string;
  private pending: Buffer | null = null;
  private exchange: FastExchange | null = null;
  private gone = false;
  private headTimer: NodeJS.Timeout | null = null;
  /** Keep-alive: idle_timeout since the last response (or the connection's start). */
  private readonly idle: IdleTimer;
  /** Reading stopped while a request is in progress (the client pipelines). */
  private paused = false;
  private forwardingHost = "";
  private forwarding: Buffer | null = null;
  /** The last plain head read on this connection, as bytes, and its parse (see readHead). */
  private lastHead: { readonly bytes: Buffer; readonly parse: HeadParse } | null = null;

  constructor(
    readonly socket: Socket,
    private readonly options: FastLaneOptions,
    private readonly registry: Set<FastConnection>,
  ) {
    this.remoteAddress = socket.remoteAddress ?? "";
    this.client = {
      remoteAddress: this.remoteAddress,
      proto: "http",
      isTrusted: options.handlers.forward.isTrusted,
      newRequestId,
    };
    const idleSeconds = Math.floor(options.idleTimeoutMs / 1000);
    this.keepAliveLine = idleSeconds > 0 ? `keep-alive: timeout=${idleSeconds}\r\n` : "";
    registry.add(this);
    // Like node:http, a new connection has header_timeout to send its first head.
    this.headTimer = setTimeout(this.onHeadTimeout, options.headerTimeoutMs);
    this.idle = new IdleTimer(this.onTimeout);
    this.idle.start(options.idleTimeoutMs);
    if (!readIntoSharedBuffer(socket, this.onData)) socket.on("data", this.onData);
    socket.on("end", this.onEnd);
    socket.on("error", this.onError);
    socket.on("close", this.onClose);
  }

  /** Closes the connection if no request is in progress (graceful stop). */
  closeIfIdle(): void {
    if (this.exchange === null) this.socket.destroy();
  }

  forwardingLines(host: string): Buffer {
    if (host !== this.forwardingHost || this.forwarding === null) {
      this.forwardingHost = host;
      this.forwarding = Buffer.from(plainForwardingLines(this.client, host), "latin1");
    }
    return this.forwarding;
  }

  exchangeDone(closeConnection: boolean): void {
    this.exchange = null;
    if (this.gone) return;
    this.idle.touch();
    if (!closeConnection) this.next();
    if (this.exchange !== null || this.gone) return;
    if (closeConnection) {
      this.leave();
      this.socket.end(() => this.socket.destroy());
      return;
    }
    if (!this.paused) return;
    this.paused = false;
    this.socket.resume();
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.gone) return; // closing: with shared-buffer reads the callback outlives leave()
    this.pending = this.pending === null ? chunk : Buffer.concat([this.pending, chunk]);
    // One request at a time: a pipelined one waits, and so does the socket.
    if (this.exchange !== null) {
      this.paused = true;
      this.socket.pause();
    } else this.next();
    // What is left may be a view of the shared read buffer, which the next read overwrites.
    if (this.pending !== null && this.pending.buffer === chunk.buffer)
      this.pending = Buffer.from(this.pending);
  };

  private next(): void {
    const data = this.pending;
    if (data === null) return;
    const head = this.readHead(data);
    if (head.kind === "incomplete") {
      this.headTimer ??= setTimeout(this.onHeadTimeout, this.options.headerTimeoutMs);
      return;
    }
    const state = this.options.handlers.routing();
    const target =
      head.kind === "plain" && !state.stopping && this.bodyIsHere(head, data)
        ? httpForwardTarget(head.target, this.options.handlers.acmeWebroot !== undefined, state)
        : null;
    if (head.kind !== "plain" || target === null) {
      this.handOff();
      return;
    }
    this.clearHeadTimer();
    const end = head.size + head.bodyLength;
    this.pending = end === data.length ? null : data.subarray(end);
    this.exchange = new FastExchange(this.options.handlers.forward, this, head, target);
    this.exchange.start(data);
  }

  /**
   * parseRequestHead, skipped for a head whose bytes equal the last plain one's: a client tends to
   * send the same head request after request, and equal bytes parse the same. (Those bytes end
   * with the blank line and hold no earlier one, so the head ends where theirs did.)
   */
  private readHead(data: Buffer): HeadParse {
    const last = this.lastHead;
    if (last !== null && holdsAt(data, 0, last.bytes)) return last.parse;
    const parse = parseRequestHead(data, this.options.maxHeaderSize);
    if (parse.kind === "plain") this.lastHead = { bytes: Buffer.from(data.subarray(0, parse.size)), parse };
    return parse;
  }

  /**
   * A body goes on the fast lane only when it came whole with its head, within max_body_size, and
   * no forwarding header of the client's sends the head down the full path. Any other body (one
   * still arriving, an oversized one: 413) is node:http's, with its request timeout and limits.
   */
  private bodyIsHere(head: PlainRequest, data: Buffer): boolean {
    const length = head.bodyLength;
    return (
      length === 0 ||
      (!head.forwarded &&
        length <= this.options.handlers.forward.maxBodySize &&
        data.length - head.size >= length)
    );
  }

  private handOff(): void {
    const { socket } = this;
    socket.pause();
    this.leave();
    readAsStream(socket);
    if (this.pending !== null) socket.unshift(Buffer.from(this.pending));
    this.pending = null;
    this.options.handOff(socket);
    socket.resume();
  }

  /** Stops listening to the socket: it is closing, or node:http owns it now. */
  private leave(): void {
    if (this.gone) return;
    this.gone = true;
    this.registry.delete(this);
    this.clearHeadTimer();
    this.idle.stop();
    const { socket } = this;
    socket.removeListener("data", this.onData);
    socket.removeListener("end", this.onEnd);
    socket.removeListener("error", this.onError);
    socket.removeListener("close", this.onClose);
    socket.on("error", () => socket.destroy());
  }

  private clearHeadTimer(): void {
    if (this.headTimer === null) return;
    clearTimeout(this.headTimer);
    this.headTimer = null;
  }

  /** A head still incomplete after header_timeout (slowloris): 408, like node:http. */
  private readonly onHeadTimeout = (): void => {
    this.headTimer = null;
    if (this.exchange !== null || this.gone) return;
    this.leave();
    this.socket.end(REQUEST_TIMEOUT, () => this.socket.destroy());
  };

  /** The client closed its side: like node:http, drop what it asked for and close ours. */
  private readonly onEnd = (): void => {
    this.leave();
    this.exchange?.abandon();
    this.socket.destroy();
  };

  /** Idle keep-alive connection; a request in progress is the upstream timeouts' business. */
  private readonly onTimeout = (): void => {
    if (this.exchange !== null || this.headTimer !== null) return;
    this.leave();
    this.socket.destroy();
  };

  private readonly onError = (): void => {
    this.socket.destroy();
  };

  private readonly onClose = (): void => {
    this.leave();
    this.exchange?.abandon();
  };
}
