import { RuntimeError } from "../../errors.js";
import type { SlotHandle, SlotLiveness } from "../types.js";
import { sleep } from "../../util/process.js";
import type { EngineClient } from "./engine-client.js";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import {
  containerLogs,
  inspectContainer,
  removeContainer,
  stopContainer,
  type ContainerInfo,
} from "./containers.js";

/** What docker and compose slots share: a container id in the handle and the engine's view of it. */

const WAIT_POLL_MS = 250;

export async function containerLiveness(engine: EngineClient, handle: SlotHandle): Promise<SlotLiveness> {
  const info = handle.containerId ? await inspectContainer(engine, handle.containerId) : undefined;
  return liveness(info);
}

/** How many lines of a discarded container's output are kept in the slot's log file. */
const KEPT_LOG_LINES = 500;

/**
 * Stops and removes a container that never took traffic, first saving its last output lines to
 * the slot's log file so `switchyard logs <slot>` still shows why it failed.
 */
export async function discardContainer(
  engine: EngineClient,
  handle: SlotHandle,
  graceMs: number,
): Promise<void> {
  if (!handle.containerId) return;
  await stopContainer(engine, handle.containerId, graceMs);
  if (handle.logFile) {
    const lines = await containerLogs(engine, handle.containerId, KEPT_LOG_LINES);
    if (lines.length > 0) {
      await mkdir(path.dirname(handle.logFile), { recursive: true });
      await writeFile(handle.logFile, lines.join("\n") + "\n");
    }
  }
  await removeContainer(engine, handle.containerId);
}

/** The container's output, or what `discardContainer` saved once the container is gone. */
export async function slotLogs(engine: EngineClient, handle: SlotHandle, lines: number): Promise<string[]> {
  const info = handle.containerId ? await inspectContainer(engine, handle.containerId) : undefined;
  if (info) return containerLogs(engine, info.Id, lines);
  if (!handle.logFile) return [];
  const text = await readFile(handle.logFile, "utf8").catch(() => "");
  const all = text.split("\n");
  if (all.at(-1) === "") all.pop();
  return all.slice(-lines);
}

/** The image's HEALTHCHECK verdict; "none" without one, "unhealthy" when the container is gone. */
export async function containerHealth(
  engine: EngineClient,
  handle: SlotHandle,
): Promise<"none" | "starting" | "healthy" | "unhealthy"> {
  const info = handle.containerId ? await inspectContainer(engine, handle.containerId) : undefined;
  if (!info) return "unhealthy";
  const status = info.State.Health?.Status;
  if (status === "starting" || status === "healthy" || status === "unhealthy") return status;
  return "none";
}

/**
 * Polls until the container is not running. A restart policy may already have brought a crashed
 * app back: any restart counts as an exit, and its code comes from the engine's `die` events
 * because inspect then shows the new run's ExitCode (0).
 */
export async function waitForContainerExit(
  engine: EngineClient,
  handle: SlotHandle,
  signal: AbortSignal,
): Promise<SlotLiveness | null> {
  const id = requireContainer(handle);
  while (!signal.aborted) {
    const info = await inspectContainer(engine, id);
    if (!info) return { state: "missing" };
    if (!info.State.Running || info.State.Restarting)
      return { state: "exited", exitCode: info.State.ExitCode };
    if (info.RestartCount > 0) {
      const code = await lastExitCode(engine, id, info.Created);
      return { state: "exited", exitCode: code ?? null };
    }
    await sleep(WAIT_POLL_MS, signal);
  }
  return null;
}

/** The exit code of the container's latest `die` event since `sinceIso`, from the engine's event log. */
async function lastExitCode(engine: EngineClient, id: string, sinceIso: string): Promise<number | undefined> {
  const since = Math.floor(Date.parse(sinceIso) / 1000) - 1;
  const res = await engine.send({
    path: "/events",
    query: {
      since,
      until: (Date.now() / 1000).toFixed(3),
      filters: JSON.stringify({ container: [id], event: ["die"] }),
    },
  });
  if (res.status !== 200) return undefined;
  let code: number | undefined;
  for (const line of res.body.toString("utf8").split("\n")) {
    if (line.trim() === "") continue;
    const event = JSON.parse(line) as { Actor?: { Attributes?: Record<string, string> } };
    const value = event.Actor?.Attributes?.exitCode;
    if (value !== undefined) code = Number(value);
  }
  return code;
}

function liveness(info: ContainerInfo | undefined): SlotLiveness {
  if (!info) return { state: "missing" };
  if (info.State.Running && !info.State.Restarting) return { state: "running" };
  return { state: "exited", exitCode: info.State.ExitCode };
}

function requireContainer(handle: SlotHandle): string {
  if (!handle.containerId) throw new RuntimeError(`slot ${handle.slot} has no container id in its handle`);
  return handle.containerId;
}
