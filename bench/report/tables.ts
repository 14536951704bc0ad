import type { DeployTimeRow } from "../deploy-time/deploy-time.js";
import type { OverheadPart } from "../overhead/overhead.js";
import type { ResourceRow } from "../resources/resources.js";
import type { SwitchRowResult } from "../switch/types.js";
import type { WrkResult } from "../proxy-overhead/wrk.js";

const n = (value: number | undefined, digits = 0): string =>
  value === undefined || Number.isNaN(value)
    ? "-"
    : value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

function table(head: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const cell = (text: string) => text.replace(/\s*\n\s*/g, " ").replace(/\|/g, "\\|");
  const line = (cells: readonly string[]) => `| ${cells.map(cell).join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...rows.map(line)].join("\n");
}

export function switchTable(rows: readonly SwitchRowResult[]): string {
  return table(
    [
      "Row",
      "Deploys (ok)",
      "Requests",
      "Failed",
      "Failed / deploy",
      "Failures by kind",
      "Failed, yet processed by the app",
      "Received twice by the app",
      "p99 ms",
      "Deploy p50",
    ],
    rows.map((r) => {
      if (!r.available) return [r.name, `not available: ${r.reason ?? ""}`, ...Array<string>(8).fill("")];
      const kinds = Object.entries(r.byOutcome ?? {})
        .filter(([k]) => k !== "2xx")
        .map(([k, v]) => `${k}: ${v}`)
        .join(", ");
      return [
        r.name,
        `${r.cycles} (${r.deploysSucceeded})`,
        n(r.requests),
        n(r.failed),
        n(r.failedPerDeploy, 1),
        kinds || "none",
        n(r.idAudit?.failedButReceived),
        n(r.idAudit?.duplicated),
        n(r.latencyMs?.p99, 1),
        `${n((r.deployMs?.p50 ?? 0) / 1000, 2)} s`,
      ];
    }),
  );
}

const mean = (list: readonly WrkResult[] | undefined, pick: (w: WrkResult) => number): number | undefined =>
  list && list.length > 0 ? list.reduce((s, w) => s + pick(w), 0) / list.length : undefined;

export function overheadTable(part: OverheadPart): string {
  const rows: string[][] = [];
  const counts = [...new Set([...part.runs, ...part.haproxy].map((r) => r.connections))].sort(
    (a, b) => a - b,
  );
  for (const connections of counts) {
    const run = part.runs.find((r) => r.connections === connections)?.result;
    const nginxRps = mean(run?.nginx, (w) => w.requestsPerSec);
    const targets: Array<[string, readonly WrkResult[] | undefined]> = [
      ["app directly", run?.direct],
      ["switchyard builtin", run?.builtin],
      ["nginx (1 worker, upstream keepalive)", run?.nginx],
      ["nginx, also setting switchyard's headers", run?.nginxSameHeaders],
      ["HAProxy", part.haproxy.find((h) => h.connections === connections)?.wrk],
    ];
    for (const [name, list] of targets) {
      if (list === undefined) continue;
      const rps = mean(list, (w) => w.requestsPerSec);
      rows.push([
        String(connections),
        name,
        n(rps),
        n(
          mean(list, (w) => w.p50Ms),
          2,
        ),
        n(
          mean(list, (w) => w.p99Ms),
          2,
        ),
        rps !== undefined && nginxRps ? n(rps / nginxRps, 2) : "-",
        n(mean(list, (w) => w.errors)),
      ]);
    }
  }
  return table(["Connections", "Target", "Requests/s", "p50 ms", "p99 ms", "vs nginx", "Errors"], rows);
}

/**
 * Issue 3's targets against the measured figures: requests/s and p99 relative to nginx at 50
 * connections, and the proxy's peak RSS at 200 connections (the highest of every run).
 */
export function overheadTargets(part: OverheadPart): string {
  const at50 = part.runs.find((r) => r.connections === 50)?.result;
  const peaks = part.runs.map((r) => r.result.rss).filter((rss) => rss.connections === 200);
  const verdict = (met: boolean) => (met ? "met" : "**not met**");
  const lines: string[] = [];
  if (at50) {
    const { requestsPerSec, p99, requestsPerSecSameHeaders, requestsPerSecOfMeans } = at50.ratios;
    // Results recorded before pairedRatio have no mean-against-mean figure: their ratio is that.
    const how =
      requestsPerSecOfMeans === undefined
        ? ""
        : `, median of ${at50.builtin.length} rounds each against nginx in the same round (mean against mean ${n(requestsPerSecOfMeans, 2)}x)`;
    lines.push(
      `- requests/s at 50 connections: ${n(requestsPerSec, 2)}x nginx${how} (target >= 0.8x: ${verdict(requestsPerSec >= 0.8)})`,
      `- p99 at 50 connections: ${n(p99, 2)}x nginx (target <= 1.5x: ${verdict(p99 <= 1.5)})`,
    );
    if (requestsPerSecSameHeaders !== undefined) {
      lines.push(
        `- for information, like for like: requests/s at 50 connections ${n(requestsPerSecSameHeaders, 2)}x an nginx that also sets X-Forwarded-Host, Via and X-Request-Id and keeps Host's port, as switchyard does (the target above is against the seed's nginx)`,
      );
    }
  }
  if (peaks.length > 0) {
    const peak = Math.max(...peaks.map((rss) => rss.peakMb));
    lines.push(
      `- builtin proxy RSS at 200 connections: peak ${n(peak, 1)} MB over ${peaks.length} run(s) (target <= 80 MB: ${verdict(peak <= 80)})`,
    );
  }
  return lines.length > 0 ? ["Targets (issue 3):", "", ...lines].join("\n") : "";
}

export function deployTimeTable(rows: readonly DeployTimeRow[]): string {
  const delays = [...new Set(rows.map((r) => r.readyDelayMs))].sort((a, b) => a - b);
  const cell = (row: DeployTimeRow | undefined) => {
    if (!row) return "-";
    if (row.how === "not available") return `not available (${row.reason ?? ""})`;
    const text = `${n((row.switchMs ?? 0) / 1000, 2)} s`;
    if (row.how === "computed") return `${text} (computed)`;
    return row.runs ? `${text} (median of ${row.runs})` : text;
  };
  return table(
    [
      "App ready after",
      "switchyard (builtin): traffic on new version",
      "seed (10 s polling)",
      "switchyard whole command",
      "switchyard's own figure",
    ],
    delays.map((delay) => {
      const sy = rows.find((r) => r.tool === "switchyard (builtin)" && r.readyDelayMs === delay);
      const seed = rows.find((r) => r.tool === "seed (10 s polling)" && r.readyDelayMs === delay);
      return [
        `${n(delay / 1000, 1)} s`,
        cell(sy),
        cell(seed),
        sy?.commandMs ? `${n(sy.commandMs / 1000, 2)} s` : "-",
        sy?.reportedMs ? `${n(sy.reportedMs / 1000, 2)} s` : "-",
      ];
    }),
  );
}

export function resourcesTable(rows: readonly ResourceRow[]): string {
  return table(
    [
      "Proxy",
      "Requests/s",
      "Failed",
      "CPU (100% = 1 core)",
      "CPU µs / request",
      "RSS idle MB",
      "RSS peak MB",
    ],
    rows.map((r) =>
      r.available
        ? [
            r.proxy,
            n(r.requestsPerSec),
            n(r.failed),
            `${n(r.cpuPercent, 1)}%`,
            n(r.cpuMicrosPerRequest),
            n(r.idleRssMb, 1),
            n(r.peakRssMb, 1),
          ]
        : [r.proxy, `not available: ${r.reason ?? ""}`, "", "", "", "", ""],
    ),
  );
}
