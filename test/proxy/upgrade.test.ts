import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { request, sleep, startBackend, startProxy, type Backend } from "./helpers.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A backend whose WebSocket endpoint echoes "<version>:<message>". */
async function startWsBackend(version: string): Promise<Backend> {
  const backend = await startBackend(version);
  const wss = new WebSocketServer({ server: backend.server, path: "/ws" });
  wss.on("connection", (socket, req) => {
    socket.on("message", (data: Buffer) => socket.send(`${version}:${data.toString()}:${req.headers.host}`));
  });
  cleanups.push(async () => {
    for (const client of wss.clients) client.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  });
  return backend;
}

function open(port: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
}

function ask(ws: WebSocket, message: string): Promise<string> {
  return new Promise((resolve, reject) => {
    ws.once("message", (data: Buffer) => resolve(data.toString()));
    ws.once("error", reject);
    ws.send(message);
  });
}

function closed(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) resolve(-1);
    else ws.once("close", (code) => resolve(code));
  });
}

describe("proxy upgrades (WebSocket)", () => {
  it("keeps a WebSocket on its slot across a switch, sends new ones to the new slot, and closes old ones at the drain deadline", async () => {
    const blue = await startWsBackend("blue");
    const green = await startWsBackend("green");
    const { proxy, port } = await startProxy();
    cleanups.push(blue.close, green.close, () => proxy.stop(100));
    proxy.setTarget({ slot: "blue", host: "127.0.0.1", port: blue.port });

    const before = await open(port);
    expect(await ask(before, "one")).toBe(`blue:one:127.0.0.1:${port}`);
    proxy.setTarget({ slot: "green", host: "127.0.0.1", port: green.port });
    expect(await ask(before, "two")).toBe(`blue:two:127.0.0.1:${port}`);
    const after = await open(port);
    expect(await ask(after, "three")).toBe(`green:three:127.0.0.1:${port}`);
    expect(proxy.traffic().slots.blue!.inFlight).toBe(1);

    const closing = closed(before);
    const drain = await proxy.drain("blue", 400);
    expect(drain).toMatchObject({ drained: false, remaining: 1, closedUpgrades: 1 });
    if (!drain.drained) {
      expect(drain.note).toBe(
        "blue still had 0 request(s) in flight and 1 upgraded connection(s) after 400 ms; closed 1 upgraded connection(s)",
      );
    }
    expect(await closing).toBe(1006);
    expect(await ask(after, "four")).toBe(`green:four:127.0.0.1:${port}`);
    await sleep(20);
    expect(proxy.traffic().slots.blue!.inFlight).toBe(0);
    after.close();
  });

  it("reports drained when the WebSocket closes before the deadline", async () => {
    const blue = await startWsBackend("blue");
    const green = await startWsBackend("green");
    const { proxy, port } = await startProxy();
    cleanups.push(blue.close, green.close, () => proxy.stop(100));
    proxy.setTarget({ slot: "blue", host: "127.0.0.1", port: blue.port });
    const ws = await open(port);
    proxy.setTarget({ slot: "green", host: "127.0.0.1", port: green.port });
    setTimeout(() => ws.close(), 200);
    const drain = await proxy.drain("blue", 3000);
    expect(drain).toMatchObject({ drained: true, closedUpgrades: 0 });
    expect(drain.waitedMs).toBeGreaterThanOrEqual(150);
  });

  it("leaves upgrades open at the deadline when close_upgrades_on_drain is false", async () => {
    const blue = await startWsBackend("blue");
    const { proxy, port } = await startProxy({ close_upgrades_on_drain: false });
    cleanups.push(blue.close, () => proxy.stop(100));
    proxy.setTarget({ slot: "blue", host: "127.0.0.1", port: blue.port });
    const ws = await open(port);
    const drain = await proxy.drain("blue", 100);
    expect(drain).toMatchObject({ drained: false, remaining: 1, closedUpgrades: 0 });
    expect(await ask(ws, "still")).toContain("blue:still");
    ws.close();
  });

  it("relays a refused upgrade as a plain response, and answers 503 when no slot is active", async () => {
    const blue = await startBackend("blue"); // no WebSocket server: Node answers the upgrade by closing
    const { proxy, port } = await startProxy();
    cleanups.push(blue.close, () => proxy.stop(100));
    const raw = await rawExchange(
      port,
      "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n",
    );
    expect(raw).toMatch(/^HTTP\/1.1 503 Service Unavailable\r\n/);
    expect(raw).toContain("Retry-After: 5");
    proxy.setTarget({ slot: "blue", host: "127.0.0.1", port: blue.port });
    const refused = await rawExchange(
      port,
      "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n",
    );
    expect(refused).toMatch(/^HTTP\/1.1 200 OK\r\n/);
    expect(refused).toContain("Connection: close");
    expect(refused).toContain('"version":"blue"');
    expect((await request(port, "/")).status).toBe(200);
  });
});

function rawExchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.write(text));
    let received = "";
    socket.on("data", (data) => (received += data.toString("latin1")));
    socket.on("close", () => resolve(received));
    socket.on("error", reject);
  });
}
