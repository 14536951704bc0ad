import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { renderBenchSection, renderCharts, replaceMarkedSection } from "./markdown.js";
import type { BenchResults } from "./results.js";

/** Writes bench/results/<timestamp>.json, bench/results/latest.json, the charts and docs/benchmarks.md. */
export async function writeResults(
  results: BenchResults,
  root: string,
): Promise<{ jsonFile: string; docFile: string }> {
  const resultsDir = path.join(root, "bench/results");
  await mkdir(resultsDir, { recursive: true });
  const stamp = results.startedAt.replace(/[:.]/g, "-");
  const jsonFile = path.join(resultsDir, `${stamp}${results.quick ? "-quick" : ""}.json`);
  const json = `${JSON.stringify(results, null, 2)}\n`;
  await writeFile(jsonFile, json);
  await writeFile(path.join(resultsDir, "latest.json"), json);

  const docsDir = path.join(root, "docs");
  for (const [name, svg] of Object.entries(renderCharts(results)))
    await writeFile(path.join(docsDir, name), svg);
  const docFile = path.join(docsDir, "benchmarks.md");
  const doc = existsSync(docFile) ? await readFile(docFile, "utf8") : "# Benchmarks\n";
  const relative = path.relative(docsDir, jsonFile).split(path.sep).join("/");
  await writeFile(docFile, replaceMarkedSection(doc, renderBenchSection(results, relative)));
  return { jsonFile, docFile };
}
