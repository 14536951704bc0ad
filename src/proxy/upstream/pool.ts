import { UpstreamConnection } from "./connection.js";
import type { ConnectionTimeouts } from "./types.js";

/** Timeouts for connections from the proxy to the apps. */
export interface UpstreamTimeouts extends ConnectionTimeouts {
  /** Idle keep-alive: below the app's own (Node: 5 s) so the app never closes a socket we reuse. */
  readonly idleMs: number;
}

/** Margin kept below an app's advertised `Keep-Alive: timeout`, as its clock and ours differ. */
const APP_IDLE_MARGIN_MS = 1000;
const SWEEP_EVERY_MS = 1000;

/**
 * Keep-alive sockets to one app address. Idle sockets are reused newest first (the oldest are the
 * likeliest to be closed by the app); there is no limit on busy ones, as in nginx.
 */
export class OriginPool {
  private readonly idle: UpstreamConnection[] = [];
  private readonly busy = new Set<UpstreamConnection>();
  private closing: (() => void) | null = null;
  private closed: Promise<void> | null = null;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly timeouts: UpstreamTimeouts,
  ) {}

  /** A connection ready for one request: an idle kept-alive one, or a new one. */
  acquire(): UpstreamConnection {
    const now = Date.now();
    for (let connection = this.idle.pop(); connection; connection = this.idle.pop()) {
      if (connection.usable && now - connection.idleSince < this.idleLimit(connection)) {
        this.busy.add(connection);
        return connection;
      }
      connection.destroy();
    }
    return this.fresh();
  }

  /** Always a brand-new connection (the one retry after a stale socket goes out on one). */
  fresh(): UpstreamConnection {
    const connection = new UpstreamConnection(
      this.host,
      this.port,
      this.timeouts,
      (c, reusable) => this.release(c, reusable),
      (c) => this.forget(c),
    );
    this.busy.add(connection);
    return connection;
  }

  /** Drops sockets that were idle too long. */
  sweep(now: number): void {
    for (let i = this.idle.length - 1; i >= 0; i -= 1) {
      const connection = this.idle[i]!;
      if (now - connection.idleSince >= this.idleLimit(connection)) {
        this.idle.splice(i, 1);
        connection.destroy();
      }
    }
  }

  /** Closes idle sockets now and busy ones as their requests finish; resolves when all are gone. */
  close(): Promise<void> {
    if (this.closed) return this.closed;
    for (const connection of this.idle.splice(0)) connection.destroy();
    this.closed =
      this.busy.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => (this.closing = resolve));
    return this.closed;
  }

  destroy(): void {
    for (const connection of [...this.idle.splice(0), ...this.busy]) connection.destroy();
    this.busy.clear();
    this.closing?.();
  }

  get size(): { idle: number; busy: number } {
    return { idle: this.idle.length, busy: this.busy.size };
  }

  private release(connection: UpstreamConnection, reusable: boolean): void {
    if (!this.busy.delete(connection)) return;
    if (reusable && !this.closed && connection.usable) this.idle.push(connection);
    else connection.destroy();
    if (this.closing && this.busy.size === 0) this.closing();
  }

  private forget(connection: UpstreamConnection): void {
    const at = this.idle.indexOf(connection);
    if (at >= 0) this.idle.splice(at, 1);
    if (this.busy.delete(connection) && this.closing && this.busy.size === 0) this.closing();
  }

  private idleLimit(connection: UpstreamConnection): number {
    const app = connection.appIdleLimitMs;
    return app === undefined
      ? this.timeouts.idleMs
      : Math.min(this.timeouts.idleMs, app - APP_IDLE_MARGIN_MS);
  }
}

/**
 * One OriginPool per app host:port. A slot may move to a new port, so pools are keyed by address,
 * not slot; draining a slot closes the pools of the addresses it used.
 */
export class UpstreamPools {
  private readonly pools = new Map<string, OriginPool>();
  private sweeper: NodeJS.Timeout | undefined;
  /** The pool asked for last: nearly every request goes to the same address as the one before. */
  private last: { host: string; port: number; pool: OriginPool } | null = null;

  constructor(private readonly timeouts: UpstreamTimeouts) {}

  get(host: string, port: number): OriginPool {
    const last = this.last;
    if (last !== null && last.host === host && last.port === port) return last.pool;
    const key = originKey(host, port);
    let pool = this.pools.get(key);
    if (!pool) {
      pool = new OriginPool(host, port, this.timeouts);
      this.pools.set(key, pool);
      this.startSweeping();
    }
    this.last = { host, port, pool };
    return pool;
  }

  /** Forget the pool of an address and close its sockets once their requests are done. */
  async close(key: string): Promise<void> {
    const pool = this.pools.get(key);
    if (!pool) return;
    this.pools.delete(key);
    if (this.last?.pool === pool) this.last = null;
    await pool.close();
  }

  async closeAll(): Promise<void> {
    for (const pool of this.pools.values()) pool.destroy();
    this.pools.clear();
    this.last = null;
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  private startSweeping(): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(() => {
      const now = Date.now();
      for (const pool of this.pools.values()) pool.sweep(now);
    }, SWEEP_EVERY_MS);
    this.sweeper.unref();
  }
}

export function originKey(host: string, port: number): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]:${port}` : `${host}:${port}`;
}
