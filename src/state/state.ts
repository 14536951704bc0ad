import type { SlotHandle } from "../runtimes/types.js";
import type { SlotName } from "../types.js";

export type SlotStatus = "empty" | "starting" | "running" | "warm" | "stopped" | "failed";

export interface SlotState {
  readonly status: SlotStatus;
  readonly handle: SlotHandle | null;
  /** For status "warm": when the reaper stops it (ISO time). */
  readonly warmUntil?: string | undefined;
  /**
   * The last version that served traffic from this slot. A failed deploy replaces `handle`, and
   * `rollback` must then go back to this one, never to the rejected version.
   */
  readonly good?: SlotHandle | undefined;
}

/** The phase of a deploy in progress, persisted before each step so a crash can be recovered. */
export type DeployPhase =
  | "prepare"
  | "pre_deploy"
  | "start"
  | "health"
  | "pre_switch"
  | "switch"
  | "post_switch"
  | "drain"
  | "retire"
  | "record";

export interface DeployProgress {
  readonly id: string;
  readonly kind: "deploy" | "rollback";
  readonly phase: DeployPhase;
  readonly slot: SlotName;
  readonly from: SlotName | null;
  readonly version: string;
  readonly pid: number;
  readonly startedAt: string;
}

export interface State {
  readonly schema: 1;
  readonly service: string;
  readonly active: SlotName | null;
  readonly slots: Readonly<Record<SlotName, SlotState>>;
  readonly deploy: DeployProgress | null;
  readonly maintenance?: { readonly message: string } | null;
  readonly updatedAt: string;
}

export function initialState(service: string): State {
  const empty: SlotState = { status: "empty", handle: null };
  return {
    schema: 1,
    service,
    active: null,
    slots: { blue: empty, green: empty },
    deploy: null,
    updatedAt: new Date().toISOString(),
  };
}

/** Replaces a slot's state; its `good` handle carries over unless `next` names one. */
export function withSlot(state: State, slot: SlotName, next: SlotState): State {
  const good = next.good ?? state.slots[slot].good;
  return { ...state, slots: { ...state.slots, [slot]: good ? { ...next, good } : next } };
}

/** The version `rollback` may go back to in a slot: never one whose deploy failed or never finished. */
export function rollbackHandle(slot: SlotState): SlotHandle | null {
  if (slot.status === "warm" || slot.status === "running" || slot.status === "stopped") return slot.handle;
  return slot.good ?? null;
}

export interface HistoryEntry {
  readonly id: string;
  readonly kind: "deploy" | "rollback" | "adopt";
  readonly outcome: "succeeded" | "failed";
  readonly version: string;
  readonly artifact?: string | undefined;
  readonly slot: SlotName;
  readonly from: SlotName | null;
  readonly user: string;
  readonly host: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly steps: ReadonlyArray<{ readonly name: string; readonly ms: number; readonly ok: boolean }>;
  readonly error?: string | undefined;
  readonly traffic?:
    | {
        readonly requests: number;
        readonly failed: number;
        readonly available: boolean;
        readonly note?: string;
      }
    | undefined;
}
