import { spawn } from "node:child_process";
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LockHeldError, StateError } from "../../src/errors.js";
import { clearSecretsForTests, redact, registerSecret } from "../../src/secrets.js";
import { acquireLock } from "../../src/state/lock.js";
import { initialState, withSlot, type HistoryEntry } from "../../src/state/state.js";
import { StateStore } from "../../src/state/store.js";
import { pidStartTime } from "../../src/util/process.js";
import { tempDir } from "../support/tmp.js";

/** A failed deploy's history entry; `overrides` set what a test looks at. */
function failedEntry(overrides: Partial<HistoryEntry>): HistoryEntry {
  return {
    id: "1",
    kind: "deploy",
    outcome: "failed",
    version: "v",
    slot: "blue",
    from: null,
    user: "u",
    host: "h",
    startedAt: "s",
    finishedAt: "f",
    durationMs: 1,
    steps: [],
    ...overrides,
  };
}

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(async () => {
  clearSecretsForTests();
  await cleanup();
});

describe("StateStore", () => {
  it("starts from the initial state and round-trips writes, leaving no temp files", async () => {
    const store = new StateStore(dir);
    expect(await store.read("hello")).toMatchObject({ schema: 1, service: "hello", active: null });
    const handle = {
      kind: "process",
      slot: "blue",
      port: 1,
      version: "v1",
      deployId: "d",
      startedAt: "t",
      pid: 42,
    } as const;
    await store.write({
      ...withSlot(initialState("hello"), "blue", { status: "running", handle }),
      active: "blue",
    });
    expect((await store.read("hello")).slots.blue).toEqual({ status: "running", handle });
    expect((await readdir(dir)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    expect((await stat(store.stateFile)).mode & 0o777).toBe(0o600);
  });

  it("reports a corrupt state file and leaves it as it was", async () => {
    const store = new StateStore(dir);
    await writeFile(store.stateFile, "{ broken");
    await expect(store.read("hello")).rejects.toBeInstanceOf(StateError);
    await expect(store.read("hello")).rejects.toThrow(
      /corrupt \(not JSON\); switchyard will not overwrite it/,
    );
    expect(await readFile(store.stateFile, "utf8")).toBe("{ broken");
  });

  it("reports a state file that went missing while history remains", async () => {
    const store = new StateStore(dir);
    await writeFile(store.historyFile, "[]");
    await expect(store.read("hello")).rejects.toThrow(/state\.json is missing but .*history\.json exists/);
  });

  it("refuses another service's state", async () => {
    const store = new StateStore(dir);
    await store.write(initialState("other"));
    await expect(store.read("hello")).rejects.toThrow(/belongs to service "other", not "hello"/);
  });

  it("redacts secrets from state and history", async () => {
    registerSecret("sup3r-s3cret");
    const store = new StateStore(dir);
    await store.write({ ...initialState("hello"), maintenance: { message: "token sup3r-s3cret" } });
    await store.appendHistory(failedEntry({ error: "boom sup3r-s3cret" }));
    for (const file of [store.stateFile, store.historyFile]) {
      const text = await readFile(file, "utf8");
      expect(text).not.toContain("sup3r-s3cret");
      expect(text).toContain("[redacted]");
    }
  });

  it("redacts secrets with quotes or backslashes and keeps numbers and booleans intact", async () => {
    registerSecret('pa"ss\\word');
    registerSecret("3000");
    registerSecret("false");
    const store = new StateStore(dir);
    await store.write({ ...initialState("hello"), maintenance: { message: 'key pa"ss\\word at 3000' } });
    await store.appendHistory(
      failedEntry({ durationMs: 3000, steps: [{ name: "start", ms: 3000, ok: false }] }),
    );
    const state = JSON.parse(await readFile(store.stateFile, "utf8")) as { maintenance: { message: string } };
    expect(state.maintenance.message).toBe("key [redacted] at [redacted]");
    const history = JSON.parse(await readFile(store.historyFile, "utf8")) as Array<Record<string, unknown>>;
    expect(history[0]).toMatchObject({ durationMs: 3000, steps: [{ ms: 3000, ok: false }] });
    expect(redact(JSON.stringify({ m: 'pa"ss\\word' }))).toBe('{"m":"[redacted]"}');
  });
});

describe("deploy lock", () => {
  it("is exclusive and names its holder", async () => {
    const first = await acquireLock(dir, "switchyard deploy v1");
    const err = (await acquireLock(dir, "switchyard deploy v2").catch((e: unknown) => e)) as LockHeldError;
    expect(err).toBeInstanceOf(LockHeldError);
    expect(err.exitCode).toBe(3);
    expect(err.message).toContain(`pid ${process.pid} on ${os.hostname()}`);
    expect(err.message).toContain("(switchyard deploy v1)");
    await first.release();
    const again = await acquireLock(dir, "switchyard deploy v2");
    await again.release();
  });

  it("takes over a lock whose pid is dead, saying whose it was", async () => {
    const child = spawn(process.execPath, ["-e", "0"]);
    const deadPid = child.pid!;
    await new Promise((r) => child.once("exit", r));
    await writeFile(
      path.join(dir, "deploy.lock"),
      JSON.stringify({
        pid: deadPid,
        host: os.hostname(),
        startedAt: "2026-01-01T00:00:00Z",
        command: "switchyard deploy old",
      }),
    );
    const lock = await acquireLock(dir, "switchyard deploy new");
    expect(lock.takenOver?.pid).toBe(deadPid);
    await lock.release();
  });

  it("takes over a lock whose pid now belongs to another process (pid reuse after a reboot)", async () => {
    const liveStranger = { pid: process.pid, startTime: pidStartTime(process.pid)! + 1 };
    await writeFile(
      path.join(dir, "deploy.lock"),
      JSON.stringify({
        pid: liveStranger.pid,
        host: os.hostname(),
        startedAt: "2026-01-01T00:00:00Z",
        command: "switchyard deploy before-reboot",
        pidStartTime: liveStranger.startTime,
      }),
    );
    const lock = await acquireLock(dir, "switchyard deploy new");
    expect(lock.takenOver?.command).toBe("switchyard deploy before-reboot");
    await lock.release();
  });

  it("lets exactly one of many processes racing for it win, also when taking over a dead owner", async () => {
    const lockModule = new URL("../../dist/src/state/lock.js", import.meta.url).href;
    const racer = `
      const { acquireLock } = await import(${JSON.stringify(lockModule)});
      try { await acquireLock(process.argv[1], "racer"); await new Promise((r) => setTimeout(r, 1500)); process.exit(0); }
      catch (e) { process.exit(e.exitCode === 3 ? 3 : 1); }`;
    const race = async () => {
      const codes = await Promise.all(
        Array.from({ length: 8 }, () => {
          const child = spawn(process.execPath, ["--input-type=module", "-e", racer, dir], {
            stdio: "inherit",
          });
          return new Promise<number | null>((r) => child.once("exit", r));
        }),
      );
      return codes.sort();
    };
    expect(await race()).toEqual([0, 3, 3, 3, 3, 3, 3, 3]);
    // All racers are dead now and the winner left its lock behind: a stale lock to take over.
    await writeFile(
      path.join(dir, "deploy.lock"),
      JSON.stringify({ pid: 2 ** 22 + 7, host: os.hostname(), startedAt: "x", command: "dead" }),
    );
    expect(await race()).toEqual([0, 3, 3, 3, 3, 3, 3, 3]);
  });

  it("never takes over a lock held by another host", async () => {
    await writeFile(
      path.join(dir, "deploy.lock"),
      JSON.stringify({
        pid: 999999,
        host: "elsewhere",
        startedAt: "2026-01-01T00:00:00Z",
        command: "switchyard deploy",
      }),
    );
    await expect(acquireLock(dir, "switchyard deploy")).rejects.toThrow(/pid 999999 on elsewhere/);
  });
});
