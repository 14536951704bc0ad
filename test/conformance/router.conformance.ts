/**
 * The suite every router passes (builtin, nginx, haproxy). Call it from a test file:
 *
 *   routerConformance("nginx", async () => ({ router, targets, url, brokenRouter, cleanup }));
 *
 * The two targets must be real backends answering like test/fixtures/app.mjs (an `x-app-version`
 * header on every response, `GET /slow?ms=N`), with versions `versions.blue` / `versions.green`
 * (default: the slot names). `url` is where client traffic enters the router.
 */
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RouterError } from "../../src/errors.js";
import type { RouteTarget, Router } from "../../src/routers/types.js";
import type { SlotName } from "../../src/types.js";

/** What a router's test file hands to the suite. */
export interface RouterUnderTest {
  readonly router: Router;
  readonly targets: { readonly blue: RouteTarget; readonly green: RouteTarget };
  /** Where client traffic enters, e.g. "http://127.0.0.1:41234". */
  readonly url: string;
  /** The `x-app-version` each target answers with; default { blue: "blue", green: "green" }. */
  readonly versions?: { readonly blue: string; readonly green: string };
  /**
   * Optional: the same router over the same traffic entry, set up so that applying a switch fails
   * (nginx whose test_command exits 1, haproxy with an unknown server name, builtin with no daemon).
   * When absent, the suite asks the real router to switch to an unusable target (port 1 on a host
   * that cannot resolve) and expects a RouterError.
   */
  brokenRouter?(): Promise<Router>;
  /** Stops everything the router and backends started; removes temp dirs. */
  cleanup(): Promise<void>;
}

export interface Reply {
  readonly status: number;
  /** The x-app-version header, or null when the backend did not answer. */
  readonly version: string | null;
  readonly body: string;
}

/** One request on its own connection (no keep-alive), so a switch is never hidden by a pooled socket. */
export function request(base: string, path: string, timeoutMs = 10_000): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.get(new URL(path, base), { agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => {
        const version = res.headers["x-app-version"];
        resolve({
          status: res.statusCode ?? 0,
          version: typeof version === "string" ? version : null,
          body: Buffer.concat(chunks).toString("utf8"),
        });
      });
    });
    req.on("timeout", () => req.destroy(new Error(`no answer from ${base}${path} within ${timeoutMs}ms`)));
    req.on("error", reject);
  });
}

const PROBES = 8;

export function routerConformance(name: string, makeRouter: () => Promise<RouterUnderTest>): void {
  describe(`router conformance: ${name}`, () => {
    let under: RouterUnderTest;
    const version = (slot: SlotName): string => under.versions?.[slot] ?? slot;

    /** Every one of PROBES fresh requests must reach `slot`. */
    async function expectServedBy(slot: SlotName): Promise<void> {
      const seen: Array<string | null> = [];
      for (let i = 0; i < PROBES; i += 1) seen.push((await request(under.url, `/?probe=${i}`)).version);
      expect(seen).toEqual(Array.from({ length: PROBES }, () => version(slot)));
    }

    beforeAll(async () => {
      under = await makeRouter();
      await under.router.ensureReady();
    });
    afterAll(async () => {
      await under?.cleanup();
    });

    it("ensureReady is idempotent", async () => {
      await under.router.ensureReady();
      await under.router.ensureReady();
    });

    it("switches to blue: requests reach blue and status reports blue", async () => {
      await under.router.switchTo(under.targets.blue);
      await expectServedBy("blue");
      const reply = await request(under.url, "/");
      expect(reply.status).toBe(200);
      expect(JSON.parse(reply.body)).toMatchObject({ version: version("blue") });
      expect((await under.router.status()).active).toBe("blue");
    });

    it("switches to green, then back to blue", async () => {
      await under.router.switchTo(under.targets.blue);
      await under.router.switchTo(under.targets.green);
      await expectServedBy("green");
      expect((await under.router.status()).active).toBe("green");

      await under.router.switchTo(under.targets.blue);
      await expectServedBy("blue");
      expect((await under.router.status()).active).toBe("blue");
    });

    it("switching to the slot already active keeps serving it", async () => {
      await under.router.switchTo(under.targets.green);
      await under.router.switchTo(under.targets.green);
      await expectServedBy("green");
      expect((await under.router.status()).active).toBe("green");
    });

    it("drain of the old slot with nothing in flight resolves drained quickly", async () => {
      await under.router.switchTo(under.targets.blue);
      await under.router.switchTo(under.targets.green);
      const startedAt = Date.now();
      const result = await under.router.drain("blue", 10_000);
      expect(result.drained).toBe(true);
      expect(Date.now() - startedAt).toBeLessThan(8_000);
      await expectServedBy("green");
    });

    it("switch + drain wait for a slow request still running on the old slot", async () => {
      await under.router.switchTo(under.targets.blue);
      let finished = false;
      const slow = request(under.url, "/slow?ms=1500").finally(() => {
        finished = true;
      });
      await sleep(300); // the slow request is now in flight on blue
      expect(finished).toBe(false);

      await under.router.switchTo(under.targets.green);
      await expectServedBy("green");
      const result = await under.router.drain("blue", 10_000);
      expect(result.drained).toBe(true);
      // Draining means nothing still runs on blue: the slow request ended, and ended well.
      expect(finished).toBe(true);
      const reply = await slow;
      expect(reply.status).toBe(200);
      expect(reply.version).toBe(version("blue"));
      expect(JSON.parse(reply.body)).toMatchObject({ slept: 1500 });
    });

    it("a switch that cannot be applied throws RouterError and leaves the previous route", async () => {
      await under.router.switchTo(under.targets.blue);
      const broken = under.brokenRouter ? await under.brokenRouter() : under.router;
      const target: RouteTarget = under.brokenRouter
        ? under.targets.green
        : { slot: "green", host: "no-such-host.invalid", port: 1 };
      const failure = await broken.switchTo(target).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(failure).toBeInstanceOf(RouterError);
      expect((failure as RouterError).message.length).toBeGreaterThan(10);
      await expectServedBy("blue");
      expect((await under.router.status()).active).toBe("blue");
      // The router still works after the failed attempt.
      await under.router.switchTo(under.targets.green);
      await expectServedBy("green");
    });

    it("clear routes nothing; a later switch routes again", async () => {
      await under.router.switchTo(under.targets.blue);
      await under.router.clear();
      for (let i = 0; i < 3; i += 1) {
        const reply = await request(under.url, "/");
        expect(reply.version).toBeNull();
        expect(reply.status).toBeGreaterThanOrEqual(500);
      }
      expect((await under.router.status()).active).toBeNull();
      await under.router.switchTo(under.targets.green);
      await expectServedBy("green");
    });

    it("traffic counters, when the router has them, count requests to the active slot", async () => {
      await under.router.switchTo(under.targets.green);
      const before = await under.router.traffic();
      for (let i = 0; i < 5; i += 1) expect((await request(under.url, "/")).status).toBe(200);
      const after = await under.router.traffic();
      if (before === undefined || after === undefined) {
        expect(after).toBeUndefined(); // a router either counts or says it cannot, consistently
        return;
      }
      expect(after.at).toBeGreaterThanOrEqual(before.at);
      const delta = (after.slots.green?.requests ?? 0) - (before.slots.green?.requests ?? 0);
      expect(delta).toBeGreaterThanOrEqual(5);
      expect(after.slots.green?.failures ?? 0).toBe(before.slots.green?.failures ?? 0);
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
