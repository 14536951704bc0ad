import type { ServerResponse } from "node:http";
import { clientResponseHeaders } from "./forward-headers.js";
import type { ResponseHead } from "./upstream/response-parser.js";

/**
 * Where the relay writes a response: node:http's ServerResponse, or the fast lane's raw socket.
 * `writeHead` throws on a header the client must not receive (the app's 502).
 */
export interface ClientResponse {
  /**
   * The app's head without hop-by-hop headers; `contentLength` replaces the app's framing (the
   * whole body is known), `close` adds `Connection: close`.
   */
  writeHead(head: ResponseHead, contentLength: number | null, close: boolean): void;
  /** false: the client is behind; wait for `onceDrain`. */
  write(chunk: Buffer): boolean;
  end(chunk?: Buffer): void;
  onceDrain(resume: () => void): void;
}

/** node:http's ServerResponse as a ClientResponse. */
export function serverResponse(res: ServerResponse): ClientResponse {
  return {
    writeHead: (head, contentLength, close) => {
      const headers = clientHeaderList(head, contentLength, close);
      if (head.statusText) res.writeHead(head.status, head.statusText, headers);
      else res.writeHead(head.status, headers);
    },
    write: (chunk) => res.write(chunk),
    end: (chunk) => res.end(chunk),
    onceDrain: (resume) => res.once("drain", resume),
  };
}

const EMPTY = Buffer.alloc(0);

/**
 * Writes the app's response to the client. The head is held back until the end of the first
 * batch of bytes from the app: when the whole response came in that batch (the common case), it
 * goes out as one write with a Content-Length instead of a chunked stream.
 */
export class ResponseRelay {
  /** Body bytes written or queued for the client. */
  bytes = 0;
  private head: ResponseHead | null = null;
  /** Body held back with the head: the first chunk, then any more (most responses have one). */
  private first: Buffer | null = null;
  private more: Buffer[] | null = null;
  private paused = false;

  constructor(
    private readonly res: ClientResponse,
    private readonly closing: () => boolean,
    private readonly flow: { pause(): void; resume(): void },
  ) {}

  onHead(head: ResponseHead): void {
    this.head = head;
  }

  onBody(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (this.head === null) this.write(chunk);
    else if (this.first === null) this.first = chunk;
    else (this.more ??= []).push(chunk);
  }

  /** More of the body is coming: send what is there. */
  onFlush(): void {
    if (this.head) this.writeHead(null);
    const held = this.takeHeld();
    if (held.length > 0) this.write(held);
  }

  onEnd(): void {
    if (!this.head) {
      this.res.end();
      return;
    }
    const body = this.takeHeld();
    const { framing } = this.head;
    this.writeHead(framing === "chunked" || framing === "close" ? body.length : null);
    this.res.end(body.length > 0 ? body : undefined);
  }

  /** The body held back so far, as one buffer (empty if none). */
  private takeHeld(): Buffer {
    const { first, more } = this;
    this.first = null;
    this.more = null;
    if (first === null) return EMPTY;
    return more === null ? first : Buffer.concat([first, ...more]);
  }

  private writeHead(contentLength: number | null): void {
    const head = this.head!;
    this.head = null;
    this.res.writeHead(head, contentLength, this.closing());
  }

  private write(chunk: Buffer): void {
    if (this.res.write(chunk) || this.paused) return;
    this.paused = true;
    this.flow.pause();
    this.res.onceDrain(() => {
      this.paused = false;
      this.flow.resume();
    });
  }
}

/** The client's headers as a flat list: the app's minus hop-by-hop ones, plus the proxy's. */
export function clientHeaderList(head: ResponseHead, contentLength: number | null, close: boolean): string[] {
  let out = clientResponseHeaders(head.headers);
  // A chunked or close-delimited body is not framed by a length the app may also have named.
  if (head.framing === "chunked" || head.framing === "close") out = withoutContentLength(out);
  if (head.repeatedLength !== null) {
    out = withoutContentLength(out);
    out.push("content-length", String(head.repeatedLength));
  }
  if (contentLength !== null) out.push("content-length", String(contentLength));
  if (close) out.push("connection", "close");
  return out;
}

function withoutContentLength(headers: string[]): string[] {
  let found = false;
  for (let i = 0; i < headers.length; i += 2)
    if (headers[i]!.toLowerCase() === "content-length") found = true;
  if (!found) return headers;
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i]!.toLowerCase() !== "content-length") out.push(headers[i]!, headers[i + 1]!);
  }
  return out;
}
