import { z } from "zod";
import { configSchema } from "./schema.js";

/** The JSON Schema of switchyard.yml (input side: durations as strings), as committed in schema/. */
export function renderJsonSchema(): string {
  const schema = z.toJSONSchema(configSchema, { io: "input", unrepresentable: "any" });
  return `${JSON.stringify({ ...schema, title: "switchyard.yml" }, null, 2)}\n`;
}
