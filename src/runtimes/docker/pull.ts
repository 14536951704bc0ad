import { RuntimeError, errorMessage } from "../../errors.js";
import type { PrepareResult, SlotHandle } from "../types.js";
import { EngineError, type EngineClient } from "./engine-client.js";
import { formatRef, parseImageRef, pinnedRef, taggedRef, type ImageRef } from "./image-ref.js";
import { findCredentials, registryAuthHeader } from "./registry-auth.js";

const PULL_TIMEOUT_MS = 10 * 60_000;

/** One event of the newline-delimited JSON stream of POST /images/create (and /build, /push). */
export interface StreamEvent {
  readonly status?: string;
  readonly stream?: string;
  readonly error?: string;
  readonly errorDetail?: { readonly message?: string };
  readonly aux?: Record<string, unknown>;
}

/**
 * Parses an engine progress stream and throws on the first `{"error": ..}` event: the engine
 * answers 200 and reports a failed pull only inside the stream.
 */
export function parseProgressStream(text: string, what: string): StreamEvent[] {
  const events: StreamEvent[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === "") continue;
    let event: StreamEvent;
    try {
      event = JSON.parse(line) as StreamEvent;
    } catch {
      throw new RuntimeError(`${what}: the engine sent an unreadable progress line: ${line.slice(0, 200)}`);
    }
    const failure = event.error ?? event.errorDetail?.message;
    if (failure !== undefined) throw new RuntimeError(`${what} failed: ${failure}`);
    events.push(event);
  }
  return events;
}

/** Pulls `reference` (tagged or pinned); fails on any error event. */
export async function pullImage(
  engine: EngineClient,
  reference: string,
  signal?: AbortSignal,
): Promise<void> {
  const ref = parseImageRef(reference);
  if (!ref.tag && !ref.digest)
    throw new RuntimeError(`refusing to pull ${reference} without a tag: it pulls every tag`);
  const headers = registryAuthHeader(await findCredentials(ref.registry));
  const res = await engine
    .request({
      method: "POST",
      path: "/images/create",
      query: { fromImage: ref.repository, tag: ref.digest ?? ref.tag },
      headers,
      signal,
      timeoutMs: PULL_TIMEOUT_MS,
    })
    .catch((err: unknown) => {
      throw new RuntimeError(`pull of ${reference} failed: ${errorMessage(err)}`, [], {
        cause: err,
        hint: pullHint(ref),
      });
    });
  try {
    parseProgressStream(res.body.toString("utf8"), `pull of ${reference}`);
  } catch (err) {
    throw new RuntimeError(errorMessage(err), [], { cause: err, hint: pullHint(ref) });
  }
}

/** What `resolveImage` found: the pinned reference to create containers from. */
export interface ResolvedImage {
  /** `repository@sha256:..` */
  readonly pinned: string;
  readonly digest: string;
  /** How the digest was found, for the deploy summary. */
  readonly via: "reference" | "registry" | "pull";
}

/**
 * Resolves a reference to a digest: asks the registry through the engine (GET /distribution), and
 * when that is not possible pulls the tag and reads the image's RepoDigests. A reference that
 * already names a digest is used as is.
 */
export async function resolveImage(
  engine: EngineClient,
  reference: string,
  signal?: AbortSignal,
): Promise<ResolvedImage> {
  const ref = parseImageRef(reference);
  if (ref.digest) return { pinned: pinnedRef(ref, ref.digest), digest: ref.digest, via: "reference" };
  const tagged = taggedRef(ref);
  const headers = registryAuthHeader(await findCredentials(ref.registry));
  let distributionError: unknown;
  try {
    const info = await engine.json<{ Descriptor?: { digest?: string } }>({
      path: `/distribution/${tagged}/json`,
      headers,
      signal,
    });
    const digest = info.Descriptor?.digest;
    if (digest) return { pinned: pinnedRef(ref, digest), digest, via: "registry" };
  } catch (err) {
    if (!(err instanceof EngineError)) throw err;
    distributionError = err;
  }
  try {
    await pullImage(engine, tagged, signal);
  } catch (err) {
    const details = distributionError ? [`registry lookup: ${errorMessage(distributionError)}`] : [];
    throw new RuntimeError(errorMessage(err), details, {
      cause: err,
      hint: pullHint(ref),
    });
  }
  const image = await engine.json<{ RepoDigests?: string[] }>({ path: `/images/${tagged}/json` });
  const match = (image.RepoDigests ?? []).find((entry) => entry.startsWith(`${ref.repository}@`));
  if (!match) {
    throw new RuntimeError(`image ${tagged} has no registry digest after the pull`, image.RepoDigests ?? [], {
      hint: "push the image to a registry and deploy it from there",
    });
  }
  const digest = match.slice(match.indexOf("@") + 1);
  return { pinned: pinnedRef(ref, digest), digest, via: "pull" };
}

/** What `prepare` reports: the pinned image, and whether it is the one already serving. */
export function prepareResult(
  reference: string,
  resolved: ResolvedImage,
  pulled: boolean,
  active: SlotHandle | undefined,
): PrepareResult {
  const sameAsActive = active?.artifact === resolved.pinned;
  const where = pulled ? "pulled" : "already local";
  return {
    artifact: resolved.pinned,
    sameAsActive,
    summary: sameAsActive
      ? `${reference} is ${resolved.digest}, the image ${active?.slot} already runs (a stale tag?)`
      : `${reference} is ${resolved.digest} (${where})`,
  };
}

/** Does the engine have this image locally? */
export async function hasImage(engine: EngineClient, reference: string): Promise<boolean> {
  const res = await engine.send({ path: `/images/${reference}/json` });
  return res.status === 200;
}

function pullHint(ref: ImageRef): string {
  return `check that ${formatRef(ref)} exists and that ${ref.registry} is reachable and accepts your credentials (~/.docker/config.json or SWITCHYARD_REGISTRY_USER/PASSWORD)`;
}
