/**
 * The suite every runtime passes (process, docker, compose). Call it from a test file:
 *
 *   runtimeConformance("docker", async () => ({ runtime, spec: (slot, port, version) => ..., cleanup }));
 *
 * The app under test must: listen on `spec.port` (on 127.0.0.1), answer `GET /health` with 200 and a
 * body containing "running", print at least one line at start-up, and exit with code 3 after
 * `CRASH_AFTER_MS` milliseconds when that variable is in `spec.env` (test/fixtures/app.mjs and the
 * images of test/support/images.ts all do).
 */
import net from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { RuntimeError } from "../../src/errors.js";
import { freePort } from "../../src/util/ports.js";
import type { Runtime, SlotHandle, SlotLiveness, SlotSpec } from "../../src/runtimes/types.js";
import type { SlotName } from "../../src/types.js";

/** What a runtime's test file hands to the suite. */
export interface RuntimeUnderTest {
  readonly runtime: Runtime;
  /** A spec that starts the test app for `slot` on host `port`. */
  spec(slot: SlotName, port: number, version: string): SlotSpec;
  /** Removes everything the runtime made (containers, images, temp dirs). */
  cleanup(): Promise<void>;
  /** Optional extra failing start (bad command, missing image); must make `start` throw RuntimeError. */
  badSpec?(slot: SlotName, port: number): SlotSpec;
  /** The runtime's restart policy brings a crashed app back (compose `restart: always`). */
  readonly restartsCrashedApps?: boolean;
  /** Optional: what still exists of a start of `spec` (e.g. containers); [] when nothing. */
  leftovers?(spec: SlotSpec): Promise<string[]>;
}

const APP_READY_MS = 20_000;

