import { mkdir, writeFile } from "node:fs/promises";
import { adoptContainer } from "../docker/adopt.js";
import path from "node:path";
import type { ComposeRuntimeConfig } from "../../config/runtime-schema.js";
import { RuntimeError } from "../../errors.js";
import type { PrepareOptions, PrepareResult, Runtime, SlotHandle, SlotSpec } from "../types.js";
import {
  containerHealth,
  containerLiveness,
  discardContainer,
  slotLogs,
  waitForContainerExit,
} from "../docker/container-state.js";
import { inspectContainer, listContainers, stopContainer } from "../docker/containers.js";
import type { RuntimeContext } from "../docker/docker-runtime.js";
import { EngineClient } from "../docker/engine-client.js";
import { assertPortFree } from "../docker/ports.js";
import { hasImage, prepareResult, pullImage, resolveImage } from "../docker/pull.js";
import { LABELS } from "../docker/render-create.js";
import { detectComposeCommand, run, runOrThrow } from "./compose-cli.js";
import { loadComposeService } from "./compose-file.js";
import { composeProjectName, renderOverride } from "./render-override.js";

const COMPOSE_PROJECT_LABEL = "com.docker.compose.project";
const COMPOSE_SERVICE_LABEL = "com.docker.compose.service";
/** Compose slots publish on loopback only: the router is the public entry. */
const BIND = "127.0.0.1";

/**
 * Runs the user's compose service as a slot: project `<service>-<slot>`, plus a generated override
 * file (port, environment keys, labels, pinned image) kept in the state directory.
 */
export function createComposeRuntime(config: ComposeRuntimeConfig, ctx: RuntimeContext): Runtime {
  const engine = ctx.engine ?? new EngineClient();
  const file = path.resolve(ctx.configDir, config.file);
  const projectDir = path.dirname(file);
  const overridePath = (slot: string) => path.join(ctx.stateDir, "compose", `${slot}.override.yml`);
  const projectArgs = (slot: string) => [
    "-p",
    composeProjectName(ctx.service, slot),
    "-f",
    file,
    "-f",
    overridePath(slot),
    "--project-directory",
    projectDir,
  ];

  async function prepare(options: PrepareOptions): Promise<PrepareResult> {
    const command = await detectComposeCommand();
    const info = await loadComposeService(command, file, config.service, projectDir);
    const reference = options.image ?? info.image;
    if (!reference) return { summary: `compose builds ${config.service} (no image to pin)` };
    const resolved = await resolveImage(engine, reference, options.signal);
    const pulled = !(await hasImage(engine, resolved.pinned));
    if (pulled) await pullImage(engine, resolved.pinned, options.signal);
    return prepareResult(reference, resolved, pulled, options.active);
  }

  async function start(spec: SlotSpec): Promise<SlotHandle> {
    const command = await detectComposeCommand();
    const info = await loadComposeService(command, file, config.service, projectDir);
    const project = composeProjectName(ctx.service, spec.slot);
    const running = (await slotContainers(project)).filter((c) => c.State === "running");
    if (running.length > 0) {
      throw new RuntimeError(`compose project ${project} is still running`, [], {
        hint: `deploy to the other slot, or stop this one: \`${command.join(" ")} -p ${project} down\``,
      });
    }
    await assertPortFree(engine, BIND, spec.port);

    const env = { PORT: String(config.container_port), ...config.env, ...spec.env };
    const override = renderOverride({
      service: ctx.service,
      slot: spec.slot,
      composeService: config.service,
      hostPort: spec.port,
      containerPort: config.container_port,
      bind: BIND,
      envKeys: Object.keys(env),
      labels: {
        [LABELS.service]: spec.service,
        [LABELS.slot]: spec.slot,
        [LABELS.version]: spec.version,
        [LABELS.deployId]: spec.deployId,
        [LABELS.port]: String(spec.port),
      },
      image: spec.artifact,
      composeVersion: info.composeVersion,
    });
    await mkdir(path.dirname(overridePath(spec.slot)), { recursive: true });
    await writeFile(overridePath(spec.slot), override);

    const childEnv = { ...process.env, ...env };
    try {
      await runOrThrow(
        command,
        [...projectArgs(spec.slot), "up", "-d", config.service],
        `slot ${spec.slot} did not start`,
        {
          cwd: projectDir,
          env: childEnv,
        },
      );
    } catch (err) {
      await run(command, [...projectArgs(spec.slot), "down", "-t", "1"], { cwd: projectDir, env: childEnv });
      throw err;
    }
    const container = (await slotContainers(project)).find(
      (c) => c.Labels?.[LABELS.deployId] === spec.deployId,
    );
    const inspected = container ? await inspectContainer(engine, container.Id) : undefined;
    if (!inspected)
      throw new RuntimeError(
        `compose started project ${project} but no ${config.service} container is there`,
      );
    return {
      kind: "compose",
      slot: spec.slot,
      port: spec.port,
      version: spec.version,
      deployId: spec.deployId,
      startedAt: inspected.State.StartedAt,
      artifact: spec.artifact,
      containerId: inspected.Id,
      logFile: spec.logFile,
      pid: inspected.State.Pid || undefined,
    };
  }

  function slotContainers(project: string) {
    return listContainers(engine, {
      [COMPOSE_PROJECT_LABEL]: project,
      [COMPOSE_SERVICE_LABEL]: config.service,
    });
  }

  /** `compose down` for slots whose containers are stopped and not kept: frees their networks too. */
  async function prune(keep: readonly SlotHandle[]): Promise<void> {
    const command = await detectComposeCommand();
    const kept = new Set(keep.flatMap((h) => (h.containerId ? [h.containerId] : [])));
    for (const slot of ["blue", "green"]) {
      const containers = await slotContainers(composeProjectName(ctx.service, slot));
      if (containers.length === 0 || containers.some((c) => c.State === "running" || kept.has(c.Id)))
        continue;
      await runOrThrow(
        command,
        [...projectArgs(slot), "down", "-t", "1"],
        `cannot remove stopped slot ${slot}`,
        {
          cwd: projectDir,
        },
      );
    }
  }

  return {
    kind: "compose",
    prepare,
    start,
    inspect: (handle) => containerLiveness(engine, handle),
    waitExit: (handle, signal) => waitForContainerExit(engine, handle, signal),
    // The engine stops the container directly: no compose file needed, so it works after edits.
    // `restart: always` would bring a stopped slot back when dockerd restarts: turn it off.
    stop: async (handle, graceMs) => {
      if (!handle.containerId) return;
      await stopContainer(engine, handle.containerId, graceMs);
      await engine.send({
        method: "POST",
        path: `/containers/${handle.containerId}/update`,
        body: { RestartPolicy: { Name: "no" } },
      });
    },
    discard: (handle, graceMs) => discardContainer(engine, handle, graceMs),
    adopt: (name) => adoptContainer(name, "compose", engine),
    healthcheck: (handle) => containerHealth(engine, handle),
    logs: (handle, lines) => slotLogs(engine, handle, lines),
    canRestart: (handle) => typeof handle.artifact === "string" && handle.artifact.includes("@sha256:"),
    prune,
  };
}
