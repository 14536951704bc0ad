import { readFileSync } from "node:fs";

const CLOCK_TICKS = 100; // USER_HZ on Linux; /proc/<pid>/stat times are in these ticks.

/** Direct children of a process (Linux /proc/<pid>/task/<pid>/children). */
export function childPids(pid: number): number[] {
  try {
    const text = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
    return text === "" ? [] : text.split(/\s+/).map(Number);
  } catch {
    return [];
  }
}

/** Resident memory in MB (VmRSS), or 0 when the process is gone. */
export function rssMb(pid: number): number {
  try {
    const kb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
    return kb / 1024;
  } catch {
    return 0;
  }
}

/** User + system CPU seconds used so far, or 0 when the process is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 2 (comm) may contain spaces; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** Samples RSS of `pids()` every `everyMs` until stopped; CPU is the difference over the window. */
export function sampleResources(pids: () => number[], everyMs = 200) {
  const startCpu = new Map<number, number>();
  for (const pid of pids()) startCpu.set(pid, cpuSeconds(pid));
  const started = performance.now();
  let peakRssMb = 0;
  const rssSamples: number[] = [];
  const sample = () => {
    const total = pids().reduce((sum, pid) => sum + rssMb(pid), 0);
    rssSamples.push(total);
    peakRssMb = Math.max(peakRssMb, total);
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop(): { cpuPercent: number; peakRssMb: number; meanRssMb: number; seconds: number } {
      clearInterval(timer);
      sample();
      const seconds = (performance.now() - started) / 1000;
      const used = pids().reduce((sum, pid) => sum + cpuSeconds(pid) - (startCpu.get(pid) ?? 0), 0);
      const mean = rssSamples.reduce((a, b) => a + b, 0) / rssSamples.length;
      return {
        cpuPercent: Math.round((used / seconds) * 1000) / 10,
        peakRssMb: Math.round(peakRssMb * 10) / 10,
        meanRssMb: Math.round(mean * 10) / 10,
        seconds: Math.round(seconds * 10) / 10,
      };
    },
  };
}
