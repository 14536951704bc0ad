import { Client, Pool } from "undici";

/** Timeouts for connections from the proxy to the apps. */
export interface UpstreamTimeouts {
  readonly connectMs: number;
  /** Time to the response headers and between body chunks. */
  readonly responseMs: number;
  /** Idle keep-alive: below the app's own (Node: 5 s) so the app never closes a socket we reuse. */
  readonly idleMs: number;
}

/**
 * One undici Pool per upstream host:port. A slot may move to a new port, so pools are keyed by
 * address, not slot; draining a slot closes the pools of the addresses it used.
 */
export class UpstreamPools {
  private readonly pools = new Map<string, Pool>();

  constructor(private readonly timeouts: UpstreamTimeouts) {}

  get(host: string, port: number): Pool {
    const key = originKey(host, port);
    let pool = this.pools.get(key);
    if (!pool) {
      pool = new Pool(`http://${key}`, this.options());
      this.pools.set(key, pool);
    }
    return pool;
  }

  /** A one-request client on a brand-new connection, for the single allowed retry. */
  fresh(host: string, port: number): Client {
    return new Client(`http://${originKey(host, port)}`, { ...this.options(), pipelining: 0 });
  }

  /** Forget the pool of an address and close its sockets once their requests are done. */
  async close(key: string): Promise<void> {
    const pool = this.pools.get(key);
    if (!pool) return;
    this.pools.delete(key);
    await pool.close();
  }

  async closeAll(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((pool) => pool.destroy()));
  }

  private options(): Pool.Options {
    const { connectMs, responseMs, idleMs } = this.timeouts;
    return {
      connect: { timeout: connectMs },
      headersTimeout: responseMs,
      bodyTimeout: responseMs,
      keepAliveTimeout: idleMs,
      keepAliveMaxTimeout: idleMs,
      keepAliveTimeoutThreshold: 500,
      pipelining: 1,
    };
  }
}

export function originKey(host: string, port: number): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]:${port}` : `${host}:${port}`;
}
