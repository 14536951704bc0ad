import { once } from "node:events";
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { writeScratch } from "../../src/proxy/fast-lane/write-scratch.js";

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

describe("the fast lane's write scratch buffer", () => {
  it("gives the next write new memory when a socket kept the bytes of the last one", async () => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const accepted = once(server, "connection");
    const client = net.connect((server.address() as net.AddressInfo).port, "127.0.0.1");
    cleanups.push(() => {
      client.destroy();
      server.close();
    });
    await once(client, "connect");
    const [peer] = (await accepted) as [net.Socket];
    peer.pause(); // the peer does not read: the kernel's buffers fill and a write is kept
    const sent: Buffer[] = [];
    for (let i = 0; client.writableLength === 0 && i < 2000; i += 1) {
      const out = writeScratch.take(64 * 1024);
      out.fill(i % 251);
      sent.push(Buffer.from(out));
      client.write(out);
      writeScratch.written(client);
    }
    expect(client.writableLength).toBeGreaterThan(0);
    // Another socket's response goes into the scratch while the kept write is still queued.
    writeScratch.take(64 * 1024).fill(0xee);
    const expected = Buffer.concat(sent);
    const received: Buffer[] = [];
    let length = 0;
    peer.on("data", (chunk: Buffer) => {
      received.push(chunk);
      length += chunk.length;
      if (length >= expected.length) peer.emit("all");
    });
    peer.resume();
    await once(peer, "all");
    expect(Buffer.concat(received).equals(expected)).toBe(true);
  });
});
