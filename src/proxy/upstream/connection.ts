import net from "node:net";
import type { Readable } from "node:stream";
import { ResponseParseError, ResponseParser, type ResponseHead } from "./response-parser.js";

/** Why an exchange with the app failed; the proxy turns it into 502 or 504. */
export type UpstreamFailure = "refused" | "connect-timeout" | "timeout" | "reset" | "protocol";

export class UpstreamError extends Error {
  override readonly name = "UpstreamError";
  constructor(
    message: string,
    readonly failure: UpstreamFailure,
    /** No byte of the response had arrived. */
    readonly beforeResponse: boolean,
    /** The request went out on a kept-alive socket that had served earlier requests. */
    readonly reusedSocket: boolean,
  ) {
    super(message);
  }
}

/** One request to send to the app. */
export interface OutgoingRequest {
  readonly method: string;
  /** Origin-form target: path and query. */
  readonly path: string;
  /** Flat [name, value, ...]; values already validated by Node's request parser. */
  readonly headers: readonly string[];
  readonly body: Readable | null;
  /** The body's length is unknown (the client sent it chunked): send it chunked too. */
  readonly chunked: boolean;
}

/**
 * Receives one response. `onHead` and `onBody` come while a batch of socket bytes is parsed;
 * `onFlush` (more to come) or `onEnd` follows each batch, so a response that arrives in one read
 * can be answered with one write. Errors from the request body stream arrive at `onError` as is.
 */
export interface ExchangeHandler {
  onHead(head: ResponseHead): void;
  onBody(chunk: Buffer): void;
  onFlush(): void;
  onEnd(): void;
  onError(err: Error): void;
}

export interface ConnectionTimeouts {
  readonly connectMs: number;
  /** Inactivity while a request is in progress: waiting for the head, or between body chunks. */
  readonly responseMs: number;
  readonly maxHeadSize: number;
}

interface Exchange {
  readonly request: OutgoingRequest;
  readonly handler: ExchangeHandler;
  readonly parser: ResponseParser;
  readonly reused: boolean;
  bodySent: boolean;
  received: boolean;
  detachBody: () => void;
}

/**
 * One keep-alive socket to an app, carrying one exchange at a time (no pipelining). The owner
 * (OriginPool) learns through `onRelease` whether the socket can take another request.
 */
export class UpstreamConnection {
  readonly socket: net.Socket;
  /** When it last went idle (ms since epoch); the pool drops sockets idle for too long. */
  idleSince = 0;
  /** The app's own `Keep-Alive: timeout`, when it sent one. */
  appIdleLimitMs: number | undefined;
  private uses = 0;
  private connected = false;
  private current: Exchange | null = null;
  private lastError: NodeJS.ErrnoException | undefined;

  constructor(
    host: string,
    port: number,
    private readonly timeouts: ConnectionTimeouts,
    private readonly onRelease: (connection: UpstreamConnection, reusable: boolean) => void,
    private readonly onGone: (connection: UpstreamConnection) => void,
  ) {
    this.socket = net.connect({ host, port, noDelay: true });
    this.socket.setTimeout(timeouts.connectMs);
    this.socket.on("connect", () => {
      this.connected = true;
      this.socket.setTimeout(timeouts.responseMs);
    });
    this.socket.on("data", (chunk: Buffer) => this.onData(chunk));
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
      parser: new ResponseParser(this.sink(handler), {
        noBody: request.method === "HEAD",
        maxHeadSize: this.timeouts.maxHeadSize,
      }),
      bodySent: request.body === null,
      received: false,
      detachBody: () => undefined,
    };
    this.current = exchange;
    this.socket.write(renderRequestHead(request), "latin1");
    if (request.body) this.pipeBody(exchange, request.body);
  }

  /** Stop reading the response for now (the client is slower than the app). */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
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
    this.socket.destroy();
  }

  private sink(handler: ExchangeHandler) {
    return {
      onHead: (head: ResponseHead) => {
        if (head.keepAliveTimeoutS !== undefined) this.appIdleLimitMs = head.keepAliveTimeoutS * 1000;
        handler.onHead(head);
      },
      onBody: (chunk: Buffer) => handler.onBody(chunk),
    };
  }

  private pipeBody(exchange: Exchange, body: Readable): void {
    const { chunked } = exchange.request;
    const onData = (chunk: Buffer): void => {
      if (chunk.length === 0) return;
      const ok = chunked
        ? this.socket.write(`${chunk.length.toString(16)}\r\n`, "latin1") &&
          this.socket.write(chunk) &&
          this.socket.write("\r\n", "latin1")
        : this.socket.write(chunk);
      if (!ok) body.pause();
    };
    const onDrain = (): void => void body.resume();
    const onEnd = (): void => {
      if (chunked) this.socket.write("0\r\n\r\n", "latin1");
      exchange.bodySent = true;
      this.socket.setTimeout(this.timeouts.responseMs); // the wait for the response starts now
      exchange.detachBody();
    };
    const onError = (err: Error): void => this.fail(err);
    exchange.detachBody = () => {
      body.off("data", onData);
      body.off("end", onEnd);
      body.off("error", onError);
      this.socket.off("drain", onDrain);
    };
    body.on("data", onData);
    body.once("end", onEnd);
    body.once("error", onError);
    this.socket.on("drain", onDrain);
  }

  private onData(chunk: Buffer): void {
    const exchange = this.current;
    if (!exchange) {
      // Bytes nobody asked for: the app is out of step with this connection.
      this.socket.destroy();
      return;
    }
    exchange.received = true;
    let leftover: number;
    try {
      leftover = exchange.parser.feed(chunk);
    } catch (err) {
      this.fail(err instanceof ResponseParseError ? this.error(err.message, "protocol") : (err as Error));
      return;
    }
    // An app may answer before the whole request body arrived (413, say): the rest of the body is
    // then dropped with the socket, so the next request cannot start inside this one.
    if (exchange.parser.done) this.complete(exchange, leftover === 0 && exchange.bodySent);
    else if (this.current === exchange) exchange.handler.onFlush();
  }

  private complete(exchange: Exchange, mayReuse: boolean): void {
    if (this.current !== exchange) return;
    this.current = null;
    exchange.detachBody();
    this.idleSince = Date.now();
    this.onRelease(this, mayReuse && exchange.parser.canReuse);
    exchange.handler.onEnd();
  }

  private onEof(): void {
    const exchange = this.current;
    if (!exchange) {
      this.socket.destroy();
      return;
    }
    try {
      exchange.parser.end();
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
    // A slow upload is the client's to answer for (request_timeout), not the app's.
    if (!this.current.bodySent) return;
    this.fail(
      this.connected
        ? this.error("the app did not answer in time", "timeout")
        : this.error("connecting to the app timed out", "connect-timeout"),
    );
  }

  private onClose(): void {
    if (this.current) {
      const code = this.lastError?.code;
      if (!this.connected) this.fail(this.error(code ?? "connection failed", "refused"));
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
    this.onRelease(this, false);
    exchange.handler.onError(err);
  }
}

/** The request line and headers as sent to the app (pure; tested by exact text). */
export function renderRequestHead(
  request: Pick<OutgoingRequest, "method" | "path" | "headers" | "chunked">,
): string {
  let head = `${request.method} ${request.path} HTTP/1.1\r\n`;
  const { headers } = request;
  for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`;
  if (request.chunked) head += "transfer-encoding: chunked\r\n";
  return `${head}\r\n`;
}
