import { describe, expect, it } from "vitest";
import { HOP_BY_HOP } from "../../src/proxy/forward-headers.js";
import { renderRequestHead } from "../../src/proxy/upstream/request-head.js";
import {
  ResponseParseError,
  ResponseParser,
  type ResponseHead,
} from "../../src/proxy/upstream/response-parser.js";

interface Parsed {
  heads: ResponseHead[];
  body: string;
  done: boolean;
  reusable: boolean;
  leftover: number;
}

/** Feeds `pieces` one after another (splitting every piece into single bytes with `bytewise`). */
function parse(
  pieces: string[],
  options: { noBody?: boolean; bytewise?: boolean; eof?: boolean } = {},
): Parsed {
  const heads: ResponseHead[] = [];
  let body = "";
  const parser = new ResponseParser(
    { onHead: (head) => heads.push(head), onBody: (chunk) => (body += chunk.toString("latin1")) },
    { noBody: options.noBody ?? false, maxHeadSize: 1024 },
  );
  let leftover = 0;
  const chunks = options.bytewise ? pieces.join("").split("") : pieces;
  for (const chunk of chunks) leftover += parser.feed(Buffer.from(chunk, "latin1"));
  if (options.eof) parser.end();
  return { heads, body, done: parser.done, reusable: parser.canReuse, leftover };
}

const json = '{"ok":true}';

