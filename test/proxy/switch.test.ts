import http from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import type { ProxyServer } from "../../src/proxy/proxy-server.js";
import { request, sleep, startBackend, startProxy, type Backend } from "./helpers.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(overrides: Record<string, unknown> = {}): Promise<{
  proxy: ProxyServer;
  port: number;
  blue: Backend;
  green: Backend;
}> {
  const blue = await startBackend("blue");
  const green = await startBackend("green");
  const { proxy, port } = await startProxy(overrides);
  cleanups.push(blue.close, green.close, () => proxy.stop(200));
  proxy.setTarget({ slot: "blue", host: "127.0.0.1", port: blue.port });
  return { proxy, port, blue, green };
}

describe("proxy core: switching without loss", () => {
  it("answers 503 with Retry-After while no target is set, and counts it as unrouted", async () => {
    const { proxy, port } = await startProxy();
    cleanups.push(() => proxy.stop(100));
    const reply = await request(port, "/", { headers: { accept: "application/json" } });
    expect(reply.status).toBe(503);
    expect(reply.headers["retry-after"]).toBe("5");
    expect(JSON.parse(reply.body)).toMatchObject({ status: 503, error: "Service Unavailable" });
    expect(proxy.traffic().unrouted).toBe(1);
  });

  it("switches under load of keep-alive GET and POST clients with zero failures", async () => {
    const { proxy, port, blue, green } = await setup();
    const stopAt = Date.now() + 3000;
    const outcomes = { ok: 0, failed: [] as string[], versions: new Set<string>() };
    const client = async (id: number): Promise<void> => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      let n = 0;
      while (Date.now() < stopAt) {
        n += 1;
        const post = (id + n) % 2 === 0;
        try {
          const reply = await request(port, `/item?c=${id}&n=${n}`, {
            agent,
            method: post ? "POST" : "GET",
            body: post ? "x".repeat(100 + n) : undefined,
          });
          if (reply.status !== 200) outcomes.failed.push(`status ${reply.status}`);
          else {
            outcomes.ok += 1;
            outcomes.versions.add((JSON.parse(reply.body) as { version: string }).version);
          }
        } catch (err) {
          outcomes.failed.push(String(err));
        }
        await sleep(Math.random() * 30);
      }
      agent.destroy();
    };
    const switcher = async (): Promise<void> => {
      let slot: "blue" | "green" = "blue";
      while (Date.now() < stopAt - 400) {
        await sleep(250);
        slot = slot === "blue" ? "green" : "blue";
        proxy.setTarget({ slot, host: "127.0.0.1", port: slot === "blue" ? blue.port : green.port });
      }
      proxy.setTarget({ slot: "green", host: "127.0.0.1", port: green.port });
    };
    await Promise.all([switcher(), ...Array.from({ length: 16 }, (_, i) => client(i))]);
    expect(outcomes.failed).toEqual([]);
    expect(outcomes.ok).toBeGreaterThan(500);
    expect([...outcomes.versions].sort()).toEqual(["blue", "green"]);
    const after = await request(port, "/");
    expect(JSON.parse(after.body)).toMatchObject({ version: "green" });
    const traffic = proxy.traffic();
    expect(traffic.slots.blue!.failures + traffic.slots.green!.failures).toBe(0);
    expect(traffic.slots.blue!.requests + traffic.slots.green!.requests).toBe(outcomes.ok + 1);
  });

  it("lets a slow request and a streamed response started on the old slot finish after the switch", async () => {
    const { proxy, port, green } = await setup();
    const slow = request(port, "/slow?ms=800");
    const stream = request(port, "/stream?chunks=8&every=100");
    await sleep(150);
    proxy.setTarget({ slot: "green", host: "127.0.0.1", port: green.port });
    expect(proxy.traffic().slots.blue!.inFlight).toBe(2);
    const fresh = await request(port, "/");
    expect(JSON.parse(fresh.body)).toMatchObject({ version: "green" });
    const drain = await proxy.drain("blue", 5000);
    expect(drain).toMatchObject({ drained: true });
    expect(drain.waitedMs).toBeGreaterThan(400);
    const [slowReply, streamReply] = await Promise.all([slow, stream]);
    expect(JSON.parse(slowReply.body)).toMatchObject({ version: "blue", slept: true });
    expect(streamReply.body.split("\n").filter(Boolean)).toHaveLength(8);
    expect(streamReply.body).toContain("chunk 7 from blue");
    expect(proxy.traffic().slots.blue!.inFlight).toBe(0);
  });

  it("bounds drain by its timeout and reports what is still in flight", async () => {
    const { proxy, port, green } = await setup();
    const slow = request(port, "/slow?ms=1500");
    await sleep(100);
    proxy.setTarget({ slot: "green", host: "127.0.0.1", port: green.port });
    const started = Date.now();
    const drain = await proxy.drain("blue", 300);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(drain).toMatchObject({ drained: false, remaining: 1 });
    if (!drain.drained) expect(drain.note).toContain("1 request(s) in flight");
    expect((await slow).status).toBe(200); // the request itself is not cut by a drain timeout
  });

  it("keeps a keep-alive client connection open across a switch", async () => {
    const { proxy, port, green } = await setup();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<unknown>();
    agent.on("free", (socket) => sockets.add(socket));
    const first = await request(port, "/", { agent });
    proxy.setTarget({ slot: "green", host: "127.0.0.1", port: green.port });
    await proxy.drain("blue", 1000);
    const second = await request(port, "/", { agent });
    agent.destroy();
    expect(JSON.parse(first.body)).toMatchObject({ version: "blue" });
    expect(JSON.parse(second.body)).toMatchObject({ version: "green" });
    expect(sockets.size).toBe(1);
  });

  it("answers 502 when the app refuses connections and counts a failure", async () => {
    const { proxy, port, blue } = await setup();
    await blue.close();
    const reply = await request(port, "/", { headers: { accept: "text/html" } });
    expect(reply.status).toBe(502);
    expect(reply.body).toContain("<h1>502 Bad Gateway</h1>");
    expect(reply.body).not.toMatch(/at .*\.js/);
    expect(proxy.traffic().slots.blue!.failures).toBe(1);
  });
});
