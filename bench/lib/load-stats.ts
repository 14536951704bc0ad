import {
  OUTCOMES,
  type LoadFailure,
  type LoadResult,
  type Outcome,
  type TimelineEntry,
} from "./load-types.js";

const MAX_FAILURES = 10_000;
const MAX_ERROR_LINES = 20;

/** Status code to outcome. */
export function outcomeOfStatus(status: number): Outcome {
  if (status >= 200 && status < 300) return "2xx";
  if (status === 502) return "502";
  if (status === 503) return "503";
  if (status === 504) return "504";
  return "other_status";
}

/**
 * Transport error to outcome. Node reports "socket hang up" when the server closed the connection
 * before any response byte, "aborted" when it closed mid-response, ECONNRESET/EPIPE for a reset.
 */
export function outcomeOfError(err: NodeJS.ErrnoException): Exclude<Outcome, "2xx"> {
  if (err.code === "ECONNREFUSED") return "refused";
  if (err.message === "socket hang up" || err.message === "aborted") return "hangup";
  if (err.code === "ECONNRESET" || err.code === "EPIPE") return "reset";
  return "error";
}

/** Value at quantile q (0..1) of ascending-sorted values; 0 for none. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index]!;
}

/** Accumulates classified requests; `result()` returns a snapshot. */
export class LoadTally {
  private readonly counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  private readonly versions: Record<string, number> = {};
  private readonly spans: Record<string, { first: number; last: number }> = {};
  private readonly timeline: TimelineEntry[] = [];
  private readonly failures: LoadFailure[] = [];
  private readonly errors: string[] = [];
  private readonly latencies: number[] = [];
  private sentIds = 0;
  private echoedIds = 0;
  private mismatchedIds = 0;
  connections = 0;

  constructor(private readonly startedAt: number) {}

  idSent(): void {
    this.sentIds += 1;
  }

  idEchoed(matches: boolean): void {
    if (matches) this.echoedIds += 1;
    else this.mismatchedIds += 1;
  }

  success(sentAt: number, latencyMs: number, version: string): void {
    this.counts["2xx"] += 1;
    this.latencies.push(latencyMs);
    this.versions[version] = (this.versions[version] ?? 0) + 1;
    const span = this.spans[version];
    if (span === undefined) this.spans[version] = { first: sentAt, last: sentAt };
    else {
      span.first = Math.min(span.first, sentAt);
      span.last = Math.max(span.last, sentAt);
    }
    this.timeline.push({ t: sentAt, version });
  }

  failure(
    sentAt: number,
    latencyMs: number,
    outcome: Exclude<Outcome, "2xx">,
    detail: string,
    id: string,
  ): void {
    this.counts[outcome] += 1;
    this.latencies.push(latencyMs);
    if (this.failures.length < MAX_FAILURES) this.failures.push({ t: sentAt, outcome, detail, id });
    if (this.errors.length < MAX_ERROR_LINES) this.errors.push(`${outcome}: ${detail}`);
  }

  result(now = Date.now()): LoadResult {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const total = OUTCOMES.reduce((sum, o) => sum + this.counts[o], 0);
    const bySendTime = (a: { t: number }, b: { t: number }) => a.t - b.t;
    return {
      total,
      ok: this.counts["2xx"],
      failed: total - this.counts["2xx"],
      byOutcome: { ...this.counts },
      versions: { ...this.versions },
      versionSpans: Object.fromEntries(Object.entries(this.spans).map(([v, s]) => [v, { ...s }])),
      timeline: [...this.timeline].sort(bySendTime),
      failures: [...this.failures].sort(bySendTime),
      ids: { sent: this.sentIds, echoed: this.echoedIds, mismatched: this.mismatchedIds },
      connections: this.connections,
      latencyMs: {
        p50: round(quantile(sorted, 0.5)),
        p99: round(quantile(sorted, 0.99)),
        max: round(sorted.at(-1) ?? 0),
      },
      durationMs: now - this.startedAt,
      errors: [...this.errors],
    };
  }
}

/** 2xx responses per version among requests sent at or after `t` (epoch ms). */
export function versionsAfter(result: Pick<LoadResult, "timeline">, t: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const entry of result.timeline) {
    if (entry.t >= t) counts[entry.version] = (counts[entry.version] ?? 0) + 1;
  }
  return counts;
}

/** Failures among requests sent in [from, to) (epoch ms). */
export function failuresBetween(
  result: Pick<LoadResult, "failures">,
  from: number,
  to: number,
): LoadFailure[] {
  return result.failures.filter((f) => f.t >= from && f.t < to);
}

/** The result without its per-request arrays, for reports and JSON files. */
export function summarize(result: LoadResult): Omit<LoadResult, "timeline" | "failures"> {
  const { timeline: _timeline, failures: _failures, ...rest } = result;
  return rest;
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
