import type { Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { httpDate, RawResponse } from "../../src/proxy/fast-lane/raw-response.js";
import { ResponseRelay } from "../../src/proxy/response-relay.js";
import { ResponseParser, type ResponseHead } from "../../src/proxy/upstream/response-parser.js";

/**
 * What a fast-lane client receives for an app's response that arrives in `reads`: the parser,
 * the relay and RawResponse as FastExchange wires them, writing to a socket that only records.
 */
function relay(reads: string[], options: { method?: string; close?: boolean; keepAlive?: string } = {}) {
  const written: Buffer[] = [];
  const socket = { write: (chunk: Buffer) => written.push(Buffer.from(chunk)) > 0 } as unknown as Socket;
  let finished = 0;
  const response = new RawResponse(
    socket,
    options.method ?? "GET",
    { finish: () => (finished += 1) },
    options.keepAlive ?? "keep-alive: timeout=60\r\n",
  );
  const flow = { pause: () => undefined, resume: () => undefined };
  const out = new ResponseRelay(response, () => options.close ?? false, flow);
  const parser = new ResponseParser(out, { noBody: options.method === "HEAD", maxHeadSize: 4096 });
  for (const read of reads) {
    // Each read in a buffer of its own that is overwritten afterwards, as a socket's would be.
    const data = Buffer.from(read, "latin1");
    parser.feed(data);
    if (parser.done) out.onEnd();
    else out.onFlush();
    data.fill(0x23);
  }
  return { writes: written.map((chunk) => chunk.toString("latin1")), finished };
}

const DATE = "Date: Fri, 04 Dec 2026 04:28:37 GMT\r\n";

describe("fast lane: the response a client gets for the app's", () => {
  it("drops hop-by-hop lines, adds the keep-alive hint, and frames a whole chunked body by length", () => {
    const app =
      "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-app-version: dev\r\n" +
      `${DATE}Connection: keep-alive\r\nKeep-Alive: timeout=5\r\nTransfer-Encoding: chunked\r\n\r\n` +
      "5\r\nhello\r\n0\r\n\r\n";
    expect(relay([app])).toEqual({
      writes: [
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-app-version: dev\r\n" +
          `${DATE}keep-alive: timeout=60\r\ncontent-length: 5\r\n\r\nhello`,
      ],
      finished: 1,
    });
  });

  it("keeps a line after a dropped one, the app's Content-Length, and says Connection: close when closing", () => {
    const app = `HTTP/1.0 404 Not Found\r\nConnection: keep-alive\r\nX-After: 1\r\n${DATE}Content-Length: 2\r\n\r\nno`;
    expect(relay([app], { close: true }).writes).toEqual([
      `HTTP/1.1 404 Not Found\r\nX-After: 1\r\n${DATE}Content-Length: 2\r\nconnection: close\r\n\r\nno`,
    ]);
  });

  it("adds a Date when the app sent none, and no keep-alive line when there is none to give", () => {
    const [write] = relay(["HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n"], { keepAlive: "" }).writes;
    expect(write).toMatch(/^HTTP\/1\.1 204 No Content\r\nX-A: 1\r\ndate: [^\r]+ GMT\r\n\r\n$/);
    expect(write).toContain(`date: ${httpDate()}`.slice(0, 20));
  });

  it("streams a body that spans reads chunked, from bytes the next read overwrites", () => {
    const head = `HTTP/1.1 200 OK\r\n${DATE}Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n`;
    const { writes } = relay([`${head}3\r\nabc\r\n`, "2\r\nde\r\n", "0\r\n\r\n"]);
    expect(writes).toEqual([
      `HTTP/1.1 200 OK\r\n${DATE}Content-Type: text/plain\r\nkeep-alive: timeout=60\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n`,
      "2\r\nde\r\n",
      "0\r\n\r\n",
    ]);
  });

  it("sends HEAD's head alone, and renders a status line without a reason phrase as text", () => {
    expect(
      relay([`HTTP/1.1 200 OK\r\n${DATE}Content-Length: 10\r\n\r\n`], { method: "HEAD" }).writes,
    ).toEqual([`HTTP/1.1 200 OK\r\n${DATE}Content-Length: 10\r\nkeep-alive: timeout=60\r\n\r\n`]);
    expect(relay([`HTTP/1.1 201\r\n${DATE}Content-Length: 0\r\n\r\n`]).writes).toEqual([
      `HTTP/1.1 201 Created\r\n${DATE}Content-Length: 0\r\nkeep-alive: timeout=60\r\n\r\n`,
    ]);
  });

  it("renders each response's own length, close and framing, also for the same app head", () => {
    // RawResponse keeps the client head it rendered from an app head the parser handed on again.
    let head: ResponseHead | undefined;
    const parser = new ResponseParser(
      { onHead: (h) => (head = h), onBody: () => undefined },
      { noBody: false, maxHeadSize: 4096 },
    );
    parser.feed(Buffer.from("HTTP/1.1 200 OK\r\nx-app: 1\r\nTransfer-Encoding: chunked\r\n\r\n", "latin1"));
    const render = (method: string, contentLength: number | null, close: boolean, body = "hello"): string => {
      const written: string[] = [];
      const socket = {
        write: (chunk: Buffer) => written.push(chunk.toString("latin1")) > 0,
      } as unknown as Socket;
      const response = new RawResponse(
        socket,
        method,
        { finish: () => undefined },
        "keep-alive: timeout=60\r\n",
      );
      response.writeHead(head!, contentLength, close);
      response.end(Buffer.from(body, "latin1"));
      return written.join("").replace(/date: [^\r]*\r\n/, "");
    };
    const first = render("GET", 5, false);
    expect(first).toBe(
      "HTTP/1.1 200 OK\r\nx-app: 1\r\nkeep-alive: timeout=60\r\ncontent-length: 5\r\n\r\nhello",
    );
    expect(render("GET", 5, false)).toBe(first);
    expect(render("GET", 3, false, "hey")).toBe(
      "HTTP/1.1 200 OK\r\nx-app: 1\r\nkeep-alive: timeout=60\r\ncontent-length: 3\r\n\r\nhey",
    );
    expect(render("GET", 5, true)).toBe(
      "HTTP/1.1 200 OK\r\nx-app: 1\r\ncontent-length: 5\r\nconnection: close\r\n\r\nhello",
    );
    expect(render("GET", null, false)).toBe(
      "HTTP/1.1 200 OK\r\nx-app: 1\r\nkeep-alive: timeout=60\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    );
    expect(render("HEAD", null, false)).toBe("HTTP/1.1 200 OK\r\nx-app: 1\r\nkeep-alive: timeout=60\r\n\r\n");
  });
});
