import os from "node:os";
import { runCommand } from "./processes.js";

/** The machine a run happened on; figures from different machines are not comparable. */
export interface MachineInfo {
  readonly nproc: number;
  readonly cpu: string;
  readonly memoryGb: number;
  readonly os: string;
  readonly node: string;
  readonly nginx: string;
  readonly haproxy: string;
  readonly wrk: string;
  /** 1-minute load average when the run started: other work on the machine skews every figure. */
  readonly loadAverageAtStart: number;
}

async function versionLine(command: string, args: string[], pattern: RegExp): Promise<string> {
  const result = await runCommand(command, args, { timeoutMs: 5_000 });
  const match = pattern.exec(`${result.stdout}\n${result.stderr}`);
  return match?.[1] ?? "not installed";
}

export async function describeMachine(): Promise<MachineInfo> {
  return {
    nproc: os.availableParallelism(),
    cpu: os.cpus()[0]?.model.trim() ?? "unknown",
    memoryGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    nginx: await versionLine("nginx", ["-v"], /nginx\/(\S+)/),
    haproxy: await versionLine("haproxy", ["-v"], /version (\S+)/),
    wrk: await versionLine("wrk", ["-v"], /wrk (\S+)/),
    loadAverageAtStart: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
  };
}
