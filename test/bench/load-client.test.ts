import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { runLoad, startLoad, versionsAfter } from "../../bench/lib/load-client.js";

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

interface AppServer {
  url: string;
  stats: { requests: number; posts: number; connections: number };
  setVersion(version: string): void;
}

/** A keep-alive app like test/fixtures/app.mjs; `statusFor(n)` picks the status of the n-th request. */
async function startApp(statusFor: (n: number) => number = () => 200): Promise<AppServer> {
  const stats = { requests: 0, posts: 0, connections: 0 };
  let version = "v1";
  const server = http.createServer((req, res) => {
    stats.requests += 1;
    if (req.method === "POST") stats.posts += 1;
    const status = statusFor(stats.requests);
    req.resume();
    req.on("end", () => {
      res.writeHead(status, { "content-type": "application/json", "x-app-version": version });
      res.end(JSON.stringify({ version, id: req.headers["x-load-id"] }));
    });
  });
  server.on("connection", () => (stats.connections += 1));
  const port = await listen(server);
  closers.push(() => closeServer(server));
  return { url: `http://127.0.0.1:${port}/`, stats, setVersion: (v) => (version = v) };
}

/**
 * A raw server that answers the first request of each connection with a keep-alive 200 and then
 * kills the connection when the second request arrives on it: the exact case of a proxy closing
 * a reused keep-alive connection. The client must count each such request as failed, not retry.
 */
async function startConnectionKiller(
  kill: "reset" | "end",
): Promise<{ url: string; received: () => number }> {
  let received = 0;
  const server = net.createServer((socket) => {
    let onThisConnection = 0;
    let buffered = "";
    socket.on("data", (data) => {
      buffered += data.toString("latin1");
      while (buffered.includes("\r\n\r\n")) {
        buffered = buffered.slice(buffered.indexOf("\r\n\r\n") + 4);
        received += 1;
        onThisConnection += 1;
        if (onThisConnection === 1) {
          const body = "ok";
          socket.write(
            `HTTP/1.1 200 OK\r\nx-app-version: raw\r\nconnection: keep-alive\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
          );
        } else if (kill === "reset") socket.resetAndDestroy();
        else socket.end();
      }
    });
    socket.on("error", () => undefined);
  });
  const port = await listen(server);
  closers.push(() => closeServer(server));
  return { url: `http://127.0.0.1:${port}/`, received: () => received };
}

describe("load client", () => {
  it("holds one keep-alive connection per worker and classifies every request", async () => {
    const app = await startApp();
    const result = await runLoad({
      url: app.url,
      workers: 4,
      maxRequests: 300,
      idleGapMs: [0, 5],
      postRatio: 0.3,
    });
    expect(result.total).toBe(300);
    expect(result.ok).toBe(300);
    expect(result.failed).toBe(0);
    expect(app.stats.requests).toBe(300);
    expect(app.stats.posts).toBeGreaterThan(30);
    expect(app.stats.connections).toBe(4);
    expect(result.connections).toBe(4);
    expect(result.ids).toEqual({ sent: 300, echoed: 300, mismatched: 0 });
    expect(result.versions).toEqual({ v1: 300 });
    expect(result.latencyMs.p99).toBeGreaterThanOrEqual(result.latencyMs.p50);
  });

  it("counts 502 and 503 responses as failures by status", async () => {
    const app = await startApp((n) => (n % 10 === 0 ? 502 : n % 10 === 5 ? 503 : 200));
    const result = await runLoad({ url: app.url, workers: 2, maxRequests: 100, idleGapMs: [0, 2] });
    expect(result.byOutcome["502"]).toBe(10);
    expect(result.byOutcome["503"]).toBe(10);
    expect(result.ok).toBe(80);
    expect(result.failed).toBe(20);
    expect(result.failures.every((f) => f.detail.startsWith("HTTP 50"))).toBe(true);
  });

  it.each([
    ["reset", "reset"],
    ["end", "hangup"],
  ] as const)(
    "counts a reused keep-alive connection killed by the server (%s) as %s, without retry",
    async (kill, outcome) => {
      const server = await startConnectionKiller(kill);
      const result = await runLoad({
        url: server.url,
        workers: 3,
        maxRequests: 60,
        idleGapMs: [0, 2],
        postRatio: 0,
      });
      expect(result.total).toBe(60);
      // Every request the server saw was counted once: no silent retry on a fresh connection.
      expect(server.received()).toBe(60);
      // Each worker alternates: a fresh connection answers, its reuse is killed.
      expect(result.byOutcome[outcome]).toBe(result.failed);
      expect(result.failed).toBeGreaterThanOrEqual(27);
      expect(result.ok - result.failed).toBeLessThanOrEqual(3);
      expect(result.connections).toBe(result.ok);
    },
  );

  it("reports refused connections and timeouts", async () => {
    const closed = net.createServer();
    const port = await listen(closed);
    await closeServer(closed);
    const refused = await runLoad({
      url: `http://127.0.0.1:${port}/`,
      workers: 2,
      maxRequests: 10,
      idleGapMs: [0, 1],
    });
    expect(refused.byOutcome.refused).toBe(10);

    const silent = net.createServer((socket) => socket.on("error", () => undefined));
    const silentPort = await listen(silent);
    closers.push(() => closeServer(silent));
    const timedOut = await runLoad({
      url: `http://127.0.0.1:${silentPort}/`,
      workers: 2,
      maxRequests: 4,
      requestTimeoutMs: 150,
    });
    expect(timedOut.byOutcome.timeout).toBe(4);
  });

  it("tells which version served requests sent after a switch", async () => {
    const app = await startApp();
    const load = startLoad({ url: app.url, workers: 4, durationMs: 5_000, idleGapMs: [1, 10] });
    await new Promise((resolve) => setTimeout(resolve, 300));
    app.setVersion("v2");
    const switchedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const mid = load.snapshot();
    expect(mid.total).toBeGreaterThan(0);
    const result = await load.stop();
    expect(result.durationMs).toBeLessThan(2_000);
    expect(result.versions.v1).toBeGreaterThan(10);
    expect(result.versions.v2).toBeGreaterThan(10);
    const after = versionsAfter(result, switchedAt + 1);
    expect(Object.keys(after)).toEqual(["v2"]);
    expect(result.versionSpans.v2!.first).toBeGreaterThanOrEqual(switchedAt - 50);
    expect(result.versionSpans.v1!.last).toBeLessThanOrEqual(switchedAt);
  });

  it("stops when the signal aborts and rejects unbounded runs", async () => {
    const app = await startApp();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const result = await runLoad({ url: app.url, workers: 2, signal: controller.signal });
    expect(result.total).toBeGreaterThan(0);
    await expect(runLoad({ url: app.url, workers: 1 })).rejects.toThrow(/durationMs, maxRequests or signal/);
  });
});

const openSockets = new WeakMap<net.Server, Set<net.Socket>>();

function listen(server: net.Server): Promise<number> {
  const sockets = new Set<net.Socket>();
  openSockets.set(server, sockets);
  server.on("connection", (socket: net.Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
  );
}

/** Closes a server and every connection it still holds (a silent server never sees the client's FIN). */
function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => {
    for (const socket of openSockets.get(server) ?? []) socket.destroy();
    server.close(() => resolve());
  });
}
