import path from "node:path";
import { fileURLToPath } from "node:url";
import { createProcessRuntime } from "../../src/runtimes/process/process-runtime.js";
import { runtimeConformance } from "../conformance/runtime.conformance.js";
import { tempDir } from "../support/tmp.js";

const fixtures = path.dirname(fileURLToPath(new URL("../fixtures/app.mjs", import.meta.url)));

runtimeConformance("process", async () => {
  const { dir, cleanup } = await tempDir();
  const ctx = { service: "conformance", configDir: fixtures, stateDir: dir };
  const runtime = createProcessRuntime(
    { kind: "process", command: [process.execPath, "app.mjs"], env: {}, stop_grace: 3_000 },
    ctx,
  );
  const spec = (slot: "blue" | "green", port: number, version: string) => ({
    service: "conformance",
    slot,
    port,
    version,
    deployId: `test-${version}`,
    env: { APP_VERSION: version },
    logFile: path.join(dir, "logs", `${slot}.log`),
  });
  const bad = createProcessRuntime(
    { kind: "process", command: ["/nonexistent/switchyard-app"], env: {}, stop_grace: 1_000 },
    ctx,
  );
  return {
    // A command that does not exist is the process runtime's "start that cannot work".
    runtime: { ...runtime, start: (s) => (s.version === "bad" ? bad.start(s) : runtime.start(s)) },
    spec,
    cleanup,
    badSpec: (slot, port) => spec(slot, port, "bad"),
  };
});
