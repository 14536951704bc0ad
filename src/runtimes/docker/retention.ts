import type { EngineClient } from "./engine-client.js";
import { listContainers, removeContainer, type ContainerSummary } from "./containers.js";
import { LABELS } from "./render-create.js";

/** `<service>-<slot>-<deploy id>`: the name a stopped slot container is retained under. */
export function retainedName(service: string, slot: string, deployId: string): string {
  const id = deployId.replace(/[^a-zA-Z0-9_.-]/g, "").slice(-40) || "old";
  return `${service}-${slot}-${id}`;
}

/**
 * Which stopped containers of one service to remove: all but the newest `retain`, never a running
 * one, never one in `keepIds`, never another service's. Pure.
 */
export function choosePrunable(
  containers: readonly ContainerSummary[],
  service: string,
  retain: number,
  keepIds: ReadonlySet<string> = new Set(),
): ContainerSummary[] {
  const stopped = containers
    .filter((c) => c.Labels?.[LABELS.service] === service)
    .filter((c) => c.State !== "running" && c.State !== "restarting" && c.State !== "paused")
    .filter((c) => !keepIds.has(c.Id))
    .sort((a, b) => b.Created - a.Created || a.Id.localeCompare(b.Id));
  return stopped.slice(Math.max(0, retain));
}

/** Removes the stopped containers of `service` beyond the newest `retain`; returns their names. */
export async function pruneRetained(
  engine: EngineClient,
  service: string,
  retain: number,
  keepIds: ReadonlySet<string> = new Set(),
): Promise<string[]> {
  const containers = await listContainers(engine, { [LABELS.service]: service });
  const prunable = choosePrunable(containers, service, retain, keepIds);
  for (const container of prunable) await removeContainer(engine, container.Id);
  return prunable.map((c) => (c.Names[0] ?? c.Id).replace(/^\//, ""));
}
