import { execFileSync } from "node:child_process";
import { deploy } from "../../deploy/engine.js";
import { describeTraffic } from "../../deploy/traffic.js";
import { formatDuration } from "../../config/duration.js";
import { UsageError } from "../../errors.js";
import { deployContext, type GlobalOptions } from "../context.js";

export async function run(
  globals: GlobalOptions,
  _args: unknown[],
  options: Record<string, unknown>,
): Promise<number> {
  const ctx = await deployContext(globals, { interruptible: true });
  if (options["image"] !== undefined && ctx.config.runtime.kind === "process") {
    throw new UsageError("--image applies to the docker and compose runtimes; runtime.kind is process");
  }
  const version = (options["version"] as string | undefined) ?? defaultVersion(ctx.config.configDir);
  ctx.reporter.info(`deploying ${ctx.config.service} ${version}`);
  const result = await deploy(ctx, {
    version,
    image: options["image"] as string | undefined,
    force: options["force"] === true,
  });
  ctx.reporter.info(
    `deployed ${version} to ${result.slot} in ${formatDuration(result.durationMs)}; ${describeTraffic(result.traffic)}`,
  );
  // --json: the result is the last event, so CI can read the final line.
  ctx.reporter.event("result", { ...result });
  return 0;
}

/** `git describe --always --dirty` of the config's directory, else a timestamp. */
export function defaultVersion(dir: string): string {
  try {
    return execFileSync("git", ["describe", "--always", "--dirty"], {
      cwd: dir,
      stdio: ["ignore", "pipe", "ignore"],
    })
      .toString()
      .trim();
  } catch {
    return new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "");
  }
}
