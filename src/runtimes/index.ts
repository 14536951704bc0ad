import type { Config } from "../config/load.js";
import { createProcessRuntime, type RuntimeContext } from "./process/process-runtime.js";
import type { Runtime } from "./types.js";

/** runtime.kind -> implementation. Docker and compose are loaded lazily: `process` needs nothing else. */
export function createRuntime(config: Config): Runtime {
  const ctx: RuntimeContext = {
    service: config.service,
    configDir: config.configDir,
    stateDir: config.stateDir,
  };
  const runtime = config.runtime;
  switch (runtime.kind) {
    case "process":
      return createProcessRuntime(runtime, ctx);
    case "docker":
    case "compose":
      return lazyRuntime(runtime.kind, async () => {
        if (runtime.kind === "docker") {
          const { createDockerRuntime } = await import("./docker/docker-runtime.js");
          return createDockerRuntime(runtime, ctx);
        }
        const { createComposeRuntime } = await import("./compose/compose-runtime.js");
        return createComposeRuntime(runtime, ctx);
      });
  }
}

/** Defers loading an implementation module until its first call. */
function lazyRuntime(kind: Runtime["kind"], load: () => Promise<Runtime>): Runtime {
  let loaded: Promise<Runtime> | undefined;
  let ready: Runtime | undefined;
  const get = async () => (ready ??= await (loaded ??= load()));
  return {
    kind,
    prepare: async (o) => (await get()).prepare(o),
    start: async (s) => (await get()).start(s),
    inspect: async (h) => (await get()).inspect(h),
    waitExit: async (h, signal) => (await get()).waitExit(h, signal),
    stop: async (h, g) => (await get()).stop(h, g),
    discard: async (h, g) => {
      const runtime = await get();
      await (runtime.discard ? runtime.discard(h, g) : runtime.stop(h, g));
    },
    logs: async (h, n) => (await get()).logs(h, n),
    healthcheck: async (h) => {
      const runtime = await get();
      return runtime.healthcheck ? runtime.healthcheck(h) : "none";
    },
    // canRestart is synchronous and only needs the handle: a recorded artifact means restartable.
    canRestart: (h) => (ready ? ready.canRestart(h) : h.artifact !== undefined),
    adopt: async (name) => {
      const runtime = await get();
      if (!runtime.adopt) throw new Error(`the ${kind} runtime cannot adopt`);
      return runtime.adopt(name);
    },
    prune: async (keep) => {
      const runtime = await get();
      await runtime.prune?.(keep);
    },
  };
}
