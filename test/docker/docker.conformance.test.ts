import { LABELS } from "../../src/runtimes/docker/render-create.js";
import { listContainers } from "../../src/runtimes/docker/containers.js";
import { runtimeConformance } from "../conformance/runtime.conformance.js";
import { dockerAvailable, engine, makeDockerWorld } from "./docker-fixture.js";

if (await dockerAvailable()) {
  runtimeConformance("docker", async () => {
    const world = await makeDockerWorld("conf");
    return {
      runtime: world.runtime,
      spec: (slot, port, version) => world.spec(slot, port, version),
      badSpec: (slot, port) =>
        world.spec(slot, port, "missing", `${world.image.repository}@sha256:${"0".repeat(64)}`),
      leftovers: async (spec) => {
        const containers = await listContainers(engine, { [LABELS.deployId]: spec.deployId });
        return containers.map((c) => `${c.Names[0]} (${c.State})`);
      },
      cleanup: () => world.cleanup(),
    };
  });
}
