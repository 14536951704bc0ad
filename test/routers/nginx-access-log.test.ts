import { appendFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AccessLogCounter } from "../../src/routers/nginx/access-log.js";
import { tempDir } from "../support/tmp.js";

describe("AccessLogCounter", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterAll(async () => cleanup?.());

  it("counts only lines appended after the first snapshot, per slot address, incl. retries and unrouted", async () => {
    const file = path.join(dir, "access.log");
    await writeFile(file, "switchyard 1.0 127.0.0.1:8080 200\n"); // before the window
    const counter = new AccessLogCounter(file);
    const addresses = { blue: "127.0.0.1:8080", green: "127.0.0.1:8081" };
    const first = await counter.snapshot(addresses);
    expect(first.slots).toEqual({
      blue: { requests: 0, failures: 0, inFlight: 0 },
      green: { requests: 0, failures: 0, inFlight: 0 },
    });
    await appendFile(
      file,
      [
        "switchyard 2.0 127.0.0.1:8080 200",
        "switchyard 2.1 127.0.0.1:8080 502",
        "switchyard 2.2 127.0.0.1:8080, 127.0.0.1:8081 200", // retried on green
        "switchyard 2.3 127.0.0.1:8081 504",
        "switchyard 2.4 - 503",
        "switchyard 2.5 app 502",
        "some other format line",
        "switchyard 2.6 127.0.0.1:8081 2", // a partial line: counted once complete
      ].join("\n"),
    );
    const second = await counter.snapshot(addresses);
    expect(second.slots.blue).toEqual({ requests: 2, failures: 1, inFlight: 0 });
    expect(second.slots.green).toEqual({ requests: 2, failures: 1, inFlight: 0 });
    expect(second.unrouted).toBe(2);
    await appendFile(file, "00\n");
    expect((await counter.snapshot(addresses)).slots.green).toEqual({
      requests: 3,
      failures: 1,
      inFlight: 0,
    });
  });
});
