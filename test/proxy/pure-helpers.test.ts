import path from "node:path";
import { describe, expect, it } from "vitest";
import { acmeChallengePath } from "../../src/proxy/acme.js";
import { renderErrorPage, wantsJson } from "../../src/proxy/error-pages.js";
import {
  clientResponseHeaders,
  trustedProxyMatcher,
  upstreamRequestHeaders,
} from "../../src/proxy/forward-headers.js";
import { decide, httpForwardTarget, httpsLocation } from "../../src/proxy/routing.js";
import { originFormPath, smugglingProblem } from "../../src/proxy/request-guard.js";

const noTrust = (_address: string): boolean => false;
const client = (remoteAddress: string, isTrusted = noTrust) => ({
  remoteAddress,
  proto: "http" as const,
  isTrusted,
  newRequestId: () => "rid-1",
});

describe("upstreamRequestHeaders", () => {
  it("keeps Host and end-to-end headers, strips hop-by-hop ones and sets the forwarding headers", () => {
    const raw = [
      "Host",
      "shop.example",
      "Connection",
      "keep-alive, X-Drop",
      "Keep-Alive",
      "timeout=5",
      "X-Drop",
      "1",
      "TE",
      "trailers",
      "Transfer-Encoding",
      "chunked",
      "Upgrade",
      "h2c",
      "Proxy-Authorization",
      "Basic x",
      "Proxy",
      "http://evil",
      "Expect",
      "100-continue",
      "Accept",
      "*/*",
      "X-Forwarded-For",
      "6.6.6.6",
      "X-Real-IP",
      "6.6.6.6",
      "X-Forwarded-Proto",
      "https",
    ];
    expect(upstreamRequestHeaders(raw, client("::ffff:10.0.0.5"))).toEqual([
      "Host",
      "shop.example",
      "Accept",
      "*/*",
      "x-real-ip",
      "10.0.0.5",
      "x-forwarded-for",
      "10.0.0.5",
      "x-forwarded-proto",
      "http",
      "x-forwarded-host",
      "shop.example",
      "via",
      "1.1 switchyard",
      "x-request-id",
      "rid-1",
    ]);
  });

  it("appends to X-Forwarded-For from a trusted proxy and takes the right-most untrusted hop as X-Real-IP", () => {
    const trusted = trustedProxyMatcher(["10.0.0.0/8", "192.168.1.1"]);
    const raw = [
      "Host",
      "a",
      "X-Forwarded-For",
      "1.2.3.4, 5.6.7.8",
      "X-Forwarded-For",
      "10.1.1.1",
      "X-Forwarded-Proto",
      "https",
      "X-Forwarded-Host",
      "public.example",
      "Via",
      "1.1 cdn",
      "X-Request-Id",
      "abc",
    ];
    expect(upstreamRequestHeaders(raw, client("192.168.1.1", trusted))).toEqual([
      "Host",
      "a",
      "X-Request-Id",
      "abc",
      "x-real-ip",
      "5.6.7.8",
      "x-forwarded-for",
      "1.2.3.4, 5.6.7.8, 10.1.1.1, 192.168.1.1",
      "x-forwarded-proto",
      "https",
      "x-forwarded-host",
      "public.example",
      "via",
      "1.1 cdn, 1.1 switchyard",
    ]);
  });

  it("matches trusted proxies by address and CIDR, IPv4-mapped and IPv6 included, and ignores garbage", () => {
    const trusted = trustedProxyMatcher(["127.0.0.1", "10.0.0.0/8", "::1"]);
    expect([
      trusted("::ffff:127.0.0.1"),
      trusted("10.9.8.7"),
      trusted("::1"),
      trusted("11.0.0.1"),
      trusted("x"),
    ]).toEqual([true, true, true, false, false]);
  });
});

describe("clientResponseHeaders", () => {
  it("drops hop-by-hop headers and those named in Connection, keeps repeated Set-Cookie", () => {
    const raw = [
      "Content-Type",
      "text/plain",
      "Connection",
      "X-Internal",
      "X-Internal",
      "1",
      "Keep-Alive",
      "timeout=5",
      "Transfer-Encoding",
      "chunked",
      "Set-Cookie",
      "a=1",
      "Set-Cookie",
      "b=2",
    ].map((s) => Buffer.from(s));
    expect(clientResponseHeaders(raw)).toEqual([
      "Content-Type",
      "text/plain",
      "Set-Cookie",
      "a=1",
      "Set-Cookie",
      "b=2",
    ]);
  });
});

describe("error pages", () => {
  it("renders JSON when Accept prefers it", () => {
    expect(renderErrorPage(503, "Down for maintenance.", "application/json")).toEqual({
      status: 503,
      contentType: "application/json",
      body: '{"error":"Service Unavailable","status":503,"message":"Down for maintenance."}\n',
    });
    expect([
      wantsJson("text/html,application/json"),
      wantsJson("application/problem+json"),
      wantsJson(undefined),
    ]).toEqual([false, true, false]);
  });

  it("renders escaped HTML otherwise", () => {
    expect(renderErrorPage(502, "App <blue> refused", "text/html").body).toBe(
      "<!doctype html>\n<html><head><title>502 Bad Gateway</title></head>" +
        "<body><h1>502 Bad Gateway</h1><p>App &#60;blue&#62; refused</p><hr><p>switchyard</p></body></html>\n",
    );
  });
});

