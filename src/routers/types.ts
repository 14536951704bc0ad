import type { SlotName } from "../types.js";

export interface RouteTarget {
  readonly slot: SlotName;
  readonly host: string;
  readonly port: number;
}

/** Traffic counters of one slot as the router sees them; absent values are not measurable. */
export interface SlotTraffic {
  readonly requests: number;
  /** 5xx the router generated (502/503/504) plus upstream resets and timeouts. */
  readonly failures: number;
  readonly inFlight: number;
}

export interface TrafficSnapshot {
  readonly at: number;
  readonly slots: Partial<Record<SlotName, SlotTraffic>>;
  /** Requests refused because no slot was active or during maintenance. */
  readonly unrouted?: number;
}

export type DrainResult =
  | { readonly drained: true; readonly waitedMs: number }
  | { readonly drained: false; readonly waitedMs: number; readonly remaining: number; readonly note: string };

export interface RouterStatus {
  readonly active: SlotName | null;
  /** Free text per router (daemon pid, nginx worker generation, haproxy server states). */
  readonly detail: Record<string, unknown>;
}

/**
 * A router moves traffic between the slots. One implementation per `router.kind`; each passes
 * test/conformance/router.conformance.ts.
 */
export interface Router {
  readonly kind: "builtin" | "nginx" | "haproxy";
  /** Make sure the router can take a switch (start the daemon, create the include file). */
  ensureReady(): Promise<void>;
  /** Which slot gets traffic now, as the router itself reports it. */
  status(): Promise<RouterStatus>;
  /**
   * Send all new requests to `target`. Atomic: on failure the previous route stays and this throws
   * RouterError with the router's own message. Resolves once the new route is in effect.
   */
  switchTo(target: RouteTarget): Promise<void>;
  /** Route nothing (e.g. `down`); new requests get 503. */
  clear(): Promise<void>;
  /** Wait until `slot` has nothing in flight, bounded by `timeoutMs`; then drop idle upstream sockets. */
  drain(slot: SlotName, timeoutMs: number): Promise<DrainResult>;
  /** Counters for the per-deploy traffic report; undefined when the router cannot measure. */
  traffic(): Promise<TrafficSnapshot | undefined>;
}
