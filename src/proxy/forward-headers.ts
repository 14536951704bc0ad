import { BlockList, isIP, isIPv6 } from "node:net";

/** Hop-by-hop headers (RFC 9110 7.6.1) plus legacy ones that must never cross the proxy. */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "proxy-authenticate",
  "proxy-authorization",
]);

/** Whether a lower-case header name is hop-by-hop (never forwarded in either direction). */
export function isHopByHop(lower: string): boolean {
  return HOP_BY_HOP.has(lower);
}

/** Request headers the proxy sets itself, or that must not reach the app (httpoxy, Expect). */
export const REPLACED_ON_REQUEST: ReadonlySet<string> = new Set([
  "x-real-ip",
  "x-forwarded-for",
  "x-forwarded-proto",
  "x-forwarded-host",
  "via",
  "proxy",
  "expect",
]);

export const VIA = "1.1 switchyard";

/** Whether a lower-case request header name is one the proxy sets itself (or drops: Expect, Proxy). */
export function isReplacedOnRequest(lower: string): boolean {
  return REPLACED_ON_REQUEST.has(lower);
}

/**
 * The forwarding header lines for a client that sent none of its own: what
 * `upstreamRequestHeaders` appends in that case, rendered for the fast lane, except the
 * X-Request-Id (`requestIdLine`), so that a connection can keep these for its next requests.
 */
export function plainForwardingLines(client: ClientInfo, host: string): string {
  const peer = unmapIPv4(client.remoteAddress);
  return (
    `x-real-ip: ${peer}\r\nx-forwarded-for: ${peer}\r\nx-forwarded-proto: ${client.proto}\r\n` +
    `x-forwarded-host: ${host}\r\nvia: ${VIA}\r\n`
  );
}

export function requestIdLine(client: ClientInfo): string {
  return `x-request-id: ${client.newRequestId()}\r\n`;
}

/**
 * Lengths of every name the proxy treats specially (hop-by-hop, replaced, Host, X-Request-Id):
 * other names skip the lower-casing, which is most of the cost on the hot path.
 */
const SPECIAL_NAME_LENGTHS = new Set(
  [...HOP_BY_HOP, ...REPLACED_ON_REQUEST, "host", "x-request-id"].map((name) => name.length),
);

/** What the proxy knows about the client connection a request came in on. */
export interface ClientInfo {
  /** The TCP peer address (IPv4-mapped IPv6 allowed). */
  readonly remoteAddress: string;
  /** "http" or "https": the listener the request arrived on. */
  readonly proto: "http" | "https";
  /** Whether an address is a trusted proxy, whose X-Forwarded-* values are kept. */
  readonly isTrusted: (address: string) => boolean;
  /** Used only when the request carries no X-Request-Id. */
  readonly newRequestId: () => string;
}

/** Turns `trusted_proxies` (IPs or CIDRs) into a matcher. */
export function trustedProxyMatcher(entries: readonly string[]): (address: string) => boolean {
  if (entries.length === 0) return () => false;
  const list = new BlockList();
  for (const entry of entries) {
    const [address, prefix] = entry.split("/");
    const type = isIPv6(address!) ? "ipv6" : "ipv4";
    if (prefix === undefined) list.addAddress(address!, type);
    else list.addSubnet(address!, Number(prefix), type);
  }
  return (address) => {
    const plain = unmapIPv4(address);
    if (isIP(plain) === 0) return false;
    return list.check(plain, isIPv6(plain) ? "ipv6" : "ipv4");
  };
}

export function unmapIPv4(address: string): string {
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}

/** Names a Connection header lists beyond the standard tokens: hop-by-hop for this message only. */
function listedNames(connection: string): Set<string> | null {
  let listed: Set<string> | null = null;
  for (const token of connection.split(",")) {
    const name = token.trim().toLowerCase();
    // Host and Content-Length stay whatever Connection says: dropping them would change the message.
    if (name === "" || name === "close" || name === "keep-alive" || name === "upgrade") continue;
    if (name === "host" || name === "content-length") continue;
    (listed ??= new Set()).add(name);
  }
  return listed;
}

/** Drops the headers named in `listed` from a flat list (rare: only when Connection names some). */
function withoutListed(headers: string[], listed: Set<string> | null): string[] {
  if (listed === null) return headers;
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    if (!listed.has(headers[i]!.toLowerCase())) out.push(headers[i]!, headers[i + 1]!);
  }
  return out;
}

