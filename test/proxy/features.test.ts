import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { RouterError } from "../../src/errors.js";
import { request, sleep, startBackend, startProxy } from "./helpers.js";
import { rawSend } from "./raw-client.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function customBackend(handler: http.RequestListener): Promise<number> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return (server.address() as AddressInfo).port;
}

describe("proxy features", () => {
  it("answers 503 with the maintenance message and Retry-After, then serves again", async () => {
    const blue = await startBackend("blue");
    const { proxy, port } = await startProxy();
    cleanups.push(blue.close, () => proxy.stop(100));
    proxy.setTarget({ slot: "blue", host: "127.0.0.1", port: blue.port });
    proxy.setMaintenance(true, "Upgrading the database, back at 14:00.");
    const down = await request(port, "/", { headers: { accept: "text/html" } });
    expect(down.status).toBe(503);
    expect(down.headers["retry-after"]).toBe("5");
    expect(down.body).toContain("<p>Upgrading the database, back at 14:00.</p>");
    proxy.setMaintenance(false);
    expect((await request(port, "/")).status).toBe(200);
    expect(proxy.traffic()).toMatchObject({
      unrouted: 1,
      slots: { blue: { requests: 1, failures: 0, inFlight: 0 } },
    });
  });

  it("strips hop-by-hop headers from responses and keeps the end-to-end ones", async () => {
    const appPort = await customBackend((_req, res) => {
      res.setHeader("Connection", "X-Internal");
      res.setHeader("X-Internal", "secret");
      res.setHeader("Keep-Alive", "timeout=99");
      res.setHeader("Set-Cookie", ["a=1", "b=2"]);
      res.end("ok");
    });
    const { proxy, port } = await startProxy();
    cleanups.push(() => proxy.stop(100));
    proxy.setTarget({ slot: "green", host: "127.0.0.1", port: appPort });
    const reply = await request(port, "/", { headers: { "x-request-id": "keep-me" } });
    expect(reply.headers["x-internal"]).toBeUndefined();
    expect(reply.headers["keep-alive"]).not.toBe("timeout=99");
    expect(reply.headers["set-cookie"]).toEqual(["a=1", "b=2"]);
    expect(reply.body).toBe("ok");
  });

  it("writes one JSON access-log line per request when access_log is on", async () => {
    const blue = await startBackend("blue");
    const { proxy, port, lines } = await startProxy({ access_log: true });
    cleanups.push(blue.close, () => proxy.stop(100));
    await request(port, "/early");
    proxy.setTarget({ slot: "blue", host: "127.0.0.1", port: blue.port });
    await request(port, "/x?y=1", { method: "POST", body: "abc" });
    await sleep(20);
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines.shift()!)).toMatchObject({
      slot: null,
      method: "GET",
      url: "/early",
      status: 503,
    });
    expect(JSON.parse(lines[0]!)).toMatchObject({
      slot: "blue",
      method: "POST",
      url: "/x?y=1",
      status: 200,
      remote: "127.0.0.1",
      failed: false,
    });
  });

  it("streams a large response intact to a slow reader", async () => {
    // No two 64 KB reads alike: bytes overwritten while a write still held them would show.
    const payload = Buffer.alloc(8 * 1024 * 1024);
    for (let i = 0; i < payload.length; i += 1) payload[i] = (i * 7 + Math.floor(i / 65521)) % 251;
    const appPort = await customBackend((_req, res) => {
      res.writeHead(200, { "content-length": payload.length });
      res.end(payload);
    });
    const { proxy, port } = await startProxy();
    cleanups.push(() => proxy.stop(100));
    proxy.setTarget({ slot: "blue", host: "127.0.0.1", port: appPort });
    const digest = await new Promise<string>((resolve, reject) => {
      http.get({ host: "127.0.0.1", port, path: "/" }, (res) => {
        const hash = createHash("sha256");
        res.on("data", (chunk: Buffer) => {
          hash.update(chunk);
          res.pause();
          setTimeout(() => res.resume(), 1);
        });
        res.on("end", () => resolve(hash.digest("hex")));
        res.on("error", reject);
      });
    });
    expect(digest).toBe(createHash("sha256").update(payload).digest("hex"));
  });

  it("stops gracefully: busy keep-alive clients are told Connection: close, in-flight requests finish", async () => {
    const blue = await startBackend("blue");
    const { proxy, port } = await startProxy();
    cleanups.push(blue.close);
    proxy.setTarget({ slot: "blue", host: "127.0.0.1", port: blue.port });
    const slow = request(port, "/slow?ms=300");
    await sleep(50);
    const stopped = proxy.stop(2000);
    const reply = await slow;
    expect(reply.status).toBe(200);
    expect(reply.headers.connection).toBe("close");
    await stopped;
    await expect(request(port, "/")).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe("client connection timeouts", () => {
  it("closes an idle keep-alive client connection after idle_timeout", async () => {
    const blue = await startBackend("blue");
    const { proxy, port } = await startProxy({ idle_timeout: "400ms" });
    cleanups.push(blue.close, () => proxy.stop(100));
    proxy.setTarget({ slot: "blue", host: "127.0.0.1", port: blue.port });
    const out = await rawSend(port, ["GET / HTTP/1.1\r\nHost: a\r\n\r\n"], 0, 5000);
    expect(out.received).toMatch(/^HTTP\/1.1 200 OK/);
    expect(out.closedAfterMs).toBeGreaterThanOrEqual(350);
    expect(out.closedAfterMs).toBeLessThan(3000); // Node 20 adds a 1 s buffer to keepAliveTimeout
  });
});

describe("start failures", () => {
  it("throws RouterError naming the address when the port is taken, and leaves nothing listening", async () => {
    const blocker = http.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const taken = (blocker.address() as AddressInfo).port;
    cleanups.push(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    const error = await startProxy({ listen: `127.0.0.1:${taken}` }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(RouterError);
    expect((error as Error).message).toBe(
      `the built-in proxy cannot listen on 127.0.0.1:${taken} (EADDRINUSE)`,
    );
    expect((error as RouterError).hint).toContain("another process listens on");
  });
});

describe("aborted uploads", () => {
  it("answers 502 when the app resets during a large upload and counts the failure", async () => {
    const appPort = await customBackend((req) => req.once("data", () => req.socket.destroy()));
    const { proxy, port } = await startProxy({ max_body_size: "50m" });
    cleanups.push(() => proxy.stop(100));
    proxy.setTarget({ slot: "blue", host: "127.0.0.1", port: appPort });
    const reply = await request(port, "/", { method: "POST", body: "x".repeat(5_000_000) });
    expect(reply.status).toBe(502);
    expect(proxy.traffic().slots.blue).toMatchObject({ requests: 1, failures: 1, inFlight: 0 });
  });

  it("does not count a client that gives up mid-upload as a failure, and frees its in-flight slot", async () => {
    const blue = await startBackend("blue");
    const { proxy, port } = await startProxy();
    cleanups.push(blue.close, () => proxy.stop(100));
    proxy.setTarget({ slot: "blue", host: "127.0.0.1", port: blue.port });
    const req = http.request({
      host: "127.0.0.1",
      port,
      method: "POST",
      path: "/",
      headers: { "content-length": "100000" },
    });
    req.on("error", () => undefined);
    req.write("x".repeat(1000));
    await sleep(100);
    expect(proxy.traffic().slots.blue!.inFlight).toBe(1);
    req.destroy();
    await sleep(200);
    expect(proxy.traffic().slots.blue).toMatchObject({ requests: 1, failures: 0, inFlight: 0 });
    expect(await proxy.drain("blue", 100)).toMatchObject({ drained: true });
  });
});
