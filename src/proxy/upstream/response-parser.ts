import { HOP_BY_HOP } from "../forward-headers.js";
import { HeaderNames, holdsAt, rawHeadersOf, trimmedSlice } from "../header-lines.js";

/** A final (non-1xx) response head, as the app sent it. */
export interface ResponseHead {
  readonly status: number;
  readonly statusText: string;
  /** Flat [name, value, ...], names as sent, values with surrounding whitespace trimmed. */
  readonly headers: string[];
  /**
   * The header lines a client may get, as sent ("Name: value\r\n" each): the head without its
   * hop-by-hop lines. null when that takes more than dropping lines (Connection names other
   * headers, or Content-Length comes with Transfer-Encoding): use `headers` then.
   */
  readonly clientLines: string | null;
  /** The app allows another request on this connection after this response. */
  readonly keepAlive: boolean;
  /** Seconds from `Keep-Alive: timeout=N`, when the app sent it. */
  readonly keepAliveTimeoutS: number | undefined;
  /** How the body is delimited: none (HEAD, 204, 304), Content-Length, chunked, or connection close. */
  readonly framing: Framing;
  /** The length, when the app sent it more than once or as a list: the client gets it once. */
  readonly repeatedLength: number | null;
  /** The app sent a Date header (a proxy adds one when it did not, RFC 9110 6.6.1). */
  readonly hasDate: boolean;
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

/** A final head as read, and what the parser made of it (see ResponseParser.memo). */
interface HeadMemo {
  /** The head's bytes, blank line included. */
  readonly bytes: Buffer;
  /** Whether it answered a HEAD request: the same bytes frame no body then. */
  readonly noBody: boolean;
  readonly head: ParsedHead;
  /** The Content-Length, for framing "length". */
  readonly length: number;
}

const LF = 0x0a;
const CR = 0x0d;
const MAX_LINE = 4096;
const HEX = /^[0-9a-fA-F]{1,13}[ \t]*$/;
/** More informational (1xx) heads than any app sends before its answer. */
const MAX_INFORMATIONAL = 8;
const DIGITS = /^\d{1,15}$/;
/**
 * A whole response head in one pass: the status line, then "name:value" lines whose names are
 * tokens and whose values hold no control character but HTAB (so no bare CR or LF, no obs-fold).
 * What passes can be written to a client as it is.
 */
const HEAD_SHAPE =
  /^HTTP\/1\.[01] \d{3}(?: [\t\x20-\x7e\x80-\xff]*)?(?:\r\n[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[\t\x20-\x7e\x80-\xff]*)*$/;
const HEAD_END = Buffer.from("\r\n\r\n", "latin1");
/** Hex digit values by character code; -1 for anything else. */
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i += 1) {
  HEX_VALUE["0123456789abcdef".charCodeAt(i)] = i;
  HEX_VALUE["0123456789ABCDEF".charCodeAt(i)] = i;
}

/** The header names the parser looks at. */
const enum Name {
  Other,
  Date,
  ContentLength,
  Connection,
  KeepAlive,
  TransferEncoding,
  /** Hop-by-hop, and nothing more to learn from it. */
  OtherHopByHop,
}

const NAMES = new HeaderNames<Name>(
  [
    ["date", Name.Date],
    ["content-length", Name.ContentLength],
    ["connection", Name.Connection],
    ["keep-alive", Name.KeepAlive],
    ["transfer-encoding", Name.TransferEncoding],
    ...[...HOP_BY_HOP].map((name) => [name, Name.OtherHopByHop] as const),
  ],
  Name.Other,
);

/**
 * An incremental HTTP/1.1 response parser for one request's response (RFC 9112): skips 1xx
 * heads, then frames the body by HEAD/204/304, Transfer-Encoding: chunked (decoded),
 * Content-Length, or the end of the connection. Strict: anything it cannot frame for certain is a
 * ResponseParseError, because a misframed response would corrupt the next one on the socket.
 */
export class ResponseParser {
  private phase: Phase = "head";
  private pending: Buffer | null = null;
  private remaining = 0;
  private reusable = false;
  private informational = 0;
  private noBody: boolean;
  private readonly maxHeadSize: number;
  /**
   * The last final head read on this connection. An app sends the same head response after
   * response (its Date changes once a second), so a head whose bytes equal it skips the parse and
   * shares its ParsedHead, which nothing changes. Equal bytes parse the same, so this changes no
   * outcome, only what it costs.
   */
  private memo: HeadMemo | null = null;

  constructor(
    private readonly sink: ResponseSink,
    options: { readonly noBody: boolean; readonly maxHeadSize: number },
  ) {
    this.noBody = options.noBody;
    this.maxHeadSize = options.maxHeadSize;
  }

