/** Below this many bytes a loop beats Buffer#copy, whose call into C++ costs about 50 ns. */
const LOOP_BELOW = 96;

/** Copies `source[from, to)` into `out` at `at`; returns the offset after it. */
export function copyBytes(source: Buffer, from: number, to: number, out: Buffer, at: number): number {
  if (to - from >= LOOP_BELOW) return at + source.copy(out, at, from, to);
  for (let i = from; i < to; i += 1) out[at++] = source[i]!;
  return at;
}
