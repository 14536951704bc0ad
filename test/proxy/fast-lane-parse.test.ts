import { describe, expect, it } from "vitest";
import { renderRawErrorPage, renderResponseHead } from "../../src/proxy/fast-lane/raw-response.js";
import { parseRequestHead, renderUpstreamRequest } from "../../src/proxy/fast-lane/request-head.js";
import {
  HOP_BY_HOP,
  plainForwardingLines,
  requestIdLine,
  REPLACED_ON_REQUEST,
  upstreamRequestHeaders,
} from "../../src/proxy/forward-headers.js";
import { rawHeadersOf } from "../../src/proxy/header-lines.js";
import { smugglingProblem } from "../../src/proxy/request-guard.js";

const head = (text: string) => parseRequestHead(Buffer.from(text, "latin1"), 16 * 1024);
/** What goes to the app for a plain request, with `forwarding` for the forwarding lines. */
const upstream = (text: string, forwarding = "", addRequestId = false) => {
  const data = Buffer.from(text, "latin1");
  const parsed = parseRequestHead(data, 16 * 1024);
  if (parsed.kind !== "plain" || parsed.forwarded) return null;
  return renderUpstreamRequest(data, parsed, Buffer.from(forwarding, "latin1"), addRequestId).toString(
    "latin1",
  );
};
const client = {
  remoteAddress: "::ffff:10.0.0.7",
  proto: "http" as const,
  isTrusted: () => false,
  newRequestId: () => "rid-1",
};

