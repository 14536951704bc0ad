import net from "node:net";
import { IdleTimer } from "../idle-timer.js";
import { pipeRequestBody } from "./request-body.js";
import { renderRequestHead } from "./request-head.js";
import {
  ResponseParseError,
  ResponseParser,
  type ResponseHead,
  type ResponseSink,
} from "./response-parser.js";
import {
  UpstreamError,
  type ConnectionTimeouts,
  type ExchangeHandler,
  type OutgoingRequest,
  type UpstreamFailure,
} from "./types.js";

const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);
const NOTHING_TO_DETACH = (): void => undefined;

interface Exchange {
  readonly request: OutgoingRequest;
  readonly handler: ExchangeHandler;
  readonly reused: boolean;
  bodySent: boolean;
  received: boolean;
  detachBody: () => void;
}

/**
 * One keep-alive socket to an app, carrying one exchange at a time (no pipelining). The owner
 * (OriginPool) learns through `onRelease` whether the socket can take another request.
 */
export class UpstreamConnection implements ResponseSink {
  readonly socket: net.Socket;
  /** When it last went idle (ms since epoch); the pool drops sockets idle for too long. */
  idleSince = 0;
  /** The app's own `Keep-Alive: timeout`, when it sent one. */
  appIdleLimitMs: number | undefined;
  private uses = 0;
  private connected = false;
  private current: Exchange | null = null;
  private lastError: NodeJS.ErrnoException | undefined;
  /** Paused because the client reads slower than the app sends. */
  private pausedForClient = false;
  /** `destroy()` was called: a close that follows is ours, not the app's. */
  private closedByProxy = false;
  /** One parser for the socket's life, reset for each exchange; its sink is this connection. */
  private readonly parser: ResponseParser;
  /** Once connected: upstream_timeout since the socket's last activity (see onTimeout). */
  private readonly quiet = new IdleTimer(() => this.onTimeout());

  constructor(
    host: string,
    port: number,
    private readonly timeouts: ConnectionTimeouts,
    private readonly onRelease: (connection: UpstreamConnection, reusable: boolean) => void,
    private readonly onGone: (connection: UpstreamConnection) => void,
  ) {
    this.parser = new ResponseParser(this, { noBody: false, maxHeadSize: timeouts.maxHeadSize });
    // Reads land in one shared buffer instead of a fresh 64 KB allocation each (and skip the
    // stream machinery); each read is copied out before anything can keep it, unless the
    // exchange's handler copies what it keeps itself.
    this.socket = net.connect({
      host,
      port,
      noDelay: true,
      onread: {
        buffer: READ_BUFFER,
        callback: (size: number) => {
          if (this.current?.handler.borrowsReads === true) {
            this.onData(READ_BUFFER.subarray(0, size));
            return true;
          }
          const chunk = Buffer.allocUnsafe(size);
          READ_BUFFER.copy(chunk, 0, 0, size);
          this.onData(chunk);
          return true;
        },
      },
    });
    this.socket.setTimeout(timeouts.connectMs);
    this.socket.on("connect", () => {
      this.connected = true;
      this.socket.setTimeout(0);
      this.quiet.start(timeouts.responseMs);
    });
    this.socket.on("end", () => this.onEof());
    this.socket.on("timeout", () => this.onTimeout());
    this.socket.on("error", (err: NodeJS.ErrnoException) => (this.lastError = err));
    this.socket.on("close", () => this.onClose());
  }

  get busy(): boolean {
    return this.current !== null;
  }

  get usable(): boolean {
    return !this.socket.destroyed && this.socket.writable && this.current === null;
  }

  send(request: OutgoingRequest, handler: ExchangeHandler): void {
    this.uses += 1;
    const exchange: Exchange = {
      request,
      handler,
      reused: this.uses > 1,
      bodySent: request.body === null,
      received: false,
      detachBody: NOTHING_TO_DETACH,
    };
    this.current = exchange;
    this.quiet.touch();
    this.parser.reset(request.method === "HEAD");
    this.socket.write(request.head ?? renderRequestHead(request), "latin1");
    if (request.body) {
      exchange.detachBody = pipeRequestBody(this.socket, request.body, request.chunked, {
        onSent: () => {
          exchange.bodySent = true;
          this.quiet.touch(); // the wait for the response starts now
        },
        onError: (err) => {
          if (this.current === exchange) this.fail(err);
        },
      });
    }
  }

