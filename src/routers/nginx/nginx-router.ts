import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { NginxRouterConfig } from "../../config/router-schema.js";
import { RouterError } from "../../errors.js";
import type { SlotName } from "../../types.js";
import { isPortInUse } from "../../util/ports.js";
import { tailFile } from "../../util/tail.js";
import type { RouterContext } from "../index.js";
import type { DrainResult, RouteTarget, Router, RouterStatus } from "../types.js";
import { AccessLogCounter } from "./access-log.js";
import { applyInclude } from "./apply-include.js";
import {
  parseNginxInclude,
  renderNginxInclude,
  targetAddress,
  type NginxIncludeSpec,
} from "./render-include.js";
import { childPids, readMasterPid, waitForExit } from "./workers.js";

/**
 * The nginx router: switchyard owns one include file, rewrites it, reloads nginx, and resolves a
 * switch only once the previous worker generation has exited (no worker can still proxy to the old
 * slot). nginx's reload closes idle client keep-alive connections; that residue cannot be avoided.
 */
export function createNginxRouter(config: NginxRouterConfig, ctx: RouterContext): Router {
  const resolve = (file: string) => path.resolve(ctx.configDir, file);
  const includeFile = resolve(config.include_file);
  const pidFile = resolve(config.pid_file);
  const accessLog = config.access_log ? new AccessLogCounter(resolve(config.access_log)) : undefined;
  const spec = (target: RouteTarget | null): NginxIncludeSpec => ({
    style: config.style,
    upstream: config.upstream ?? ctx.service,
    variable: config.variable,
    target,
  });
  /** host:port each slot was last routed to, for attributing access-log lines. */
  const addresses: Partial<Record<SlotName, string>> = {};
  /** Workers of older generations that had not exited when their switch resolved. */
  let lingering: number[] = [];

  async function readInclude(): Promise<string | undefined> {
    try {
      return await readFile(includeFile, "utf8");
    } catch {
      return undefined;
    }
  }

  async function apply(target: RouteTarget | null): Promise<void> {
    const startedAt = Date.now();
    try {
      const outcome = await applyInclude(renderNginxInclude(spec(target)), {
        includeFile,
        testCommand: config.test_command,
        reloadCommand: config.reload_command,
        pidFile,
        verifyTimeoutMs: config.verify_timeout,
        workerExitTimeoutMs: config.worker_exit_timeout,
        log: ctx.log,
      });
      lingering = [...lingering, ...outcome.lingering];
      if (outcome.changed) {
        ctx.log(
          `nginx: ${includeFile} now routes to ${target ? `${target.slot} (${targetAddress(target)})` : "nothing"}; ` +
            `reloaded, old workers gone after ${Date.now() - startedAt}ms`,
        );
      }
    } catch (err) {
      if (err instanceof RouterError && config.error_log) {
        const tail = await tailFile(resolve(config.error_log), 5);
        throw new RouterError(err.message, [...err.details, ...tail.map((l) => `  error_log: ${l}`)], {
          cause: err,
          hint: err.hint,
        });
      }
      throw err;
    }
  }

  return {
    kind: "nginx",
    async ensureReady() {
      if ((await readInclude()) !== undefined) return;
      await mkdir(path.dirname(includeFile), { recursive: true });
      // "wx": never overwrite an include someone else created meanwhile.
      await writeFile(includeFile, renderNginxInclude(spec(null)), { flag: "wx" }).catch((err: unknown) => {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") {
          throw new RouterError(`cannot create the nginx include ${includeFile}`, [], {
            cause: err,
            hint: "make its directory writable for switchyard, or set router.nginx.include_file",
          });
        }
      });
      ctx.log(`nginx: created ${includeFile} (routes nothing until the first switch)`);
    },

    async status(): Promise<RouterStatus> {
      const text = await readInclude();
      const parsed = text === undefined ? undefined : parseNginxInclude(text);
      const master = await readMasterPid(pidFile).catch(() => undefined);
      return {
        active: parsed?.active ?? null,
        detail: {
          include_file: includeFile,
          include: text === undefined ? "missing" : parsed ? "switchyard" : "not written by switchyard",
          target: parsed?.target ?? null,
          master: master ?? null,
          workers: master === undefined ? [] : await childPids(master),
        },
      };
    },

    async switchTo(target) {
      const address = targetAddress(target);
      if (!(await isPortInUse(target.port, target.host, 2_000))) {
        throw new RouterError(
          `nothing accepts connections on ${address} (${target.slot}); nginx not changed`,
          [],
          {
            hint: `start ${target.slot} first; \`switchyard status\` shows the slots`,
          },
        );
      }
      await apply(target);
      addresses[target.slot] = address;
    },

    async clear() {
      await apply(null);
    },

    async drain(_slot, timeoutMs): Promise<DrainResult> {
      const startedAt = Date.now();
      const remaining = await waitForExit(lingering, timeoutMs);
      lingering = remaining;
      const waitedMs = Date.now() - startedAt;
      if (remaining.length === 0) return { drained: true, waitedMs };
      return {
        drained: false,
        waitedMs,
        remaining: remaining.length,
        note: `old nginx worker(s) ${remaining.join(", ")} still serve long requests or WebSockets`,
      };
    },

    async traffic() {
      if (!accessLog) return undefined;
      const parsed = parseNginxInclude((await readInclude()) ?? "");
      if (parsed?.active && parsed.target) addresses[parsed.active] ??= parsed.target;
      return accessLog.snapshot(addresses);
    },
  };
}
