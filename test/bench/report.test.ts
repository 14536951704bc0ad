import { describe, expect, it } from "vitest";
import { parseReportedMs, seedSwitchEstimateMs } from "../../bench/deploy-time/deploy-time.js";
import { benchPlan, parseBenchArgs } from "../../bench/plan.js";
import {
  END_MARKER,
  START_MARKER,
  headline,
  renderBenchSection,
  renderCharts,
  replaceMarkedSection,
} from "../../bench/report/markdown.js";
import type { OverheadPart } from "../../bench/overhead/overhead.js";
import type { BenchResults } from "../../bench/report/results.js";
import { pairedRatio } from "../../bench/proxy-overhead/run-proxy-overhead.js";
import { overheadTable, overheadTargets } from "../../bench/report/tables.js";
import { renderBarChart } from "../../bench/report/svg.js";

const machine = {
  nproc: 2,
  cpu: "Test CPU",
  memoryGb: 4,
  os: "Linux test",
  node: "v20.20.2",
  nginx: "1.22.1",
  haproxy: "2.6.12",
  wrk: "4.1.0",
  loadAverageAtStart: 0.5,
};

const results: BenchResults = {
  schema: 1,
  startedAt: "2026-01-01T00:00:00.000Z",
  finishedAt: "2026-01-01T00:04:00.000Z",
  quick: true,
  command: "npm run bench -- --quick",
  machine,
  switchCorrectness: {
    workers: 16,
    rows: [
      {
        name: "seed (sed + nginx reload + immediate stop)",
        method: "sed",
        available: true,
        cycles: 5,
        deploysSucceeded: 5,
        deployMs: { p50: 310, max: 400 },
        requests: 3396,
        failed: 515,
        failedPerDeploy: 103,
        byOutcome: { "2xx": 2881, "502": 513, hangup: 2 },
        idAudit: { received: 2881, duplicated: 0, failedButReceived: 515, failedNeverReceived: 0 },
        latencyMs: { p50: 9, p99: 40.4, max: 90 },
      },
      {
        name: "switchyard (builtin)",
        method: "swap",
        available: true,
        cycles: 20,
        deploysSucceeded: 20,
        deployMs: { p50: 1060, max: 2500 },
        requests: 23896,
        failed: 0,
        failedPerDeploy: 0,
        byOutcome: { "2xx": 23896 },
        latencyMs: { p50: 10, p99: 60.2, max: 150 },
      },
      {
        name: "switchyard (haproxy)",
        method: "api",
        available: false,
        reason: "not built:\nhaproxy-router.js missing",
      },
    ],
  },
  overhead: { error: "skipped (--only=switch)" },
  deployTime: [
    {
      tool: "switchyard (builtin)",
      readyDelayMs: 2000,
      how: "measured",
      switchMs: 2400,
      commandMs: 2900,
      reportedMs: 2300,
    },
    { tool: "seed (10 s polling)", readyDelayMs: 2000, how: "measured", switchMs: 10209, commandMs: 10500 },
    { tool: "seed (10 s polling)", readyDelayMs: 10000, how: "computed", switchMs: 20000 },
  ],
  resources: [
    {
      proxy: "nginx",
      available: true,
      requestsPerSec: 4000,
      failed: 0,
      cpuPercent: 10.3,
      cpuMicrosPerRequest: 26,
      idleRssMb: 11.3,
      peakRssMb: 11.3,
    },
  ],
};

