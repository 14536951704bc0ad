import { HOP_BY_HOP, REPLACED_ON_REQUEST } from "../forward-headers.js";
import { HeaderNames, trimmedSlice } from "../header-lines.js";
import { HOST_VALUE } from "../request-guard.js";
import { REQUEST_ID_LINE_LENGTH, writeRequestIdLine } from "../request-id.js";
import { copyBytes } from "./copy-bytes.js";

/**
 * A request head the fast lane can forward by itself: HTTP/1.1, origin-form target, exactly one
 * valid Host, no body or one framed by a single Content-Length, no upgrade. Names and values are
 * as received (values trimmed).
 */
export interface PlainRequest {
  readonly method: string;
  readonly target: string;
  /** The head as received, without its blank line (see header-lines.ts `rawHeadersOf`). */
  readonly text: string;
  /**
   * The client sent forwarding headers of its own (X-Forwarded-For, Via...), whose trust rules
   * take the full path (forward-headers.ts); otherwise `renderUpstreamHead` gives the app's head.
   */
  readonly forwarded: boolean;
  /** [start, end) offsets of the hop-by-hop lines (with their CRLF) that stay out of the app's head. */
  readonly dropped: readonly number[];
  /** The client sent an X-Request-Id (kept; none is added). */
  readonly requestId: boolean;
  readonly host: string;
  readonly accept: string | undefined;
  /** The client sent `Connection: close`. */
  readonly close: boolean;
  /** Bytes of the head, blank line included: where the body, if any, starts. */
  readonly size: number;
  /** The Content-Length, 0 when there is none: the body's bytes follow the head. */
  readonly bodyLength: number;
}

export type HeadParse =
  | { readonly kind: "incomplete" }
  /** Anything outside the plain subset; node:http takes the connection from here. */
  | { readonly kind: "other" }
  | ({ readonly kind: "plain" } & PlainRequest);

const INCOMPLETE = { kind: "incomplete" } as const;
const NONE: readonly number[] = [];
const OTHER = { kind: "other" } as const;
const HEAD_END = Buffer.from("\r\n\r\n", "latin1");
/**
 * The whole head in one pass: a plain request line with an origin-form target, then
 * "name:value" lines whose names are tokens and whose values hold no control character but HTAB
 * (so no bare CR or LF, no obs-fold, no whitespace before the colon).
 */
