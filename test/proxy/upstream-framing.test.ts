import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProxyServer } from "../../src/proxy/proxy-server.js";
import { request, startProxy } from "./helpers.js";

/**
 * A raw app: answers each request with the bytes `script` returns for its path, so tests control
 * the framing exactly. Counts the connections it accepted.
 */
async function startRawApp(script: (path: string, socket: net.Socket) => string | null) {
  let connections = 0;
  const server = net.createServer((socket) => {
    connections += 1;
    let buffered = "";
    socket.on("error", () => undefined);
    socket.on("data", (data) => {
      buffered += data.toString("latin1");
      for (let end = buffered.indexOf("\r\n\r\n"); end >= 0; end = buffered.indexOf("\r\n\r\n")) {
        const head = buffered.slice(0, end);
        const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        buffered = buffered.slice(end + 4 + length);
        const answer = script(head.split(" ")[1] ?? "/", socket);
        if (answer !== null) socket.write(answer, "latin1");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const ok = (body: string, extra = ""): string =>
  `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n${extra}\r\n${body}`;

describe("proxy to app framing (raw app on loopback)", () => {
  let app: Awaited<ReturnType<typeof startRawApp>>;
  let proxy: ProxyServer;
  let port: number;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

  beforeAll(async () => {
    app = await startRawApp((path, socket) => {
      switch (path) {
        case "/chunked":
          return "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n";
        case "/until-close":
          socket.end("HTTP/1.1 200 OK\r\n\r\nall of it", "latin1");
          return null;
        case "/no-content":
          return "HTTP/1.1 204 No Content\r\n\r\n";
        case "/bad-header":
          return "HTTP/1.1 200 OK\r\nX-Bad: a\x01b\r\nContent-Length: 0\r\n\r\n";
        case "/garbage":
          return "NOT HTTP AT ALL\r\n\r\n";
        case "/cut":
          socket.end("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly a part", "latin1");
          return null;
        case "/continue":
          return `HTTP/1.1 100 Continue\r\n\r\n${ok("after 100")}`;
        case "/head":
          return "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n"; // a HEAD answer: length, no body
        default:
          return ok(`plain ${path}`);
      }
    });
    ({ proxy, port } = await startProxy());
    proxy.setTarget({ slot: "blue", host: "127.0.0.1", port: app.port });
  });
  afterAll(async () => {
    agent.destroy();
    await proxy.stop(100);
    await app.close();
  });

  it("answers a chunked response that arrived whole with one Content-Length response", async () => {
    const reply = await request(port, "/chunked", { agent });
    expect(reply).toMatchObject({ status: 200, body: "abcdef" });
    expect(reply.headers["content-length"]).toBe("6");
    expect(reply.headers["transfer-encoding"]).toBeUndefined();
  });

  it("relays a body delimited by the app closing, and opens a new socket afterwards", async () => {
    const before = app.connections();
    expect(await request(port, "/until-close", { agent })).toMatchObject({ status: 200, body: "all of it" });
    expect(await request(port, "/after", { agent })).toMatchObject({ status: 200, body: "plain /after" });
    expect(app.connections()).toBe(before + 1);
  });

  it("passes 204 and HEAD through without a body, and keeps the upstream socket", async () => {
    expect((await request(port, "/no-content", { agent })).status).toBe(204);
    const head = await request(port, "/head", { agent, method: "HEAD" });
    expect(head).toMatchObject({ status: 200, body: "" });
    expect(head.headers["content-length"]).toBe("8");
    const before = app.connections();
    expect((await request(port, "/y", { agent })).body).toBe("plain /y");
    expect(app.connections()).toBe(before);
  });

  it("keeps 100 Continue between proxy and app", async () => {
    expect(await request(port, "/continue", { agent })).toMatchObject({ status: 200, body: "after 100" });
  });

  it("answers 502 to a response it cannot frame or relay, and counts each as a failure", async () => {
    const failuresBefore = proxy.traffic().slots.blue?.failures ?? 0;
    const bad = await request(port, "/bad-header", { agent });
    expect(bad.status).toBe(502);
    expect(bad.body).toContain("invalid response");
    expect((await request(port, "/garbage", { agent })).status).toBe(502);
    expect(proxy.traffic().slots.blue?.failures).toBe(failuresBefore + 2);
  });

  it("cuts the client's response off when the app closes mid-body (no silent truncation)", async () => {
    const failuresBefore = proxy.traffic().slots.blue?.failures ?? 0;
    await expect(request(port, "/cut")).rejects.toThrow(/aborted|socket hang up|ECONNRESET/);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(proxy.traffic().slots.blue?.failures).toBe(failuresBefore + 1);
  });

  it("sends a chunked request body on to the app re-framed, intact", async () => {
    const echo = await startRawApp(() => null);
    const server = http.createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on("data", (c: Buffer) => parts.push(c));
      req.on("end", () => res.end(`${req.headers["transfer-encoding"]}:${Buffer.concat(parts).toString()}`));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { proxy: other, port: otherPort } = await startProxy();
    other.setTarget({ slot: "green", host: "127.0.0.1", port: (server.address() as AddressInfo).port });
    try {
      const reply = await new Promise<string>((resolve, reject) => {
        const req = http.request({ host: "127.0.0.1", port: otherPort, method: "POST", path: "/" }, (res) => {
          let body = "";
          res.on("data", (c: Buffer) => (body += c.toString()));
          res.on("end", () => resolve(body));
        });
        req.on("error", reject);
        req.write("first,");
        setTimeout(() => req.end("second"), 50);
      });
      expect(reply).toBe("chunked:first,second");
    } finally {
      await other.stop(100);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await echo.close();
    }
  });

  it("re-frames a large chunked upload intact (every chunk's framing is written)", async () => {
    const server = http.createServer((req, res) => {
      let received = 0;
      req.on("data", (c: Buffer) => (received += c.length));
      req.on("end", () => res.end(String(received)));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { proxy: other, port: otherPort } = await startProxy();
    other.setTarget({ slot: "green", host: "127.0.0.1", port: (server.address() as AddressInfo).port });
    try {
      const reply = await new Promise<string>((resolve, reject) => {
        const req = http.request({ host: "127.0.0.1", port: otherPort, method: "POST", path: "/" }, (res) => {
          let body = "";
          res.on("data", (c: Buffer) => (body += c.toString()));
          res.on("end", () => resolve(body));
        });
        req.on("error", reject);
        req.write(Buffer.alloc(100_000, 120));
        req.end(Buffer.alloc(50_000, 121));
      });
      expect(reply).toBe("150000");
    } finally {
      await other.stop(100);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("survives an app that answers before reading a body that then grows past max_body_size", async () => {
    const server = http.createServer((_req, res) => {
      res.writeHead(401, { "content-length": 2 });
      res.end("no");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { proxy: other, port: otherPort } = await startProxy({ max_body_size: "1k" });
    other.setTarget({ slot: "green", host: "127.0.0.1", port: (server.address() as AddressInfo).port });
    try {
      const status = await new Promise<number>((resolve, reject) => {
        const req = http.request({ host: "127.0.0.1", port: otherPort, method: "POST", path: "/" }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on("error", () => undefined);
        req.write("x".repeat(600));
        setTimeout(() => req.end("y".repeat(5_000)), 100);
        setTimeout(() => reject(new Error("no answer")), 5_000);
      });
      expect(status).toBe(401);
      await new Promise((resolve) => setTimeout(resolve, 300));
      // Still alive and serving.
      expect((await request(otherPort, "/again")).status).toBe(401);
    } finally {
      await other.stop(100);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("after a large response to a slow client, the reused upstream socket serves the next request", async () => {
    const big = Buffer.alloc(8 * 1024 * 1024, 97);
    const server = http.createServer((req, res) => {
      if (req.url === "/big") res.end(big);
      else res.end("small");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { proxy: other, port: otherPort } = await startProxy({ upstream_timeout: "3s" });
    other.setTarget({ slot: "green", host: "127.0.0.1", port: (server.address() as AddressInfo).port });
    const slow = net.connect(otherPort, "127.0.0.1", () =>
      slow.write("GET /big HTTP/1.1\r\nHost: x\r\n\r\n"),
    );
    try {
      let got = 0;
      const done = new Promise<void>((resolve) => {
        slow.on("data", (d: Buffer) => {
          got += d.length;
          slow.pause();
          setTimeout(() => slow.resume(), 5);
          if (got >= big.length) resolve();
        });
      });
      slow.on("error", () => undefined);
      await new Promise((resolve) => setTimeout(resolve, 400)); // the app's part is over by now
      const started = Date.now();
      expect((await request(otherPort, "/small")).body).toBe("small");
      expect(Date.now() - started).toBeLessThan(1000);
      await done;
      expect(other.traffic().slots.green).toMatchObject({ failures: 0 });
    } finally {
      slow.destroy();
      await other.stop(100);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("a client that stops reading is cut off after upstream_timeout, not counted as the app's failure", async () => {
    const big = Buffer.alloc(32 * 1024 * 1024, 97);
    const server = http.createServer((_req, res) => res.end(big));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { proxy: other, port: otherPort } = await startProxy({ upstream_timeout: "1s" });
    other.setTarget({ slot: "green", host: "127.0.0.1", port: (server.address() as AddressInfo).port });
    try {
      const stalled = net.connect(otherPort, "127.0.0.1", () =>
        stalled.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
      );
      stalled.pause();
      stalled.on("error", () => undefined);
      let got = 0;
      setTimeout(() => {
        stalled.on("data", (d: Buffer) => (got += d.length));
        stalled.resume();
      }, 1_800);
      await new Promise<void>((resolve) => stalled.once("close", () => resolve()));
      expect(got).toBeLessThan(big.length);
      expect(other.traffic().slots.green).toMatchObject({ failures: 0, inFlight: 0 });
    } finally {
      await other.stop(100);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
