import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { Server as NetServer, type Socket } from "node:net";
import path from "node:path";
import type { Duplex } from "node:stream";
import type { BuiltinRouterConfig } from "../config/router-schema.js";
import type { DrainResult, RouteTarget, TrafficSnapshot } from "../routers/types.js";
import { SLOTS, type SlotName } from "../types.js";
import { TrafficCounters } from "./counters.js";
import { trustedProxyMatcher } from "./forward-headers.js";
import type { ExchangeRecord, ForwardContext } from "./forward-request.js";
import { listenError, parseListen } from "./listen-address.js";
import { handleRequest, handleUpgrade, type HandlerContext, type RoutingState } from "./request-handler.js";
import { FastLane } from "./fast-lane/fast-lane.js";
import { CertificateWatcher, loadCertificate, TLS_DEFAULTS } from "./tls.js";
import type { UpgradeContext } from "./upgrade.js";
import { originKey, UpstreamPools } from "./upstream/pool.js";

/** How the daemon builds the built-in proxy. */
export interface ProxyServerOptions {
  /** The `router` section of switchyard.yml (kind builtin). */
  config: BuiltinRouterConfig;
  /** Relative cert, key and acme paths resolve against this (the config file's directory). */
  baseDir: string;
  /** Daemon log sink; the access log (when enabled) arrives here as JSON lines. */
  log?: (line: string) => void;
  /** How often certificate files are checked for renewal; default 5 s. */
  certPollMs?: number;
}

/** Where the listeners ended up (port 0 in the config picks a free port). */
export interface ListeningAddresses {
  http: { host: string; port: number };
  https?: { host: string; port: number };
}

/** `drain()`'s result, plus how many upgraded connections the drain deadline closed. */
export type ProxyDrainResult = DrainResult & { readonly closedUpgrades: number };

/** How often Node checks header and request timeouts (its default, 30 s, lets slowloris linger). */
const TIMEOUT_CHECK_MS = 500;
/** Response heads from the apps may be larger than the clients' (cookies, CSP); nginx allows 4-8k by default. */
const UPSTREAM_MAX_HEAD_SIZE = 64 * 1024;

/**
 * The built-in reverse proxy: an http(s) listener forwarding every request to one target slot.
 * Switching is a pointer flip; requests and upgraded connections already running stay on the slot
 * that accepted them, and `drain` waits for them.
 */
export class ProxyServer {
  private current: RouteTarget | null = null;
  private maintenance: { message: string } | null = null;
  private stopping = false;
  private readonly counters = new TrafficCounters();
  private readonly pools: UpstreamPools;
  /** Upstream addresses each slot has been sent to, so drain knows which pools to close. */
  private readonly slotOrigins = new Map<SlotName, Set<string>>();
  private readonly handlers: HandlerContext;
  private certWatcher: CertificateWatcher | undefined;
  private redirectPort: number | null = null;
  private readonly servers: http.Server[] = [];
  private readonly clientSockets = new Set<Socket>();
  private fastLane: FastLane | null = null;
  private routing: RoutingState | null = null;

  constructor(private readonly options: ProxyServerOptions) {
    const { config } = options;
    this.pools = new UpstreamPools({
      connectMs: config.upstream_connect_timeout,
      responseMs: config.upstream_timeout,
      idleMs: config.upstream_idle_timeout,
      maxHeadSize: UPSTREAM_MAX_HEAD_SIZE,
    });
    const forward: ForwardContext = {
      pools: this.pools,
      counters: this.counters,
      maxBodySize: config.max_body_size,
      isTrusted: trustedProxyMatcher(config.trusted_proxies),
      closing: () => this.stopping,
      onDone: config.access_log && options.log ? (entry) => this.logAccess(entry) : undefined,
    };
    const upgrade: UpgradeContext = {
      counters: this.counters,
      isTrusted: forward.isTrusted,
      connectTimeoutMs: config.upstream_connect_timeout,
      responseTimeoutMs: config.upstream_timeout,
    };
    this.handlers = {
      forward,
      upgrade,
      counters: this.counters,
      acmeWebroot: config.acme_webroot === undefined ? undefined : this.resolve(config.acme_webroot),
      routing: () => this.routingState(),
    };
  }

