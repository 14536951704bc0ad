/** Command-line arguments of `npm run bench`. */
export interface BenchArgs {
  readonly quick: boolean;
  /** Parts to run (switch, deploy, resources, overhead); empty: all. */
  readonly only: readonly string[];
}

const PARTS = ["switch", "deploy", "resources", "overhead"];

export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  let quick = false;
  let only: string[] = [];
  for (const arg of argv) {
    if (arg === "--quick") quick = true;
    else if (arg.startsWith("--only=")) only = arg.slice("--only=".length).split(",").filter(Boolean);
    else throw new Error(`bench: unknown argument ${arg}; use --quick and/or --only=${PARTS.join(",")}`);
  }
  const unknown = only.filter((p) => !PARTS.includes(p));
  if (unknown.length > 0)
    throw new Error(`bench: unknown part(s) ${unknown.join(", ")}; parts: ${PARTS.join(", ")}`);
  return { quick, only };
}

/** How much each part does; --quick stays under 5 minutes on 2 cores. */
export function benchPlan(quick: boolean) {
  return {
    limitMinutes: quick ? 10 : 45,
    switch: {
      workers: 16,
      cycles: quick
        ? { seed: 5, builtin: 20, nginx: 10, haproxy: 10 }
        : { seed: 10, builtin: 30, nginx: 30, haproxy: 30 },
    },
    deployTime: {
      delaysMs: [500, 2_000, 10_000],
      seedMeasuredDelaysMs: quick ? [2_000] : [500, 2_000, 10_000],
      repeats: quick ? 1 : 3,
    },
    resources: { seconds: quick ? 4 : 10, workers: 16 },
    overhead: quick
      ? { connections: [50], seconds: 3, rounds: 1 }
      : { connections: [10, 50, 200], seconds: 5, rounds: 5 },
  } as const;
}
