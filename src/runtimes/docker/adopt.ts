import { RuntimeError } from "../../errors.js";
import type { AdoptedApp } from "../types.js";
import { EngineClient } from "./engine-client.js";
import { inspectContainer, type ContainerInfo } from "./containers.js";
import { LABELS } from "./render-create.js";

/**
 * Takes over a running container that switchyard did not start (e.g. the seed's `server-a` on
 * 8080) as the active `slot`. Nothing about the container changes: it keeps serving, and the next
 * deploy starts the other slot and stops this one after the switch. Its image digest (when it was
 * pulled from a registry) becomes the handle's artifact, so a rollback can re-create it.
 */
export async function adoptContainer(
  nameOrId: string,
  kind: "docker" | "compose",
  engine: EngineClient = new EngineClient(),
): Promise<AdoptedApp> {
  const info = await inspectContainer(engine, nameOrId);
  if (!info) {
    throw new RuntimeError(`no container named ${nameOrId}`, [], {
      hint: "list candidates with `docker ps`",
    });
  }
  const name = info.Name.replace(/^\//, "");
  if (!info.State.Running) {
    throw new RuntimeError(`container ${name} is ${info.State.Status}, not running: nothing to adopt`, [], {
      hint: `start it (\`docker start ${name}\`) or deploy without adopting`,
    });
  }
  const port = publishedPort(info);
  if (port === undefined) {
    throw new RuntimeError(`container ${name} publishes no host port, so no router can reach it`, [], {
      hint: "adopt a container started with -p HOST:CONTAINER",
    });
  }
  const image = await engine.json<{ RepoDigests?: string[] }>({ path: `/images/${info.Image}/json` });
  const labels = info.Config.Labels ?? {};
  return {
    kind,
    port,
    version: labels[LABELS.version] ?? `adopted ${info.Config.Image}`,
    deployId: labels[LABELS.deployId] ?? `adopted-${info.Id.slice(0, 12)}`,
    startedAt: info.State.StartedAt,
    artifact: image.RepoDigests?.[0],
    containerId: info.Id,
    pid: info.State.Pid || undefined,
  };
}

/** The first host port the container publishes. */
export function publishedPort(info: Pick<ContainerInfo, "HostConfig">): number | undefined {
  for (const bindings of Object.values(info.HostConfig.PortBindings ?? {})) {
    for (const binding of bindings ?? []) {
      const port = Number(binding.HostPort);
      if (Number.isInteger(port) && port > 0) return port;
    }
  }
  return undefined;
}
