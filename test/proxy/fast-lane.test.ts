import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProxyServer } from "../../src/proxy/proxy-server.js";
import { sleep, startBackend, startProxy, type Backend } from "./helpers.js";
import { rawSend } from "./raw-client.js";

// The fast lane itself: these run with it on whatever SWITCHYARD_TEST_FAST_LANE says.
let backend: Backend;
let fast: { proxy: ProxyServer; port: number; lines: string[] };
let node: { proxy: ProxyServer; port: number };

beforeAll(async () => {
  backend = await startBackend("blue");
  fast = await startProxy({ fast_lane: true, access_log: true });
  node = await startProxy({ fast_lane: false });
  for (const { proxy } of [fast, node])
    proxy.setTarget({ slot: "blue", host: "127.0.0.1", port: backend.port });
});
afterAll(async () => {
  await fast.proxy.stop(100);
  await node.proxy.stop(100);
  await backend.close();
});

/** The status lines and JSON bodies of the responses in `raw`, in order. */
function responses(raw: string): { status: number; body: Record<string, unknown> }[] {
  return [
    ...raw.matchAll(/HTTP\/1\.1 (\d{3}) [^\r]*\r\n[\s\S]*?\r\n\r\n(\{[^\n]*?\})(?=HTTP\/1\.1 |$)/g),
  ].map((match) => ({ status: Number(match[1]), body: JSON.parse(match[2]!) as Record<string, unknown> }));
}