describe("fast lane: request heads", () => {
  it("reads a plain GET and cuts hop-by-hop lines out of what goes upstream", () => {
    const text =
      "GET /shop?q=1 HTTP/1.1\r\nHost: shop.example\r\nConnection: keep-alive\r\n" +
      "Accept: application/json\r\nKeep-Alive: timeout=5\r\nX-Custom:  spaced value \r\n\r\nGET / HTTP/1.1\r\n";
    const parsed = head(text);
    expect(parsed).toMatchObject({
      kind: "plain",
      method: "GET",
      target: "/shop?q=1",
      host: "shop.example",
      accept: "application/json",
      close: false,
      requestId: false,
      size: text.indexOf("\r\n\r\n") + 4,
      forwarded: false,
    });
    expect(upstream(text)).toBe(
      "GET /shop?q=1 HTTP/1.1\r\nHost: shop.example\r\nAccept: application/json\r\n" +
        "X-Custom:  spaced value \r\n\r\n",
    );
    expect(upstream(text, "via: 1.1 switchyard\r\n")).toBe(
      "GET /shop?q=1 HTTP/1.1\r\nHost: shop.example\r\nAccept: application/json\r\n" +
        "X-Custom:  spaced value \r\nvia: 1.1 switchyard\r\n\r\n",
    );
  });

  it("notes Connection: close, an incoming X-Request-Id, and Content-Length: 0", () => {
    const text =
      "DELETE /item/4 HTTP/1.1\r\nhost: a\r\nconnection: Close\r\nX-Request-ID: abc\r\nContent-Length: 0\r\n\r\n";
    expect(head(text)).toMatchObject({ kind: "plain", method: "DELETE", close: true, requestId: true });
    expect(upstream(text)).toBe(
      "DELETE /item/4 HTTP/1.1\r\nhost: a\r\nX-Request-ID: abc\r\nContent-Length: 0\r\n\r\n",
    );
  });

  it("drops every hop-by-hop name and leaves every replaced one to the full path, in any case", () => {
    for (const name of [...HOP_BY_HOP].flatMap((lower) => [lower, lower.toUpperCase()])) {
      const parsed = head(`GET / HTTP/1.1\r\nHost: a\r\n${name}: keep-alive\r\nX-After: 1\r\n\r\n`);
      // Upgrade and Transfer-Encoding are never plain; the rest are cut out of what goes upstream.
      if (/^(upgrade|transfer-encoding)$/i.test(name)) expect(parsed.kind, name).toBe("other");
      else
        expect(upstream(`GET / HTTP/1.1\r\nHost: a\r\n${name}: keep-alive\r\nX-After: 1\r\n\r\n`), name).toBe(
          "GET / HTTP/1.1\r\nHost: a\r\nX-After: 1\r\n\r\n",
        );
    }
    for (const name of [...REPLACED_ON_REQUEST].flatMap((lower) => [lower, lower.toUpperCase()])) {
      const parsed = head(`GET / HTTP/1.1\r\nHost: a\r\n${name}: 1.2.3.4\r\n\r\n`);
      if (/^expect$/i.test(name)) expect(parsed.kind, name).toBe("other");
      else expect(parsed, name).toMatchObject({ kind: "plain", forwarded: true });
    }
  });

  it("reads a Content-Length body's length and sends the body right after the head", () => {
    const text =
      "POST /orders HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\nhelloGET";
    expect(head(text)).toMatchObject({
      kind: "plain",
      method: "POST",
      bodyLength: 5,
      size: text.indexOf("hello"),
    });
    expect(upstream(text, "via: 1.1 switchyard\r\n")).toBe(
      "POST /orders HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nvia: 1.1 switchyard\r\n\r\nhello",
    );
    expect(head("GET / HTTP/1.1\r\nHost: a\r\n\r\n")).toMatchObject({ kind: "plain", bodyLength: 0 });
  });

  it("renders the app's head when the last line is cut, with an X-Request-Id when asked", () => {
    const text = "GET /a HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\n\r\n";
    expect(upstream(text, "via: 1.1 switchyard\r\n")).toBe(
      "GET /a HTTP/1.1\r\nHost: a\r\nvia: 1.1 switchyard\r\n\r\n",
    );
    const first = upstream(text, "", true)!;
    const second = upstream(text, "", true)!;
    expect(first).toMatch(
      /^GET \/a HTTP\/1\.1\r\nHost: a\r\nx-request-id: [0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}\r\n\r\n$/,
    );
    expect(second).not.toBe(first);
  });

  it("leaves forwarding headers from the client to the full path (trust rules)", () => {
    const parsed = head("GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 1.2.3.4\r\n\r\n");
    expect(parsed).toMatchObject({ kind: "plain", forwarded: true });
  });

  it("waits for the rest of a head, and gives up past the size limit or when it cannot be plain", () => {
    expect(head("GET / HTTP/1.1\r\nHost: a\r\n")).toEqual({ kind: "incomplete" });
    expect(head("DEL")).toEqual({ kind: "incomplete" });
    expect(head("\x16\x03\x01\x02\x00")).toEqual({ kind: "other" }); // a TLS ClientHello
    expect(head("GETX / HTTP/1.1")).toEqual({ kind: "other" });
    const big = Buffer.from(`GET / HTTP/1.1\r\nX-Big: ${"b".repeat(300)}`, "latin1");
    expect(parseRequestHead(big, 200)).toEqual({ kind: "other" });
    const whole = Buffer.from(`GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${"b".repeat(300)}\r\n\r\n`, "latin1");
    expect(parseRequestHead(whole, 200)).toEqual({ kind: "other" });
  });

  // Everything here must reach node:http untouched, to be answered or refused there.
  const notPlain: Record<string, string> = {
    "two Content-Length: 5":
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
    "a Content-Length with a leading zero": "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 05\r\n\r\nhello",
    "a signed Content-Length": "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\nhello",
    "a Content-Length list": "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\nhello",
    "a Content-Length of 2^53": "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9007199254740992\r\n\r\n",
    chunked: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "CL + TE": "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n",
    "two Content-Length: 0": "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n",
    "an upgrade": "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
    Expect: "PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n",
    "a duplicate Host": "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
    "no Host": "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n",
    "an invalid Host": "GET / HTTP/1.1\r\nHost: a b\r\n\r\n",
    "HTTP/1.0": "GET / HTTP/1.0\r\nHost: a\r\n\r\n",
    "an absolute-form target": "GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n",
    CONNECT: "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n",
    "an extension method": "PURGE / HTTP/1.1\r\nHost: a\r\n\r\n",
    "a lower-case method": "get / HTTP/1.1\r\nHost: a\r\n\r\n",
    "obs-fold": "GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n 2\r\n\r\n",
    "a bare LF": "GET / HTTP/1.1\r\nHost: a\nX-A: 1\r\n\r\n",
    "a NUL in a value": "GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\x002\r\n\r\n",
    "whitespace before a colon": "GET / HTTP/1.1\r\nHost : a\r\n\r\n",
    "a space in the target": "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n",
    "a listed Connection name": "GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, X-A\r\n\r\n",
    "a leading blank line": "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
    "too many headers": `GET / HTTP/1.1\r\nHost: a\r\n${"X-A: 1\r\n".repeat(101)}\r\n`,
  };
  for (const [what, text] of Object.entries(notPlain)) {
    it(`hands a request with ${what} to node:http`, () => {
      expect(head(text)).toEqual({ kind: "other" });
    });
  }

  it("never calls plain what the request guard would refuse", () => {
    const lines = [
      "Host: a",
      "Host: b.example:8080",
      "Accept: */*",
      "Content-Length: 0",
      "Connection: close",
      "X-Forwarded-For: 9.9.9.9",
      "Via: 1.0 cdn",
      "TE: trailers",
      "Cookie: a=b; c=d",
    ];
    let plain = 0;
    // Every subset of up to three lines, in order: 129 heads.
    for (let mask = 0; mask < 1 << lines.length; mask += 1) {
      const chosen = lines.filter((_, i) => mask & (1 << i));
      if (chosen.length > 3) continue;
      const text = `GET /x HTTP/1.1\r\n${chosen.map((line) => `${line}\r\n`).join("")}\r\n`;
      const parsed = head(text);
      if (parsed.kind !== "plain") continue;
      plain += 1;
      const rawHeaders = rawHeadersOf(parsed.text);
      expect(smugglingProblem({ method: "GET", url: "/x", httpVersion: "1.1", rawHeaders })).toBeNull();
    }
    expect(plain).toBeGreaterThan(20);
  });
});

