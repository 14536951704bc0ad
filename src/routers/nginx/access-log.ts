import { open } from "node:fs/promises";
import type { SlotName } from "../../types.js";
import type { SlotTraffic, TrafficSnapshot } from "../types.js";

/**
 * The log_format the site template declares for switchyard's traffic counts:
 * `switchyard <msec> <upstream_addr> <status>`. $upstream_addr is "-" when nginx answered itself
 * (nothing routed) and "a, b" when it retried another server.
 */
export const ACCESS_LOG_FORMAT = "log_format switchyard 'switchyard $msec $upstream_addr $status';";

const LINE = /^switchyard \S+ (.+) (\d{3})$/;

interface Counts {
  requests: number;
  failures: number;
}

/**
 * Counts requests and failures per upstream address from the switchyard access log, reading only
 * what was appended since the last call. Counts are cumulative since the counter was created.
 */
export class AccessLogCounter {
  private offset: number | undefined;
  private partial = "";
  private readonly byAddress = new Map<string, Counts>();
  private unrouted = 0;

  constructor(private readonly file: string) {}

  async snapshot(addresses: Partial<Record<SlotName, string>>): Promise<TrafficSnapshot> {
    await this.readNew();
    const slots: Partial<Record<SlotName, SlotTraffic>> = {};
    for (const slot of ["blue", "green"] as const) {
      const address = addresses[slot];
      if (address === undefined) continue;
      const counts = this.byAddress.get(address) ?? { requests: 0, failures: 0 };
      slots[slot] = { requests: counts.requests, failures: counts.failures, inFlight: 0 };
    }
    return { at: Date.now(), slots, unrouted: this.unrouted };
  }

  private async readNew(): Promise<void> {
    let handle;
    try {
      handle = await open(this.file, "r");
    } catch {
      this.offset ??= 0;
      return;
    }
    try {
      const { size } = await handle.stat();
      // The first look only sets the window's start; a shrunk file was rotated.
      if (this.offset === undefined) this.offset = size;
      if (size < this.offset) this.offset = 0;
      if (size === this.offset) return;
      const buffer = Buffer.alloc(size - this.offset);
      await handle.read(buffer, 0, buffer.length, this.offset);
      this.offset = size;
      const lines = (this.partial + buffer.toString("utf8")).split("\n");
      this.partial = lines.pop() ?? "";
      for (const line of lines) this.count(line);
    } finally {
      await handle.close();
    }
  }

  private count(line: string): void {
    const match = LINE.exec(line);
    if (!match) return;
    const status = Number(match[2]);
    const address = match[1]!.split(",").at(-1)!.trim();
    // "-": nginx answered itself (return 503); a bare upstream name: no live server in it.
    if (address === "-" || !address.includes(":")) {
      this.unrouted += 1;
      return;
    }
    const counts = this.byAddress.get(address) ?? { requests: 0, failures: 0 };
    counts.requests += 1;
    if (status === 502 || status === 503 || status === 504) counts.failures += 1;
    this.byAddress.set(address, counts);
  }
}
