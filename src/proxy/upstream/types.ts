import type { Readable } from "node:stream";
import type { ResponseHead } from "./response-parser.js";

/**
 * Why an exchange with the app failed; the proxy turns it into 502 or 504. "closed": the proxy
 * itself closed the socket (shutting down); "client-stalled": the client stopped reading.
 */
export type UpstreamFailure =
  "refused" | "connect-timeout" | "timeout" | "reset" | "protocol" | "closed" | "client-stalled";

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
  /** The whole head (request line, headers, blank line) already rendered (latin1): sent as it is. */
  readonly head?: string | Buffer;
  /** The body's length is unknown (the client sent it chunked): send it chunked too. */
  readonly chunked: boolean;
}

/**
 * Receives one response. `onHead` and `onBody` come while a batch of socket bytes is parsed;
 * `onFlush` (more to come) or `onEnd` follows each batch, so a response that arrives in one read
 * can be answered with one write. Errors from the request body stream arrive at `onError` as is.
 */
export interface ExchangeHandler {
  /**
   * The handler copies any body bytes it still needs once `onFlush` or `onEnd` has returned, so
   * `onBody` may hand it views of the connection's read buffer, which the next read overwrites.
   */
  readonly borrowsReads?: boolean;
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
