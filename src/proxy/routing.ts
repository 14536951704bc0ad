import type { RouteTarget } from "../routers/types.js";

export const ACME_PREFIX = "/.well-known/acme-challenge/";

/** What the proxy does with one request, decided before any byte goes upstream. */
export type Decision =
  | { readonly kind: "forward"; readonly target: RouteTarget }
  | {
      readonly kind: "refuse";
      readonly status: 400 | 503;
      readonly message: string;
      readonly unrouted: boolean;
    }
  | { readonly kind: "redirect"; readonly location: string }
  | { readonly kind: "acme"; readonly token: string };

/** Everything `decide` looks at; all of it already known when the request headers are in. */
export interface DecisionInput {
  readonly proto: "http" | "https";
  readonly url: string;
  readonly host: string | undefined;
  /** Why the request is malformed (request-guard), or null. */
  readonly problem: string | null;
  /** Port of the https listener when http must redirect to it; null: no redirect. */
  readonly redirectToHttpsPort: number | null;
  readonly acmeWebroot: boolean;
  readonly maintenanceMessage: string | null;
  readonly target: RouteTarget | null;
}

export function decide(input: DecisionInput): Decision {
  if (input.problem) {
    return { kind: "refuse", status: 400, message: `Bad request: ${input.problem}.`, unrouted: false };
  }
  if (input.proto === "http" && input.acmeWebroot && input.url.startsWith(ACME_PREFIX)) {
    return { kind: "acme", token: input.url.slice(ACME_PREFIX.length).split("?")[0]! };
  }
  if (input.proto === "http" && input.redirectToHttpsPort !== null) {
    return {
      kind: "redirect",
      location: httpsLocation(input.host ?? "", input.url, input.redirectToHttpsPort),
    };
  }
  if (input.maintenanceMessage !== null) {
    return { kind: "refuse", status: 503, message: input.maintenanceMessage, unrouted: true };
  }
  if (!input.target) {
    return {
      kind: "refuse",
      status: 503,
      message: "No version of this service is active yet.",
      unrouted: true,
    };
  }
  return { kind: "forward", target: input.target };
}

/**
 * Where a well-formed request to the http listener goes when `decide` would forward it, or null:
 * the fast lane's question for every request, answered without the input and decision objects.
 * (A test holds it to `decide`.)
 */
export function httpForwardTarget(
  url: string,
  acmeWebroot: boolean,
  state: Pick<DecisionInput, "redirectToHttpsPort" | "maintenanceMessage" | "target">,
): RouteTarget | null {
  if (acmeWebroot && url.startsWith(ACME_PREFIX)) return null;
  if (state.redirectToHttpsPort !== null || state.maintenanceMessage !== null) return null;
  return state.target;
}

/** `https://<host without port>[:port]<path and query>`; the port is left out when it is 443. */
export function httpsLocation(host: string, url: string, httpsPort: number): string {
  const hostname = host.replace(/:\d+$/, "");
  const path = url.startsWith("/") ? url : `/${url.replace(/^[a-z]+:\/\/[^/]*\/?/i, "")}`;
  return `https://${hostname}${httpsPort === 443 ? "" : `:${httpsPort}`}${path}`;
}