  /** Ready for the next response on the same connection (one parser per keep-alive socket). */
  reset(noBody: boolean): void {
    this.phase = "head";
    this.pending = null;
    this.remaining = 0;
    this.reusable = false;
    this.informational = 0;
    this.noBody = noBody;
  }

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
          offset = this.pending === null ? this.readWholeLine(data, offset) : this.readLine(data, offset);
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
    const { memo } = this;
    if (
      memo !== null &&
      this.pending === null &&
      memo.noBody === this.noBody &&
      holdsAt(data, offset, memo.bytes)
    ) {
      this.begin(memo);
      return offset + memo.bytes.length;
    }
    const before = this.pending?.length ?? 0;
    const joined = this.pending
      ? Buffer.concat([this.pending, data.subarray(offset)])
      : offset === 0
        ? data
        : data.subarray(offset);
    const end = joined.indexOf(HEAD_END, Math.max(0, before - 3));
    if (end < 0) {
      if (joined.length > this.maxHeadSize) throw new ResponseParseError("response head too large");
      this.pending = Buffer.from(joined);
      return data.length;
    }
    if (end > this.maxHeadSize) throw new ResponseParseError("response head too large");
    this.pending = null;
    const consumed = end + 4 - before;
    const parsed = this.head(joined.toString("latin1", 0, end));
    if (parsed !== null) {
      this.memo = { bytes: Buffer.from(joined.subarray(0, end + 4)), noBody: this.noBody, ...parsed };
      this.begin(this.memo);
    }
    return offset + consumed;
  }

  /** Hands a final head to the sink and sets up the reading of its body. */
  private begin({ head, length }: HeadMemo): void {
    this.remaining = length;
    this.reusable = head.keepAlive;
    this.sink.onHead(head);
    if (head.framing === "none") this.finish();
    else if (head.framing === "chunked") this.phase = "chunk-size";
    else if (head.framing === "close") this.phase = "close";
    else if (length === 0) this.finish();
    else this.phase = "length";
  }

  /** Parses a head; a final one comes back with its body's length, an informational one as null. */
  private head(text: string): { readonly head: ParsedHead; readonly length: number } | null {
    if (!HEAD_SHAPE.test(text)) throw new ResponseParseError(headProblem(text));
    // HEAD_SHAPE admits a CR only as part of CRLF: the one-character search finds line ends.
    let firstEnd = text.indexOf("\r");
    if (firstEnd < 0) firstEnd = text.length;
    const http10 = text.charCodeAt(7) === 0x30;
    const status =
      (text.charCodeAt(9) - 0x30) * 100 + (text.charCodeAt(10) - 0x30) * 10 + text.charCodeAt(11) - 0x30;
    let contentLength: string | undefined;
    let transferEncoding: string | undefined;
    let connection = "";
    let keepAliveTimeoutS: number | undefined;
    let lengthLines = 0;
    let hasDate = false;
    // The client's lines are the head minus its hop-by-hop lines: runs of kept lines are sliced
    // out whole instead of being split into names and values and put together again.
    let clientLines = "";
    let keptFrom = firstEnd + 2;
    // HEAD_SHAPE vouched for every line: "name:value", the name a token, no control characters.
    for (let start = firstEnd + 2; start < text.length;) {
      let stop = text.indexOf("\r", start);
      if (stop < 0) stop = text.length;
      const lineStart = start;
      start = stop + 2;
      const colon = text.indexOf(":", lineStart);
      const name = NAMES.kindOf(text, lineStart, colon - lineStart);
      if (name === Name.Other) continue;
      if (name === Name.Date) {
        hasDate = true;
        continue;
      }
      const value = trimmedSlice(text, colon + 1, stop);
      if (name === Name.ContentLength) {
        if (contentLength !== undefined && contentLength !== value)
          throw new ResponseParseError("differing Content-Length headers in the response");
        contentLength = value;
        lengthLines += 1;
        continue;
      }
      if (name === Name.TransferEncoding) {
        transferEncoding = transferEncoding === undefined ? value : `${transferEncoding}, ${value}`;
      } else if (name === Name.Connection) {
        connection = `${connection},${value === "keep-alive" || value === "close" ? value : value.toLowerCase()}`;
      } else if (name === Name.KeepAlive) {
        keepAliveTimeoutS = keepAliveTimeout(value) ?? keepAliveTimeoutS;
      }
      clientLines += text.slice(keptFrom, lineStart);
      keptFrom = start;
    }
    if (keptFrom < text.length) clientLines += `${text.slice(keptFrom)}\r\n`;
    if (status < 100) throw new ResponseParseError(`invalid status ${status}`);
    if (status < 200) {
      if (++this.informational > MAX_INFORMATIONAL)
        throw new ResponseParseError("too many informational (1xx) responses");
      // 100 Continue, 102, 103 Early Hints: informational, a final head follows. A 101 answers an
      // Upgrade this path never sends.
      if (status === 101) throw new ResponseParseError("unexpected 101 Switching Protocols");
      return null;
    }
    // RFC 9112 6.1: Transfer-Encoding in an HTTP/1.0 message is faulty framing; read to the close.
    const framing =
      http10 && transferEncoding !== undefined && !this.noBody && status !== 204 && status !== 304
        ? "close"
        : this.framingOf(status, contentLength, transferEncoding);
    const length = framing === "length" ? contentLengthValue(contentLength!) : 0;
    const persistent = http10 ? hasToken(connection, "keep-alive") : !hasToken(connection, "close");
    // TE and CL together may have been framed differently by something in between: never reuse.
    const reusable =
      persistent && framing !== "close" && !(transferEncoding !== undefined && contentLength !== undefined);
    // "Content-Length: 5" twice or "5, 5" is one length to us but an error to many clients.
    const repeatedLength =
      framing === "length" && (lengthLines > 1 || contentLength!.includes(",")) ? length : null;
    const simple =
      !namesOthers(connection) &&
      !(transferEncoding !== undefined && contentLength !== undefined) &&
      repeatedLength === null;
    const head = new ParsedHead(
      text,
      status,
      firstEnd > 13 ? text.slice(13, firstEnd) : "",
      simple ? clientLines : null,
      reusable,
      keepAliveTimeoutS,
      framing,
      repeatedLength,
      hasDate,
    );
    return { head, length };
  }

