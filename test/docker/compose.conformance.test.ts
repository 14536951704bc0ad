import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { listContainers } from "../../src/runtimes/docker/containers.js";
import { LABELS } from "../../src/runtimes/docker/render-create.js";
import { createComposeRuntime } from "../../src/runtimes/compose/compose-runtime.js";
import { runtimeConformance } from "../conformance/runtime.conformance.js";
import { dockerAvailable, engine, makeDockerWorld } from "./docker-fixture.js";
import { seedComposeFile } from "./seed-compose.js";

if (await dockerAvailable()) {
  runtimeConformance("compose", async () => {
    const world = await makeDockerWorld("compose");
    const network = `${world.service}-net`;
    await engine.request({
      method: "POST",
      path: "/networks/create",
      body: { Name: network, Labels: { "switchyard.test": "1" } },
    });
    await mkdir(path.join(world.dir, "app"));
    await writeFile(path.join(world.dir, "app", "compose.yml"), seedComposeFile(world.image.ref, network));
    const runtime = createComposeRuntime(
      {
        kind: "compose",
        file: "app/compose.yml",
        service: "server",
        container_port: 8080,
        env: {},
        stop_grace: 2_000,
      },
      { service: world.service, configDir: world.dir, stateDir: path.join(world.dir, "state"), engine },
    );
    return {
      runtime,
      restartsCrashedApps: true,
      spec: (slot, port, version) => world.spec(slot, port, version),
      badSpec: (slot, port) =>
        world.spec(slot, port, "missing", `${world.image.repository}@sha256:${"0".repeat(64)}`),
      leftovers: async (spec) => {
        const containers = await listContainers(engine, { [LABELS.deployId]: spec.deployId });
        return containers.map((c) => `${c.Names[0]} (${c.State})`);
      },
      cleanup: async () => {
        await runtime.prune?.([]);
        await world.cleanup();
      },
    };
  });
}