describe("bench report", () => {
  it("states the headline from the builtin and seed rows", () => {
    expect(headline(results)).toBe(
      "**switchyard (builtin router) lost 0 of 23,896 requests over 20 deploys; the seed's sed + reload script lost 103 per deploy** (16 keep-alive clients).",
    );
  });

  it("renders every part, the machine, unavailable rows with their reason and skipped parts", () => {
    const section = renderBenchSection(results, "../bench/results/x.json");
    expect(section.startsWith(START_MARKER)).toBe(true);
    expect(section.endsWith(END_MARKER)).toBe(true);
    expect(section).toContain("Machine: 2 CPUs (Test CPU), 4 GB RAM");
    expect(section).toContain(
      "| seed (sed + nginx reload + immediate stop) | 5 (5) | 3,396 | 515 | 103.0 | 502: 513, hangup: 2 | 515 | 0 | 40.4 | 0.31 s |",
    );
    expect(section).toContain(
      "| switchyard (haproxy) | not available: not built: haproxy-router.js missing |",
    );
    expect(section).toContain(
      "| switchyard (builtin) | 20 (20) | 23,896 | 0 | 0.0 | none | - | - | 60.2 | 1.06 s |",
    );
    expect(section).toContain("| 2.0 s | 2.40 s | 10.21 s | 2.90 s | 2.30 s |");
    expect(section).toContain("| 10.0 s | - | 20.00 s (computed) | - | - |");
    expect(section).toContain("Not measured in this run: skipped (--only=switch)");
    expect(section).toContain("| nginx | 4,000 | 0 | 10.3% | 26 | 11.3 | 11.3 |");
  });

  it("checks the proxy targets of issue 3 against the measured ratios and the highest RSS at 200 connections", () => {
    const run = (connections: number, rps: number, p99: number, peakMb: number) => ({
      connections,
      result: {
        ratios: { requestsPerSec: rps, p99, cpuPerRequest: 2 },
        rss: { connections: 200, idleMb: 60, peakMb },
      },
    });
    const part = {
      available: true,
      runs: [run(10, 0.7, 1.7, 70.2), run(50, 0.69, 1.23, 81.4), run(200, 0.8, 0.9, 71.1)],
      haproxy: [],
    } as unknown as OverheadPart;
    expect(overheadTargets(part)).toBe(
      [
        "Targets (issue 3):",
        "",
        "- requests/s at 50 connections: 0.69x nginx (target >= 0.8x: **not met**)",
        "- p99 at 50 connections: 1.23x nginx (target <= 1.5x: met)",
        "- builtin proxy RSS at 200 connections: peak 81.4 MB over 3 run(s) (target <= 80 MB: **not met**)",
      ].join("\n"),
    );
    expect(overheadTargets({ available: false, runs: [], haproxy: [] })).toBe("");
  });

  it("adds the like-for-like nginx (same forwarding headers) as a row and a line for information", () => {
    const wrk = (requestsPerSec: number) => ({ requestsPerSec, p50Ms: 1, p99Ms: 4, requests: 1, errors: 0 });
    const part = {
      available: true,
      runs: [
        {
          connections: 50,
          result: {
            direct: [wrk(30_000)],
            builtin: [wrk(20_000)],
            nginx: [wrk(25_000)],
            nginxSameHeaders: [wrk(24_000)],
            ratios: { requestsPerSec: 0.8, p99: 1.1, cpuPerRequest: 1.4, requestsPerSecSameHeaders: 0.83 },
            rss: { connections: 200, idleMb: 60, peakMb: 70 },
          },
        },
      ],
      haproxy: [],
    } as unknown as OverheadPart;
    expect(overheadTable(part)).toContain(
      "| 50 | nginx, also setting switchyard's headers | 24,000 | 1.00 | 4.00 | 0.96 | 0 |",
    );
    expect(overheadTargets(part)).toContain(
      "- for information, like for like: requests/s at 50 connections 0.83x an nginx that also sets",
    );
  });

  it("says how the requests/s ratio was taken when the result has the mean-against-mean figure too", () => {
    const run = { requestsPerSec: 1, p50Ms: 1, p99Ms: 4, requests: 1, errors: 0, cpuUsPerRequest: 30 };
    const part = {
      available: true,
      runs: [
        {
          connections: 50,
          result: {
            builtin: [run, run, run],
            nginx: [run, run, run],
            ratios: { requestsPerSec: 0.82, requestsPerSecOfMeans: 0.79, p99: 1.1, cpuPerRequest: 1.4 },
            rss: { connections: 200, idleMb: 60, peakMb: 70 },
          },
        },
      ],
      haproxy: [],
    } as unknown as OverheadPart;
    expect(overheadTargets(part)).toContain(
      "- requests/s at 50 connections: 0.82x nginx, median of 3 rounds each against nginx in the same round (mean against mean 0.79x) (target >= 0.8x: met)",
    );
  });

  it("takes the median of per-round ratios, so one disturbed round does not move it", () => {
    const runs = (...rps: number[]) =>
      rps.map((requestsPerSec) => ({
        requestsPerSec,
        p50Ms: 1,
        p99Ms: 1,
        requests: 1,
        errors: 0,
        cpuUsPerRequest: 1,
      }));
    expect(pairedRatio(runs(80, 90, 40), runs(100, 100, 100), (r) => r.requestsPerSec)).toBe(0.8);
    expect(pairedRatio(runs(80, 90), runs(100, 100), (r) => r.requestsPerSec)).toBe(0.85);
    expect(pairedRatio(runs(80, 90, 10), runs(100, 100), (r) => r.requestsPerSec)).toBe(0.85);
    expect(pairedRatio(runs(), runs(), (r) => r.requestsPerSec)).toBeNaN();
  });

  it("replaces only the text between the markers, or appends the section", () => {
    const doc = `# Title\nintro\n${START_MARKER}\nold\n${END_MARKER}\noutro\n`;
    expect(replaceMarkedSection(doc, `${START_MARKER}\nnew\n${END_MARKER}`)).toBe(
      `# Title\nintro\n${START_MARKER}\nnew\n${END_MARKER}\noutro\n`,
    );
    expect(replaceMarkedSection("# Title\n", "S")).toBe("# Title\n\nS\n");
  });

  it("draws bar charts as standalone SVG with escaped labels and bars scaled to the largest value", () => {
    const svg = renderBarChart("Lost <per> deploy", [
      { label: "a & b", value: 100, tone: "bad" },
      { label: "c", value: 0, tone: "good", text: "0 of 10,000" },
    ]);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain("Lost &lt;per&gt; deploy");
    expect(svg).toContain(">a &amp; b</text>");
    expect(svg).toContain('width="310.0" height="20" fill="#c62828"');
    expect(svg).toContain('width="2.0" height="20" fill="#2e7d32"');
    expect(svg).toContain(">0 of 10,000</text>");
    const charts = renderCharts(results);
    expect(Object.keys(charts).sort()).toEqual(["benchmarks-deploy-time.svg", "benchmarks-failures.svg"]);
    expect(charts["benchmarks-failures.svg"]).toContain("103 per deploy (515 of 3,396)");
  });

  it("works out the seed's 10 s polling and reads switchyard's reported duration", () => {
    expect(seedSwitchEstimateMs(500, 300)).toBe(10_000);
    expect(seedSwitchEstimateMs(2_000, 300)).toBe(10_000);
    expect(seedSwitchEstimateMs(10_000, 300)).toBe(20_000);
    expect(parseReportedMs("✓ record (8ms)\ndeployed b to green in 2.36s; 0 requests")).toBe(2360);
    expect(parseReportedMs("deployed a to blue in 178ms; 0 requests")).toBe(178);
    expect(parseReportedMs("nothing")).toBeUndefined();
  });

  it("parses bench arguments and keeps --quick smaller than the full plan", () => {
    expect(parseBenchArgs(["--quick", "--only=switch,deploy"])).toEqual({
      quick: true,
      only: ["switch", "deploy"],
    });
    expect(() => parseBenchArgs(["--fast"])).toThrow(/unknown argument --fast/);
    expect(() => parseBenchArgs(["--only=nope"])).toThrow(/unknown part\(s\) nope/);
    const quick = benchPlan(true);
    expect(quick.switch.cycles.builtin).toBeGreaterThanOrEqual(20);
    expect(benchPlan(false).switch.cycles.seed).toBeGreaterThan(quick.switch.cycles.seed);
  });
});
