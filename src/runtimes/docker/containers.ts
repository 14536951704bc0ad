import { EngineError, type EngineClient } from "./engine-client.js";

/** The parts of GET /containers/{id}/json switchyard reads. */
export interface ContainerInfo {
  readonly Id: string;
  readonly Name: string;
  readonly Created: string;
  readonly Config: { readonly Image: string; readonly Labels: Record<string, string> | null };
  readonly Image: string;
  readonly RestartCount: number;
  readonly State: {
    readonly Status: string;
    readonly Running: boolean;
    readonly Restarting: boolean;
    readonly ExitCode: number;
    readonly Pid: number;
    readonly StartedAt: string;
    readonly FinishedAt: string;
    readonly Health?: { readonly Status: string };
  };
  readonly HostConfig: {
    readonly PortBindings?: Record<string, { HostIp: string; HostPort: string }[] | null> | null;
  };
}

/** The parts of GET /containers/json (the list) switchyard reads. */
export interface ContainerSummary {
  readonly Id: string;
  readonly Names: string[];
  readonly Image: string;
  readonly Labels: Record<string, string> | null;
  readonly State: string;
  readonly Created: number;
  readonly Ports: { IP?: string; PrivatePort: number; PublicPort?: number; Type: string }[];
}

/** Inspects a container by id or name; `undefined` when it does not exist. */
export async function inspectContainer(
  engine: EngineClient,
  idOrName: string,
): Promise<ContainerInfo | undefined> {
  try {
    return await engine.json<ContainerInfo>({ path: `/containers/${encodeURIComponent(idOrName)}/json` });
  } catch (err) {
    if (err instanceof EngineError && err.status === 404) return undefined;
    throw err;
  }
}

/** Lists containers (running and stopped) matching every `label=value` given. */
export async function listContainers(
  engine: EngineClient,
  labels: Readonly<Record<string, string>>,
): Promise<ContainerSummary[]> {
  const filters = { label: Object.entries(labels).map(([key, value]) => `${key}=${value}`) };
  return engine.json<ContainerSummary[]>({
    path: "/containers/json",
    query: { all: true, filters: JSON.stringify(filters) },
  });
}

/** Every container, ours or not (for port ownership checks). */
export async function listAllContainers(engine: EngineClient): Promise<ContainerSummary[]> {
  return engine.json<ContainerSummary[]>({ path: "/containers/json", query: { all: true } });
}

/** Stops within `graceMs` (the engine kills after it); a stopped or missing container is fine. */
export async function stopContainer(engine: EngineClient, id: string, graceMs: number): Promise<void> {
  const seconds = Math.max(0, Math.ceil(graceMs / 1000));
  const res = await engine.send({
    method: "POST",
    path: `/containers/${id}/stop`,
    query: { t: seconds },
    timeoutMs: graceMs + 30_000,
  });
  if (res.status === 204 || res.status === 304 || res.status === 404) return;
  await engine.request({ method: "POST", path: `/containers/${id}/stop`, query: { t: seconds } });
}

export async function removeContainer(engine: EngineClient, id: string): Promise<void> {
  const res = await engine.send({
    method: "DELETE",
    path: `/containers/${id}`,
    query: { force: true, v: false },
  });
  if (res.status === 204 || res.status === 404) return;
  await engine.request({ method: "DELETE", path: `/containers/${id}`, query: { force: true } });
}

export async function renameContainer(engine: EngineClient, id: string, name: string): Promise<void> {
  await engine.request({ method: "POST", path: `/containers/${id}/rename`, query: { name } });
}

/** Last `lines` lines of stdout and stderr, interleaved as the engine recorded them. */
export async function containerLogs(engine: EngineClient, id: string, lines: number): Promise<string[]> {
  const res = await engine.send({
    path: `/containers/${id}/logs`,
    query: { stdout: true, stderr: true, tail: lines },
  });
  if (res.status === 404) return [];
  if (res.status >= 400)
    await engine.request({ path: `/containers/${id}/logs`, query: { stdout: true, tail: 1 } });
  const text = demuxLogs(res.body);
  const all = text.split("\n");
  if (all.at(-1) === "") all.pop();
  return all.slice(-lines);
}

/**
 * Undoes the engine's stream multiplexing (containers without a TTY): frames of an 8-byte header
 * [stream, 0, 0, 0, size(uint32 BE)] followed by `size` bytes. A body that does not start with a
 * valid header is returned as plain text (TTY containers).
 */
export function demuxLogs(body: Buffer): string {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= body.length) {
    const stream = body[offset]!;
    if (stream > 2 || body[offset + 1] !== 0 || body[offset + 2] !== 0 || body[offset + 3] !== 0) {
      return offset === 0 ? body.toString("utf8") : Buffer.concat(parts).toString("utf8");
    }
    const size = body.readUInt32BE(offset + 4);
    parts.push(body.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  if (offset === 0 && body.length > 0) return body.toString("utf8");
  return Buffer.concat(parts).toString("utf8");
}
