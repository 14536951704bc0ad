import type { ServerResponse } from "node:http";
import { clientResponseHeaders } from "./forward-headers.js";
import type { ResponseHead } from "./upstream/response-parser.js";

/**
 * Writes the app's response to the client. The head is held back until the end of the first
 * batch of bytes from the app: when the whole response came in that batch (the common case), it
 * goes out as one write with a Content-Length instead of a chunked stream.
 */
export class ResponseRelay {
  /** Body bytes written or queued for the client. */
  bytes = 0;
  private head: ResponseHead | null = null;
  private chunks: Buffer[] = [];
  private paused = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly closing: () => boolean,
    private readonly flow: { pause(): void; resume(): void },
  ) {}

  /** True once the app's status and headers were accepted (written or about to be). */
  get started(): boolean {
    return this.head !== null || this.res.headersSent;
  }

  onHead(head: ResponseHead): void {
    this.head = head;
  }

  onBody(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (this.head) this.chunks.push(chunk);
    else this.write(chunk);
  }

  /** More of the body is coming: send what is there. */
  onFlush(): void {
    if (this.head) this.writeHead(null);
    for (const chunk of this.chunks.splice(0)) this.write(chunk);
  }

  onEnd(): void {
    if (!this.head) {
      this.res.end();
      return;
    }
    const body = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    this.chunks = [];
    const { framing } = this.head;
    this.writeHead(framing === "chunked" || framing === "close" ? body.length : null);
    this.res.end(body.length > 0 ? body : undefined);
  }

  /** Validates and stores the head (ServerResponse throws on a bad header name or value). */
  private writeHead(contentLength: number | null): void {
    const head = this.head!;
    this.head = null;
    const out = clientResponseHeaders(head.headers);
    if (contentLength !== null) out.push("content-length", String(contentLength));
    if (this.closing()) out.push("connection", "close");
    if (head.statusText) this.res.writeHead(head.status, head.statusText, out);
    else this.res.writeHead(head.status, out);
  }

  private write(chunk: Buffer): void {
    if (this.res.write(chunk) || this.paused) return;
    this.paused = true;
    this.flow.pause();
    this.res.once("drain", () => {
      this.paused = false;
      this.flow.resume();
    });
  }
}
