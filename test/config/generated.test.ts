import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { renderJsonSchema } from "../../src/config/json-schema.js";
import { renderConfigReference } from "../../src/config/reference.js";

describe("generated config docs", () => {
  it("schema/switchyard.schema.json is current (run `npm run schema`)", async () => {
    expect(await readFile("schema/switchyard.schema.json", "utf8")).toBe(renderJsonSchema());
  });
  it("docs/config.md is current (run `npm run schema`)", async () => {
    expect(await readFile("docs/config.md", "utf8")).toBe(renderConfigReference());
  });
});
