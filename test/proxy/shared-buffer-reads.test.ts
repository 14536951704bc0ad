import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { readAsStream, readIntoSharedBuffer } from "../../src/proxy/fast-lane/shared-buffer-reads.js";
import { sleep } from "./helpers.js";

// Real sockets on loopback: a server whose accepted socket reads into the shared buffer.
const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const step of cleanup.splice(0)) step();
});

async function connectedPair(): Promise<{ accepted: net.Socket; client: net.Socket }> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  const accepted = new Promise<net.Socket>((resolve) => server.once("connection", resolve));
  const client = net.connect(port, "127.0.0.1");
  const socket = await accepted;
  cleanup.push(() => {
    client.destroy();
    socket.destroy();
    server.close();
  });
  return { accepted: socket, client };
}

describe("shared-buffer reads on accepted sockets", () => {
  it("is available on this Node, so the fast lane does not fall back to 'data' events", async () => {
    const { accepted } = await connectedPair();
    expect(readIntoSharedBuffer(accepted, () => undefined)).toBe(true);
  });

  it("delivers the bytes, stops while paused, and still ends and closes", async () => {
    const { accepted, client } = await connectedPair();
    const seen: string[] = [];
    let dataEvents = 0;
    accepted.on("data", () => (dataEvents += 1));
    readIntoSharedBuffer(accepted, (bytes) => seen.push(bytes.toString("latin1")));
    client.write("one");
    await sleep(50);
    accepted.pause();
    client.write("two");
    await sleep(50);
    expect(seen.join("")).toBe("one");
    accepted.resume();
    await sleep(50);
    expect(seen.join("")).toBe("onetwo");
    const ended = new Promise((resolve) => accepted.once("end", resolve));
    const closed = new Promise((resolve) => accepted.once("close", resolve));
    client.end();
    await ended;
    accepted.end();
    await closed;
    expect(dataEvents).toBe(0);
  });

  it("turns reads back into 'data' events, copied, for a socket given to node:http", async () => {
    const { accepted, client } = await connectedPair();
    const direct: string[] = [];
    readIntoSharedBuffer(accepted, (bytes) => direct.push(bytes.toString("latin1")));
    client.write("before");
    await sleep(50);
    readAsStream(accepted);
    const chunks: Buffer[] = [];
    accepted.on("data", (chunk: Buffer) => chunks.push(chunk));
    client.write("after");
    await sleep(50);
    client.write("later");
    await sleep(50);
    expect(direct).toEqual(["before"]);
    // Each chunk is its own copy: a later read did not overwrite an earlier one.
    expect(chunks.map((chunk) => chunk.toString("latin1")).join("|")).toBe("after|later");
  });
});
