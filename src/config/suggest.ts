import { z } from "zod";
import { configSchema } from "./schema.js";

let knownKeys: string[] | undefined;

function collectKeys(node: unknown, into: Set<string>): void {
  if (!node || typeof node !== "object") return;
  const record = node as Record<string, unknown>;
  if (record["properties"] && typeof record["properties"] === "object") {
    for (const key of Object.keys(record["properties"])) into.add(key);
  }
  for (const value of Object.values(record)) collectKeys(value, into);
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

/** The closest key the schema knows anywhere, when it is a likely misspelling. */
export function suggestKey(key: string): string | undefined {
  if (!knownKeys) {
    const keys = new Set<string>();
    collectKeys(z.toJSONSchema(configSchema, { io: "input", unrepresentable: "any" }), keys);
    knownKeys = [...keys];
  }
  let best: { key: string; d: number } | undefined;
  for (const candidate of knownKeys) {
    const d = distance(key.toLowerCase(), candidate);
    if (!best || d < best.d) best = { key: candidate, d };
  }
  return best && best.d <= Math.max(1, Math.floor(key.length / 3)) ? best.key : undefined;
}