const HEAD_SHAPE =
  /^(?:GET|HEAD|POST|PUT|DELETE|OPTIONS|PATCH) \/[\x21-\x7e]* HTTP\/1\.1(?:\r\n[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[\t\x20-\x7e\x80-\xff]*)*$/;
const MAX_HEADERS = 100;
/** A Content-Length as llhttp reads it too: digits, no sign, no leading zero, below 2^53. */
const LENGTH = /^(?:0|[1-9][0-9]{0,14})$/;
/** The request header names the fast lane looks at. */
const enum Name {
  Other,
  Host,
  ContentLength,
  Accept,
  RequestId,
  Connection,
  /** Transfer-Encoding, Upgrade, Expect, HTTP2-Settings: not a plain request. */
  NotPlain,
  /** The other hop-by-hop names: dropped on the way upstream. */
  HopByHop,
  /** X-Forwarded-For and the other names the proxy sets itself: their trust rules need the full path. */
  Forwarding,
}

/** In step with forward-headers.ts: its hop-by-hop and replaced names are taken from there. */
const NAMES = new HeaderNames<Name>(
  [
    ["host", Name.Host],
    ["content-length", Name.ContentLength],
    ["accept", Name.Accept],
    ["x-request-id", Name.RequestId],
    ["connection", Name.Connection],
    ["transfer-encoding", Name.NotPlain],
    ["upgrade", Name.NotPlain],
    ["expect", Name.NotPlain],
    ["http2-settings", Name.NotPlain],
    ...[...HOP_BY_HOP].map((name) => [name, Name.HopByHop] as const),
    ...[...REPLACED_ON_REQUEST].map((name) => [name, Name.Forwarding] as const),
  ],
  Name.Other,
);

/**
 * Reads one request head from the start of `data` (RFC 9112), accepting only a strict subset that
 * leaves no room for two parsers to disagree: anything unusual (a body, chunked, Upgrade, Expect,
 * obs-fold, bare LF, a duplicate or odd Host, HTTP/1.0, an oversized head) is "other" and goes to
 * node:http and its llhttp parser, with the bytes untouched. So this parser never has to reject a
 * request itself, and every 400 the proxy gives comes from one place.
 */
export function parseRequestHead(data: Buffer, maxHeadSize: number): HeadParse {
  const end = data.indexOf(HEAD_END);
  if (end < 0) return data.length > maxHeadSize || !plainStart(data) ? OTHER : INCOMPLETE;
  if (end + 4 > maxHeadSize) return OTHER;
  const text = data.toString("latin1", 0, end);
  if (!HEAD_SHAPE.test(text)) return OTHER;
  // HEAD_SHAPE admits a CR only as part of CRLF: the one-character search finds line ends.
  const lineEnd = text.indexOf("\r");
  const firstSpace = text.indexOf(" ");
  const secondSpace = text.indexOf(" ", firstSpace + 1);
  const method = text.slice(0, firstSpace);
  const target = text.slice(firstSpace + 1, secondSpace);

  let host: string | undefined;
  let accept: string | undefined;
  let close = false;
  let bodyLength = -1;
  let requestId = false;
  let forwarded = false;
  let count = 0;
  // What goes upstream is this head minus its hop-by-hop lines, cut out whole (as for responses).
  let dropped: number[] | null = null;
  for (let start = lineEnd + 2; lineEnd >= 0 && start < text.length;) {
    let stop = text.indexOf("\r", start);
    if (stop < 0) stop = text.length;
    const colon = text.indexOf(":", start);
    const lineStart = start;
    start = stop + 2;
    if (++count > MAX_HEADERS) return OTHER;
    switch (NAMES.kindOf(text, lineStart, colon - lineStart)) {
      case Name.Other:
        continue;
      case Name.Host:
        if (host !== undefined) return OTHER;
        host = trimmedSlice(text, colon + 1, stop);
        if (!HOST_VALUE.test(host)) return OTHER;
        continue;
      case Name.ContentLength: {
        const value = trimmedSlice(text, colon + 1, stop);
        if (bodyLength >= 0 || !LENGTH.test(value)) return OTHER;
        bodyLength = Number(value);
        continue;
      }
      case Name.Accept:
        accept = trimmedSlice(text, colon + 1, stop);
        continue;
      case Name.RequestId:
        requestId = true;
        continue;
      case Name.Connection: {
        const token = trimmedSlice(text, colon + 1, stop).toLowerCase();
        if (token === "close") close = true;
        else if (token !== "keep-alive") return OTHER;
        break;
      }
      case Name.NotPlain:
        return OTHER;
      case Name.Forwarding:
        forwarded = true;
        continue;
      case Name.HopByHop:
        break;
    }
    (dropped ??= []).push(lineStart, start);
  }
  if (host === undefined) return OTHER;
  return {
    kind: "plain",
    method,
    target,
    text,
    forwarded,
    dropped: dropped ?? NONE,
    requestId,
    host,
    accept,
    close,
    size: end + 4,
    bodyLength: Math.max(0, bodyLength),
  };
}

const CRLF = 0x0a0d; // "\r\n" as a little-endian uint16

/**
 * The request for the app, as bytes: the client's head (`data`, which `request` was read from)
 * without its hop-by-hop lines, then `forwarding` (plainForwardingLines, as latin1 bytes), an
 * X-Request-Id line when `addRequestId`, the blank line, and the body, which `data` must hold
 * whole. Copied byte ranges, no strings.
 */
export function renderUpstreamRequest(
  data: Buffer,
  request: PlainRequest,
  forwarding: Buffer,
  addRequestId: boolean,
): Buffer {
  const { dropped } = request;
  const keptEnd = request.size - 2; // the head's last line with its CRLF, without the blank line
  let kept = keptEnd;
  for (let i = 0; i < dropped.length; i += 2) kept -= dropped[i + 1]! - dropped[i]!;
  const { size, bodyLength } = request;
  const out = Buffer.allocUnsafe(
    kept + forwarding.length + (addRequestId ? REQUEST_ID_LINE_LENGTH : 0) + 2 + bodyLength,
  );
  let at = 0;
  let from = 0;
  for (let i = 0; i < dropped.length; i += 2) {
    at = copyBytes(data, from, dropped[i]!, out, at);
    from = dropped[i + 1]!;
  }
  at = copyBytes(data, from, keptEnd, out, at);
  at = copyBytes(forwarding, 0, forwarding.length, out, at);
  if (addRequestId) at = writeRequestIdLine(out, at);
  out.writeUInt16LE(CRLF, at);
  if (bodyLength > 0) copyBytes(data, size, size + bodyLength, out, at + 2);
  return out;
}

const METHOD_STARTS = ["GET ", "HEAD ", "POST ", "PUT ", "DELETE ", "OPTIONS ", "PATCH "].map((text) =>
  Buffer.from(text, "latin1"),
);

/**
 * Whether an incomplete head may still become a plain request: anything else (a TLS hello sent
 * to the http port, garbage) goes to node:http at once instead of waiting out the header timer.
 */
function plainStart(data: Buffer): boolean {
  return METHOD_STARTS.some((start) => {
    const length = Math.min(start.length, data.length);
    return data.compare(start, 0, length, 0, length) === 0;
  });
}