  /** The same object while nothing changed: the fast lane asks for every request. */
  private routingState(): RoutingState {
    const last = this.routing;
    const maintenanceMessage = this.maintenance?.message ?? null;
    if (
      last !== null &&
      last.target === this.current &&
      last.maintenanceMessage === maintenanceMessage &&
      last.redirectToHttpsPort === this.redirectPort &&
      last.stopping === this.stopping
    )
      return last;
    this.routing = {
      target: this.current,
      maintenanceMessage,
      redirectToHttpsPort: this.redirectPort,
      stopping: this.stopping,
    };
    return this.routing;
  }

  /** Listens on `listen` (and `https.listen`); throws RouterError naming the address on failure. */
  async start(): Promise<ListeningAddresses> {
    try {
      return await this.startListeners();
    } catch (err) {
      for (const server of this.servers) server.close(() => undefined);
      this.certWatcher?.close();
      throw err;
    }
  }

  private async startListeners(): Promise<ListeningAddresses> {
    const { config } = this.options;
    let httpsAddress: { host: string; port: number } | undefined;
    if (config.https) {
      const files = { cert: this.resolve(config.https.cert), key: this.resolve(config.https.key) };
      const server = https.createServer({
        ...this.serverOptions(),
        ...TLS_DEFAULTS,
        ...loadCertificate(files),
      });
      this.attach(server, "https");
      httpsAddress = await this.listen(server, config.https.listen);
      if (config.https.redirect_http) this.redirectPort = httpsAddress.port;
      this.certWatcher = new CertificateWatcher(
        files,
        (pair) => server.setSecureContext({ ...TLS_DEFAULTS, ...pair }),
        (line) => this.options.log?.(line),
        this.options.certPollMs ?? 5000,
      );
    }
    const server = http.createServer(this.serverOptions());
    this.attach(server, "http");
    if (config.fast_lane) this.installFastLane(server);
    const httpAddress = await this.listen(server, config.listen);
    return httpsAddress ? { http: httpAddress, https: httpsAddress } : { http: httpAddress };
  }

  /** Atomic: every request that arrives after this call goes to `target`. No connection is closed. */
  setTarget(target: RouteTarget | null): void {
    this.current = target;
    if (!target) return;
    const origins = this.slotOrigins.get(target.slot) ?? new Set<string>();
    origins.add(originKey(target.host, target.port));
    this.slotOrigins.set(target.slot, origins);
  }

  get target(): RouteTarget | null {
    return this.current;
  }

  setMaintenance(on: boolean, message?: string): void {
    this.maintenance = on ? { message: message ?? "The service is down for maintenance." } : null;
  }

  traffic(): TrafficSnapshot {
    return this.counters.snapshot();
  }

  /**
   * Waits until `slot` has no request in flight and no upgraded connection open, at most
   * `timeoutMs`; then closes the proxy's idle upstream sockets to it. At the deadline, upgraded
   * connections are closed when `close_upgrades_on_drain` is set.
   */
  async drain(slot: SlotName, timeoutMs: number): Promise<ProxyDrainResult> {
    const started = Date.now();
    const idle = await this.counters.waitIdle(slot, timeoutMs);
    const waitedMs = Date.now() - started;
    this.closeSlotPools(slot);
    if (idle) return { drained: true, waitedMs, closedUpgrades: 0 };
    const remaining = this.counters.busy(slot);
    const upgrades = this.counters.upgradesOf(slot);
    const closeUpgrades = this.options.config.close_upgrades_on_drain;
    if (closeUpgrades) for (const socket of upgrades) socket.destroy();
    const closedUpgrades = closeUpgrades ? upgrades.length : 0;
    const note =
      `${slot} still had ${remaining - upgrades.length} request(s) in flight and ${upgrades.length}` +
      ` upgraded connection(s) after ${timeoutMs} ms` +
      (closedUpgrades > 0 ? `; closed ${closedUpgrades} upgraded connection(s)` : "");
    return { drained: false, waitedMs, remaining, note, closedUpgrades };
  }

