import { writeFile } from "node:fs/promises";
import { renderJsonSchema } from "./json-schema.js";
import { renderConfigReference } from "./reference.js";

// `npm run schema`: regenerates the committed JSON Schema and the config reference.
await writeFile("schema/switchyard.schema.json", renderJsonSchema());
await writeFile("docs/config.md", renderConfigReference());
console.log("wrote schema/switchyard.schema.json and docs/config.md");