  /** Stop reading the response for now (the client is slower than the app). */
  pause(): void {
    if (!this.current) return;
    this.pausedForClient = true;
    this.socket.pause();
  }

  resume(): void {
    this.pausedForClient = false;
    this.socket.resume();
  }

  /** The client went away: drop the exchange and the socket, whose response is now unread. */
  abort(): void {
    const exchange = this.current;
    if (!exchange) return;
    this.current = null;
    exchange.detachBody();
    this.socket.destroy();
  }

  destroy(): void {
    this.closedByProxy = true;
    this.socket.destroy();
  }

  /** The parser's sink: passes the response on to the exchange in progress. */
  onHead(head: ResponseHead): void {
    if (head.keepAliveTimeoutS !== undefined) this.appIdleLimitMs = head.keepAliveTimeoutS * 1000;
    this.current?.handler.onHead(head);
  }

  onBody(chunk: Buffer): void {
    this.current?.handler.onBody(chunk);
  }

  private onData(chunk: Buffer): void {
    const exchange = this.current;
    if (!exchange) {
      // Bytes nobody asked for: the app is out of step with this connection.
      this.socket.destroy();
      return;
    }
    exchange.received = true;
    this.quiet.touch();
    let leftover: number;
    try {
      leftover = this.parser.feed(chunk);
    } catch (err) {
      this.fail(err instanceof ResponseParseError ? this.error(err.message, "protocol") : (err as Error));
      return;
    }
    // An app may answer before the whole request body arrived (413, say): the rest of the body is
    // then dropped with the socket, so the next request cannot start inside this one.
    if (this.parser.done) this.complete(exchange, leftover === 0 && exchange.bodySent);
    else if (this.current === exchange) exchange.handler.onFlush();
  }

  private complete(exchange: Exchange, mayReuse: boolean): void {
    if (this.current !== exchange) return;
    this.current = null;
    exchange.detachBody();
    // The last write to a slow client may have paused us; an idle socket must read (a FIN).
    if (this.pausedForClient) this.resume();
    this.idleSince = this.quiet.lastTouched; // the last bytes of the response came just now
    this.onRelease(this, mayReuse && this.parser.canReuse);
    exchange.handler.onEnd();
  }

  private onEof(): void {
    const exchange = this.current;
    if (!exchange) {
      this.socket.destroy();
      return;
    }
    try {
      this.parser.end();
    } catch (err) {
      this.fail(this.error((err as Error).message, exchange.received ? "protocol" : "reset"));
      return;
    }
    this.complete(exchange, false);
  }

  private onTimeout(): void {
    if (!this.current) {
      this.socket.destroy();
      return;
    }
    // A slow upload is the client's to answer for (request_timeout), not the app's; a client that
    // stops reading the response is not the app's fault either.
    const { bodySent, received } = this.current;
    if (this.connected && !bodySent && !received) return;
    if (this.pausedForClient) {
      this.fail(this.error("the client stopped reading the response", "client-stalled"));
      return;
    }
    this.fail(
      this.connected
        ? this.error("the app did not answer in time", "timeout")
        : this.error("connecting to the app timed out", "connect-timeout"),
    );
  }

  private onClose(): void {
    this.quiet.stop();
    if (this.current) {
      const code = this.lastError?.code;
      if (this.closedByProxy) this.fail(this.error("closed by the proxy", "closed"));
      else if (!this.connected) this.fail(this.error(code ?? "connection failed", "refused"));
      else this.fail(this.error(code ?? "connection closed", this.current.received ? "protocol" : "reset"));
    }
    this.onGone(this);
  }

  private error(message: string, failure: UpstreamFailure): UpstreamError {
    const exchange = this.current;
    return new UpstreamError(message, failure, !exchange?.received, exchange?.reused ?? false);
  }

  private fail(err: Error): void {
    const exchange = this.current;
    if (!exchange) return;
    this.current = null;
    exchange.detachBody();
    this.socket.destroy();
    // The handler first: a retry registers its new connection before this one leaves the pool, so
    // a drain waiting for the pool to empty cannot finish in between.
    try {
      exchange.handler.onError(err);
    } finally {
      this.onRelease(this, false);
    }
  }
}
