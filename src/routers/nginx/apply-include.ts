import { readFile, rm } from "node:fs/promises";
import { RouterError } from "../../errors.js";
import { commitTemp, writeFileAtomic, writeTempBeside } from "../../util/atomic-file.js";
import { outputLines, runCommand, type CommandResult } from "../../util/run-command.js";
import { childPids, readMasterPid, waitForExit, waitForNewGeneration } from "./workers.js";

export interface ApplyIncludeOptions {
  readonly includeFile: string;
  readonly testCommand: readonly string[];
  readonly reloadCommand: readonly string[];
  readonly pidFile: string;
  readonly verifyTimeoutMs: number;
  readonly workerExitTimeoutMs: number;
  readonly log: (line: string) => void;
}

export interface ApplyOutcome {
  /** False when the file already had this content: nothing was reloaded. */
  readonly changed: boolean;
  readonly master?: number;
  /** Workers of the previous generation still running at the deadline (long requests, WebSockets). */
  readonly lingering: readonly number[];
}

/**
 * Installs a new include and makes nginx use it: write temp + rename, test, reload, verify that a
 * new worker generation runs, then wait for the old workers to exit so that nothing can still
 * proxy with the previous include. Any failure before the reload took effect restores the
 * previous file byte for byte and throws RouterError with nginx's own output.
 */
export async function applyInclude(content: string, options: ApplyIncludeOptions): Promise<ApplyOutcome> {
  const file = options.includeFile;
  const previous = await readIfExists(file);
  if (previous !== undefined && previous.equals(Buffer.from(content)))
    return { changed: false, lingering: [] };
  const master = await readMasterPid(options.pidFile);

  await commitTemp(await writeTempBeside(file, content), file);
  const restore = async (): Promise<void> => {
    if (previous === undefined) await rm(file, { force: true });
    else await writeFileAtomic(file, previous);
  };

  const tested = await runCommand(options.testCommand);
  if (!tested.ok) {
    await restore();
    throw commandFailed("rejected", file, options.testCommand, tested);
  }
  const oldWorkers = await childPids(master);
  const reloaded = await runCommand(options.reloadCommand);
  if (!reloaded.ok) {
    await restore();
    throw commandFailed("could not reload with", file, options.reloadCommand, reloaded);
  }
  if (!(await waitForNewGeneration(master, oldWorkers, options.verifyTimeoutMs))) {
    await restore();
    // A slow reload may still take effect with the new include it already read: a second reload
    // makes the restored file the last one nginx loads.
    await runCommand(options.reloadCommand);
    throw new RouterError(
      `nginx (master pid ${master}) started no new workers within ${options.verifyTimeoutMs}ms of the reload; ` +
        `restored the previous ${file} and reloaded again, traffic unchanged`,
      [`old workers: ${oldWorkers.join(", ") || "none"}`],
      { hint: "nginx logs why a reload failed in its error_log; check it, then deploy again" },
    );
  }
  const lingering = await waitForExit(oldWorkers, options.workerExitTimeoutMs);
  if (lingering.length > 0) {
    options.log(
      `nginx: ${lingering.length} old worker(s) (${lingering.join(", ")}) still running after ` +
        `${options.workerExitTimeoutMs}ms: they may still proxy long requests to the previous slot`,
    );
  }
  return { changed: true, master, lingering };
}

async function readIfExists(file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new RouterError(`cannot read the nginx include ${file}`, [], { cause: err });
  }
}

function commandFailed(
  verb: string,
  file: string,
  argv: readonly string[],
  result: CommandResult,
): RouterError {
  const lines = outputLines(result);
  const found = lines.find((line) => /\[(emerg|alert|crit|error)\]/.test(line)) ?? lines[0] ?? "no output";
  // "2026/11/28 13:00:41 [emerg] 23658#23658: host not found ..." -> "[emerg] host not found ..."
  const reason = found.replace(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d (\[\w+\]) \d+#\d+: /, "$1 ");
  return new RouterError(
    `nginx ${verb} the new include ${file}: ${reason}; restored the previous file, traffic unchanged`,
    [`$ ${argv.join(" ")} (exit ${result.exitCode ?? "none"})`, ...lines.map((line) => `  ${line}`)],
    { hint: "fix the nginx configuration (run the test command above to see it), then deploy again" },
  );
}
