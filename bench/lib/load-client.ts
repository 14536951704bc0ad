/**
 * A zero-dependency switch-correctness load client: one keep-alive connection per worker (an
 * http.Agent with maxSockets 1 each), random idle gaps, GET and POST, no retries. Node's http client
 * never retries, so a request written on a keep-alive connection the server is closing surfaces as
 * "hangup" or "reset", exactly as a browser without retry would see it. Every request is classified.
 */
import http from "node:http";
import { randomBytes } from "node:crypto";
import { LoadTally, outcomeOfError, outcomeOfStatus } from "./load-stats.js";
import type { LoadOptions, LoadResult } from "./load-types.js";

export type { LoadOptions, LoadResult, Outcome, LoadFailure, TimelineEntry } from "./load-types.js";
export { OUTCOMES } from "./load-types.js";
export { versionsAfter, failuresBetween, summarize } from "./load-stats.js";

/** A running load; `stop()` stops sending, waits for requests in flight and returns the result. */
export interface LoadHandle {
  stop(): Promise<LoadResult>;
  /** The result so far, without stopping. */
  snapshot(): LoadResult;
  /** Resolves when every worker has stopped (duration, maxRequests, signal or stop()). */
  readonly done: Promise<LoadResult>;
}

const TIMEOUT_MARK = "load-client request timeout";

export function startLoad(options: LoadOptions): LoadHandle {
  validate(options);
  const target = new URL(options.url);
  const [gapMin, gapMax] = options.idleGapMs ?? [5, 50];
  const postRatio = options.postRatio ?? 0.2;
  const timeoutMs = options.requestTimeoutMs ?? 10_000;
  const runId = randomBytes(4).toString("hex");
  const startedAt = Date.now();
  const tally = new LoadTally(startedAt);
  let started = 0;
  let stopping = false;
  let wakeSleepers: Array<() => void> = [];

  const stopSending = () => {
    stopping = true;
    for (const wake of wakeSleepers) wake();
    wakeSleepers = [];
  };
  const durationTimer =
    options.durationMs === undefined ? undefined : setTimeout(stopSending, options.durationMs);
  options.signal?.addEventListener("abort", stopSending, { once: true });
  if (options.signal?.aborted) stopSending();

  const claimRequest = (): boolean => {
    if (stopping) return false;
    if (options.maxRequests !== undefined && started >= options.maxRequests) {
      stopSending();
      return false;
    }
    started += 1;
    return true;
  };

  const idle = (ms: number) =>
    new Promise<void>((resolve) => {
      if (stopping || ms <= 0) return resolve();
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        wakeSleepers = wakeSleepers.filter((w) => w !== wake);
        resolve();
      }, ms);
      wakeSleepers.push(wake);
    });

  const runWorker = async (worker: number) => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1 });
    const seenSockets = new WeakSet<object>();
    const countSocket = (socket: object) => {
      if (seenSockets.has(socket)) return;
      seenSockets.add(socket);
      tally.connections += 1;
    };
    try {
      for (let seq = 0; claimRequest(); seq += 1) {
        const id = `${runId}-${worker}-${seq}`;
        const post = Math.random() < postRatio;
        await sendOne({
          agent,
          target,
          id,
          post,
          timeoutMs,
          headers: options.headers ?? {},
          tally,
          countSocket,
        });
        await idle(gapMin + Math.random() * (gapMax - gapMin));
      }
    } finally {
      agent.destroy();
    }
  };

  const done = Promise.all(Array.from({ length: options.workers }, (_, w) => runWorker(w))).then(() => {
    if (durationTimer) clearTimeout(durationTimer);
    options.signal?.removeEventListener("abort", stopSending);
    return tally.result();
  });

  return {
    done,
    snapshot: () => tally.result(),
    stop: () => {
      stopSending();
      return done;
    },
  };
}

/** Runs a bounded load to completion. Needs `durationMs` or `maxRequests`. */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  if (options.durationMs === undefined && options.maxRequests === undefined && !options.signal) {
    return Promise.reject(new Error("runLoad needs durationMs, maxRequests or signal so it ends by itself"));
  }
  return startLoad(options).done;
}

interface SendArgs {
  agent: http.Agent;
  target: URL;
  id: string;
  post: boolean;
  timeoutMs: number;
  headers: Record<string, string>;
  tally: LoadTally;
  countSocket: (socket: object) => void;
}

/** Sends one request and classifies how it ended; never rejects, never retries. */
function sendOne({
  agent,
  target,
  id,
  post,
  timeoutMs,
  headers,
  tally,
  countSocket,
}: SendArgs): Promise<void> {
  return new Promise((resolve) => {
    const sentAt = Date.now();
    const t0 = performance.now();
    const body = post ? JSON.stringify({ id, note: "switchyard load client" }) : undefined;
    let settled = false;
    const settle = (record: (latency: number) => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      record(performance.now() - t0);
      resolve();
    };
    const fail = (err: NodeJS.ErrnoException) => {
      const outcome = err.message === TIMEOUT_MARK ? "timeout" : outcomeOfError(err);
      settle((latency) => tally.failure(sentAt, latency, outcome, describe(err), id));
    };

    tally.idSent();
    const req = http.request(target, {
      agent,
      method: post ? "POST" : "GET",
      headers: {
        ...headers,
        "x-load-id": id,
        ...(body === undefined
          ? {}
          : { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) }),
      },
    });
    const timer = setTimeout(() => req.destroy(new Error(TIMEOUT_MARK)), timeoutMs);
    req.on("error", fail);
    req.on("socket", countSocket);
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", fail);
      res.on("aborted", () => fail(Object.assign(new Error("aborted"), { code: "ECONNRESET" })));
      res.on("close", () => {
        if (!res.complete) fail(Object.assign(new Error("aborted"), { code: "ECONNRESET" }));
      });
      res.on("end", () => {
        const status = res.statusCode ?? 0;
        const outcome = outcomeOfStatus(status);
        const version = headerValue(res.headers["x-app-version"]) ?? "unknown";
        if (outcome !== "2xx") {
          const text = Buffer.concat(chunks).toString("utf8").replace(/\s+/g, " ");
          const detail = `HTTP ${status} ${text.slice(0, 80)}`.trim();
          return settle((latency) => tally.failure(sentAt, latency, outcome, detail, id));
        }
        const echoed = echoedId(res.headers["content-type"], chunks);
        if (echoed !== undefined) tally.idEchoed(echoed === id);
        settle((latency) => tally.success(sentAt, latency, version));
      });
    });
    req.end(body);
  });
}

function echoedId(contentType: string | undefined, chunks: Buffer[]): string | undefined {
  if (!contentType?.includes("json")) return undefined;
  try {
    const parsed = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { id?: unknown };
    return typeof parsed.id === "string" ? parsed.id : undefined;
  } catch {
    return undefined;
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function describe(err: NodeJS.ErrnoException): string {
  return err.code ? `${err.code} ${err.message}` : err.message;
}

function validate(options: LoadOptions): void {
  if (!Number.isInteger(options.workers) || options.workers < 1) {
    throw new Error(`load client: workers must be a positive integer (got ${options.workers})`);
  }
  const url = new URL(options.url);
  if (url.protocol !== "http:")
    throw new Error(`load client: only http:// URLs are supported (got ${options.url})`);
  const gap = options.idleGapMs;
  if (gap && (gap[0] < 0 || gap[1] < gap[0])) {
    throw new Error(`load client: idleGapMs must be [min, max] with 0 <= min <= max (got ${gap.join(", ")})`);
  }
}
