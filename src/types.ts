/** Vocabulary shared by every layer. */
export const SLOTS = ["blue", "green"] as const;
export type SlotName = (typeof SLOTS)[number];

export function otherSlot(slot: SlotName): SlotName {
  return slot === "blue" ? "green" : "blue";
}

export function isSlotName(value: unknown): value is SlotName {
  return value === "blue" || value === "green";
}
