import type { DockerRuntimeConfig } from "../../config/runtime-schema.js";
import { adoptContainer } from "./adopt.js";
import { RuntimeError, errorMessage } from "../../errors.js";
import type { PrepareOptions, PrepareResult, Runtime, SlotHandle, SlotSpec } from "../types.js";
import { EngineClient, EngineError } from "./engine-client.js";
import {
  containerLogs,
  inspectContainer,
  removeContainer,
  renameContainer,
  stopContainer,
  type ContainerInfo,
} from "./containers.js";
import {
  containerHealth,
  containerLiveness,
  discardContainer,
  slotLogs,
  waitForContainerExit,
} from "./container-state.js";
import { ensureNetwork } from "./network.js";
import { assertPortFree } from "./ports.js";
import { hasImage, prepareResult, pullImage, resolveImage } from "./pull.js";
import { LABELS, renderCreateRequest, slotContainerName } from "./render-create.js";
import { pruneRetained, retainedName } from "./retention.js";

/** What every runtime factory receives besides its config. */
export interface RuntimeContext {
  readonly service: string;
  /** Directory of the config file; relative paths (volumes) resolve against it. */
  readonly configDir: string;
  readonly stateDir: string;
  /** Engine to talk to; defaults to DOCKER_HOST. Tests pass their own. */
  readonly engine?: EngineClient;
}

export function createDockerRuntime(config: DockerRuntimeConfig, ctx: RuntimeContext): Runtime {
  const engine = ctx.engine ?? new EngineClient();

  async function prepare(options: PrepareOptions): Promise<PrepareResult> {
    const reference = options.image ?? config.image;
    const resolved = await resolveImage(engine, reference, options.signal);
    const pulled = !(await hasImage(engine, resolved.pinned));
    if (pulled) await pullImage(engine, resolved.pinned, options.signal);
    return prepareResult(reference, resolved, pulled, options.active);
  }

  async function start(spec: SlotSpec): Promise<SlotHandle> {
    const image = spec.artifact ?? config.image;
    const request = renderCreateRequest(config, spec, image, ctx.configDir);
    const stale = await staleSlotContainer(request.name);
    await assertPortFree(engine, config.bind, spec.port);
    if (stale) await removeContainer(engine, stale);
    if (config.network) await ensureNetwork(engine, config.network, config.create_network, ctx.service);
    if (spec.artifact && !(await hasImage(engine, image))) await pullImage(engine, image);

    const created = await engine
      .json<{ Id: string }>({
        method: "POST",
        path: "/containers/create",
        query: { name: request.name },
        body: request.body,
      })
      .catch((err: unknown) => {
        throw new RuntimeError(
          `cannot create container ${request.name} from ${image}: ${errorMessage(err)}`,
          [],
          {
            cause: err,
            hint: "check runtime.image (or --image) and the runtime settings",
          },
        );
      });
    try {
      await engine.request({ method: "POST", path: `/containers/${created.Id}/start` });
    } catch (err) {
      const lines = await containerLogs(engine, created.Id, 20).catch(() => []);
      await removeContainer(engine, created.Id);
      throw new RuntimeError(`container ${request.name} did not start: ${errorMessage(err)}`, lines, {
        cause: err,
      });
    }
    const info = await inspectContainer(engine, created.Id);
    return {
      kind: "docker",
      slot: spec.slot,
      port: spec.port,
      version: spec.version,
      deployId: spec.deployId,
      startedAt: info?.State.StartedAt ?? new Date().toISOString(),
      artifact: spec.artifact,
      containerId: created.Id,
      logFile: spec.logFile,
      pid: info?.State.Pid || undefined,
    };
  }

  /** A stopped container of ours under the slot name is stale (returns its id). Anything else: refuse. */
  async function staleSlotContainer(name: string): Promise<string | undefined> {
    const existing = await inspectContainer(engine, name);
    if (!existing) return undefined;
    if (existing.Config.Labels?.[LABELS.service] !== ctx.service) {
      throw new RuntimeError(`a container named ${name} exists and is not managed by switchyard`, [], {
        hint: `rename or remove it (\`docker rm -f ${name}\`), or adopt it with \`switchyard adopt ${name}\``,
      });
    }
    if (existing.State.Running) {
      throw new RuntimeError(`container ${name} is still running`, [], {
        hint: `it is slot ${existing.Config.Labels?.[LABELS.slot] ?? "?"} of ${ctx.service}; stop it (\`docker stop ${name}\`) or deploy to the other slot`,
      });
    }
    return existing.Id;
  }

  async function stop(handle: SlotHandle, graceMs: number): Promise<void> {
    const id = handle.containerId;
    if (!id) return;
    await stopContainer(engine, id, graceMs);
    // A stopped container with `restart: always` comes back when dockerd restarts and would take
    // its slot port again; retained containers are only ever re-created, never restarted.
    await engine.send({
      method: "POST",
      path: `/containers/${id}/update`,
      body: { RestartPolicy: { Name: "no" } },
    });
    const info = await inspectContainer(engine, id);
    if (info && info.Name.replace(/^\//, "") === slotContainerName(ctx.service, handle.slot)) {
      await retainUnderOwnName(info, handle);
    }
    await pruneRetained(engine, ctx.service, config.retain);
  }

  /** Frees the slot name for the next start, keeping the stopped container for rollback and logs. */
  async function retainUnderOwnName(info: ContainerInfo, handle: SlotHandle): Promise<void> {
    const name = retainedName(ctx.service, handle.slot, handle.deployId);
    try {
      await renameContainer(engine, info.Id, name);
    } catch (err) {
      if (!(err instanceof EngineError && err.status === 409)) throw err;
      await renameContainer(engine, info.Id, `${name}-${info.Id.slice(0, 8)}`);
    }
  }

  return {
    kind: "docker",
    prepare,
    start,
    inspect: (handle) => containerLiveness(engine, handle),
    waitExit: (handle, signal) => waitForContainerExit(engine, handle, signal),
    stop,
    discard: (handle, graceMs) => discardContainer(engine, handle, graceMs),
    adopt: (name) => adoptContainer(name, "docker", engine),
    healthcheck: (handle) => containerHealth(engine, handle),
    logs: (handle, lines) => slotLogs(engine, handle, lines),
    canRestart: (handle) => typeof handle.artifact === "string" && handle.artifact.includes("@sha256:"),
    prune: async (keep) => {
      const ids = new Set(keep.flatMap((h) => (h.containerId ? [h.containerId] : [])));
      await pruneRetained(engine, ctx.service, config.retain, ids);
    },
  };
}
