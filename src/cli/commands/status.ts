import { redactedJson } from "../../secrets.js";
import { daemonStatus } from "../../daemon/lifecycle.js";
import { createRuntime } from "../../runtimes/index.js";
import { StateStore } from "../../state/store.js";
import { SLOTS, type SlotName } from "../../types.js";
import { configFor, reporterFor, type GlobalOptions } from "../context.js";

export interface StatusReport {
  readonly service: string;
  readonly active: SlotName | null;
  readonly router: { readonly kind: string; readonly routesTo?: SlotName | null | undefined };
  readonly daemon: {
    readonly running: boolean;
    readonly pid: number | null;
    readonly listen?: string | undefined;
  };
  readonly maintenance: boolean;
  readonly deployInProgress: { readonly id: string; readonly phase: string } | null;
  readonly slots: Record<
    SlotName,
    {
      state: string;
      port: number;
      version: string | null;
      pid: number | null;
      since: string | null;
      warmUntil?: string | undefined;
    }
  >;
}

export async function run(globals: GlobalOptions): Promise<number> {
  const reporter = reporterFor(globals);
  const config = await configFor(globals, reporter);
  const state = await new StateStore(config.stateDir).read(config.service);
  const runtime = createRuntime(config);
  const daemon = config.router.kind === "builtin" ? await daemonStatus(config) : undefined;
  const slots = {} as StatusReport["slots"];
  for (const slot of SLOTS) {
    const s = state.slots[slot];
    let live: string = s.status;
    if (s.handle && (s.status === "running" || s.status === "warm" || s.status === "starting")) {
      const liveness = await runtime.inspect(s.handle);
      if (liveness.state !== "running") live = "crashed";
    }
    slots[slot] = {
      state: live,
      port: s.handle?.port ?? config.slots[slot].port,
      version: s.handle?.version ?? null,
      pid: s.handle?.pid ?? null,
      since: s.handle?.startedAt ?? null,
      warmUntil: s.warmUntil,
    };
  }
  const report: StatusReport = {
    service: config.service,
    active: state.active,
    router: { kind: config.router.kind, routesTo: daemon ? (daemon.target?.slot ?? null) : undefined },
    daemon: { running: daemon !== undefined, pid: daemon?.pid ?? null, listen: daemon?.listen.http },
    maintenance: Boolean(state.maintenance),
    deployInProgress: state.deploy ? { id: state.deploy.id, phase: state.deploy.phase } : null,
    slots,
  };
  if (globals.json) {
    process.stdout.write(`${redactedJson(report, 2)}\n`);
    return 0;
  }
  const lines = [
    `${report.service}: ${report.active ? `serving from ${report.active}` : "nothing deployed"}`,
  ];
  if (config.router.kind === "builtin") {
    lines.push(
      daemon
        ? `  daemon: running, pid ${daemon.pid}, http://${daemon.listen.http} -> ${daemon.target?.slot ?? "nothing"}`
        : "  daemon: NOT running (traffic is not being served; run `switchyard up`)",
    );
  } else {
    lines.push(`  router: ${config.router.kind}`);
  }
  if (report.maintenance) lines.push("  maintenance: ON (`switchyard maintenance off` to end it)");
  if (report.deployInProgress)
    lines.push(`  deploy in progress: ${report.deployInProgress.id} (${report.deployInProgress.phase})`);
  for (const slot of SLOTS) {
    const s = slots[slot];
    const mark = report.active === slot ? "*" : " ";
    const extra = [
      s.version,
      s.pid ? `pid ${s.pid}` : null,
      s.warmUntil && s.state === "warm" ? `warm until ${s.warmUntil}` : null,
    ]
      .filter(Boolean)
      .join(", ");
    lines.push(`${mark} ${slot.padEnd(5)} :${s.port}  ${s.state}${extra ? `  (${extra})` : ""}`);
  }
  reporter.info(lines.join("\n"));
  return 0;
}
