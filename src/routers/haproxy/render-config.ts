import { RouterError } from "../../errors.js";

/** How one `server` line of the backend should read after a switch. */
export interface ServerLineChange {
  readonly name: string;
  /** false adds the `disabled` keyword: the server starts in maintenance after a reload. */
  readonly enabled: boolean;
  /** New "host:port"; unchanged when absent. */
  readonly address?: string;
}

const SECTION =
  /^\s*(global|defaults|frontend|backend|listen|resolvers|peers|userlist|program|http-errors|ring|cache|mailers)\b\s*(\S*)/;
const SERVER = /^(\s*)server\s+(\S+)\s+(\S+)(.*)$/;

/**
 * Rewrites the `server` lines of `backend` in haproxy.cfg so a reload or restart starts with the
 * runtime state: the active server enabled, the other `disabled`. Everything else stays byte for
 * byte. A pure function; throws RouterError when the backend or a server is not in the file.
 */
export function rewriteHaproxyServers(
  text: string,
  backend: string,
  changes: readonly ServerLineChange[],
): string {
  const pending = new Map(changes.map((change) => [change.name, change]));
  let inBackend = false;
  let sawBackend = false;
  const lines = text.split("\n").map((line) => {
    const section = SECTION.exec(line);
    if (section) {
      inBackend = (section[1] === "backend" || section[1] === "listen") && section[2] === backend;
      sawBackend ||= inBackend;
      return line;
    }
    const server = inBackend ? SERVER.exec(line) : null;
    const change = server ? pending.get(server[2]!) : undefined;
    if (!server || !change) return line;
    pending.delete(change.name);
    const [, indent, name, address, rest] = server;
    const hash = rest!.indexOf("#");
    const options = (hash === -1 ? rest! : rest!.slice(0, hash)).split(/\s+/).filter((word) => word !== "");
    const comment = hash === -1 ? "" : ` ${rest!.slice(hash).trim()}`;
    const kept = options.filter((word) => word !== "disabled" && word !== "enabled");
    if (!change.enabled) kept.push("disabled");
    return `${indent}server ${name} ${change.address ?? address}${kept.map((w) => ` ${w}`).join("")}${comment}`;
  });
  if (!sawBackend) {
    throw new RouterError(`haproxy config has no \`backend ${backend}\` (router.haproxy.backend)`);
  }
  if (pending.size > 0) {
    throw new RouterError(
      `haproxy config's backend ${backend} has no server line for ${[...pending.keys()].join(", ")}`,
      [],
      { hint: "router.haproxy.servers must name the `server` lines of the backend" },
    );
  }
  return lines.join("\n");
}
