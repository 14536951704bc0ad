import { describe, expect, it } from "vitest";
import { newRequestId, REQUEST_ID_LINE_LENGTH, writeRequestIdLine } from "../../src/proxy/request-id.js";

const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("request ids", () => {
  it("are 36 characters shaped like a UUID, and never repeat within a process", () => {
    const ids = Array.from({ length: 5000 }, () => newRequestId());
    for (const id of ids.slice(0, 50)) expect(id).toMatch(ID);
    expect(new Set(ids).size).toBe(ids.length);
    // One random prefix per process, then a counter: consecutive ids differ by one.
    const [a, b] = [ids[10]!, ids[11]!];
    expect(b.slice(0, 24)).toBe(a.slice(0, 24));
    expect(parseInt(b.slice(24), 16) - parseInt(a.slice(24), 16)).toBe(1);
  });

  it("writes the header line in place, in step with newRequestId", () => {
    const out = Buffer.alloc(REQUEST_ID_LINE_LENGTH + 4, "#");
    expect(writeRequestIdLine(out, 2)).toBe(2 + REQUEST_ID_LINE_LENGTH);
    const text = out.toString("latin1");
    expect(text.startsWith("##x-request-id: ")).toBe(true);
    expect(text.endsWith("\r\n##")).toBe(true);
    const written = text.slice(16, -4);
    expect(written).toMatch(ID);
    const next = newRequestId();
    expect(parseInt(next.slice(24), 16) - parseInt(written.slice(24), 16)).toBe(1);
  });
});
