import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { routerSchema } from "../../src/config/router-schema.js";
import { DAEMON_NODE_FLAGS } from "../../src/daemon/node-flags.js";
import { freePort } from "../../src/util/ports.js";
import { renderNginxBenchConfig } from "./nginx-config.js";
import { childPids, cpuMicros, rssMb, startProcess, type Started } from "./processes.js";
import { runWrk, type WrkResult } from "./wrk.js";

/** How to run the comparison; every run is bounded by `seconds` per measurement. */
export interface ProxyOverheadOptions {
  readonly seconds?: number;
  readonly connections?: number;
  /** Connections for the memory measurement of the built-in proxy. */
  readonly rssConnections?: number;
  /** Rounds of direct/builtin/nginx, one after the other; ratios are medians over rounds. */
  readonly rounds?: number;
  /** Extra node flags for the proxy process, e.g. ["--max-semi-space-size=4"] (smaller heap). */
  readonly proxyNodeFlags?: readonly string[];
  /** Extra `router` keys for the proxy, e.g. { fast_lane: false } to measure node:http alone. */
  readonly proxyConfig?: Readonly<Record<string, unknown>>;
  readonly log?: (line: string) => void;
}

/** One wrk run plus the CPU the measured process spent per request (its own process only). */
export type MeasuredRun = WrkResult & { readonly cpuUsPerRequest: number };

export interface ProxyOverheadResult {
  readonly machine: {
    readonly nproc: number;
    readonly cpu: string;
    readonly node: string;
    readonly nginx: string;
  };
  readonly connections: number;
  readonly seconds: number;
  readonly proxyNodeFlags: readonly string[];
  /** 1-minute load average before the run: other work on the machine skews every figure. */
  readonly loadAverageBefore: number;
  readonly direct: MeasuredRun[];
  readonly builtin: MeasuredRun[];
  /** The seed's nginx (its forwarding headers): what issue 3's targets are measured against. */
  readonly nginx: MeasuredRun[];
  /**
   * The same nginx worker, also setting the headers switchyard adds (see nginx-config.ts); absent
   * from results recorded before it was measured.
   */
  readonly nginxSameHeaders?: MeasuredRun[];
  /** Medians of per-round ratios (pairedRatio); absent fields come from older results. */
  readonly ratios: {
    readonly requestsPerSec: number;
    /** Mean requests/s against mean requests/s, as recorded before pairedRatio. */
    readonly requestsPerSecOfMeans?: number;
    readonly p99: number;
    readonly cpuPerRequest: number;
    /** builtin against nginxSameHeaders: the like-for-like comparison, for information. */
    readonly requestsPerSecSameHeaders?: number;
  };
  readonly rss: { readonly connections: number; readonly idleMb: number; readonly peakMb: number };
  readonly targetsMet: { readonly requestsPerSec: boolean; readonly p99: boolean; readonly rss: boolean };
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

export async function runProxyOverhead(options: ProxyOverheadOptions = {}): Promise<ProxyOverheadResult> {
  const seconds = options.seconds ?? 10;
  const connections = options.connections ?? 50;
  const rssConnections = options.rssConnections ?? 200;
  const rounds = options.rounds ?? 5;
  const log = options.log ?? (() => undefined);
  const prefix = mkdtempSync(path.join(os.tmpdir(), "switchyard-bench-nginx-"));
  const started: Started[] = [];
  const loadAverageBefore = round2(os.loadavg()[0] ?? 0);
  try {
    const appPort = await freePort();
    const app = await startProcess(
      process.execPath,
      [path.join(repoRoot, "test/fixtures/app.mjs")],
      /listening/,
      {
        ...process.env,
        PORT: String(appPort),
        APP_VERSION: "bench",
      },
    );
    started.push(app);
    const proxyChild = path.join(repoRoot, "dist/bench/proxy-overhead/proxy-child.js");
    const routerConfig = routerSchema.parse({
      kind: "builtin",
      listen: "127.0.0.1:0",
      ...options.proxyConfig,
    });
    const proxyArgs = [
      ...(options.proxyNodeFlags ?? DAEMON_NODE_FLAGS),
      proxyChild,
      String(appPort),
      JSON.stringify(routerConfig),
    ];
    const proxy = await startProcess(process.execPath, proxyArgs, /listening (\d+)/);
    started.push(proxy);
    const proxyPort = Number(proxy.match[1]);
    const nginxPort = await freePort();
    const nginxSameHeadersPort = await freePort();
    for (const dir of ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]) mkdirSync(path.join(prefix, dir));
    const confFile = path.join(prefix, "nginx.conf");
    writeFileSync(confFile, renderNginxBenchConfig(prefix, nginxPort, appPort, nginxSameHeadersPort));
    started.push(await startNginx(confFile, prefix, nginxPort));
    await waitForPort(nginxSameHeadersPort);

    const urls = {
      direct: `http://127.0.0.1:${appPort}/`,
      builtin: `http://127.0.0.1:${proxyPort}/`,
      nginx: `http://127.0.0.1:${nginxPort}/`,
      nginxSameHeaders: `http://127.0.0.1:${nginxSameHeadersPort}/`,
    };
    const nginxMaster = started.at(-1)!.child.pid!;
    const nginxWorker = childPids(nginxMaster)[0] ?? nginxMaster;
    const pids = {
      direct: app.child.pid!,
      builtin: proxy.child.pid!,
      nginx: nginxWorker,
      nginxSameHeaders: nginxWorker,
    };
    const results: Record<keyof typeof urls, MeasuredRun[]> = {
      direct: [],
      builtin: [],
      nginx: [],
      nginxSameHeaders: [],
    };
    for (const name of Object.keys(urls) as (keyof typeof urls)[]) await runWrk(urls[name], connections, 2); // warm up
    const names = Object.keys(urls) as (keyof typeof urls)[];
    for (let round = 0; round < rounds; round += 1) {
      // Every other round in reverse order: a drift of the machine's speed within a round then
      // favours each target as often as it hurts it.
      for (const name of round % 2 === 0 ? names : [...names].reverse()) {
        const cpuBefore = cpuMicros(pids[name]);
        const wrk = await runWrk(urls[name], connections, seconds);
        const cpuUsPerRequest = Math.round((cpuMicros(pids[name]) - cpuBefore) / Math.max(1, wrk.requests));
        const result = { ...wrk, cpuUsPerRequest };
        log(
          `${name} round ${round + 1}: ${result.requestsPerSec} req/s, p99 ${result.p99Ms} ms, ` +
            `${cpuUsPerRequest} µs CPU/request, errors ${result.errors}`,
        );
        results[name].push(result);
      }
    }
    const idleMb = rssMb(proxy.child.pid!);
    let peakMb = idleMb;
    const sampler = setInterval(() => (peakMb = Math.max(peakMb, rssMb(proxy.child.pid!))), 100);
    await runWrk(urls.builtin, rssConnections, Math.min(seconds, 10)).finally(() => clearInterval(sampler));
    peakMb = Math.max(peakMb, rssMb(proxy.child.pid!));
    log(`builtin RSS at ${rssConnections} connections: peak ${peakMb} MB (idle ${idleMb} MB)`);

    const ratios = {
      requestsPerSec: pairedRatio(results.builtin, results.nginx, (r) => r.requestsPerSec),
      requestsPerSecOfMeans: round2(
        mean(results.builtin, (r) => r.requestsPerSec) / mean(results.nginx, (r) => r.requestsPerSec),
      ),
      requestsPerSecSameHeaders: pairedRatio(
        results.builtin,
        results.nginxSameHeaders,
        (r) => r.requestsPerSec,
      ),
      p99: pairedRatio(results.builtin, results.nginx, (r) => r.p99Ms),
      cpuPerRequest: pairedRatio(results.builtin, results.nginx, (r) => r.cpuUsPerRequest),
    };
    return {
      machine: machine(),
      connections,
      seconds,
      proxyNodeFlags: options.proxyNodeFlags ?? DAEMON_NODE_FLAGS,
      loadAverageBefore,
      ...results,
      ratios,
      rss: { connections: rssConnections, idleMb, peakMb },
      targetsMet: { requestsPerSec: ratios.requestsPerSec >= 0.8, p99: ratios.p99 <= 1.5, rss: peakMb <= 80 },
    };
  } finally {
    for (const process of started.reverse()) await process.stop().catch(() => undefined);
    rmSync(prefix, { recursive: true, force: true });
  }
}

