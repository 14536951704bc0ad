/** The parts of a parsed request the smuggling checks look at. */
export interface RequestShape {
  readonly method: string;
  readonly url: string;
  readonly httpVersion: string;
  /** Node's `req.rawHeaders`: flat [name, value, ...] exactly as received. */
  readonly rawHeaders: readonly string[];
}

export const HOST_VALUE = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._~%!$&'()*+,;=-]+)(:\d{1,5})?$/;

/**
 * Returns why a request must be refused with 400, or null when it may be forwarded. Node's parser
 * already rejects CL+TE, differing Content-Lengths and obs-fold; this adds what it lets through
 * (a duplicate Host above all) so the proxy and the app can never disagree on where a request ends
 * or whom it is for.
 */
export function smugglingProblem(req: RequestShape): string | null {
  let hosts = 0;
  let hostValue = "";
  let contentLengths = 0;
  let transferEncodings = 0;
  let transferEncoding = "";
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase();
    if (name === "host") {
      hosts += 1;
      hostValue = req.rawHeaders[i + 1]!;
    } else if (name === "content-length") contentLengths += 1;
    else if (name === "transfer-encoding") {
      transferEncodings += 1;
      transferEncoding = req.rawHeaders[i + 1]!;
    }
  }
  if (hosts > 1) return "duplicate Host header";
  if (hosts === 0 && req.httpVersion !== "1.0") return "missing Host header";
  if (hosts === 1 && !HOST_VALUE.test(hostValue)) return "invalid Host header";
  if (contentLengths > 0 && transferEncodings > 0) return "both Content-Length and Transfer-Encoding";
  if (contentLengths > 1) return "duplicate Content-Length header";
  if (transferEncodings > 1) return "duplicate Transfer-Encoding header";
  if (transferEncodings === 1 && transferEncoding.trim().toLowerCase() !== "chunked") {
    return "unsupported Transfer-Encoding (only chunked is accepted)";
  }
  if (req.method === "CONNECT") return "CONNECT is not supported";
  if (
    !req.url.startsWith("/") &&
    !(req.url === "*" && req.method === "OPTIONS") &&
    !isAbsoluteHttp(req.url)
  ) {
    return "invalid request target";
  }
  return null;
}

function isAbsoluteHttp(url: string): boolean {
  return /^https?:\/\/[^/?#]+/i.test(url);
}

/** The origin-form path to send upstream (absolute-form targets are reduced to path + query). */
export function originFormPath(url: string): string {
  if (url.startsWith("/") || url === "*") return url;
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
}

/** Declared body length: a number, "chunked" for a streamed body, or 0 when there is none. */
export function declaredBodyLength(headers: {
  "content-length"?: string;
  "transfer-encoding"?: string;
}): number | "chunked" {
  if (headers["transfer-encoding"] !== undefined) return "chunked";
  const length = Number(headers["content-length"] ?? 0);
  return Number.isFinite(length) ? length : 0;
}
