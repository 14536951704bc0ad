import type { Duplex } from "node:stream";
import type { SlotName } from "../types.js";
import type { SlotTraffic, TrafficSnapshot } from "../routers/types.js";

interface SlotCounters {
  requests: number;
  failures: number;
  inFlight: number;
  readonly upgrades: Set<Duplex>;
}

/**
 * Per-slot request counters plus the set of upgraded (WebSocket) connections of each slot. Drain
 * waits on these: a slot is idle when it has no request in flight and no upgraded connection open.
 */
export class TrafficCounters {
  private readonly slots = new Map<SlotName, SlotCounters>();
  private readonly idleWaiters = new Map<SlotName, Set<() => void>>();
  private unrouted = 0;

  requestStarted(slot: SlotName): void {
    const counters = this.of(slot);
    counters.requests += 1;
    counters.inFlight += 1;
  }

  /** Call exactly once per `requestStarted`. */
  requestFinished(slot: SlotName, failed: boolean): void {
    const counters = this.of(slot);
    counters.inFlight -= 1;
    if (failed) counters.failures += 1;
    this.notifyIfIdle(slot);
  }

  failure(slot: SlotName): void {
    this.of(slot).failures += 1;
  }

  unroutedRequest(): void {
    this.unrouted += 1;
  }

  upgradeOpened(slot: SlotName, socket: Duplex): void {
    this.of(slot).requests += 1;
    this.of(slot).upgrades.add(socket);
  }

  upgradeClosed(slot: SlotName, socket: Duplex): void {
    if (this.of(slot).upgrades.delete(socket)) this.notifyIfIdle(slot);
  }

  upgradesOf(slot: SlotName): readonly Duplex[] {
    return [...this.of(slot).upgrades];
  }

  /** Requests in flight plus open upgraded connections. */
  busy(slot: SlotName): number {
    const counters = this.of(slot);
    return counters.inFlight + counters.upgrades.size;
  }

  /** Resolves true once `slot` is idle, false when `timeoutMs` passes first. */
  waitIdle(slot: SlotName, timeoutMs: number): Promise<boolean> {
    if (this.busy(slot) === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiters = this.idleWaiters.get(slot) ?? new Set<() => void>();
      this.idleWaiters.set(slot, waiters);
      const onIdle = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        waiters.delete(onIdle);
        resolve(false);
      }, timeoutMs);
      waiters.add(onIdle);
    });
  }

  snapshot(): TrafficSnapshot {
    const slots: Partial<Record<SlotName, SlotTraffic>> = {};
    for (const [slot, counters] of this.slots) {
      slots[slot] = {
        requests: counters.requests,
        failures: counters.failures,
        inFlight: counters.inFlight + counters.upgrades.size,
      };
    }
    return { at: Date.now(), slots, unrouted: this.unrouted };
  }

  private notifyIfIdle(slot: SlotName): void {
    if (this.busy(slot) !== 0) return;
    const waiters = this.idleWaiters.get(slot);
    if (!waiters) return;
    this.idleWaiters.delete(slot);
    for (const waiter of waiters) waiter();
  }

  private of(slot: SlotName): SlotCounters {
    let counters = this.slots.get(slot);
    if (!counters) {
      counters = { requests: 0, failures: 0, inFlight: 0, upgrades: new Set() };
      this.slots.set(slot, counters);
    }
    return counters;
  }
}
