/** A final (non-1xx) response head, as the app sent it. */
export interface ResponseHead {
  readonly status: number;
  readonly statusText: string;
  /** Flat [name, value, ...], names as sent, values with surrounding whitespace trimmed. */
  readonly headers: string[];
  /** The app allows another request on this connection after this response. */
  readonly keepAlive: boolean;
  /** Seconds from `Keep-Alive: timeout=N`, when the app sent it. */
  readonly keepAliveTimeoutS: number | undefined;
  /** How the body is delimited: none (HEAD, 204, 304), Content-Length, chunked, or connection close. */
  readonly framing: Framing;
}

export interface ResponseSink {
  onHead(head: ResponseHead): void;
  onBody(chunk: Buffer): void;
}

/** The app's bytes do not form a valid HTTP/1.1 response: the proxy answers 502. */
export class ResponseParseError extends Error {
  override readonly name = "ResponseParseError";
}

export type Framing = "none" | "length" | "chunked" | "close";
type Phase = "head" | "length" | "chunk-size" | "chunk-data" | "chunk-end" | "trailers" | "close" | "done";

const LF = 0x0a;
const MAX_LINE = 4096;
const HEX = /^[0-9a-fA-F]{1,13}[ \t]*$/;
/** More informational (1xx) heads than any app sends before its answer. */
const MAX_INFORMATIONAL = 8;
const DIGITS = /^\d{1,15}$/;
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/;
const HEAD_END = Buffer.from("\r\n\r\n", "latin1");
/** Lengths of the header names the parser acts on (connection and keep-alive are both 10). */
const FRAMING_NAME_LENGTHS = new Set([10, 14, 17]);

/**
 * An incremental HTTP/1.1 response parser for one request's response (RFC 9112): skips 1xx
 * heads, then frames the body by HEAD/204/304, Transfer-Encoding: chunked (decoded),
 * Content-Length, or the end of the connection. Strict: anything it cannot frame for certain is a
 * ResponseParseError, because a misframed response would corrupt the next one on the socket.
 */
export class ResponseParser {
  private phase: Phase = "head";
  private framing: Framing = "none";
  private pending: Buffer | null = null;
  private remaining = 0;
  private reusable = false;
  private informational = 0;

  constructor(
    private readonly sink: ResponseSink,
    private readonly options: { readonly noBody: boolean; readonly maxHeadSize: number },
  ) {}

  /** True once the whole response was read. */
  get done(): boolean {
    return this.phase === "done";
  }

  /** True when the connection may carry another request once the response is done. */
  get canReuse(): boolean {
    return this.phase === "done" && this.reusable;
  }

  /** True once any part of a final head was handed to the sink. */
  get started(): boolean {
    return this.phase !== "head";
  }

  /** Feeds bytes from the socket; returns how many bytes after the response's end were left over. */
  feed(data: Buffer): number {
    let offset = 0;
    while (offset < data.length) {
      switch (this.phase) {
        case "head":
          offset = this.readHead(data, offset);
          break;
        case "length":
          offset = this.readCounted(data, offset);
          if (this.remaining === 0) this.finish();
          break;
        case "chunk-data":
          offset = this.readCounted(data, offset);
          if (this.remaining === 0) this.phase = "chunk-end";
          break;
        case "chunk-size":
        case "chunk-end":
        case "trailers":
          offset = this.readLine(data, offset);
          break;
        case "close":
          this.sink.onBody(offset === 0 ? data : data.subarray(offset));
          return 0;
        case "done":
          return data.length - offset;
      }
    }
    return 0;
  }

  /** The connection ended: completes a close-delimited body, or reports a truncated response. */
  end(): void {
    if (this.phase === "close") {
      this.finish();
      return;
    }
    if (this.phase !== "done") throw new ResponseParseError("the app closed the connection mid-response");
  }

  private readHead(data: Buffer, offset: number): number {
    const before = this.pending?.length ?? 0;
    const joined = this.pending
      ? Buffer.concat([this.pending, data.subarray(offset)])
      : data.subarray(offset);
    const end = joined.indexOf(HEAD_END, Math.max(0, before - 3));
    if (end < 0) {
      if (joined.length > this.options.maxHeadSize) throw new ResponseParseError("response head too large");
      this.pending = Buffer.from(joined);
      return data.length;
    }
    if (end > this.options.maxHeadSize) throw new ResponseParseError("response head too large");
    this.pending = null;
    const consumed = end + 4 - before;
    this.head(joined.toString("latin1", 0, end));
    return offset + consumed;
  }

