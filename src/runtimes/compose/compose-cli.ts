import { spawn } from "node:child_process";
import { RuntimeError } from "../../errors.js";

/** argv prefix of the installed compose tool: ["docker", "compose"] or ["docker-compose"]. */
export type ComposeCommand = readonly string[];

export interface ComposeResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

let detected: Promise<ComposeCommand> | undefined;

/**
 * Finds the compose tool: the `docker compose` plugin first, then the standalone `docker-compose`
 * (Debian 12 ships 1.29). SWITCHYARD_COMPOSE (e.g. "docker-compose") forces one.
 */
export function detectComposeCommand(env: NodeJS.ProcessEnv = process.env): Promise<ComposeCommand> {
  const forced = env.SWITCHYARD_COMPOSE?.trim();
  if (forced) return Promise.resolve(forced.split(/\s+/));
  detected ??= (async () => {
    for (const candidate of [["docker", "compose"], ["docker-compose"]]) {
      const probe = await run(candidate, ["version"], { timeoutMs: 15_000 }).catch(() => undefined);
      if (probe?.code === 0) return candidate;
    }
    detected = undefined;
    throw new RuntimeError("neither `docker compose` nor `docker-compose` is installed", [], {
      hint: "install the compose plugin, or Debian's docker-compose (apt-get install docker-compose)",
    });
  })();
  return detected;
}

/** Runs compose; never throws for a non-zero exit (the caller decides), only when it cannot spawn. */
export function run(
  command: ComposeCommand,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<ComposeResult> {
  return new Promise((resolve, reject) => {
    const [file, ...prefix] = command;
    const child = spawn(file!, [...prefix, ...args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
      timeout: options.timeoutMs ?? 5 * 60_000,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs compose and turns a non-zero exit into a RuntimeError with compose's last output lines. */
export async function runOrThrow(
  command: ComposeCommand,
  args: readonly string[],
  what: string,
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<ComposeResult> {
  const result = await run(command, args, options).catch((err: unknown) => {
    throw new RuntimeError(`${what}: cannot run ${command.join(" ")}`, [], { cause: err });
  });
  if (result.code === 0) return result;
  const lines = `${result.stderr}\n${result.stdout}`.split("\n").filter((l) => l.trim() !== "");
  const last = lines.at(-1) ?? `exit code ${result.code}`;
  throw new RuntimeError(`${what}: ${last}`, lines.slice(-15), {
    hint: `the command was: ${[...command, ...args].join(" ")}`,
  });
}
