import { isHopByHop, isReplacedOnRequest } from "../forward-headers.js";
import { HOST_VALUE } from "../request-guard.js";

/**
 * A request head the fast lane can forward by itself: HTTP/1.1, origin-form target, exactly one
 * valid Host, no body, no upgrade. Names and values are as received (values trimmed).
 */
export interface PlainRequest {
  readonly method: string;
  readonly target: string;
  /** The head as received, without its blank line (see `rawHeadersOf`). */
  readonly text: string;
  /**
   * The head to send upstream, still without forwarding headers or blank line: the request line
   * and the client's lines minus hop-by-hop ones. null when the client sent forwarding headers of
   * its own (X-Forwarded-For, Via...), whose trust rules take the full path (forward-headers.ts).
   */
  readonly upstreamHead: string | null;
  /** The client sent an X-Request-Id (kept; none is added). */
  readonly requestId: boolean;
  readonly host: string;
  readonly accept: string | undefined;
  /** The client sent `Connection: close`. */
  readonly close: boolean;
  /** Bytes of the head, blank line included: where the next request starts. */
  readonly size: number;
}

export type HeadParse =
  | { readonly kind: "incomplete" }
  /** Anything outside the plain subset; node:http takes the connection from here. */
  | { readonly kind: "other" }
  | ({ readonly kind: "plain" } & PlainRequest);

const INCOMPLETE = { kind: "incomplete" } as const;
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
/** Lengths of the names looked at: the ones below plus hop-by-hop and forwarding headers. */
const SPECIAL_NAME_LENGTHS = new Set(
  [
    ...["host", "content-length", "accept", "x-request-id", "connection", "transfer-encoding"],
    ...["upgrade", "expect", "http2-settings", "keep-alive", "proxy-connection", "te", "trailer"],
    ...["proxy-authenticate", "proxy-authorization", "x-real-ip", "x-forwarded-for", "via"],
    ...["x-forwarded-proto", "x-forwarded-host", "proxy"],
  ].map((name) => name.length),
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
  const lineEnd = text.indexOf("\r\n");
  const firstSpace = text.indexOf(" ");
  const secondSpace = text.indexOf(" ", firstSpace + 1);
  const method = text.slice(0, firstSpace);
  const target = text.slice(firstSpace + 1, secondSpace);

  let host: string | undefined;
  let accept: string | undefined;
  let close = false;
  let sawLength = false;
  let requestId = false;
  let forwarded = false;
  let count = 0;
  // What goes upstream is this head minus its hop-by-hop lines, cut out whole (as for responses).
  let upstream = "";
  let keptFrom = 0;
  for (let start = lineEnd + 2; lineEnd >= 0 && start < text.length;) {
    let stop = text.indexOf("\r\n", start);
    if (stop < 0) stop = text.length;
    const colon = text.indexOf(":", start);
    const lineStart = start;
    start = stop + 2;
    if (++count > MAX_HEADERS) return OTHER;
    if (!SPECIAL_NAME_LENGTHS.has(colon - lineStart)) continue;
    const lower = text.slice(lineStart, colon).toLowerCase();
    switch (lower) {
      case "host":
        if (host !== undefined) return OTHER;
        host = trimmed(text, colon + 1, stop);
        if (!HOST_VALUE.test(host)) return OTHER;
        continue;
      case "content-length":
        if (trimmed(text, colon + 1, stop) !== "0" || sawLength) return OTHER;
        sawLength = true;
        continue;
      case "accept":
        accept = trimmed(text, colon + 1, stop);
        continue;
      case "x-request-id":
        requestId = true;
        continue;
      case "connection": {
        const token = trimmed(text, colon + 1, stop).toLowerCase();
        if (token === "close") close = true;
        else if (token !== "keep-alive") return OTHER;
        break;
      }
      case "transfer-encoding":
      case "upgrade":
      case "expect":
      case "http2-settings":
        return OTHER;
      default:
        if (isReplacedOnRequest(lower)) forwarded = true;
        if (!isHopByHop(lower)) continue;
    }
    upstream += text.slice(keptFrom, lineStart);
    keptFrom = start;
  }
  if (host === undefined) return OTHER;
  upstream += keptFrom < text.length ? `${text.slice(keptFrom)}\r\n` : "";
  return {
    kind: "plain",
    method,
    target,
    text,
    upstreamHead: forwarded ? null : upstream,
    requestId,
    host,
    accept,
    close,
    size: end + 4,
  };
}

/** [name, value, ...] of a head that passed HEAD_SHAPE, like Node's `req.rawHeaders`. */
export function rawHeadersOf(text: string): string[] {
  const out: string[] = [];
  const lineEnd = text.indexOf("\r\n");
  for (let start = lineEnd + 2; lineEnd >= 0 && start < text.length;) {
    let stop = text.indexOf("\r\n", start);
    if (stop < 0) stop = text.length;
    const colon = text.indexOf(":", start);
    out.push(text.slice(start, colon), trimmed(text, colon + 1, stop));
    start = stop + 2;
  }
  return out;
}

function trimmed(text: string, from: number, to: number): string {
  while (from < to && isOws(text.charCodeAt(from))) from += 1;
  while (to > from && isOws(text.charCodeAt(to - 1))) to -= 1;
  return text.slice(from, to);
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

/** Optional whitespace around a header value: SP and HTAB only (RFC 9110 5.6.3). */
function isOws(code: number): boolean {
  return code === 0x20 || code === 0x09;
}
