import path from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import type { DeployContext } from "../../src/deploy/context.js";
import { healthGate } from "../../src/deploy/health-gate.js";
import { DeployError } from "../../src/errors.js";
import { createReporter } from "../../src/output/reporter.js";
import { createRuntime } from "../../src/runtimes/index.js";
import type { SlotHandle } from "../../src/runtimes/types.js";
import { makeProject } from "../support/project.js";

type Project = Awaited<ReturnType<typeof makeProject>>;

describe("health gate", () => {
  let project: Project | undefined;
  let stopSlot: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stopSlot?.();
    await project?.cleanup();
    project = undefined;
    stopSlot = undefined;
  });

  // A Ctrl-C that lands after the deploy recorded "health" but before the gate began listening
  // used to be ignored: the gate then waited out the whole 20 s deadline (a CI failure, once).
  it("stops at once when the deploy was interrupted before the gate started", async () => {
    project = await makeProject({ env: { READY_DELAY_MS: "60000" } });
    const config = await loadConfig(path.join(project.dir, "switchyard.yml"));
    const runtime = createRuntime(config);
    const handle: SlotHandle = await runtime.start({
      service: config.service,
      slot: "green",
      port: config.slots.green.port,
      version: "v2",
      deployId: "test",
      env: config.runtime.env,
      logFile: path.join(project.dir, "green.log"),
    });
    stopSlot = () => runtime.stop(handle, 3000);
    const cancelled = new AbortController();
    cancelled.abort(new DeployError("interrupted by SIGINT"));
    const ctx = {
      config,
      runtime,
      reporter: createReporter({
        mode: "quiet",
        color: false,
        out: new PassThrough(),
        err: new PassThrough(),
      }),
      cancel: cancelled.signal,
    } as unknown as DeployContext; // the gate uses neither router nor store

    const started = Date.now();
    await expect(healthGate(ctx, handle)).rejects.toThrow("interrupted by SIGINT");
    expect(Date.now() - started).toBeLessThan(3000); // the deadline is 20 s
  });
});
