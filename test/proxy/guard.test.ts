import { spawn, spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProxyServer } from "../../src/proxy/proxy-server.js";
import { request, startBackend, startProxy, type Backend } from "./helpers.js";
import { bytesOf, rawSend } from "./raw-client.js";

let backend: Backend;
let proxy: ProxyServer;
let port: number;

beforeAll(async () => {
  backend = await startBackend("blue");
  ({ proxy, port } = await startProxy({
    header_timeout: "1s",
    request_timeout: "2s",
    max_body_size: "1k",
    max_header_size: "2k",
    upstream_timeout: "300ms",
  }));
  proxy.setTarget({ slot: "blue", host: "127.0.0.1", port: backend.port });
});
afterAll(async () => {
  await proxy.stop(100);
  await backend.close();
});

describe("request guard: smuggling shapes are refused", () => {
  it("answers 400 to a duplicate Host header and closes", async () => {
    const out = await rawSend(port, ["GET / HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n"]);
    expect(out.received).toMatch(/^HTTP\/1.1 400 Bad Request\r\n/);
    expect(out.received).toContain("duplicate Host header");
    expect(out.received.toLowerCase()).toContain("connection: close");
  });

  it("answers 400 to Content-Length together with Transfer-Encoding", async () => {
    const smuggle =
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\nHost: a\r\n\r\n";
    const out = await rawSend(port, [smuggle]);
    expect(out.received).toMatch(/^HTTP\/1.1 400 Bad Request\r\n/);
    expect(out.received).not.toContain("200 OK");
  });

  it("answers 400 to a Transfer-Encoding other than chunked and to a missing Host", async () => {
    const gzip = await rawSend(port, [
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
    ]);
    expect(gzip.received).toMatch(/^HTTP\/1.1 400 /);
    const noHost = await rawSend(port, ["GET / HTTP/1.1\r\n\r\n"]);
    expect(noHost.received).toMatch(/^HTTP\/1.1 400 /);
    expect(noHost.received).toContain("missing Host header");
  });

  it("answers 400 to a CONNECT request", async () => {
    const out = await rawSend(port, ["CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"]);
    expect(out.received).toMatch(/^HTTP\/1.1 400 /);
  });
});

describe("request limits and timeouts", () => {
  it("cuts off a client sending headers one byte at a time at the header timeout", async () => {
    const slowloris = bytesOf("GET / HTTP/1.1\r\nHost: a\r\nX-Slow: " + "z".repeat(40) + "\r\n\r\n");
    const out = await rawSend(port, slowloris, 200, 8000);
    expect(out.closedAfterMs).toBeGreaterThanOrEqual(900);
    expect(out.closedAfterMs).toBeLessThan(3000);
    expect(out.received).not.toContain("200 OK");
    expect(out.received).toMatch(/^(HTTP\/1.1 408 |$)/);
  });

  it("cuts off a request whose body trickles in past the request timeout", async () => {
    const head = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n";
    const out = await rawSend(port, [head, ...bytesOf("x".repeat(20))], 300, 8000);
    expect(out.closedAfterMs).toBeLessThan(4500);
    expect(out.received).not.toContain("200 OK");
  });

  it("answers 413 to a declared body over max_body_size without reading it", async () => {
    const out = await rawSend(port, [
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\n\r\n" + "x".repeat(100),
    ]);
    expect(out.received).toMatch(/^HTTP\/1.1 413 Content Too Large\r\n/);
    expect(out.received.toLowerCase()).toContain("connection: close");
  });

  it("answers 413 to a chunked body that grows over max_body_size", async () => {
    const chunk = (text: string): string => `${text.length.toString(16)}\r\n${text}\r\n`;
    const out = await rawSend(
      port,
      [
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
        chunk("x".repeat(800)),
        chunk("y".repeat(800)),
      ],
      50,
    );
    expect(out.received).toMatch(/^HTTP\/1.1 413 /);
    expect(proxy.traffic().slots.blue?.failures ?? 0).toBe(0);
  });

  it("accepts a body within the limit", async () => {
    const reply = await request(port, "/", { method: "POST", body: "x".repeat(1000) });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toMatchObject({ received: 1000 });
  });

  it("answers 431 to headers over max_header_size", async () => {
    const out = await rawSend(port, [`GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${"b".repeat(4000)}\r\n\r\n`]);
    expect(out.received).toMatch(/^HTTP\/1.1 431 /);
  });

  it("answers 504 when the app does not answer within upstream_timeout", async () => {
    const reply = await request(port, "/slow?ms=1500", { headers: { accept: "application/json" } });
    expect(reply.status).toBe(504);
    expect(JSON.parse(reply.body)).toEqual({
      error: "Gateway Timeout",
      status: 504,
      message: "The blue app did not answer in time.",
    });
  });
});

describe("upstream connect timeout", () => {
  it("answers 504 when the app's listen queue is full and connecting never completes", async () => {
    if (spawnSync("python3", ["--version"]).error && process.env.CI !== "true") {
      console.warn("SKIPPED upstream connect timeout test: python3 is missing (apt-get install python3)");
      return;
    }
    // A listener that never accepts: once its backlog is full, the kernel drops further SYNs.
    const python = spawn("python3", [
      "-c",
      [
        "import socket, sys, time",
        "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(0)",
        "port = s.getsockname()[1]",
        "fill = socket.create_connection(('127.0.0.1', port))",
        "print(port, flush=True)",
        "time.sleep(30)",
      ].join("\n"),
    ]);
    try {
      const appPort = await new Promise<number>((resolve, reject) => {
        python.stdout.once("data", (data: Buffer) => resolve(Number(data.toString().trim())));
        python.once("error", reject);
        setTimeout(() => reject(new Error("python listener did not start")), 5000);
      });
      const slowConnect = await startProxy({ upstream_connect_timeout: "300ms" });
      try {
        slowConnect.proxy.setTarget({ slot: "green", host: "127.0.0.1", port: appPort });
        const started = Date.now();
        const reply = await request(slowConnect.port, "/", { headers: { accept: "application/json" } });
        expect(reply.status).toBe(504);
        expect(Date.now() - started).toBeLessThan(3000);
        expect(slowConnect.proxy.traffic().slots.green).toMatchObject({ failures: 1, inFlight: 0 });
        // A request with a body gets the same connect timeout, also while its upload is unsent.
        const postStarted = Date.now();
        const post = await request(slowConnect.port, "/", { method: "POST", body: "p".repeat(100_000) });
        expect(post.status).toBe(504);
        expect(Date.now() - postStarted).toBeLessThan(3000);
      } finally {
        await slowConnect.proxy.stop(100);
      }
    } finally {
      python.kill();
    }
  });
});