describe("upstream response parser", () => {
  it("frames a Content-Length body, in one piece or byte by byte", () => {
    const response = `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${json.length}\r\n\r\n${json}`;
    for (const bytewise of [false, true]) {
      const out = parse([response], { bytewise });
      expect(out).toMatchObject({ body: json, done: true, reusable: true, leftover: 0 });
      expect(out.heads).toHaveLength(1);
      expect(out.heads[0]).toMatchObject({
        status: 200,
        statusText: "OK",
        framing: "length",
        headers: ["Content-Type", "application/json", "Content-Length", String(json.length)],
      });
    }
  });

  it("reads a head it read before from its memo: the same head, each body framed by its own request", () => {
    const heads: ResponseHead[] = [];
    const bodies: string[] = [];
    const parser = new ResponseParser(
      { onHead: (head) => heads.push(head), onBody: (chunk) => bodies.push(chunk.toString("latin1")) },
      { noBody: false, maxHeadSize: 1024 },
    );
    const head = (length: number) => `HTTP/1.1 200 OK\r\nContent-Length: ${length}\r\n\r\n`;
    const read = (text: string, noBody = false) => {
      parser.reset(noBody);
      const leftover = parser.feed(Buffer.from(text, "latin1"));
      return { leftover, done: parser.done, reusable: parser.canReuse };
    };
    expect(read(head(5) + "hello")).toEqual({ leftover: 0, done: true, reusable: true });
    expect(read(head(5) + "world")).toEqual({ leftover: 0, done: true, reusable: true });
    expect(heads[1]).toBe(heads[0]);
    // The same bytes answering HEAD frame no body: "extra" is left over, not read as one.
    expect(read(head(5) + "extra", true)).toEqual({ leftover: 5, done: true, reusable: true });
    expect(heads[2]).toMatchObject({ framing: "none" });
    // A head one byte apart is parsed anew, with its own length.
    expect(read(head(6) + "hello!")).toEqual({ leftover: 0, done: true, reusable: true });
    // The remembered head split across reads is read the long way, with the same outcome.
    parser.reset(false);
    for (const piece of [head(6).slice(0, 10), head(6).slice(10), "hello?"])
      parser.feed(Buffer.from(piece, "latin1"));
    expect(parser.done).toBe(true);
    expect(heads.map((h) => h.framing)).toEqual(["length", "length", "none", "length", "length"]);
    expect(bodies).toEqual(["hello", "world", "hello!", "hello?"]);
  });

  it("decodes a chunked body with extensions and trailers, also split byte by byte", () => {
    const response =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
      "5;name=x\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n";
    for (const bytewise of [false, true]) {
      const out = parse([response], { bytewise });
      expect(out).toMatchObject({ body: "hello, world", done: true, reusable: true });
      expect(out.heads[0]!.framing).toBe("chunked");
    }
  });

  it("reads chunk sizes in either case, and refuses one longer than 13 hex digits", () => {
    const ok =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nA\r\n0123456789\r\n000a\r\nabcdefghij\r\n0\r\n\r\n";
    expect(parse([ok])).toMatchObject({ body: "0123456789abcdefghij", done: true, reusable: true });
    const spaced = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2 \r\nok\r\n0\r\n\r\n";
    expect(parse([spaced])).toMatchObject({ body: "ok", done: true });
    const long = `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${"0".repeat(13)}2\r\nok\r\n0\r\n\r\n`;
    expect(() => parse([long])).toThrow(/invalid chunk size/);
  });

  it("drops every hop-by-hop line from what the client gets, in any case", () => {
    for (const name of [...HOP_BY_HOP].flatMap((lower) => [lower, lower.toUpperCase()])) {
      // Connection would name X-After as hop-by-hop too; give it a token that names nothing.
      const value = /^connection$/i.test(name) ? "keep-alive" : "1";
      const out = parse([
        `HTTP/1.1 204 No Content\r\nX-Before: b\r\n${name}: ${value}\r\nX-After: a\r\n\r\n`,
      ]);
      expect(out.heads[0]!.clientLines, name).toBe("X-Before: b\r\nX-After: a\r\n");
    }
  });

  it("parses one response after another with the same parser", () => {
    const heads: ResponseHead[] = [];
    let body = "";
    const parser = new ResponseParser(
      { onHead: (head) => heads.push(head), onBody: (chunk) => (body += chunk.toString("latin1")) },
      { noBody: false, maxHeadSize: 1024 },
    );
    parser.feed(Buffer.from("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab", "latin1"));
    expect(parser.done).toBe(false);
    parser.reset(true);
    parser.feed(Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", "latin1"));
    expect({ done: parser.done, reusable: parser.canReuse, framing: heads[1]!.framing }).toEqual({
      done: true,
      reusable: true,
      framing: "none",
    });
    parser.reset(false);
    parser.feed(Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\ncd", "latin1"));
    expect({ done: parser.done, body }).toEqual({ done: true, body: "abcd" });
  });

  it("skips 100 Continue and 103 Early Hints before the final head", () => {
    const out = parse([
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n",
      "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok",
    ]);
    expect(out.heads.map((h) => h.status)).toEqual([201]);
    expect(out.body).toBe("ok");
  });

  it("reads no body for HEAD, 204 and 304 whatever the headers say", () => {
    expect(parse(["HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n"], { noBody: true })).toMatchObject({
      body: "",
      done: true,
      reusable: true,
    });
    expect(parse(["HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n"]).done).toBe(true);
    expect(parse(["HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n"]).done).toBe(true);
  });

  it("reads a body without length until the connection closes, and never reuses that socket", () => {
    const out = parse(["HTTP/1.1 200 OK\r\n\r\npart one, ", "part two"], { eof: true });
    expect(out).toMatchObject({ body: "part one, part two", done: true, reusable: false });
    expect(out.heads[0]!.framing).toBe("close");
  });

  it("honours Connection: close, HTTP/1.0 keep-alive rules and the app's Keep-Alive timeout", () => {
    expect(parse(["HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"]).reusable).toBe(false);
    expect(parse(["HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"]).reusable).toBe(false);
    const kept = parse([
      "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nContent-Length: 0\r\n\r\n",
    ]);
    expect(kept.reusable).toBe(true);
    expect(kept.heads[0]!.keepAliveTimeoutS).toBe(5);
    // Tokens and parameters in any case, not only as Node and most apps send them.
    expect(parse(["HTTP/1.1 200 OK\r\nConnection: Close\r\nContent-Length: 0\r\n\r\n"]).reusable).toBe(false);
    const shouted = parse([
      "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nKeep-Alive: TIMEOUT=7, max=9\r\nContent-Length: 0\r\n\r\n",
    ]);
    expect(shouted.reusable).toBe(true);
    expect(shouted.heads[0]!.keepAliveTimeoutS).toBe(7);
  });

  it("reports bytes after the end of the response as left over", () => {
    expect(parse(["HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA"]).leftover).toBe(5);
  });

  it("refuses what it cannot frame for certain", () => {
    const bad = [
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\n\r\n",
      "HTTP/2 200\r\n\r\n",
      "HTTP/1.1 OK\r\n\r\n",
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\nab\r\n",
      `HTTP/1.1 200 OK\r\nX-Big: ${"b".repeat(2000)}\r\n\r\n`,
    ];
    for (const response of bad) expect(() => parse([response]), response).toThrow(ResponseParseError);
  });

  it("treats a connection closed mid-body as an error, not as the end", () => {
    expect(() => parse(["HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"], { eof: true })).toThrow(
      /closed the connection mid-response/,
    );
  });

  it("never reuses a socket whose response had both Transfer-Encoding and Content-Length", () => {
    const out = parse([
      "HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
    ]);
    expect(out).toMatchObject({ body: "ok", done: true, reusable: false });
  });
});

describe("upstream request head", () => {
  it("renders the request line, the headers in order, and chunked framing when asked", () => {
    expect(
      renderRequestHead({
        method: "POST",
        path: "/a?b=1",
        headers: ["Host", "x", "x-real-ip", "1.2.3.4"],
        chunked: true,
      }),
    ).toBe("POST /a?b=1 HTTP/1.1\r\nHost: x\r\nx-real-ip: 1.2.3.4\r\ntransfer-encoding: chunked\r\n\r\n");
    expect(renderRequestHead({ method: "GET", path: "/", headers: [], chunked: false })).toBe(
      "GET / HTTP/1.1\r\n\r\n",
    );
  });
});
