import type { Config } from "../config/load.js";
import { daemonStatus } from "../daemon/lifecycle.js";
import type { State } from "../state/state.js";
import { SLOTS } from "../types.js";
import { canBind } from "../util/ports.js";
import { fail, ok, type CheckResult } from "./types.js";

const LIVE = new Set(["starting", "running", "warm"]);

/**
 * Each slot port and the built-in router's listeners must be free, or held by this service's own
 * slots or daemon. `state` is undefined when it could not be read (reported by another check).
 */
export async function checkPorts(config: Config, state: State | undefined): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const slot of SLOTS) {
    const port = config.slots[slot].port;
    const name = `port ${port} (slots.${slot})`;
    if (await canBind(port)) {
      results.push(ok(name, "free"));
      continue;
    }
    const mine = state?.slots[slot];
    if (mine && LIVE.has(mine.status) && mine.handle?.port === port) {
      results.push(
        ok(name, `held by ${config.service}'s ${slot} slot (${mine.handle.version}, ${mine.status})`),
      );
      continue;
    }
    results.push(
      fail(
        name,
        "in use by a process that is not this service's slot",
        `find it with \`ss -ltnp 'sport = :${port}'\` and stop it, or choose another slots.${slot}.port`,
      ),
    );
  }
  if (config.router.kind === "builtin") {
    const listeners = [["router.listen", config.router.listen]];
    if (config.router.https) listeners.push(["router.https.listen", config.router.https.listen]);
    const daemon = await daemonStatus(config);
    for (const [key, address] of listeners) {
      const { host, port } = splitHostPort(address!);
      const name = `listen ${address} (${key})`;
      if (await canBind(port, host)) {
        results.push(ok(name, "free"));
      } else if (daemon) {
        results.push(ok(name, `held by ${config.service}'s router daemon (pid ${daemon.pid})`));
      } else {
        results.push(
          fail(
            name,
            "cannot be bound: in use by another process, or a port below 1024 without the privilege",
            `find the holder with \`ss -ltnp 'sport = :${port}'\`; for ports < 1024 run \`serve\` under systemd with AmbientCapabilities=CAP_NET_BIND_SERVICE; or change ${key}`,
          ),
        );
      }
    }
  }
  return results;
}

function splitHostPort(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(":");
  return { host: address.slice(0, colon).replace(/^\[|\]$/g, ""), port: Number(address.slice(colon + 1)) };
}
