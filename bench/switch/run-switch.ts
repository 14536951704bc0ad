import { mkdir } from "node:fs/promises";
import path from "node:path";
import { seedRow } from "./seed-row.js";
import { switchyardRow } from "./switchyard-row.js";
import type { SwitchRow, SwitchRowResult } from "./types.js";

export interface SwitchOptions {
  readonly workers: number;
  readonly cycles: {
    readonly seed: number;
    readonly builtin: number;
    readonly nginx: number;
    readonly haproxy: number;
  };
  readonly dir: string;
  readonly log: (line: string) => void;
}

/** Every row, one after another; a row that throws is reported as not available with the error. */
export async function runSwitchCorrectness(options: SwitchOptions) {
  const plan: Array<[SwitchRow, number]> = [
    [seedRow, options.cycles.seed],
    [switchyardRow("builtin"), options.cycles.builtin],
    [switchyardRow("nginx"), options.cycles.nginx],
    [switchyardRow("haproxy"), options.cycles.haproxy],
  ];
  const rows: SwitchRowResult[] = [];
  for (const [i, [row, cycles]] of plan.entries()) {
    const dir = path.join(options.dir, `row-${i}`);
    await mkdir(dir, { recursive: true });
    options.log(`  ${row.name}: ${cycles} deploys under ${options.workers} keep-alive clients`);
    try {
      rows.push(await row.run({ cycles, workers: options.workers, dir, log: options.log }));
    } catch (err) {
      options.log(`  ${row.name}: failed: ${(err as Error).message}`);
      rows.push({
        name: row.name,
        method: row.method,
        available: false,
        reason: `error: ${(err as Error).message}`,
      });
    }
  }
  return { workers: options.workers, rows };
}
