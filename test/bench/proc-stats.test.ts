import { describe, expect, it } from "vitest";
import { childPids, cpuSeconds, rssMb, sampleResources } from "../../bench/lib/proc-stats.js";
import { spawnGroup } from "../../bench/lib/processes.js";

describe("proc stats", () => {
  it("reads RSS and CPU of a live process and 0 for a gone one", async () => {
    expect(rssMb(process.pid)).toBeGreaterThan(10);
    const before = cpuSeconds(process.pid);
    const until = Date.now() + 150;
    while (Date.now() < until) Math.sqrt(Math.random()); // burn CPU on purpose
    expect(cpuSeconds(process.pid)).toBeGreaterThan(before);
    expect(rssMb(2 ** 22 + 7)).toBe(0);
    expect(cpuSeconds(2 ** 22 + 7)).toBe(0);
  });

  it("samples a busy child's CPU and lists it as a child; stop() ends the whole group", async () => {
    const busy = spawnGroup(process.execPath, ["-e", "for(;;){}"]);
    try {
      expect(childPids(process.pid)).toContain(busy.pid);
      const sampler = sampleResources(() => [busy.pid], 50);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const usage = sampler.stop();
      expect(usage.cpuPercent).toBeGreaterThan(30);
      expect(usage.peakRssMb).toBeGreaterThan(5);
    } finally {
      await busy.stop("SIGTERM", 1_000);
    }
    expect(await busy.exited).toBe("SIGTERM");
  });
});
