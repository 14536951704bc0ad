/** How one request ended. Everything except "2xx" is a failure. */
export type Outcome =
  "2xx" | "502" | "503" | "504" | "other_status" | "reset" | "hangup" | "refused" | "timeout" | "error";

export const OUTCOMES: readonly Outcome[] = [
  "2xx",
  "502",
  "503",
  "504",
  "other_status",
  "reset",
  "hangup",
  "refused",
  "timeout",
  "error",
];

/** Options of a load run against one HTTP URL on loopback. */
export interface LoadOptions {
  /** Target, e.g. "http://127.0.0.1:8080/". GET and POST both go to this URL. */
  url: string;
  /** Concurrent workers; each holds one keep-alive connection and sends one request at a time. */
  workers: number;
  /** Stop sending after this long (from start). `runLoad` needs this or `maxRequests`. */
  durationMs?: number;
  /** Stop sending after this many requests in total. */
  maxRequests?: number;
  /** Random idle gap between a worker's requests, [min, max] ms. Default [5, 50]. */
  idleGapMs?: [number, number];
  /** Share of requests sent as POST with a small body, 0..1. Default 0.2. */
  postRatio?: number;
  /** A request with no complete response after this long counts as "timeout". Default 10 s. */
  requestTimeoutMs?: number;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** Stops sending when aborted (like `stop()`); requests in flight still complete. */
  signal?: AbortSignal;
}

/** One request that did not end in 2xx. */
export interface LoadFailure {
  /** Epoch ms when the request was sent. */
  t: number;
  outcome: Exclude<Outcome, "2xx">;
  /** Status line or error message. */
  detail: string;
  /** The request's x-load-id. */
  id: string;
}

/** One 2xx response: when its request was sent and which version answered. */
export interface TimelineEntry {
  /** Epoch ms when the request was sent. */
  t: number;
  /** The x-app-version response header, or "unknown". */
  version: string;
}

/** What a load run saw. Plain data: safe to JSON.stringify (the timeline can be large). */
export interface LoadResult {
  /** Requests that ended (sent and classified). */
  total: number;
  ok: number;
  failed: number;
  byOutcome: Record<Outcome, number>;
  /** 2xx responses per x-app-version header. */
  versions: Record<string, number>;
  /** Epoch ms of the first and last request sent that got a 2xx from each version. */
  versionSpans: Record<string, { first: number; last: number }>;
  /** Every 2xx response, ordered by send time. */
  timeline: TimelineEntry[];
  /** Every failure, ordered by send time (capped at 10,000). */
  failures: LoadFailure[];
  /** sent: x-load-id values sent; echoed: JSON bodies echoing the same id; mismatched: bodies echoing another id. */
  ids: { sent: number; echoed: number; mismatched: number };
  /** TCP connections opened; equals `workers` when no connection was closed under the client. */
  connections: number;
  latencyMs: { p50: number; p99: number; max: number };
  /** Wall time of the run. */
  durationMs: number;
  /** First few failure details, "outcome: detail". */
  errors: string[];
}
