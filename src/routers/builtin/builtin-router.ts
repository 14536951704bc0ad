import type { Config } from "../../config/load.js";
import { adminRequest } from "../../daemon/admin-client.js";
import { ensureDaemon } from "../../daemon/lifecycle.js";
import { daemonPaths } from "../../daemon/paths.js";
import type { DaemonStatus } from "../../daemon/protocol.js";
import type { DrainResult, Router, TrafficSnapshot } from "../types.js";

/** The built-in router: the switchyard daemon, driven over its admin socket. */
export function createBuiltinRouter(config: Config): Router {
  const { socket } = daemonPaths(config);
  return {
    kind: "builtin",
    async ensureReady() {
      await ensureDaemon(config);
    },
    async status() {
      const status = await adminRequest<DaemonStatus>(socket, "GET", "/status");
      return {
        active: status.target?.slot ?? null,
        detail: { pid: status.pid, target: status.target, listen: status.listen },
      };
    },
    async switchTo(target) {
      await adminRequest(socket, "PUT", "/target", target);
    },
    async clear() {
      await adminRequest(socket, "PUT", "/target", null);
    },
    drain(slot, timeoutMs) {
      return adminRequest<DrainResult>(socket, "POST", "/drain", { slot, timeoutMs }, timeoutMs + 10_000);
    },
    traffic() {
      return adminRequest<TrafficSnapshot>(socket, "GET", "/traffic");
    },
  };
}
