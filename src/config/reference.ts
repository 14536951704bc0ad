import { z } from "zod";
import { configSchema } from "./schema.js";

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  default?: unknown;
  description?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  items?: JsonSchema;
  additionalProperties?: JsonSchema | boolean;
  pattern?: string;
  minimum?: number;
  maximum?: number;
};

interface Row {
  key: string;
  type: string;
  fallback: string;
  description: string;
}

/** docs/config.md: every key of switchyard.yml, generated from the schema itself. */
export function renderConfigReference(): string {
  const root = z.toJSONSchema(configSchema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  const rows: Row[] = [];
  walk(root, "", rows, true);
  const table = rows.map((r) => `| \`${r.key}\` | ${r.type} | ${r.fallback} | ${r.description} |`).join("\n");
  return `# switchyard.yml reference

Generated from the schema by \`npm run schema\`; a test fails when this file is out of date.
Durations are strings such as \`"500ms"\`, \`"2s"\`, \`"1m"\`. \`\${VAR}\` and \`\${VAR:-default}\` are
replaced from the environment and \`env_file\`; the values are treated as secrets. Relative paths are
relative to the config file. Unknown keys are errors.

| key | type | default | description |
|---|---|---|---|
${table}
`;
}

function walk(node: JsonSchema, prefix: string, rows: Row[], required: boolean): void {
  const variants = node.anyOf ?? node.oneOf;
  if (variants && variants.every((v) => v.properties?.["kind"])) {
    for (const variant of variants) {
      const kind = String(variant.properties!["kind"]!.const ?? variant.properties!["kind"]!.enum?.[0]);
      rows.push({
        key: `${prefix}.kind`,
        type: `\`"${kind}"\``,
        fallback: "",
        description: `**${prefix} kind ${kind}:**`,
      });
      walkProperties(variant, prefix, rows, `${prefix}.kind=${kind}`);
    }
    return;
  }
  if (node.properties) {
    if (prefix)
      rows.push({
        key: prefix,
        type: "mapping",
        fallback: fallback(node, required),
        description: node.description ?? "",
      });
    walkProperties(node, prefix, rows);
    return;
  }
  rows.push({
    key: prefix,
    type: typeOf(node),
    fallback: fallback(node, required),
    description: escape(node.description ?? ""),
  });
}

function walkProperties(node: JsonSchema, prefix: string, rows: Row[], skipKindOf?: string): void {
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (skipKindOf && key === "kind") continue;
    walk(child, path, rows, node.required?.includes(key) ?? false);
  }
}

function typeOf(node: JsonSchema): string {
  if (node.enum) return node.enum.map((v) => `\`${JSON.stringify(v)}\``).join(" \\| ");
  if (node.anyOf) return node.anyOf.map(typeOf).join(" \\| ");
  if (node.type === "array") return `list of ${node.items ? typeOf(node.items) : "any"}`;
  if (node.type === "object") return "mapping";
  if (node.pattern?.includes("ms|s|m|h")) return "duration";
  return Array.isArray(node.type) ? node.type.join(" \\| ") : (node.type ?? "any");
}

function fallback(node: JsonSchema, required: boolean): string {
  if (node.default !== undefined) return `\`${JSON.stringify(node.default)}\``;
  return required ? "**required**" : "";
}

function escape(text: string): string {
  return text.replace(/\|/g, "\\|");
}
