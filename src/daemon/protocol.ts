import type { DrainResult, RouteTarget, TrafficSnapshot } from "../routers/types.js";

/** GET /status */
export interface DaemonStatus {
  readonly pid: number;
  readonly startedAt: string;
  readonly target: RouteTarget | null;
  readonly maintenance: { readonly message: string } | null;
  readonly listen: { readonly http: string; readonly https?: string | undefined };
}

/** PUT /target: body RouteTarget | null. POST /drain: body DrainRequest, answers DrainResult. */
export interface DrainRequest {
  readonly slot: RouteTarget["slot"];
  readonly timeoutMs: number;
}

/** POST /maintenance */
export interface MaintenanceRequest {
  readonly on: boolean;
  readonly message?: string | undefined;
}

export type { DrainResult, TrafficSnapshot };
