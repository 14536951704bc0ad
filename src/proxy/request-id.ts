import { randomBytes } from "node:crypto";

/** 20 random hex digits per process, grouped like a UUID's first four groups. */
const PREFIX = ((hex) => `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-`)(
  randomBytes(10).toString("hex"),
);
const COUNTER_DIGITS = 12;
const LIMIT = 16 ** COUNTER_DIGITS;
const LINE_START = Buffer.from(`x-request-id: ${PREFIX}`, "latin1");
const HEX_DIGITS = Buffer.from("0123456789abcdef", "latin1");
const SCRATCH = Buffer.alloc(LINE_START.length + COUNTER_DIGITS + 2);
let counter = 0;

/** Bytes of `x-request-id: <id>\r\n`. */
export const REQUEST_ID_LINE_LENGTH = SCRATCH.length;

/**
 * Writes `x-request-id: <id>\r\n` for a request that came without one, at `at`; returns the
 * offset after it. An id is 36 characters shaped like a UUID: a random per-process prefix, then a
 * counter. Ids need to be unique, not secret (a client may send its own, which the proxy keeps),
 * and randomUUID's string building was the largest single allocation on the proxy's hot path
 * (docs/benchmarks-proxy.md); this allocates nothing.
 */
export function writeRequestIdLine(out: Buffer, at: number): number {
  counter = (counter + 1) % LIMIT;
  for (let i = 0; i < LINE_START.length; i += 1) out[at++] = LINE_START[i]!;
  let rest = counter;
  for (let i = COUNTER_DIGITS - 1; i >= 0; i -= 1) {
    out[at + i] = HEX_DIGITS[rest % 16]!;
    rest = Math.floor(rest / 16);
  }
  at += COUNTER_DIGITS;
  out[at] = 0x0d;
  out[at + 1] = 0x0a;
  return at + 2;
}

/** A new id (see writeRequestIdLine), for the paths that build header lists. */
export function newRequestId(): string {
  writeRequestIdLine(SCRATCH, 0);
  return SCRATCH.toString("latin1", LINE_START.length - PREFIX.length, SCRATCH.length - 2);
}
