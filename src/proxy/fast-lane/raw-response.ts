import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import { reasonPhrase, renderErrorPage } from "../error-pages.js";
import { clientHeaderList, type ClientResponse } from "../response-relay.js";
import type { ResponseHead } from "../upstream/response-parser.js";
import { writeScratch } from "./write-scratch.js";

const EMPTY = Buffer.alloc(0);
const LAST_CHUNK = "0\r\n\r\n";

/** Whether a response to `method` with `status` carries a body (RFC 9110 6.4.1). */
export function hasResponseBody(method: string, status: number): boolean {
  return method !== "HEAD" && status >= 200 && status !== 204 && status !== 304;
}

/**
 * The status line and headers for the client (pure; tested by exact text). Names, values and the
 * reason phrase come from ResponseParser, whose HEAD_SHAPE already refused anything that could
 * split a response (a control character, a name that is not a token), or are the proxy's own.
 */
export function renderResponseHead(
  status: number,
  statusText: string,
  headers: readonly string[],
  chunked: boolean,
  extraLines = "",
): string {
  let head = `HTTP/1.1 ${status} ${statusText || STATUS_CODES[status] || "Unknown"}\r\n`;
  for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`;
  head += extraLines;
  if (chunked) head += "transfer-encoding: chunked\r\n";
  return `${head}\r\n`;
}

/**
 * A small error page as raw bytes (the fast lane has no ServerResponse): head in latin1, body in
 * UTF-8 (a message may quote the app's non-ASCII bytes), so Content-Length counts what is sent.
 */
export function renderRawErrorPage(
  status: number,
  message: string,
  request: { readonly method: string; readonly accept: string | undefined },
  close: boolean,
): Buffer {
  const page = renderErrorPage(status, message, request.accept);
  const body = Buffer.from(page.body, "utf8");
  const head = Buffer.from(
    `HTTP/1.1 ${status} ${reasonPhrase(status)}\r\ndate: ${httpDate()}\r\n` +
      `content-type: ${page.contentType}\r\ncontent-length: ${body.length}\r\n` +
      `cache-control: no-store\r\n${close ? "connection: close\r\n" : ""}\r\n`,
    "latin1",
  );
  return request.method === "HEAD" ? head : Buffer.concat([head, body]);
}

let dateSecond = 0;
let dateText = "";

/** The current time as an HTTP date, formatted at most once a second. */
export function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(now).toUTCString();
  }
  return dateText;
}

/** A client head and what it was rendered from. */
interface RenderedHead {
  readonly contentLength: number | null;
  readonly close: boolean;
  readonly chunked: boolean;
  readonly date: string;
  readonly keepAlive: string;
  readonly text: string;
}

/**
 * The client head last rendered from each app head. ResponseParser hands on the same head object
 * for the same head bytes, so response after response renders the same text: kept, it is built
 * (and flattened for the write) once, not per response.
 */
const renderedHeads = new WeakMap<ResponseHead, RenderedHead>();

/**
 * One response written straight to the client socket. The head waits for the first body bytes
 * so that head and body leave in one write; without a Content-Length the body is sent chunked.
 */
export class RawResponse implements ClientResponse {
  status = 0;
  private head: string | null = null;
  private headWritten = false;
  private chunked = false;
  private body = true;

  constructor(
    private readonly socket: Socket,
    private readonly method: string,
    private readonly owner: { finish(): void },
    /** `keep-alive: timeout=N\r\n` (the client's idle limit, so its pool retires sockets first), or "". */
    private readonly keepAliveLine: string,
  ) {}

  /** True once any byte of the response may have reached the client. */
  get started(): boolean {
    return this.headWritten;
  }

  writeHead(head: ResponseHead, contentLength: number | null, close: boolean): void {
    const { status } = head;
    this.body = hasResponseBody(this.method, status);
    this.chunked = this.body && contentLength === null && head.framing !== "length";
    this.status = status;
    // The proxy's own lines: a Date when the app sent none (RFC 9110 6.6.1), the keep-alive hint.
    const date = head.hasDate ? "" : httpDate();
    const keepAlive = close ? "" : this.keepAliveLine;
    const last = renderedHeads.get(head);
    if (
      last !== undefined &&
      last.contentLength === contentLength &&
      last.close === close &&
      last.chunked === this.chunked &&
      last.date === date &&
      last.keepAlive === keepAlive
    ) {
      this.head = last.text;
      return;
    }
    const extra = (date === "" ? "" : `date: ${date}\r\n`) + keepAlive;
    const text =
      head.clientLines === null
        ? renderResponseHead(
            status,
            head.statusText,
            clientHeaderList(head, contentLength, close),
            this.chunked,
            extra,
          )
        : `HTTP/1.1 ${status} ${head.statusText || STATUS_CODES[status] || "Unknown"}\r\n${head.clientLines}` +
          extra +
          (contentLength === null ? "" : `content-length: ${contentLength}\r\n`) +
          (close ? "connection: close\r\n" : "") +
          (this.chunked ? "transfer-encoding: chunked\r\n\r\n" : "\r\n");
    renderedHeads.set(head, { contentLength, close, chunked: this.chunked, date, keepAlive, text });
    this.head = text;
  }

  write(chunk: Buffer): boolean {
    const more = this.socket.write(this.frame(chunk, false));
    writeScratch.written(this.socket);
    return more;
  }

  end(chunk?: Buffer): void {
    this.socket.write(this.frame(chunk ?? EMPTY, true));
    writeScratch.written(this.socket);
    this.owner.finish();
  }

  onceDrain(resume: () => void): void {
    this.socket.once("drain", resume);
  }

  /** The proxy's own answer (502, 504) when nothing of the app's response went out. */
  error(status: number, page: Buffer): void {
    this.status = status;
    this.headWritten = true;
    this.socket.write(page);
    this.owner.finish();
  }

  /**
   * Head (once), the chunk in its framing, and the last-chunk marker: one buffer, one write. Always
   * a copy (into writeScratch): `chunk` may be a view of the upstream socket's read buffer.
   */
  private frame(chunk: Buffer, last: boolean): Buffer {
    const head = this.head ?? "";
    this.head = null;
    this.headWritten = true;
    const body = this.body ? chunk : EMPTY;
    const size = this.chunked && body.length > 0 ? `${body.length.toString(16)}\r\n` : "";
    const trailer =
      (this.chunked && body.length > 0 ? "\r\n" : "") + (this.chunked && last ? LAST_CHUNK : "");
    const out = writeScratch.take(head.length + size.length + body.length + trailer.length);
    // Each write is a call into C++: the empty ones (most of them) are skipped.
    let at = head === "" ? 0 : out.write(head, 0, "latin1");
    if (size !== "") at += out.write(size, at, "latin1");
    at += body.copy(out, at);
    if (trailer !== "") out.write(trailer, at, "latin1");
    return out;
  }
}
