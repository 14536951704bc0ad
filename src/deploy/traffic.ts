import type { TrafficSnapshot } from "../routers/types.js";

export interface TrafficReport {
  readonly available: boolean;
  readonly requests: number;
  readonly failed: number;
  readonly note?: string | undefined;
}

/** Requests and failures the router saw between two snapshots (both slots, plus unrouted 503s). */
export function trafficDelta(
  before: TrafficSnapshot | undefined,
  after: TrafficSnapshot | undefined,
): TrafficReport {
  if (!before || !after)
    return { available: false, requests: 0, failed: 0, note: "this router cannot count requests" };
  let requests = (after.unrouted ?? 0) - (before.unrouted ?? 0);
  let failed = requests;
  for (const slot of ["blue", "green"] as const) {
    const a = after.slots[slot];
    const b = before.slots[slot];
    if (!a) continue;
    requests += a.requests - (b?.requests ?? 0);
    failed += a.failures - (b?.failures ?? 0);
  }
  return { available: true, requests, failed };
}

export function describeTraffic(report: TrafficReport): string {
  if (!report.available) return `traffic during the deploy: not available (${report.note ?? "unknown"})`;
  return `${report.requests.toLocaleString("en-US")} requests during the deploy, ${report.failed.toLocaleString("en-US")} failed`;
}
