import net from "node:net";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { request, sleep, startBackend, startProxy } from "./helpers.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * An app whose keep-alive sockets go stale: it answers the first request on a connection and then
 * drops the connection (RST, no response) as soon as a second request arrives on it.
 */
async function startStaleSocketApp(): Promise<{ port: number; connections: () => number }> {
  let connections = 0;
  const server = net.createServer((socket) => {
    connections += 1;
    let requests = 0;
    let buffered = "";
    socket.on("data", (data) => {
      buffered += data.toString("latin1");
      while (buffered.includes("\r\n\r\n")) {
        const end = buffered.indexOf("\r\n\r\n") + 4;
        const head = buffered.slice(0, end);
        const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (buffered.length < end + length) return;
        buffered = buffered.slice(end + length);
        requests += 1;
        if (requests > 1) {
          socket.resetAndDestroy();
          return;
        }
        socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nKeep-Alive: timeout=30\r\n\r\nok");
      }
    });
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port: (server.address() as AddressInfo).port, connections: () => connections };
}

/** A proxy in front of startStaleSocketApp whose pool holds one socket that the next request breaks. */
async function proxyWithOneStaleSocket() {
  const app = await startStaleSocketApp();
  const { proxy, port } = await startProxy();
  cleanups.push(() => proxy.stop(100));
  proxy.setTarget({ slot: "blue", host: "127.0.0.1", port: app.port });
  expect((await request(port, "/a")).status).toBe(200);
  return { app, proxy, port };
}

describe("proxy core: retries and upstream sockets", () => {
  it("retries an idempotent GET once on a fresh connection when a reused socket fails", async () => {
    const { app, proxy, port } = await proxyWithOneStaleSocket();
    const second = await request(port, "/b");
    expect(second.status).toBe(200);
    expect(second.body).toBe("ok");
    expect(app.connections()).toBe(2);
    expect(proxy.traffic().slots.blue).toMatchObject({ requests: 2, failures: 0 });
  });

  it("never retries a POST: the client gets 502", async () => {
    const { app, proxy, port } = await proxyWithOneStaleSocket();
    const post = await request(port, "/b", { method: "POST", body: "data" });
    expect(post.status).toBe(502);
    expect(app.connections()).toBe(1);
    expect(proxy.traffic().slots.blue).toMatchObject({ requests: 2, failures: 1 });
  });

  it("never retries a GET that carries a body: the client gets 502", async () => {
    const { app, proxy, port } = await proxyWithOneStaleSocket();
    // Node's client frames a GET's body only when told its length.
    const get = await request(port, "/b", {
      method: "GET",
      body: "data",
      headers: { "content-length": "4" },
    });
    expect(get.status).toBe(502);
    expect(app.connections()).toBe(1);
    expect(proxy.traffic().slots.blue).toMatchObject({ requests: 2, failures: 1 });
  });

  it("closes its idle upstream sockets to a slot once the slot is drained", async () => {
    const blue = await startBackend("blue");
    const green = await startBackend("green");
    const { proxy, port } = await startProxy();
    cleanups.push(blue.close, green.close, () => proxy.stop(100));
    proxy.setTarget({ slot: "blue", host: "127.0.0.1", port: blue.port });
    await Promise.all([request(port, "/"), request(port, "/"), request(port, "/")]);
    const open = (): Promise<number> =>
      new Promise((resolve) => blue.server.getConnections((_err, count) => resolve(count)));
    expect(await open()).toBeGreaterThan(0);
    proxy.setTarget({ slot: "green", host: "127.0.0.1", port: green.port });
    expect(await proxy.drain("blue", 1000)).toMatchObject({ drained: true });
    await sleep(100);
    expect(await open()).toBe(0);
  });

  it("keeps upstream keep-alive sockets below the app's idle timeout", async () => {
    const blue = await startBackend("blue");
    const { proxy, port } = await startProxy({ upstream_idle_timeout: "300ms" });
    cleanups.push(blue.close, () => proxy.stop(100));
    proxy.setTarget({ slot: "blue", host: "127.0.0.1", port: blue.port });
    await request(port, "/");
    const open = (): Promise<number> =>
      new Promise((resolve) => blue.server.getConnections((_err, count) => resolve(count)));
    expect(await open()).toBe(1);
    await sleep(1200);
    expect(await open()).toBe(0);
  });
});
