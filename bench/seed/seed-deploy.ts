import http from "node:http";
import { readFile, writeFile } from "node:fs/promises";
import { startAppSlot, type AppSlot } from "../lib/app-slot.js";
import { sedFirstPerLine, type SeedNginx } from "./seed-nginx.js";

/** The two compose services of the seed, as processes: server-a on one port, server-b on the other. */
export interface SeedHost {
  readonly nginx: SeedNginx;
  readonly ports: { readonly a: number; readonly b: number };
  readonly slots: { a?: AppSlot; b?: AppSlot };
  readonly logDir: string;
  /** Where the apps log request ids, if they should. */
  readonly idLogDir?: string;
}

export interface SeedDeployOptions {
  version: string;
  /** READY_DELAY_MS of the new app. */
  readyDelayMs?: number;
  /** The seed sleeps 10 s between health tries; the correctness rows may shorten it. */
  pollIntervalMs: number;
}

export interface SeedDeployOutcome {
  /** What deploy.sh would have exited with. */
  readonly ok: boolean;
  readonly startedAt: number;
  /** Epoch ms when `nginx -s reload` returned (undefined when the deploy failed before). */
  readonly reloadedAt?: number;
  readonly healthTries: number;
  readonly endedAt: number;
}

/**
 * deploy.sh of the seed, step by step, with processes instead of containers: pick the idle slot
 * from "is server-a running", start it, try `curl /health | grep running` up to 10 times with a
 * sleep between, `sed` the port in the include file, `nginx -s reload`, then stop the old slot at
 * once. Its defects are kept on purpose (a success on the 10th try counts as failure; a failed
 * deploy leaves the new app running): this is the baseline, not a fixed version.
 */
export async function seedDeploy(host: SeedHost, options: SeedDeployOptions): Promise<SeedDeployOutcome> {
  const startedAt = Date.now();
  const aRunning = host.slots.a !== undefined;
  const start = aRunning ? "b" : "a";
  const terminate = aRunning ? "a" : "b";
  host.slots[start] = startAppSlot({
    port: host.ports[start],
    version: options.version,
    readyDelayMs: options.readyDelayMs ?? 0,
    logDir: host.logDir,
    ...(host.idLogDir === undefined ? {} : { idLogDir: host.idLogDir }),
  });

  let cnt = 1;
  for (; cnt <= 10; cnt += 1) {
    if ((await curlBody(`http://127.0.0.1:${host.ports[start]}/health`)).includes("running")) break;
    await new Promise((resolve) => setTimeout(resolve, options.pollIntervalMs));
  }
  // bash leaves cnt at 10 both after a success on the 10th try and after ten failures.
  const healthTries = Math.min(cnt, 10);
  if (healthTries === 10) return { ok: false, startedAt, healthTries, endedAt: Date.now() };

  const include = await readFile(host.nginx.includeFile, "utf8");
  await writeFile(
    host.nginx.includeFile,
    sedFirstPerLine(include, String(host.ports[terminate]), String(host.ports[start])),
  );
  await host.nginx.reload();
  const reloadedAt = Date.now();
  const old = host.slots[terminate];
  if (old) {
    // docker-compose down: SIGTERM, SIGKILL after 10 s, returns when the container is gone.
    await old.process.stop("SIGTERM", 10_000);
    host.slots[terminate] = undefined;
  }
  return { ok: true, startedAt, reloadedAt, healthTries, endedAt: Date.now() };
}

/** `curl -s URL`: the body, or "" on any error (curl -s prints nothing then). */
function curlBody(url: string): Promise<string> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: 5_000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve(body));
      res.on("error", () => resolve(body));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(""));
  });
}