describe("fast lane", () => {
  it("answers pipelined requests in order and gives the connection to node:http at a chunked body", async () => {
    const out = await rawSend(fast.port, [
      "GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n" +
        "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n" +
        "GET /d HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    ]);
    const got = responses(out.received);
    expect(got.map((reply) => reply.body["url"])).toEqual(["/a", "/b", "/c", "/d"]);
    expect(got.map((reply) => reply.status)).toEqual([200, 200, 200, 200]);
    expect(got[2]!.body).toMatchObject({ method: "POST", received: 3 });
  });

  it("forwards a body that came whole with its head, and gives node:http one still arriving", async () => {
    // The fast lane's raw responses carry its own lower-case keep-alive hint; node:http's do not.
    const requests = (raw: string) =>
      responses(raw).map(({ body }) => [body["url"], body["method"], body["received"]]);
    const whole = await rawSend(fast.port, [
      "POST /c HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc" +
        "PUT /d HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n" +
        "GET /e HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    ]);
    expect(requests(whole.received)).toEqual([
      ["/c", "POST", 3],
      ["/d", "PUT", 0],
      ["/e", "GET", 0],
    ]);
    expect(whole.received.match(/\r\nkeep-alive: timeout=/g)).toHaveLength(2);
    const split = await rawSend(
      fast.port,
      [
        "POST /f HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nab",
        "cde",
        "GET /g HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
      ],
      60,
    );
    expect(requests(split.received)).toEqual([
      ["/f", "POST", 5],
      ["/g", "GET", 0],
    ]);
    expect(split.received).not.toMatch(/\r\nkeep-alive: timeout=/);
  });

  it("hands over at a request the guard refuses, after answering the plain ones before it", async () => {
    const out = await rawSend(
      fast.port,
      ["GET /first HTTP/1.1\r\nHost: a\r\n\r\n", "GET /second HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"],
      100,
    );
    expect(out.received).toMatch(/^HTTP\/1.1 200 OK\r\n/);
    expect(out.received).toContain('"url":"/first"');
    expect(out.received).toMatch(/HTTP\/1.1 400 Bad Request\r\n[\s\S]*duplicate Host header/);
    expect(out.received).not.toContain('"url":"/second"');
  });

  it("forwards a head that arrives in pieces once it is whole", async () => {
    const out = await rawSend(
      fast.port,
      ["GET /pie", "ces HTTP/1.1\r\nHo", "st: a\r\nConnection: close\r\n", "\r\n"],
      60,
    );
    expect(responses(out.received)).toEqual([
      { status: 200, body: expect.objectContaining({ url: "/pieces" }) },
    ]);
  });

  it("forwards a head sent again on one connection as it did the first time, and a changed one as changed", async () => {
    // The connection keeps its last plain head's parse (FastConnection.readHead): the second
    // request below reuses it; the others differ from it by a byte and are parsed anew.
    const same = "GET /headers HTTP/1.1\r\nHost: a\r\n\r\n";
    const out = await rawSend(fast.port, [
      same +
        same +
        "GET /headers HTTP/1.1\r\nHost: a\r\nX-Extra: 1\r\n\r\n" +
        "GET /headers HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n",
    ]);
    const got = responses(out.received).map((reply) => reply.body["headers"] as Record<string, string>);
    expect(got.map((headers) => [headers["host"], headers["x-extra"], headers["x-forwarded-host"]])).toEqual([
      ["a", undefined, "a"],
      ["a", undefined, "a"],
      ["a", "1", "a"],
      ["b", undefined, "b"],
    ]);
    const ids = got.map((headers) => headers["x-request-id"]);
    expect(new Set(ids).size).toBe(4);
  });

  it("sends the app the same headers as the node:http path", async () => {
    const ask =
      "GET /headers HTTP/1.1\r\nHost: shop.example\r\nAccept: */*\r\nCookie: a=b\r\n" +
      "Connection: close\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\nX-Custom:  padded \r\n\r\n";
    const seen = async (port: number): Promise<string[]> => {
      const [reply] = responses((await rawSend(port, [ask])).received);
      const raw = reply!.body["rawHeaders"] as string[];
      return raw.map((item, i) => (raw[i - 1]?.toLowerCase() === "x-request-id" ? "<id>" : item));
    };
    const viaFastLane = await seen(fast.port);
    expect(viaFastLane).toEqual(await seen(node.port));
    expect(viaFastLane).toEqual([
      "Host",
      "shop.example",
      "Accept",
      "*/*",
      "Cookie",
      "a=b",
      "X-Custom",
      "padded",
      "x-real-ip",
      "127.0.0.1",
      "x-forwarded-for",
      "127.0.0.1",
      "x-forwarded-proto",
      "http",
      "x-forwarded-host",
      "shop.example",
      "via",
      "1.1 switchyard",
      "x-request-id",
      "<id>",
    ]);
  });

  it("keeps HEAD bodiless and streams a response of unknown length chunked", async () => {
    const out = await rawSend(fast.port, [
      "HEAD / HTTP/1.1\r\nHost: a\r\n\r\nGET /stream?chunks=3&every=30 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    ]);
    const [headReply, stream] = out.received.split(/(?=HTTP\/1\.1 )/);
    expect(headReply).toMatch(/^HTTP\/1.1 200 OK\r\n[\s\S]*\r\n\r\n$/);
    expect(stream).toMatch(/^HTTP\/1.1 200 OK\r\n/);
    expect(stream!.toLowerCase()).toContain("transfer-encoding: chunked\r\n");
    expect(stream!.toLowerCase()).toContain("connection: close\r\n");
    for (const n of [0, 1, 2]) expect(stream).toContain(`chunk ${n} from blue`);
    expect(stream!.endsWith("0\r\n\r\n")).toBe(true);
  });

  it("counts its requests against the slot, logs them, and frees the slot when a client leaves", async () => {
    const before = fast.proxy.traffic().slots.blue?.requests ?? 0;
    const logged = fast.lines.length;
    await rawSend(fast.port, [
      "GET /one HTTP/1.1\r\nHost: a\r\n\r\nGET /two HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    ]);
    expect(fast.proxy.traffic().slots.blue?.requests).toBe(before + 2);
    const entries = fast.lines.slice(logged).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries).toEqual([
      expect.objectContaining({ slot: "blue", method: "GET", url: "/one", status: 200, failed: false }),
      expect.objectContaining({ slot: "blue", method: "GET", url: "/two", status: 200, failed: false }),
    ]);

    const socket = net.connect(fast.port, "127.0.0.1");
    socket.on("error", () => undefined);
    socket.write("GET /slow?ms=400 HTTP/1.1\r\nHost: a\r\n\r\n");
    await sleep(100);
    expect(fast.proxy.traffic().slots.blue?.inFlight).toBe(1);
    socket.destroy();
    await sleep(100);
    expect(fast.proxy.traffic().slots.blue).toMatchObject({ inFlight: 0 });
    expect(fast.proxy.traffic().slots.blue?.failures ?? 0).toBe(0);
  });
});

describe("fast lane: timeouts and what the proxy adds", () => {
  it("gives a silent new connection header_timeout, and hands garbage to node:http at once", async () => {
    const strict = await startProxy({ fast_lane: true, header_timeout: "1s", idle_timeout: "5s" });
    try {
      const silent = await rawSend(strict.port, [], 0, 8000);
      expect(silent.closedAfterMs).toBeGreaterThanOrEqual(900);
      expect(silent.closedAfterMs).toBeLessThan(3000);
      expect(silent.received).toMatch(/^(HTTP\/1.1 408 |$)/);
      const hello = await rawSend(strict.port, [Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01])], 0, 8000);
      expect(hello.closedAfterMs).toBeLessThan(900);
      expect(hello.received).toMatch(/^HTTP\/1.1 400 /);
    } finally {
      await strict.proxy.stop(100);
    }
  });

  it("adds Date and the keep-alive hint, sends a repeated length once, and counts 8-bit error pages right", async () => {
    const app = net.createServer((socket) => {
      socket.on("error", () => undefined);
      socket.on("data", (data) => {
        const answer = data.toString("latin1").startsWith("GET /odd-length")
          ? "HTTP/1.1 200 OK\r\nContent-Length: 1\xe9\r\n\r\nx"
          : "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok";
        socket.write(answer, "latin1");
      });
    });
    await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
    const appPort = (app.address() as net.AddressInfo).port;
    const lanes = [await startProxy({ fast_lane: true }), await startProxy({ fast_lane: false })];
    try {
      for (const { proxy, port } of lanes) {
        proxy.setTarget({ slot: "green", host: "127.0.0.1", port: appPort });
        const out = await rawSend(
          port,
          [
            "GET /twice HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET /odd-length HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET /twice HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
          ],
          100,
        );
        const replies = out.received.split(/(?=HTTP\/1\.1 )/);
        expect(replies.map((reply) => reply.slice(9, 12))).toEqual(["200", "502", "200"]);
        const first = replies[0]!.toLowerCase();
        expect(first.match(/content-length: 2\r\n/g)).toHaveLength(1);
        expect(first).toMatch(/\r\ndate: \w{3}, /);
        expect(first).toContain("keep-alive: timeout=60");
        const bad = Buffer.from(replies[1]!, "latin1");
        const split = bad.indexOf("\r\n\r\n") + 4;
        const declared = Number(/content-length: (\d+)/i.exec(replies[1]!)![1]);
        expect(bad.length - split).toBe(declared);
      }
    } finally {
      for (const { proxy } of lanes) await proxy.stop(100);
      await new Promise<void>((resolve) => app.close(() => resolve()));
    }
  });
});