describe("fast lane: what goes upstream is what the node:http path sends", () => {
  it("appends the same forwarding headers as upstreamRequestHeaders for a client without any", () => {
    const full = upstreamRequestHeaders(["Host", "shop.example", "Accept", "*/*"], client);
    const appended = full.slice(4);
    let lines = "";
    for (let i = 0; i < appended.length; i += 2) lines += `${appended[i]}: ${appended[i + 1]}\r\n`;
    expect(plainForwardingLines(client, "shop.example") + requestIdLine(client)).toBe(lines);
    expect(lines).toContain("x-real-ip: 10.0.0.7\r\n");
    expect(plainForwardingLines(client, "shop.example")).not.toContain("x-request-id");
  });
});

describe("fast lane: raw responses", () => {
  it("renders a response head by exact text", () => {
    expect(renderResponseHead(200, "", ["Content-Type", "text/plain", "content-length", "2"], false)).toBe(
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\ncontent-length: 2\r\n\r\n",
    );
    expect(renderResponseHead(299, "", [], true)).toBe(
      "HTTP/1.1 299 Unknown\r\ntransfer-encoding: chunked\r\n\r\n",
    );
  });

  it("renders an error page, without its body for HEAD", () => {
    const page = renderRawErrorPage(
      502,
      "The blue app could not be reached.",
      { method: "GET", accept: "application/json" },
      false,
    );
    const body = '{"error":"Bad Gateway","status":502,"message":"The blue app could not be reached."}\n';
    expect(page.toString("latin1").replace(/\r\ndate: [^\r]+/, "")).toBe(
      "HTTP/1.1 502 Bad Gateway\r\ncontent-type: application/json\r\n" +
        `content-length: ${body.length}\r\ncache-control: no-store\r\n\r\n${body}`,
    );
    expect(page.toString("latin1")).toMatch(/\r\ndate: \w{3}, \d{2} \w{3} \d{4} [\d:]{8} GMT\r\n/);
    // A message quoting the app's 8-bit bytes: Content-Length counts the UTF-8 body as sent.
    const quoted = renderRawErrorPage(
      502,
      'invalid Content-Length "1\u00e9"',
      { method: "GET", accept: undefined },
      false,
    );
    const [quotedHead, quotedBody] = [
      quoted.subarray(0, quoted.indexOf("\r\n\r\n") + 4),
      quoted.subarray(quoted.indexOf("\r\n\r\n") + 4),
    ];
    expect(quotedHead.toString("latin1")).toContain(`content-length: ${quotedBody.length}\r\n`);
    const headPage = renderRawErrorPage(504, "late", { method: "HEAD", accept: undefined }, true);
    const headText = headPage.toString("latin1");
    expect(headText).toMatch(/^HTTP\/1.1 504 Gateway Timeout\r\n/);
    expect(headText).toContain("connection: close\r\n");
    expect(headText.endsWith("\r\n\r\n")).toBe(true);
  });
});