function mean(list: readonly MeasuredRun[], pick: (r: MeasuredRun) => number): number {
  return list.reduce((sum, r) => sum + pick(r), 0) / list.length;
}

/**
 * The median over rounds of `a`'s figure against `b`'s in the same round. Each round measures
 * the targets one after the other, seconds apart; this VM's speed drifts by more than the
 * margins being measured over minutes, so rounds are compared with themselves, and the median
 * keeps one disturbed round from moving the result.
 */
export function pairedRatio<T>(a: readonly T[], b: readonly T[], pick: (r: T) => number): number {
  const ratios = a
    .map((run, i) => (b[i] === undefined ? Number.NaN : pick(run) / pick(b[i]!)))
    .filter((ratio) => Number.isFinite(ratio))
    .sort((x, y) => x - y);
  if (ratios.length === 0) return Number.NaN;
  const middle = Math.floor(ratios.length / 2);
  return round2(ratios.length % 2 === 1 ? ratios[middle]! : (ratios[middle - 1]! + ratios[middle]!) / 2);
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

function machine(): ProxyOverheadResult["machine"] {
  const nginxVersion = spawnSync("nginx", ["-v"], { encoding: "utf8" }).stderr; // nginx -v prints to stderr
  return {
    nproc: os.availableParallelism(),
    cpu: os.cpus()[0]?.model ?? "unknown",
    node: process.version,
    nginx: nginxVersion.trim() || "nginx",
  };
}

/** nginx in the foreground (`daemon off` in its config), own prefix; ready once its port answers. */
async function startNginx(confFile: string, prefix: string, port: number): Promise<Started> {
  const child = spawn("nginx", ["-c", confFile, "-p", prefix], { stdio: "ignore" });
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
  try {
    await waitForPort(port);
  } catch (err) {
    await stop();
    throw err;
  }
  return { child, match: /x/.exec("x")!, stop };
}

async function waitForPort(port: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, "127.0.0.1", () => {
        socket.destroy();
        resolve(true);
      });
      socket.on("error", () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms (nginx did not start?)`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const seconds = Number(process.env.BENCH_SECONDS ?? 5);
  const proxyNodeFlags = process.env.BENCH_PROXY_NODE_FLAGS?.split(" ").filter(Boolean);
  const proxyConfig = JSON.parse(process.env.BENCH_PROXY_CONFIG ?? "{}") as Record<string, unknown>;
  const result = await runProxyOverhead({
    seconds,
    rounds: Number(process.env.BENCH_ROUNDS ?? 5),
    proxyNodeFlags,
    proxyConfig,
    log: (line) => console.error(line),
  });
  console.log(JSON.stringify(result, null, 2));
}