  private framingOf(status: number, contentLength: string | undefined, te: string | undefined): Framing {
    if (this.noBody || status === 204 || status === 304) return "none";
    if (te !== undefined) {
      if (te.length === 7 && te.toLowerCase() === "chunked") return "chunked";
      const codings = te.split(",").map((coding) => coding.trim().toLowerCase());
      return codings[codings.length - 1] === "chunked" ? "chunked" : "close";
    }
    return contentLength === undefined ? "close" : "length";
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

  /**
   * The common case of `readLine`, without making strings: a chunk-size line of plain hex
   * digits, or an empty line, wholly inside `data`. Anything else goes to `readLine`.
   */
  private readWholeLine(data: Buffer, offset: number): number {
    if (this.phase === "chunk-size") {
      let size = 0;
      let at = offset;
      for (; at < data.length && at - offset < 13; at += 1) {
        const digit = data[at]! < 128 ? HEX_VALUE[data[at]!]! : -1;
        if (digit < 0) break;
        size = size * 16 + digit;
      }
      if (at === offset || at + 1 >= data.length || data[at] !== CR || data[at + 1] !== LF)
        return this.readLine(data, offset);
      this.remaining = size;
      this.phase = size === 0 ? "trailers" : "chunk-data";
      return at + 2;
    }
    if (offset + 1 >= data.length || data[offset] !== CR || data[offset + 1] !== LF)
      return this.readLine(data, offset);
    if (this.phase === "chunk-end") this.phase = "chunk-size";
    else this.finish(); // the empty line after the trailers
    return offset + 2;
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

/** Why a head failed HEAD_SHAPE, for the 502 message. */
function headProblem(text: string): string {
  const firstEnd = text.indexOf("\r\n");
  const first = firstEnd < 0 ? text : text.slice(0, firstEnd);
  if (!HEAD_SHAPE.test(first)) return `invalid status line ${JSON.stringify(first.slice(0, 80))}`;
  if (/\r\n[ \t]/.test(text)) return "invalid header line (or obs-fold) in the response";
  if (/[ \t]:/.test(text)) return "whitespace before a header's colon in the response";
  return "invalid header line in the response";
}

/** The length a Content-Length value names: digits, or a list of one length repeated ("5, 5"). */
function contentLengthValue(value: string): number {
  if (DIGITS.test(value)) return Number(value);
  const single = value.split(",").map((part) => part.trim());
  if (!single.every((part) => part === single[0]) || !DIGITS.test(single[0]!))
    throw new ResponseParseError(`invalid Content-Length ${JSON.stringify(value)} in the response`);
  return Number(single[0]);
}

/** Whether a lower-case comma-separated list (as collected above) holds `token`. */
function hasToken(list: string, token: string): boolean {
  if (list === "") return false;
  if (list.length === token.length + 1 && list.endsWith(token)) return true; // ",token", the usual
  if (!list.includes(token)) return false;
  return list.split(",").some((part) => part.trim() === token);
}

/** Seconds from a `Keep-Alive: timeout=N, max=M` value. */
function keepAliveTimeout(value: string): number | undefined {
  let at = value.indexOf("timeout="); // as apps send it; any other case is rare
  if (at < 0) at = value.toLowerCase().indexOf("timeout=");
  if (at < 0) return undefined;
  const seconds = parseInt(value.slice(at + 8), 10);
  return Number.isNaN(seconds) ? undefined : seconds;
}

/** A parsed head; the flat header list is only built when something asks for it. */
class ParsedHead implements ResponseHead {
  private list: string[] | null = null;

  // Positional, not an options object: one object fewer for every response.
  constructor(
    private readonly text: string,
    readonly status: number,
    readonly statusText: string,
    readonly clientLines: string | null,
    readonly keepAlive: boolean,
    readonly keepAliveTimeoutS: number | undefined,
    readonly framing: Framing,
    readonly repeatedLength: number | null,
    readonly hasDate: boolean,
  ) {}

  get headers(): string[] {
    this.list ??= rawHeadersOf(this.text);
    return this.list;
  }
}

/** Whether a collected Connection value names headers beyond close and keep-alive. */
function namesOthers(connection: string): boolean {
  if (connection === "" || connection === ",keep-alive" || connection === ",close") return false;
  return connection.split(",").some((token) => {
    const name = token.trim();
    return name !== "" && name !== "close" && name !== "keep-alive";
  });
}
