import path from "node:path";
import { mkdir } from "node:fs/promises";
import { startAppSlot } from "../lib/app-slot.js";
import { runLoad } from "../lib/load-client.js";
import { freePort } from "../../src/util/ports.js";
import { sampleResources } from "../lib/proc-stats.js";
import { waitForHttp } from "../lib/processes.js";
import { makeSwitchyardProject, switchyardMissing } from "../switchyard/project.js";
import { builtinSetup, haproxySetup, nginxSetup, renderFixedUpstream } from "../switchyard/routers.js";

/** CPU and memory of one proxy while the load client drives it flat out. */
export interface ResourceRow {
  readonly proxy: string;
  readonly available: boolean;
  readonly reason?: string;
  readonly workers?: number;
  readonly requestsPerSec?: number;
  readonly failed?: number;
  /** CPU time of the proxy process(es) over wall time; 100 = one core. */
  readonly cpuPercent?: number;
  /** Proxy CPU time per request, in microseconds: comparable across different request rates. */
  readonly cpuMicrosPerRequest?: number;
  readonly idleRssMb?: number;
  readonly peakRssMb?: number;
}

export interface ResourceOptions {
  readonly seconds: number;
  readonly workers: number;
  readonly dir: string;
  readonly log: (line: string) => void;
}

async function measure(
  proxy: string,
  url: string,
  pids: () => number[],
  options: ResourceOptions,
): Promise<ResourceRow> {
  await runLoad({ url, workers: options.workers, durationMs: 1_000, idleGapMs: [0, 0], postRatio: 0 }); // warm up
  const idle = sampleResources(pids).stop();
  const sampler = sampleResources(pids);
  const load = await runLoad({
    url,
    workers: options.workers,
    durationMs: options.seconds * 1000,
    idleGapMs: [0, 0],
    postRatio: 0.2,
  });
  const usage = sampler.stop();
  const row = {
    proxy,
    available: true,
    workers: options.workers,
    requestsPerSec: Math.round(load.total / (load.durationMs / 1000)),
    failed: load.failed,
    cpuPercent: usage.cpuPercent,
    cpuMicrosPerRequest: Math.round(
      ((usage.cpuPercent / 100) * usage.seconds * 1e6) / Math.max(1, load.total),
    ),
    idleRssMb: idle.peakRssMb,
    peakRssMb: usage.peakRssMb,
  };
  options.log(
    `  resources: ${proxy}: ${row.requestsPerSec} req/s, CPU ${row.cpuPercent}%, RSS ${row.idleRssMb} -> ${row.peakRssMb} MB`,
  );
  return row;
}

/** Builtin (switchyard's daemon), nginx (1 worker, upstream keepalive) and HAProxy, one after another. */
export async function runResources(options: ResourceOptions): Promise<ResourceRow[]> {
  await mkdir(options.dir, { recursive: true });
  const appPort = await freePort();
  const app = startAppSlot({ port: appPort, version: "res", logDir: options.dir });
  const rows: ResourceRow[] = [];
  try {
    if (!(await waitForHttp(`http://127.0.0.1:${appPort}/health`)))
      throw new Error("the app for the resources part did not start");
    rows.push(await builtinRow(options));
    const nginx = await nginxSetup(path.join(options.dir, "nginx"), renderFixedUpstream(appPort));
    try {
      rows.push(
        await measure("nginx 1.22 (1 worker, upstream keepalive)", nginx.url, nginx.proxyPids, options),
      );
    } finally {
      await nginx.stop();
    }
    const haproxy = await haproxySetup(path.join(options.dir, "haproxy"), {
      blue: appPort,
      green: await freePort(),
    });
    try {
      if (!(await waitForHttp(haproxy.url)))
        throw new Error("HAProxy never routed to the app (health check)");
      rows.push(await measure("HAProxy 2.6", haproxy.url, haproxy.proxyPids, options));
    } finally {
      await haproxy.stop();
    }
  } finally {
    await app.process.stop();
  }
  return rows;
}

async function builtinRow(options: ResourceOptions): Promise<ResourceRow> {
  const proxy = "switchyard builtin (daemon)";
  const missing = switchyardMissing("builtin");
  if (missing) return { proxy, available: false, reason: missing };
  const ports = { blue: await freePort(), green: await freePort() };
  const project = await makeSwitchyardProject(
    path.join(options.dir, "switchyard"),
    ports,
    await builtinSetup(),
  );
  try {
    const deployed = await project.deploy("res");
    if (deployed.code !== 0)
      return { proxy, available: false, reason: `deploy failed: ${deployed.stderr.trim().slice(-200)}` };
    const pid = await project.daemonPid();
    if (pid === undefined)
      return { proxy, available: false, reason: "`switchyard status --json` shows no daemon pid" };
    return await measure(proxy, project.url, () => [pid], options);
  } finally {
    await project.cleanup();
  }
}