/**
 * The header list (flat [name, value, ...]) sent to the app: the client's headers without
 * hop-by-hop ones, Host kept, forwarding headers set. Incoming X-Forwarded-* are kept only from a
 * trusted peer; X-Forwarded-For is then appended to.
 */
export function upstreamRequestHeaders(raw: readonly string[], client: ClientInfo): string[] {
  let out: string[] = [];
  let incoming: Record<string, string[]> | null = null;
  let connection = "";
  let host: string | undefined;
  let requestId = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    const lower = SPECIAL_NAME_LENGTHS.has(name.length) ? name.toLowerCase() : "";
    if (lower !== "") {
      if (REPLACED_ON_REQUEST.has(lower)) {
        ((incoming ??= {})[lower] ??= []).push(value);
        continue;
      }
      if (HOP_BY_HOP.has(lower)) {
        if (lower === "connection") connection = connection === "" ? value : `${connection},${value}`;
        continue;
      }
      if (lower === "host") host = value;
      else if (lower === "x-request-id") requestId = true;
    }
    out.push(name, value);
  }
  if (connection !== "") out = withoutListed(out, listedNames(connection));
  const peer = unmapIPv4(client.remoteAddress);
  if (incoming === null) {
    // Nothing to keep or append to: the common case, without the lookups below.
    out.push("x-real-ip", peer, "x-forwarded-for", peer, "x-forwarded-proto", client.proto);
    if (host !== undefined) out.push("x-forwarded-host", host);
    out.push("via", VIA);
  } else forwardingFrom(out, incoming, peer, host, client);
  if (!requestId) out.push("x-request-id", client.newRequestId());
  return out;
}

/** Forwarding headers when the client sent some of its own (kept only from a trusted peer). */
function forwardingFrom(
  out: string[],
  incoming: Record<string, string[]>,
  peer: string,
  host: string | undefined,
  client: ClientInfo,
): void {
  const trusted = client.isTrusted(peer);
  const prior: Record<string, string[]> = trusted ? incoming : {};
  const priorFor = (prior["x-forwarded-for"] ?? []).join(", ");
  const realIp = trusted ? clientAddress([...hopsOf(priorFor), peer], client.isTrusted) : peer;
  out.push("x-real-ip", realIp);
  out.push("x-forwarded-for", priorFor === "" ? peer : `${priorFor}, ${peer}`);
  out.push("x-forwarded-proto", prior["x-forwarded-proto"]?.[0] || client.proto);
  const forwardedHost = prior["x-forwarded-host"]?.[0] || host;
  if (forwardedHost !== undefined) out.push("x-forwarded-host", forwardedHost);
  const priorVia = (incoming["via"] ?? []).join(", ");
  out.push("via", priorVia === "" ? VIA : `${priorVia}, ${VIA}`);
}

function hopsOf(forwardedFor: string): string[] {
  return forwardedFor
    .split(",")
    .map((hop) => hop.trim())
    .filter((hop) => hop !== "");
}

/** The right-most hop that is not a trusted proxy (what nginx's realip module picks). */
function clientAddress(hops: readonly string[], isTrusted: (address: string) => boolean): string {
  for (let i = hops.length - 1; i > 0; i -= 1) if (!isTrusted(hops[i]!)) return hops[i]!;
  return hops[0]!;
}

/** The app's response headers (flat list, values as latin1 strings) without hop-by-hop ones. */
export function clientResponseHeaders(raw: readonly (Buffer | string)[]): string[] {
  const out: string[] = [];
  let connection = "";
  for (let i = 0; i < raw.length; i += 2) {
    const name = latin1(raw[i]!);
    const lower = SPECIAL_NAME_LENGTHS.has(name.length) ? name.toLowerCase() : "";
    if (HOP_BY_HOP.has(lower)) {
      if (lower === "connection")
        connection = connection === "" ? latin1(raw[i + 1]!) : `${connection},${latin1(raw[i + 1]!)}`;
      continue;
    }
    out.push(name, latin1(raw[i + 1]!));
  }
  return connection === "" ? out : withoutListed(out, listedNames(connection));
}

function latin1(item: Buffer | string): string {
  return typeof item === "string" ? item : item.toString("latin1");
}
