import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import { fileURLToPath } from "node:url";
import { canBind } from "../../../src/util/ports.js";

const APP = fileURLToPath(new URL("../../fixtures/app.mjs", import.meta.url));

/** A random free loopback port in 20000-60000 (random, so parallel helpers rarely collide). */
export async function randomPort(): Promise<number> {
  for (let i = 0; i < 50; i += 1) {
    const port = 20_000 + Math.floor(Math.random() * 40_000);
    if (await canBind(port)) return port;
  }
  throw new Error("no free port found in 20000-60000");
}

export interface AppProcess {
  readonly port: number;
  readonly version: string;
  readonly child: ChildProcess;
  /** SIGTERM (graceful, like a runtime's stop), SIGKILL after 5 s; resolves when it exited. */
  stop(): Promise<void>;
}

/**
 * Starts test/fixtures/app.mjs on a random port and waits for /health to answer 200 (or, with
 * `env.HEALTH_STATUS`, to answer at all).
 */
export async function startApp(
  version: string,
  port?: number,
  env: Record<string, string> = {},
): Promise<AppProcess> {
  const chosen = port ?? (await randomPort());
  const child = spawn(process.execPath, [APP], {
    env: { ...process.env, PORT: String(chosen), APP_VERSION: version, ...env },
    stdio: "ignore",
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    }
  };
  const deadline = Date.now() + 10_000;
  const expected = Number(env.HEALTH_STATUS ?? 200);
  while ((await healthStatus(chosen)) !== expected) {
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop();
      throw new Error(`app ${version} did not answer /health on port ${chosen}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port: chosen, version, child, stop };
}

function healthStatus(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(
      { host: "127.0.0.1", port, path: "/health", agent: false, timeout: 1_000 },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on("error", () => resolve(0));
    req.on("timeout", () => req.destroy());
  });
}

/** In CI a missing binary fails the suite; locally the suite is skipped with a loud message. */
export function requireBinary(name: string, available: boolean, install: string): boolean {
  if (available) return true;
  if (process.env.CI === "true") throw new Error(`${name} is not installed; ${install}`);
  console.warn(`\n!!! SKIPPING ${name} tests: ${name} is not installed. Install it with: ${install}\n`);
  return false;
}