describe("request guard", () => {
  const shape = (
    rawHeaders: string[],
    extra: Partial<{ method: string; url: string; httpVersion: string }> = {},
  ) => ({
    method: "GET",
    url: "/",
    httpVersion: "1.1",
    rawHeaders,
    ...extra,
  });
  it("names each smuggling shape", () => {
    expect(smugglingProblem(shape(["Host", "a"]))).toBeNull();
    expect(smugglingProblem(shape(["Host", "a", "host", "b"]))).toBe("duplicate Host header");
    expect(smugglingProblem(shape([]))).toBe("missing Host header");
    expect(smugglingProblem(shape([], { httpVersion: "1.0" }))).toBeNull();
    expect(smugglingProblem(shape(["Host", "a b"]))).toBe("invalid Host header");
    expect(
      smugglingProblem(shape(["Host", "a", "Content-Length", "1", "Transfer-Encoding", "chunked"])),
    ).toBe("both Content-Length and Transfer-Encoding");
    expect(smugglingProblem(shape(["Host", "a", "Transfer-Encoding", "gzip"]))).toBe(
      "unsupported Transfer-Encoding (only chunked is accepted)",
    );
    expect(smugglingProblem(shape(["Host", "a"], { url: "a/b" }))).toBe("invalid request target");
    expect(smugglingProblem(shape(["Host", "a"], { url: "http://a/b?c" }))).toBeNull();
  });
  it("reduces absolute-form targets to path and query", () => {
    expect(originFormPath("http://a.example/b/c?d=1")).toBe("/b/c?d=1");
    expect(originFormPath("/x?y")).toBe("/x?y");
  });
});

describe("routing decisions", () => {
  const base = {
    proto: "http" as const,
    url: "/p?q=1",
    host: "shop.example:80",
    problem: null,
    redirectToHttpsPort: null,
    acmeWebroot: true,
    maintenanceMessage: null,
    target: { slot: "blue" as const, host: "127.0.0.1", port: 9 },
  };
  it("decides in order: malformed, ACME, redirect, maintenance, no target, forward", () => {
    expect(decide({ ...base, problem: "duplicate Host header" })).toMatchObject({
      kind: "refuse",
      status: 400,
    });
    expect(decide({ ...base, url: "/.well-known/acme-challenge/tok?x", redirectToHttpsPort: 443 })).toEqual({
      kind: "acme",
      token: "tok",
    });
    expect(decide({ ...base, redirectToHttpsPort: 443 })).toEqual({
      kind: "redirect",
      location: "https://shop.example/p?q=1",
    });
    expect(decide({ ...base, proto: "https", redirectToHttpsPort: 443 })).toMatchObject({ kind: "forward" });
    expect(decide({ ...base, maintenanceMessage: "back soon" })).toEqual({
      kind: "refuse",
      status: 503,
      message: "back soon",
      unrouted: true,
    });
    expect(decide({ ...base, target: null })).toMatchObject({ kind: "refuse", status: 503, unrouted: true });
  });
  it("httpForwardTarget answers as decide does for well-formed http requests", () => {
    const target = base.target;
    for (const url of ["/p?q=1", "/.well-known/acme-challenge/tok"])
      for (const acmeWebroot of [true, false])
        for (const redirectToHttpsPort of [null, 443])
          for (const maintenanceMessage of [null, "back soon"])
            for (const routed of [target, null]) {
              const state = { redirectToHttpsPort, maintenanceMessage, target: routed };
              const decision = decide({ ...base, url, acmeWebroot, ...state });
              const expected = decision.kind === "forward" ? decision.target : null;
              expect(
                httpForwardTarget(url, acmeWebroot, state),
                JSON.stringify({ url, acmeWebroot, ...state }),
              ).toBe(expected);
            }
  });
  it("builds https locations with a non-default port and IPv6 hosts", () => {
    expect(httpsLocation("[::1]:8080", "/a?b", 8443)).toBe("https://[::1]:8443/a?b");
    expect(httpsLocation("example.com", "/", 443)).toBe("https://example.com/");
  });
});

describe("acmeChallengePath", () => {
  it("maps safe tokens inside the webroot and refuses anything else", () => {
    expect(acmeChallengePath("/srv/acme", "abc-DEF_9")).toBe(
      path.join("/srv/acme/.well-known/acme-challenge/abc-DEF_9"),
    );
    expect(["../x", "..", "a/b", "a%2Fb", "", "a.b"].map((t) => acmeChallengePath("/srv/acme", t))).toEqual([
      null,
      null,
      null,
      null,
      null,
      null,
    ]);
  });
});
