import { describe, expect, it } from "vitest";
import { IdleTimer } from "../../src/proxy/idle-timer.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("IdleTimer", () => {
  it("fires once `ms` passed since the last touch, not since the start", async () => {
    const fired: number[] = [];
    const started = Date.now();
    const timer = new IdleTimer(() => fired.push(Date.now() - started));
    timer.start(200);
    await sleep(120);
    timer.touch();
    await sleep(120);
    expect(fired).toEqual([]); // 240 ms after the start, but only 120 after the touch
    await sleep(150);
    timer.stop();
    expect(fired).toHaveLength(1);
    expect(fired[0]).toBeGreaterThanOrEqual(315);
  });

  it("asks again every `ms` while the caller ignores the expiry, and never after stop()", async () => {
    let calls = 0;
    const timer = new IdleTimer(() => {
      calls += 1;
      if (calls === 2) timer.stop();
    });
    timer.start(60);
    await sleep(400);
    expect(calls).toBe(2);
  });

  it("never fires with 0 (disabled), and remembers when it was last touched", async () => {
    let calls = 0;
    const timer = new IdleTimer(() => (calls += 1));
    timer.start(0);
    await sleep(20);
    const before = Date.now();
    timer.touch();
    expect(timer.lastTouched).toBeGreaterThanOrEqual(before);
    expect(timer.lastTouched).toBeLessThanOrEqual(Date.now());
    await sleep(50);
    expect(calls).toBe(0);
  });
});
