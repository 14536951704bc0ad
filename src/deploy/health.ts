import http from "node:http";
import type { HealthConfig } from "../config/schema.js";
import { sleep } from "../util/process.js";

export type ProbeResult =
  | { readonly ok: boolean; readonly status: number; readonly body: string }
  | { readonly ok: false; readonly error: string };

export function describeProbe(result: ProbeResult | undefined): string {
  if (!result) return "no probe completed";
  if ("error" in result) return result.error;
  return `HTTP ${result.status}${result.body ? ` '${result.body.slice(0, 120).trim()}'` : ""}`;
}

/** One HTTP probe on a fresh connection. */
export function probe(port: number, health: HealthConfig, host = "127.0.0.1"): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const req = http.request(
      {
        host,
        port,
        path: health.path,
        method: "GET",
        agent: false,
        headers: { host: health.host ?? "localhost", "user-agent": "switchyard-health", connection: "close" },
        timeout: health.timeout,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          if (size < 4096) chunks.push(chunk);
          size += chunk.length;
        });
        res.on("end", () => {
          const status = res.statusCode ?? 0;
          const body = Buffer.concat(chunks).toString("utf8");
          const statusOk =
            health.expect_status === undefined
              ? status >= 200 && status < 300
              : status === health.expect_status;
          const bodyOk = health.expect_body === undefined || body.includes(health.expect_body);
          resolve({ ok: statusOk && bodyOk, status, body });
        });
        res.on("error", (err) => resolve({ ok: false, error: err.message }));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${health.timeout}ms`)));
    req.on("error", (err: NodeJS.ErrnoException) =>
      resolve({ ok: false, error: err.code === "ECONNREFUSED" ? "connection refused" : err.message }),
    );
    req.end();
  });
}

export type HealthOutcome =
  | {
      readonly healthy: true;
      readonly attempts: number;
      readonly elapsedMs: number;
      readonly last: ProbeResult;
    }
  | {
      readonly healthy: false;
      readonly attempts: number;
      readonly elapsedMs: number;
      readonly last: ProbeResult | undefined;
      readonly aborted: boolean;
    };

/**
 * Probes until `healthy_threshold` consecutive successes, the deadline, or `signal` (e.g. the app
 * exited). The first probe is immediate; later ones every `interval`.
 */
export async function waitHealthy(
  port: number,
  health: HealthConfig,
  signal: AbortSignal,
): Promise<HealthOutcome> {
  const started = Date.now();
  const deadline = started + health.deadline;
  let attempts = 0;
  let streak = 0;
  let last: ProbeResult | undefined;
  while (!signal.aborted) {
    const probeStarted = Date.now();
    last = await probe(port, health);
    attempts += 1;
    streak = last.ok ? streak + 1 : 0;
    if (streak >= health.healthy_threshold) {
      return { healthy: true, attempts, elapsedMs: Date.now() - started, last };
    }
    const next = probeStarted + (last.ok ? Math.min(health.interval, 250) : health.interval);
    if (next >= deadline) break;
    await sleep(next - Date.now(), signal);
  }
  return { healthy: false, attempts, elapsedMs: Date.now() - started, last, aborted: signal.aborted };
}