export function runtimeConformance(name: string, makeRuntime: () => Promise<RuntimeUnderTest>): void {
  describe(`runtime conformance: ${name}`, () => {
    let under: RuntimeUnderTest;
    const started: SlotHandle[] = [];

    beforeAll(async () => {
      under = await makeRuntime();
    });
    afterEach(async () => {
      for (const handle of started.splice(0)) await under.runtime.stop(handle, 2_000);
    });
    afterAll(async () => {
      await under?.cleanup();
    });

    async function start(spec: SlotSpec): Promise<SlotHandle> {
      const handle = await under.runtime.start(spec);
      started.push(handle);
      return handle;
    }

    it("starts a slot that answers HTTP, logs, and stops", async () => {
      const port = await freePort();
      const spec = under.spec("blue", port, "v1");
      const handle = await start(spec);
      expect(handle.kind).toBe(under.runtime.kind);
      expect(handle.slot).toBe("blue");
      expect(handle.port).toBe(port);
      expect(handle.version).toBe("v1");
      expect(handle.deployId).toBe(spec.deployId);
      expect(await under.runtime.inspect(handle)).toEqual({ state: "running" });

      expect(await waitForHealth(port)).toContain("running");
      const lines = await eventually(async () => {
        const got = await under.runtime.logs(handle, 50);
        return got.some((line) => line.trim() !== "") ? got : undefined;
      }, 10_000);
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.length).toBeLessThanOrEqual(50);

      await under.runtime.stop(handle, 5_000);
      expect((await under.runtime.inspect(handle)).state).not.toBe("running");
      await expect(fetchHealth(port)).rejects.toThrow();
    });

    it("stop is idempotent", async () => {
      const port = await freePort();
      const handle = await start(under.spec("green", port, "v1"));
      await waitForHealth(port);
      await under.runtime.stop(handle, 5_000);
      await under.runtime.stop(handle, 5_000);
      expect((await under.runtime.inspect(handle)).state).not.toBe("running");
    });

    it("refuses to start on a port something else holds, leaving nothing running", async () => {
      const port = await freePort();
      const blocker = await listen(port);
      try {
        const spec = under.spec("blue", port, "v1");
        await expect(under.runtime.start(spec)).rejects.toBeInstanceOf(RuntimeError);
        await expectNothingLeft(spec);
      } finally {
        await close(blocker);
      }
      // Nothing stale blocks the next start on the same slot and port.
      const handle = await start(under.spec("blue", port, "v1"));
      expect(await waitForHealth(port)).toContain("running");
      await under.runtime.stop(handle, 5_000);
    });

    it("a start that cannot work throws RuntimeError and leaves nothing running", async (ctx) => {
      if (!under.badSpec) {
        ctx.skip();
        return;
      }
      const port = await freePort();
      const spec = under.badSpec("green", port);
      await expect(under.runtime.start(spec)).rejects.toBeInstanceOf(RuntimeError);
      await expectNothingLeft(spec);
      await expect(fetchHealth(port)).rejects.toThrow();
    });

    it("waitExit resolves with the exit when the app dies", async () => {
      const port = await freePort();
      const base = under.spec("green", port, "v1");
      const handle = await start({ ...base, env: { ...base.env, CRASH_AFTER_MS: "1500" } });
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), 30_000);
      const exit = await under.runtime.waitExit(handle, controller.signal);
      clearTimeout(timer);
      expect(exit).toEqual(expect.objectContaining({ state: "exited", exitCode: 3 }));
      if (!under.restartsCrashedApps) expect((await under.runtime.inspect(handle)).state).not.toBe("running");
      await under.runtime.stop(handle, 2_000);
    });

    it("waitExit resolves null when aborted while the app runs", async () => {
      const port = await freePort();
      const handle = await start(under.spec("blue", port, "v1"));
      const controller = new AbortController();
      const waiting: Promise<SlotLiveness | null> = under.runtime.waitExit(handle, controller.signal);
      setTimeout(() => controller.abort(), 300);
      expect(await waiting).toBeNull();
      expect(await under.runtime.inspect(handle)).toEqual({ state: "running" });
    });

    it("canRestart: a restartable stopped slot starts again from its handle's artifact", async () => {
      const port = await freePort();
      const spec = under.spec("blue", port, "v1");
      const first = await start(spec);
      await waitForHealth(port);
      await under.runtime.stop(first, 5_000);
      expect(typeof under.runtime.canRestart(first)).toBe("boolean");
      if (!under.runtime.canRestart(first)) return;
      const again = await start({ ...spec, deployId: `${spec.deployId}-again`, artifact: first.artifact });
      expect(again.artifact).toBe(first.artifact);
      expect(await waitForHealth(port)).toContain("running");
    });

    it("a failed slot is discarded (or stopped) and leaves nothing of it, as the engine does", async () => {
      const port = await freePort();
      const spec = under.spec("green", port, "v1");
      const handle = await start(spec);
      await waitForHealth(port);
      const discard = under.runtime.discard?.bind(under.runtime) ?? under.runtime.stop.bind(under.runtime);
      await discard(handle, 2_000);
      expect((await under.runtime.inspect(handle)).state).not.toBe("running");
      await expectNothingLeft(spec);
      await expect(fetchHealth(port)).rejects.toThrow();
      // Twice is harmless: recovery may discard a slot that is already gone.
      await discard(handle, 2_000);
    });

    async function expectNothingLeft(spec: SlotSpec): Promise<void> {
      if (under.leftovers) expect(await under.leftovers(spec)).toEqual([]);
    }
  });
}

function listen(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((socket) => socket.destroy());
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

function close(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

async function fetchHealth(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2_000) });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`/health answered ${res.status}: ${body}`);
  return body;
}

/** Polls /health until it answers 200; returns the body. */
export async function waitForHealth(port: number, timeoutMs = APP_READY_MS): Promise<string> {
  return eventually(() => fetchHealth(port).catch(() => undefined), timeoutMs, `127.0.0.1:${port}/health`);
}

async function eventually<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  what = "condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}
