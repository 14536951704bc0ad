import { spawn } from "node:child_process";

/** How an external command (nginx -t, haproxy -c) ended. */
export interface CommandResult {
  readonly ok: boolean;
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The command could not be started (not installed) or ran past its timeout. */
  readonly problem?: string;
}

/** Runs `argv` without a shell and collects its output; never throws. */
export function runCommand(argv: readonly string[], timeoutMs = 30_000): Promise<CommandResult> {
  return new Promise((resolve) => {
    const [file, ...args] = argv;
    if (file === undefined) {
      resolve({ ok: false, exitCode: null, stdout: "", stderr: "", problem: "empty command" });
      return;
    }
    const child = spawn(file, args, { stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let problem: string | undefined;
    const timer = setTimeout(() => {
      problem = `still running after ${timeoutMs}ms; killed`;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.on("error", (e) => {
      problem = e.message;
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      const result = {
        ok: code === 0 && problem === undefined,
        exitCode: code,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      };
      resolve(problem === undefined ? result : { ...result, problem });
    });
  });
}

/** The output lines worth showing a user: stderr first, trimmed, at most `max`. */
export function outputLines(result: CommandResult, max = 20): string[] {
  const text = `${result.problem ?? ""}\n${result.stderr}\n${result.stdout}`;
  return text
    .split("\n")
    .map((line) => line.trimEnd())
    .filter((line) => line !== "")
    .slice(0, max);
}
