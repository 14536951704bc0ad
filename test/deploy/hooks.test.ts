import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { runHook } from "../../src/deploy/hooks.js";
import { createReporter } from "../../src/output/reporter.js";

function collectingReporter() {
  const out = new PassThrough();
  let text = "";
  out.on("data", (c: Buffer) => (text += c.toString()));
  return { reporter: createReporter({ mode: "human", color: false, out, err: out }), text: () => text };
}

describe("hooks", () => {
  it("are done when sh exits, even if they leave a job running in the background", async () => {
    const { reporter, text } = collectingReporter();
    const started = Date.now();
    const result = await runHook(
      "post_switch",
      { post_switch: { command: "sleep 4 & echo warmed", timeout: 15_000 } },
      { cwd: process.cwd(), env: {}, reporter },
    );
    expect(result).toMatchObject({
      ran: true,
      ok: true,
      exitCode: 0,
      timedOut: false,
      lastLines: ["warmed"],
    });
    expect(Date.now() - started).toBeLessThan(3000); // not the 4 s of the background job
    expect(text()).toContain("post_switch | warmed");
  });

  it("keep the output written just before exit and report a non-zero exit code", async () => {
    const { reporter } = collectingReporter();
    const result = await runHook(
      "pre_switch",
      { pre_switch: { command: "printf 'one\\ntwo\\nlast words'; exit 7", timeout: 5000 } },
      { cwd: process.cwd(), env: {}, reporter },
    );
    expect(result).toMatchObject({ ok: false, exitCode: 7, lastLines: ["one", "two", "last words"] });
  });

  it("do not start when the deploy was already interrupted", async () => {
    const { reporter } = collectingReporter();
    const interrupted = new AbortController();
    interrupted.abort();
    const started = Date.now();
    const result = await runHook(
      "pre_switch",
      { pre_switch: { command: "sleep 10", timeout: 15_000 } },
      { cwd: process.cwd(), env: {}, reporter, signal: interrupted.signal },
    );
    expect(result).toMatchObject({ ran: false, ok: false });
    expect(Date.now() - started).toBeLessThan(3000); // not the 10 s sleep
  });
});
