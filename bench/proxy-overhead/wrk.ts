import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

/** One wrk run's figures. */
export interface WrkResult {
  readonly requestsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly requests: number;
  /** Socket errors (connect/read/write/timeout) plus non-2xx/3xx responses. */
  readonly errors: number;
  readonly command: string;
}

export async function runWrk(
  url: string,
  connections: number,
  seconds: number,
  threads = 2,
): Promise<WrkResult> {
  const args = [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, "--latency", url];
  const { stdout } = await run("wrk", args, { timeout: (seconds + 30) * 1000 });
  return { ...parseWrk(stdout), command: `wrk ${args.join(" ")}` };
}

/** Parses wrk's text report (pure; tested on a captured report). */
export function parseWrk(text: string): Omit<WrkResult, "command"> {
  const number = (re: RegExp): number => Number(re.exec(text)?.[1] ?? NaN);
  const errorsLine = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const socketErrors = errorsLine ? errorsLine.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  const non2xx = number(/Non-2xx or 3xx responses: (\d+)/);
  return {
    requestsPerSec: number(/Requests\/sec:\s+([\d.]+)/),
    p50Ms: latencyMs(/^\s+50%\s+([\d.]+)(us|ms|s)$/m, text),
    p99Ms: latencyMs(/^\s+99%\s+([\d.]+)(us|ms|s)$/m, text),
    requests: number(/(\d+) requests in/),
    errors: socketErrors + (Number.isNaN(non2xx) ? 0 : non2xx),
  };
}

function latencyMs(re: RegExp, text: string): number {
  const match = re.exec(text);
  if (!match) return NaN;
  const value = Number(match[1]);
  return match[2] === "us" ? value / 1000 : match[2] === "s" ? value * 1000 : value;
}
