import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { PhaseRunner } from "../../src/deploy/phases.js";
import { DeployError } from "../../src/errors.js";
import { createReporter } from "../../src/output/reporter.js";
import { initialState } from "../../src/state/state.js";
import { StateStore } from "../../src/state/store.js";
import { onAbort } from "../../src/util/abort.js";
import { tempDir } from "../support/tmp.js";

function abortError(): Error {
  const err = new Error("The operation was aborted");
  err.name = "AbortError";
  return err;
}

describe("deploy phases", () => {
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await cleanup?.();
    cleanup = undefined;
  });

  async function runner(cancel: AbortSignal) {
    const dir = await tempDir("sy-phases-");
    cleanup = dir.cleanup;
    const store = new StateStore(dir.dir);
    await store.ensureDir();
    const reporter = createReporter({
      mode: "quiet",
      color: false,
      out: new PassThrough(),
      err: new PassThrough(),
    });
    const progress = {
      id: "test",
      kind: "deploy" as const,
      slot: "green" as const,
      from: "blue" as const,
      version: "v2",
      pid: process.pid,
      startedAt: new Date().toISOString(),
    };
    return new PhaseRunner(store, reporter, initialState("hello"), progress, cancel);
  }

  it("a step cut short by Ctrl-C (an aborted image pull) fails with the interrupt, not 'aborted'", async () => {
    const interrupt = new AbortController();
    const phases = await runner(interrupt.signal);
    const pull = phases.run("prepare", "prepare", () => {
      interrupt.abort(new DeployError("interrupted by SIGINT"));
      return Promise.reject(abortError());
    });
    await expect(pull).rejects.toThrow(new DeployError("interrupted by SIGINT"));
  });

  it("keeps a step's own error when the deploy was interrupted while it failed for another reason", async () => {
    const interrupt = new AbortController();
    const phases = await runner(interrupt.signal);
    const step = phases.run("switch", "switch", () => {
      interrupt.abort(new DeployError("interrupted by SIGINT"));
      return Promise.reject(new Error("nginx -t failed"));
    });
    await expect(step).rejects.toThrow("nginx -t failed");
  });

  it("does not start a step before the switch once interrupted", async () => {
    const interrupt = new AbortController();
    interrupt.abort(new DeployError("interrupted by SIGINT"));
    const phases = await runner(interrupt.signal);
    let ran = false;
    const step = phases.run("start", "start", () => Promise.resolve((ran = true)));
    await expect(step).rejects.toThrow("interrupted by SIGINT");
    expect(ran).toBe(false);
  });
});

describe("onAbort", () => {
  it("runs at once for a signal already aborted, once on a later abort, and not after removal", () => {
    const calls: string[] = [];
    const done = new AbortController();
    done.abort();
    onAbort(done.signal, () => calls.push("already"));
    expect(calls).toEqual(["already"]);

    const later = new AbortController();
    onAbort(later.signal, () => calls.push("later"));
    const removed = new AbortController();
    const stop = onAbort(removed.signal, () => calls.push("removed"));
    stop();
    later.abort();
    later.abort();
    removed.abort();
    expect(calls).toEqual(["already", "later"]);
    expect(onAbort(undefined, () => calls.push("none"))).toBeTypeOf("function");
    expect(calls).toEqual(["already", "later"]);
  });
});
