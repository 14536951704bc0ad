import { RouterError } from "../../errors.js";
import { parseServersState, parseShowStat, type ServerState } from "./parse-stats.js";
import { socketAction, socketCommand } from "./stats-socket.js";

/** The slice of HAProxy's runtime API the router uses, for one backend. */
export class HaproxyBackend {
  constructor(
    readonly socket: string,
    readonly backend: string,
  ) {}

  /** `show servers state` of the backend, every server; throws when the backend does not exist. */
  async servers(): Promise<ServerState[]> {
    const text = await socketCommand(this.socket, `show servers state ${this.backend}`);
    if (!text.startsWith("1\n") && !text.includes("# be_id")) {
      throw new RouterError(
        `HAProxy has no backend "${this.backend}": ${text.trim().split("\n")[0] ?? ""}`,
        [],
        {
          hint: "set router.haproxy.backend to a backend of haproxy.cfg",
        },
      );
    }
    return parseServersState(text).filter((server) => server.backend === this.backend);
  }

  /** One server's state; throws RouterError naming the servers that do exist. */
  async server(name: string): Promise<ServerState> {
    const all = await this.servers();
    const found = all.find((server) => server.name === name);
    if (!found) {
      throw new RouterError(
        `HAProxy backend ${this.backend} has no server "${name}" (it has: ${all.map((s) => s.name).join(", ") || "none"})`,
        [],
        { hint: "router.haproxy.servers must name the `server` lines of the backend" },
      );
    }
    return found;
  }

  /** `show stat` rows of this backend: the BACKEND row and one per server. */
  async stats(): Promise<Array<Record<string, string>>> {
    return parseShowStat(await socketCommand(this.socket, "show stat")).filter(
      (row) => row.pxname === this.backend,
    );
  }

  /** Points a server at host:port (IP only: HAProxy's runtime API does not resolve names). */
  async setAddress(name: string, host: string, port: number): Promise<void> {
    if (!/^[0-9.]+$|^[0-9a-fA-F:]+$/.test(host)) {
      throw new RouterError(
        `cannot point HAProxy server ${name} at "${host}": the runtime API needs an IP address`,
      );
    }
    await socketAction(this.socket, `set server ${this.backend}/${name} addr ${host} port ${port}`, [
      /^IP changed from/,
      /^no need to change the addr/,
      /^(IP|port) changed/,
    ]);
  }

  /** Sets admin states in one CLI line, so that HAProxy applies them back to back. */
  async setStates(
    changes: ReadonlyArray<{ name: string; state: "ready" | "drain" | "maint" }>,
  ): Promise<void> {
    const line = changes.map((c) => `set server ${this.backend}/${c.name} state ${c.state}`).join("; ");
    await socketAction(this.socket, line);
  }

  /** maint -> drain, and with checks, health forced DOWN so that only a passing check makes it UP. */
  async leaveMaintenance(name: string, checked: boolean): Promise<void> {
    const server = `${this.backend}/${name}`;
    await socketAction(
      this.socket,
      `set server ${server} state drain${checked ? `; set server ${server} health down` : ""}`,
    );
  }
}
