import path from "node:path";
import type { HaproxyRouterConfig } from "../../config/router-schema.js";
import { RouterError } from "../../errors.js";
import { otherSlot, SLOTS, type SlotName } from "../../types.js";
import { isPortInUse } from "../../util/ports.js";
import type { RouterContext } from "../index.js";
import type {
  DrainResult,
  RouteTarget,
  Router,
  RouterStatus,
  SlotTraffic,
  TrafficSnapshot,
} from "../types.js";
import { prepareConfig, saveServerState } from "./config-sync.js";
import {
  hasHealthCheck,
  isInMaintenance,
  isReady,
  isUp,
  statNumber,
  type ServerState,
} from "./parse-stats.js";
import { HaproxyBackend } from "./runtime-api.js";

/**
 * The HAProxy router: switches through the runtime API (no reload, so no connection is dropped):
 * new server out of maintenance into drain, wait for HAProxy's own health check, then `ready` new
 * and `drain` old in one CLI line. haproxy.cfg (when configured) is rewritten to match, validated
 * before the switch and moved into place after it, so a reload keeps routing to the active slot.
 */
export function createHaproxyRouter(config: HaproxyRouterConfig, ctx: RouterContext): Router {
  const resolve = (file: string | undefined) =>
    file === undefined ? undefined : path.resolve(ctx.configDir, file);
  const socket =
    config.socket.startsWith("/") || /:\d+$/.test(config.socket) ? config.socket : resolve(config.socket)!;
  const configFile = resolve(config.config);
  const stateFile = resolve(config.state_file);
  const be = new HaproxyBackend(socket, config.backend);
  const name = (slot: SlotName) => config.servers[slot];

  async function waitUntilUp(server: string, timeoutMs: number): Promise<ServerState> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const state = await be.server(server);
      if (isUp(state) || Date.now() >= deadline) return state;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function checkDescription(server: string): Promise<string> {
    const row = (await be.stats().catch(() => [])).find((r) => r.svname === server);
    return row
      ? `${row.status ?? "?"}, last check ${row.check_status ?? "?"} ${row.check_desc ?? ""}`.trim()
      : "unknown";
  }

  return {
    kind: "haproxy",
    async ensureReady() {
      await be.server(name("blue"));
      await be.server(name("green"));
    },

    async status(): Promise<RouterStatus> {
      const servers = await be.servers();
      const bySlot = Object.fromEntries(
        SLOTS.map((slot) => [slot, servers.find((s) => s.name === name(slot))]),
      );
      const ready = SLOTS.filter((slot) => bySlot[slot] && isReady(bySlot[slot]));
      const describe = (s: ServerState | undefined) =>
        s && {
          server: s.name,
          addr: `${s.addr}:${s.port}`,
          op: s.opState,
          admin: s.adminState,
          check: s.checkResult,
        };
      return {
        active: ready.length === 1 ? ready[0]! : null,
        detail: {
          socket,
          backend: config.backend,
          blue: describe(bySlot.blue),
          green: describe(bySlot.green),
        },
      };
    },

    async switchTo(target: RouteTarget) {
      const fresh = await be.server(name(target.slot));
      const old = await be.server(name(otherSlot(target.slot)));
      if (!(await isPortInUse(target.port, target.host, 2_000))) {
        throw new RouterError(
          `nothing accepts connections on ${target.host}:${target.port} (${target.slot}); HAProxy not changed`,
        );
      }
      const pending = await prepareConfig(
        configFile,
        config.backend,
        [
          { name: fresh.name, enabled: true, address: `${target.host}:${target.port}` },
          { name: old.name, enabled: false },
        ],
        config.check_command,
      );
      try {
        const moved = fresh.addr !== target.host || fresh.port !== target.port;
        if (!isReady(fresh)) {
          // Drain = health-checked but given no new requests: wait there for UP. Leaving
          // maintenance keeps the last check result, so force DOWN: only a new check brings it UP.
          if (!isInMaintenance(fresh)) await be.setStates([{ name: fresh.name, state: "maint" }]);
          if (moved) await be.setAddress(fresh.name, target.host, target.port);
          await be.leaveMaintenance(fresh.name, hasHealthCheck(fresh));
        } else if (moved) {
          await be.setAddress(fresh.name, target.host, target.port);
        }
        if (!hasHealthCheck(fresh))
          ctx.log(`haproxy: server ${fresh.name} has no \`check\`; switching without HAProxy's health check`);
        const state = await waitUntilUp(fresh.name, config.ready_timeout);
        if (!isUp(state)) {
          const why = await checkDescription(fresh.name);
          if (!isReady(fresh)) await be.setStates([{ name: fresh.name, state: "maint" }]);
          throw new RouterError(
            `HAProxy did not see ${target.slot} (${config.backend}/${fresh.name}) UP within ${config.ready_timeout}ms (${why}); traffic stays where it was`,
            [],
            {
              hint: "the server line's `check` must pass against the new slot; see `show stat` on the stats socket",
            },
          );
        }
        await be.setStates([
          { name: fresh.name, state: "ready" },
          ...(isInMaintenance(old) ? [] : [{ name: old.name, state: "drain" as const }]),
        ]);
      } catch (err) {
        await pending.discard();
        throw err;
      }
      await pending.commit();
      await saveServerState(socket, stateFile);
      ctx.log(
        `haproxy: ${config.backend}/${fresh.name} ready (${target.host}:${target.port}), ${old.name} draining`,
      );
    },

    async clear() {
      const pending = await prepareConfig(
        configFile,
        config.backend,
        SLOTS.map((slot) => ({ name: name(slot), enabled: false })),
        config.check_command,
      );
      try {
        await be.setStates(SLOTS.map((slot) => ({ name: name(slot), state: "maint" as const })));
      } catch (err) {
        await pending.discard();
        throw err;
      }
      await pending.commit();
      await saveServerState(socket, stateFile);
    },

    async drain(slot, timeoutMs): Promise<DrainResult> {
      const startedAt = Date.now();
      const server = name(slot);
      let remaining = 0;
      for (;;) {
        const row = (await be.stats()).find((r) => r.svname === server);
        remaining = statNumber(row, "scur") + statNumber(row, "qcur");
        if (remaining === 0 || Date.now() - startedAt >= timeoutMs) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const state = await be.server(server);
      // Maintenance keeps a reload, a health check flap or persistence from sending it anything.
      if (!isReady(state) && !isInMaintenance(state)) {
        await be.setStates([{ name: server, state: "maint" }]);
        await saveServerState(socket, stateFile);
      }
      const waitedMs = Date.now() - startedAt;
      if (remaining === 0) return { drained: true, waitedMs };
      return {
        drained: false,
        waitedMs,
        remaining,
        note: `HAProxy still counts ${remaining} session(s) on ${server}`,
      };
    },

    async traffic(): Promise<TrafficSnapshot> {
      const rows = await be.stats();
      const slots: Partial<Record<SlotName, SlotTraffic>> = {};
      let served5xx = 0;
      for (const slot of SLOTS) {
        const row = rows.find((r) => r.svname === name(slot));
        if (!row) continue;
        served5xx += statNumber(row, "hrsp_5xx");
        slots[slot] = {
          requests: statNumber(row, "stot"),
          failures: statNumber(row, "econ") + statNumber(row, "eresp"),
          inFlight: statNumber(row, "scur"),
        };
      }
      const backend = rows.find((r) => r.svname === "BACKEND");
      // 5xx HAProxy answered itself because no server could take the request (503 no server).
      const unrouted = Math.max(0, statNumber(backend, "hrsp_5xx") - served5xx);
      return { at: Date.now(), slots, unrouted };
    },
  };
}
