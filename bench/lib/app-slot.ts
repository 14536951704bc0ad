import path from "node:path";
import { idLogArgs } from "./id-audit.js";
import { appFixture } from "./paths.js";
import { spawnGroup, type GroupProcess } from "./processes.js";

/** One running copy of test/fixtures/app.mjs. */
export interface AppSlot {
  readonly port: number;
  readonly version: string;
  readonly process: GroupProcess;
}

/** Starts the test app; it answers /health with 503 until `readyDelayMs` after its start. */
export function startAppSlot(options: {
  port: number;
  version: string;
  readyDelayMs?: number;
  logDir: string;
  /** Log the x-load-id of every request into this directory (see bench/lib/id-log-hook.ts). */
  idLogDir?: string;
}): AppSlot {
  const hook = options.idLogDir === undefined ? [] : idLogArgs();
  const proc = spawnGroup(process.execPath, [...hook, appFixture()], {
    env: {
      ...process.env,
      ...(options.idLogDir === undefined ? {} : { BENCH_ID_LOG_DIR: options.idLogDir }),
      PORT: String(options.port),
      APP_VERSION: options.version,
      READY_DELAY_MS: String(options.readyDelayMs ?? 0),
    },
    logFile: path.join(options.logDir, `app-${options.port}.log`),
  });
  return { port: options.port, version: options.version, process: proc };
}