  /**
   * Graceful stop: stop accepting, answer with `Connection: close` for a moment so busy clients
   * learn to reconnect, then close idle connections, and after `graceMs` everything.
   */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    // net.Server.close only stops accepting; http.Server.close would also drop idle keep-alive
    // connections at once, racing clients that are just sending on them.
    for (const server of this.servers) NetServer.prototype.close.call(server);
    const deadline = Date.now() + graceMs;
    const closeIdleAt = Date.now() + Math.min(1000, graceMs / 2);
    while (Date.now() < deadline && this.clientSockets.size > 0) {
      if (Date.now() >= closeIdleAt) {
        for (const server of this.servers) server.closeIdleConnections();
        this.fastLane?.closeIdle();
        this.closeAllUpgrades();
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    this.fastLane?.closeAll();
    for (const server of this.servers) {
      server.closeAllConnections();
      server.close(() => undefined);
    }
    this.closeAllUpgrades();
    this.certWatcher?.close();
    await this.pools.closeAll();
  }

  private closeAllUpgrades(): void {
    for (const slot of SLOTS) for (const socket of this.counters.upgradesOf(slot)) socket.destroy();
  }

  private attach(server: http.Server, proto: "http" | "https"): void {
    const { config } = this.options;
    server.requestTimeout = config.request_timeout;
    server.headersTimeout = Math.min(config.header_timeout, config.request_timeout || Infinity);
    server.keepAliveTimeout = config.idle_timeout;
    server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) =>
      handleRequest(this.handlers, req, res, proto),
    );
    server.on("upgrade", (req: http.IncomingMessage, socket: Duplex, head: Buffer) =>
      handleUpgrade(this.handlers, req, socket, head, proto),
    );
    // CONNECT arrives as its own event; the request guard refuses it with 400.
    server.on("connect", (req: http.IncomingMessage, socket: Duplex, head: Buffer) =>
      handleUpgrade(this.handlers, req, socket, head, proto),
    );
  }

  /**
   * Puts the fast lane in front of node:http on the plain listener. http.Server has exactly one
   * "connection" listener of its own, which parses with llhttp; the lane calls it for every
   * connection it hands over, so those get everything node:http does (timeouts, 400s, tracking).
   */
  private installFastLane(server: http.Server): void {
    const own = server.listeners("connection");
    if (own.length !== 1) return; // not the http.Server this was written against: node:http only
    const nodeConnection = own[0] as (socket: Socket) => void;
    const { config } = this.options;
    const headerTimeoutMs = Math.min(config.header_timeout, config.request_timeout || Infinity);
    const lane = new FastLane({
      handlers: this.handlers,
      maxHeaderSize: config.max_header_size,
      headerTimeoutMs: headerTimeoutMs > 0 ? headerTimeoutMs : 2 ** 31 - 1,
      idleTimeoutMs: config.idle_timeout,
      handOff: (socket) => nodeConnection.call(server, socket),
    });
    server.removeListener("connection", nodeConnection);
    server.on("connection", (socket: Socket) => lane.accept(socket));
    this.fastLane = lane;
  }

  private resolve(file: string): string {
    return path.resolve(this.options.baseDir, file);
  }

  private closeSlotPools(slot: SlotName): void {
    const active = this.current ? originKey(this.current.host, this.current.port) : null;
    for (const key of this.slotOrigins.get(slot) ?? []) {
      if (key === active) continue;
      this.pools
        .close(key)
        .catch((err: unknown) => this.options.log?.(`closing upstream ${key}: ${String(err)}`));
    }
  }

  private serverOptions(): http.ServerOptions {
    return {
      maxHeaderSize: this.options.config.max_header_size,
      connectionsCheckingInterval: TIMEOUT_CHECK_MS,
      requireHostHeader: false, // request-guard answers a missing Host with its own 400 page
    };
  }

  private async listen(server: http.Server, listen: string): Promise<{ host: string; port: number }> {
    const { host, port } = parseListen(listen);
    server.on("connection", (socket: Socket) => {
      this.clientSockets.add(socket);
      socket.once("close", () => this.clientSockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", (err: NodeJS.ErrnoException) => reject(listenError(listen, err)));
      server.listen(port, host, () => resolve());
    });
    this.servers.push(server);
    const address = server.address() as AddressInfo;
    return { host, port: address.port };
  }

  private logAccess(entry: ExchangeRecord): void {
    this.options.log?.(JSON.stringify({ time: new Date().toISOString(), ...entry }));
  }
}
