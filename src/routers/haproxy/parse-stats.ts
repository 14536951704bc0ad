/** One server line of `show servers state <backend>`. */
export interface ServerState {
  readonly backend: string;
  readonly name: string;
  readonly addr: string;
  readonly port: number;
  /** 0 stopped (DOWN), 1 starting, 2 running (UP), 3 stopping. */
  readonly opState: number;
  /** Bit field: 0x01 forced maint, 0x02 inherited maint, 0x04 config maint, 0x08 forced drain, ... */
  readonly adminState: number;
  /** Last health check: 0 unknown, 1 neutral, 2 failed, 3 passed, 4 conditionally passed. */
  readonly checkResult: number;
  /** Check flags: 0x2 configured, 0x4 enabled, 0x8 paused (maintenance). */
  readonly checkState: number;
}

/** Forced, inherited, resolution and hostname maintenance; 0x04 (from `disabled`) only records the config. */
export const ADMIN_MAINT = 0x01 | 0x02 | 0x20 | 0x40;
export const ADMIN_DRAIN = 0x08 | 0x10;
export const OP_RUNNING = 2;

/** Takes new requests: not in maintenance, not draining. */
export function isReady(server: ServerState): boolean {
  return (server.adminState & (ADMIN_MAINT | ADMIN_DRAIN)) === 0;
}

export function isInMaintenance(server: ServerState): boolean {
  return (server.adminState & ADMIN_MAINT) !== 0;
}

/** HAProxy checks this server (`check` on its server line). */
export function hasHealthCheck(server: ServerState): boolean {
  return (server.checkState & 0x2) !== 0;
}

/** UP, and when checked, the latest check (since leaving maintenance) passed. */
export function isUp(server: ServerState): boolean {
  if (server.opState !== OP_RUNNING) return false;
  return !hasHealthCheck(server) || server.checkResult === 3 || server.checkResult === 4;
}

/** Parses `show servers state` (format version 1: a version line, a `#` header, one line per server). */
export function parseServersState(text: string): ServerState[] {
  const lines = text.split("\n").filter((line) => line.trim() !== "");
  const header = lines.find((line) => line.startsWith("# "));
  if (!header) return [];
  const columns = header.slice(2).trim().split(/\s+/);
  const at = (fields: string[], name: string) => fields[columns.indexOf(name)] ?? "";
  return lines
    .filter((line) => !line.startsWith("#") && /\s/.test(line.trim()))
    .map((line) => {
      const fields = line.trim().split(/\s+/);
      return {
        backend: at(fields, "be_name"),
        name: at(fields, "srv_name"),
        addr: at(fields, "srv_addr"),
        port: Number(at(fields, "srv_port")),
        opState: Number(at(fields, "srv_op_state")),
        adminState: Number(at(fields, "srv_admin_state")),
        checkResult: Number(at(fields, "srv_check_result")),
        checkState: Number(at(fields, "srv_check_state")),
      };
    });
}

/** `show stat` CSV as one record per proxy/server row, keyed by column name (pxname, svname, scur...). */
export function parseShowStat(text: string): Array<Record<string, string>> {
  const lines = text.split("\n").filter((line) => line.trim() !== "");
  const header = lines.find((line) => line.startsWith("# "));
  if (!header) return [];
  const columns = header.slice(2).split(",");
  return lines
    .filter((line) => !line.startsWith("#"))
    .map((line) => {
      const fields = line.split(",");
      return Object.fromEntries(columns.map((name, i) => [name, fields[i] ?? ""]));
    });
}

/** A numeric stat field; empty fields (not applicable) are 0. */
export function statNumber(row: Record<string, string> | undefined, field: string): number {
  const value = Number(row?.[field] ?? "");
  return Number.isFinite(value) ? value : 0;
}
