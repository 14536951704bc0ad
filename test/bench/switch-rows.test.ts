import { execFileSync } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { stopAllGroups } from "../../bench/lib/processes.js";
import { renderServiceUrlInclude, sedFirstPerLine } from "../../bench/seed/seed-nginx.js";
import { seedRow } from "../../bench/switch/seed-row.js";
import { switchyardRow } from "../../bench/switch/switchyard-row.js";
import { tempDir } from "../support/tmp.js";

function hasNginx(): boolean {
  try {
    execFileSync("nginx", ["-v"], { stdio: "ignore" });
    return true;
  } catch {
    const message = "nginx is not installed: the seed baseline test needs it (apt-get install nginx)";
    if (process.env.CI === "true") throw new Error(message);
    console.warn(`SKIPPING: ${message}`);
    return false;
  }
}

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  await stopAllGroups();
  for (const cleanup of cleanups) await cleanup();
});

async function rowDir(): Promise<string> {
  const { dir, cleanup } = await tempDir("sy-bench-test-");
  cleanups.push(cleanup);
  return dir;
}

describe("seed re-creation", () => {
  it("seds the first occurrence per line, like `sed -i s/OLD/NEW/`", () => {
    const include = renderServiceUrlInclude(8080);
    expect(include).toBe("set $service_url http://127.0.0.1:8080;\n");
    expect(sedFirstPerLine(include, "8080", "8081")).toBe("set $service_url http://127.0.0.1:8081;\n");
    expect(sedFirstPerLine("a 8080 8080\nb 8080\n", "8080", "1")).toBe("a 1 8080\nb 1\n");
  });
});

describe.runIf(hasNginx())("switch-correctness rows against real processes", () => {
  it("the seed's method loses requests at each switch (502s from the stopped old app, hang-ups)", async () => {
    const result = await seedRow.run({ cycles: 3, workers: 16, dir: await rowDir(), log: () => undefined });
    expect(result.available).toBe(true);
    expect(result.deploysSucceeded).toBe(3);
    expect(result.requests).toBeGreaterThan(500);
    expect(result.failed).toBeGreaterThan(0);
    const kinds = Object.keys(result.byOutcome ?? {}).filter((k) => k !== "2xx");
    expect(
      kinds.every((k) => ["502", "reset", "hangup"].includes(k)),
      kinds.join(),
    ).toBe(true);
    expect(result.mismatchedIds).toBe(0);
    // The apps' id logs (dist/bench/lib/id-log-hook.js, built by `npm run build`) account for every failure.
    expect(result.idAudit, "apps did not log request ids: run `npm run build`").toBeDefined();
    const audit = result.idAudit!;
    expect(audit.failedButReceived + audit.failedNeverReceived).toBe(result.failed);
    expect(audit.received).toBeGreaterThanOrEqual(result.requests! - result.failed!);
    expect(audit.duplicated).toBe(0);
  });

  it("switchyard with the built-in router loses none (built CLI: run `npm run build` first)", async () => {
    const result = await switchyardRow("builtin").run({
      cycles: 3,
      workers: 16,
      dir: await rowDir(),
      log: () => undefined,
    });
    expect(result.available, result.reason).toBe(true);
    expect(result.deploysSucceeded).toBe(3);
    expect(result.requests).toBeGreaterThan(500);
    expect(result.failed, JSON.stringify(result.byOutcome)).toBe(0);
  });
});
