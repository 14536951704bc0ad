import { RouterError } from "../../errors.js";
import { isSlotName, type SlotName } from "../../types.js";
import type { RouteTarget } from "../types.js";

/** What the include file says; `target: null` routes nothing. */
export interface NginxIncludeSpec {
  readonly style: "upstream" | "variable";
  /** Upstream block name (style upstream). */
  readonly upstream: string;
  /** Variable name without `$` (style variable). */
  readonly variable: string;
  readonly target: RouteTarget | null;
}

const HEADER = "# Managed by switchyard: rewritten on every switch, do not edit by hand.";
const MARKER = /^# switchyard: active=(\S+) target=(\S+)$/m;
/** Where requests go when nothing is routed: never connected to (`down`, or answered by `return`). */
const NOWHERE = "127.0.0.1:1";
const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const HOST = /^([A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])$/;

/** host:port of a target, refusing anything that could break out of an nginx directive. */
export function targetAddress(target: RouteTarget): string {
  if (!HOST.test(target.host) || !Number.isInteger(target.port) || target.port < 1 || target.port > 65535) {
    throw new RouterError(`cannot route to ${target.host}:${target.port}: not a host name or IP and port`);
  }
  return `${target.host}:${target.port}`;
}

/** The include file's text: a pure function of the spec, tested by exact output. */
export function renderNginxInclude(spec: NginxIncludeSpec): string {
  const name = spec.style === "upstream" ? spec.upstream : spec.variable;
  if (!NAME.test(name)) {
    throw new RouterError(`"${name}" is not a valid nginx ${spec.style} name`, [], {
      hint: `set router.nginx.${spec.style} to letters, digits, "_", "." or "-"`,
    });
  }
  const address = spec.target ? targetAddress(spec.target) : NOWHERE;
  const marker = `# switchyard: active=${spec.target?.slot ?? "none"} target=${spec.target ? address : "none"}`;
  if (spec.style === "variable") {
    const lines = [HEADER, marker, `set $${name} http://${address};`];
    if (!spec.target) lines.push("return 503;");
    return `${lines.join("\n")}\n`;
  }
  const server = spec.target ? `server ${address} max_fails=0;` : `server ${NOWHERE} down;`;
  return [
    HEADER,
    marker,
    `upstream ${name} {`,
    `    ${server}`,
    "    keepalive 32;",
    // Node closes idle keep-alive sockets after 5 s: let nginx drop them first.
    "    keepalive_timeout 4s;",
    "}",
    "",
  ].join("\n");
}

/** What a rendered include routes to, read back from its marker line. */
export interface ParsedInclude {
  readonly active: SlotName | null;
  /** host:port, or null when nothing is routed. */
  readonly target: string | null;
}

/** Reads the marker line; undefined when the file was not written by switchyard. */
export function parseNginxInclude(text: string): ParsedInclude | undefined {
  const match = MARKER.exec(text);
  if (!match) return undefined;
  const [, slot, target] = match;
  return {
    active: isSlotName(slot) ? slot : null,
    target: target === undefined || target === "none" ? null : target,
  };
}
