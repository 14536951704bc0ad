import type { SlotName } from "../types.js";

/** What a runtime needs to start one slot. */
export interface SlotSpec {
  readonly service: string;
  readonly slot: SlotName;
  /** Host port the app must answer on (the slot's port). */
  readonly port: number;
  /** Human label of what is deployed (git describe, image tag, --version). */
  readonly version: string;
  readonly deployId: string;
  /** Artifact chosen by `prepare` (e.g. an image digest); absent for the process runtime. */
  readonly artifact?: string | undefined;
  /** Fully interpolated environment for the app (holds secrets: never persist it). */
  readonly env: Readonly<Record<string, string>>;
  /** Where the runtime may write the slot's log file. */
  readonly logFile: string;
}

/**
 * What a runtime remembers about a started slot. Persisted in state as is, so it must be plain JSON
 * and must never hold secrets.
 */
export interface SlotHandle {
  readonly kind: string;
  readonly slot: SlotName;
  readonly port: number;
  readonly version: string;
  readonly deployId: string;
  readonly startedAt: string;
  readonly artifact?: string | undefined;
  /** OS process id (process runtime) or the container's main pid. */
  readonly pid?: number | undefined;
  /** Identity check against pid reuse: /proc/<pid>/stat start time in clock ticks. */
  readonly pidStartTime?: number | undefined;
  readonly containerId?: string | undefined;
  readonly logFile?: string | undefined;
}

/** A running app found by `adopt`; the engine decides which slot it becomes. */
export type AdoptedApp = Omit<SlotHandle, "slot">;

export type SlotLiveness =
  | { readonly state: "running" }
  | { readonly state: "exited"; readonly exitCode: number | null; readonly signal?: string | null }
  | { readonly state: "missing" };

/** What `prepare` decided for this deploy, e.g. the digest an image tag resolved to. */
export interface PrepareResult {
  readonly artifact?: string | undefined;
  /** Shown to the user, e.g. "pulled registry/app@sha256:..". */
  readonly summary?: string | undefined;
  /** The artifact is the one already serving (`deploy` refuses without --force for docker). */
  readonly sameAsActive?: boolean | undefined;
}

export interface PrepareOptions {
  readonly version: string;
  /** `deploy --image REF`: overrides the configured image. */
  readonly image?: string | undefined;
  readonly active?: SlotHandle | undefined;
  readonly signal?: AbortSignal | undefined;
}

/**
 * A runtime runs the app of one slot. One implementation per `runtime.kind`; each passes
 * test/conformance/runtime.conformance.ts. Shared logic (health gate, drain, retries) is in the
 * deploy engine, not here.
 */
export interface Runtime {
  readonly kind: "process" | "docker" | "compose";
  /** Fetch or check what `start` needs (pull an image); changes nothing that serves traffic. */
  prepare(options: PrepareOptions): Promise<PrepareResult>;
  /** Start the slot. Throws RuntimeError when it cannot start (and leaves nothing running). */
  start(spec: SlotSpec): Promise<SlotHandle>;
  /** Is the slot's app still running? Never throws for a vanished app. */
  inspect(handle: SlotHandle): Promise<SlotLiveness>;
  /**
   * Resolves when the app exits (for a fast-fail during the health gate); only meaningful while
   * this process started or watches the slot. Resolves with `null` on `signal` abort.
   */
  waitExit(handle: SlotHandle, signal: AbortSignal): Promise<SlotLiveness | null>;
  /** SIGTERM-then-SIGKILL (or docker stop) within `graceMs`; idempotent. */
  stop(handle: SlotHandle, graceMs: number): Promise<void>;
  /**
   * The runtime's own health verdict (a Docker HEALTHCHECK); "none" when the app has none. The
   * engine waits for "healthy" after the HTTP probe passes. Optional.
   */
  healthcheck?(handle: SlotHandle): Promise<"none" | "starting" | "healthy" | "unhealthy">;
  /** Last lines of the slot's output. */
  logs(handle: SlotHandle, lines: number): Promise<string[]>;
  /** Can `start` bring back this (previous) version, e.g. from its recorded image digest? */
  canRestart(handle: SlotHandle): boolean;
  /**
   * Stop a slot that never took traffic (a failed deploy) and remove what it leaves behind, e.g.
   * its container, instead of retaining it for rollback. Optional: without it, `stop` is used.
   */
  discard?(handle: SlotHandle, graceMs: number): Promise<void>;
  /**
   * Take over an app this tool did not start, running under `name` (a container), for `adopt`.
   * Nothing about it changes. Optional: the process runtime has nothing to find apps by.
   */
  adopt?(name: string): Promise<AdoptedApp>;
  /** Free resources of old stopped slots (retained containers); optional. */
  prune?(keep: readonly SlotHandle[]): Promise<void>;
}
