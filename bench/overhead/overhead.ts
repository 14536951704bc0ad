import path from "node:path";
import { mkdir } from "node:fs/promises";
import { startAppSlot } from "../lib/app-slot.js";
import { freePort } from "../../src/util/ports.js";
import { waitForHttp } from "../lib/processes.js";
import type { ProxyOverheadResult } from "../proxy-overhead/run-proxy-overhead.js";
import type { WrkResult } from "../proxy-overhead/wrk.js";
import { haproxySetup } from "../switchyard/routers.js";

/** wrk against the app directly, the builtin proxy, nginx (from bench/proxy-overhead) and HAProxy. */
export interface OverheadPart {
  readonly available: boolean;
  readonly reason?: string;
  readonly runs: ReadonlyArray<{ readonly connections: number; readonly result: ProxyOverheadResult }>;
  readonly haproxy: ReadonlyArray<{ readonly connections: number; readonly wrk: WrkResult[] }>;
  readonly haproxyReason?: string;
}

export interface OverheadOptions {
  readonly connections: readonly number[];
  readonly seconds: number;
  readonly rounds: number;
  readonly dir: string;
  readonly log: (line: string) => void;
}

export async function runOverhead(options: OverheadOptions): Promise<OverheadPart> {
  const runs: Array<OverheadPart["runs"][number]> = [];
  let reason: string | undefined;
  try {
    const { runProxyOverhead } = await import("../proxy-overhead/run-proxy-overhead.js");
    for (const connections of options.connections) {
      options.log(`  proxy overhead: ${connections} connections`);
      const result = await runProxyOverhead({
        connections,
        seconds: options.seconds,
        rounds: options.rounds,
        log: (line) => options.log(`    ${line}`),
      });
      runs.push({ connections, result });
    }
  } catch (err) {
    reason = `bench/proxy-overhead failed: ${oneLine((err as Error).message)}`;
    options.log(`  proxy overhead: ${reason}`);
  }
  let haproxy: OverheadPart["haproxy"] = [];
  let haproxyReason: string | undefined;
  try {
    haproxy = await haproxyWrk(options);
  } catch (err) {
    haproxyReason = oneLine((err as Error).message);
  }
  return {
    available: runs.length > 0 || haproxy.length > 0,
    ...(reason === undefined ? {} : { reason }),
    runs,
    haproxy,
    ...(haproxyReason === undefined ? {} : { haproxyReason }),
  };
}

/** Long multi-line errors (a child's stack trace) shortened for a table cell. */
function oneLine(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max)}...` : flat;
}

/** HAProxy in front of the same test app, measured with the same wrk settings right after. */
async function haproxyWrk(options: OverheadOptions): Promise<OverheadPart["haproxy"]> {
  const { runWrk } = await import("../proxy-overhead/wrk.js");
  const dir = path.join(options.dir, "overhead-haproxy");
  await mkdir(dir, { recursive: true });
  const appPort = await freePort();
  const app = startAppSlot({ port: appPort, version: "bench", logDir: dir });
  try {
    if (!(await waitForHttp(`http://127.0.0.1:${appPort}/health`)))
      throw new Error("the app for HAProxy did not start");
    const haproxy = await haproxySetup(dir, { blue: appPort, green: await freePort() });
    try {
      if (!(await waitForHttp(haproxy.url)))
        throw new Error("HAProxy never routed to the app (health check)");
      const results = [];
      for (const connections of options.connections) {
        await runWrk(haproxy.url, connections, 2);
        const wrk: WrkResult[] = [];
        for (let round = 0; round < options.rounds; round += 1) {
          wrk.push(await runWrk(haproxy.url, connections, options.seconds));
        }
        options.log(
          `  proxy overhead: HAProxy at ${connections} connections: ${wrk.map((w) => w.requestsPerSec).join(", ")} req/s`,
        );
        results.push({ connections, wrk });
      }
      return results;
    } finally {
      await haproxy.stop();
    }
  } finally {
    await app.process.stop();
  }
}