  private head(text: string): void {
    const firstEnd = text.indexOf("\r\n");
    const first = firstEnd < 0 ? text : text.slice(0, firstEnd);
    const statusLine = STATUS_LINE.exec(first);
    if (!statusLine)
      throw new ResponseParseError(`invalid status line ${JSON.stringify(first.slice(0, 80))}`);
    const http10 = statusLine[1] === "0";
    const status = Number(statusLine[2]);
    const headers: string[] = [];
    let contentLength: string | undefined;
    let transferEncoding: string | undefined;
    let connection = "";
    let keepAliveTimeoutS: number | undefined;
    for (let start = firstEnd + 2; firstEnd >= 0 && start <= text.length;) {
      let stop = text.indexOf("\r\n", start);
      if (stop < 0) stop = text.length;
      const line = text.slice(start, stop);
      start = stop + 2;
      const colon = line.indexOf(":");
      if (colon <= 0 || line.charCodeAt(0) === 0x20 || line.charCodeAt(0) === 0x09)
        throw new ResponseParseError("invalid header line (or obs-fold) in the response");
      const name = line.slice(0, colon);
      if (name.charCodeAt(colon - 1) === 0x20 || name.charCodeAt(colon - 1) === 0x09)
        throw new ResponseParseError("whitespace before a header's colon in the response");
      const value = line.slice(colon + 1).trim();
      const lower = FRAMING_NAME_LENGTHS.has(name.length) ? name.toLowerCase() : "";
      if (lower === "content-length") {
        if (contentLength !== undefined && contentLength !== value)
          throw new ResponseParseError("differing Content-Length headers in the response");
        contentLength = value;
      } else if (lower === "transfer-encoding") {
        transferEncoding = transferEncoding === undefined ? value : `${transferEncoding}, ${value}`;
      } else if (lower === "connection") {
        connection = `${connection},${value.toLowerCase()}`;
      } else if (lower === "keep-alive") {
        const timeout = /timeout=(\d+)/i.exec(value);
        if (timeout) keepAliveTimeoutS = Number(timeout[1]);
      }
      headers.push(name, value);
    }
    if (status < 100) throw new ResponseParseError(`invalid status ${status}`);
    if (status < 200) {
      if (++this.informational > MAX_INFORMATIONAL)
        throw new ResponseParseError("too many informational (1xx) responses");
      // 100 Continue, 102, 103 Early Hints: informational, a final head follows. A 101 answers an
      // Upgrade this path never sends.
      if (status === 101) throw new ResponseParseError("unexpected 101 Switching Protocols");
      return;
    }
    // RFC 9112 6.1: Transfer-Encoding in an HTTP/1.0 message is faulty framing; read to the close.
    this.framing =
      http10 && transferEncoding !== undefined && !this.options.noBody && status !== 204 && status !== 304
        ? "close"
        : this.framingOf(status, contentLength, transferEncoding);
    const tokens = connection === "" ? [] : connection.split(",").map((token) => token.trim());
    const persistent = http10 ? tokens.includes("keep-alive") : !tokens.includes("close");
    // TE and CL together may have been framed differently by something in between: never reuse.
    this.reusable =
      persistent &&
      this.framing !== "close" &&
      !(transferEncoding !== undefined && contentLength !== undefined);
    this.sink.onHead({
      status,
      statusText: statusLine[3] ?? "",
      headers,
      keepAlive: this.reusable,
      keepAliveTimeoutS,
      framing: this.framing,
    });
    if (this.framing === "none") this.finish();
    else if (this.framing === "chunked") this.phase = "chunk-size";
    else if (this.framing === "close") this.phase = "close";
    else if (this.remaining === 0) this.finish();
    else this.phase = "length";
  }

  private framingOf(status: number, contentLength: string | undefined, te: string | undefined): Framing {
    if (this.options.noBody || status === 204 || status === 304) return "none";
    if (te !== undefined) {
      const codings = te.split(",").map((coding) => coding.trim().toLowerCase());
      return codings[codings.length - 1] === "chunked" ? "chunked" : "close";
    }
    if (contentLength !== undefined) {
      const single = contentLength.split(",").map((part) => part.trim());
      if (!single.every((part) => part === single[0]) || !DIGITS.test(single[0]!))
        throw new ResponseParseError(
          `invalid Content-Length ${JSON.stringify(contentLength)} in the response`,
        );
      this.remaining = Number(single[0]);
      return "length";
    }
    return "close";
  }

  private chunkSize(line: string): void {
    const semicolon = line.indexOf(";");
    const size = semicolon < 0 ? line : line.slice(0, semicolon);
    if (!HEX.test(size))
      throw new ResponseParseError(`invalid chunk size ${JSON.stringify(size.slice(0, 20))}`);
    this.remaining = parseInt(size.trimEnd(), 16);
    this.phase = this.remaining === 0 ? "trailers" : "chunk-data";
  }

  /** Hands on up to `remaining` body bytes; returns the new offset. */
  private readCounted(data: Buffer, offset: number): number {
    const take = Math.min(this.remaining, data.length - offset);
    this.remaining -= take;
    this.sink.onBody(data.subarray(offset, offset + take));
    return offset + take;
  }

  /** Reads one CRLF-terminated line of the chunked framing; returns the new offset. */
  private readLine(data: Buffer, offset: number): number {
    const newline = data.indexOf(LF, offset);
    if (newline < 0) {
      this.pending = this.pending
        ? Buffer.concat([this.pending, data.subarray(offset)])
        : Buffer.from(data.subarray(offset));
      if (this.pending.length > MAX_LINE) throw new ResponseParseError("chunk line too long");
      return data.length;
    }
    let line = data.toString("latin1", offset, newline);
    if (this.pending) {
      line = this.pending.toString("latin1") + line;
      this.pending = null;
    }
    if (line.length > MAX_LINE) throw new ResponseParseError("chunk line too long");
    if (!line.endsWith("\r")) throw new ResponseParseError("bare LF in the chunked framing");
    line = line.slice(0, -1);
    if (this.phase === "chunk-size") this.chunkSize(line);
    else if (this.phase === "chunk-end") {
      if (line !== "") throw new ResponseParseError("chunk data longer than its size");
      this.phase = "chunk-size";
    } else if (line === "") this.finish(); // the empty line after the trailers
    return newline + 1;
  }

  private finish(): void {
    this.phase = "done";
  }
}
