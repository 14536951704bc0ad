import type { SlotName } from "../types.js";
import { UpstreamError } from "./upstream/types.js";

/** Methods a retry cannot repeat harmfully (RFC 9110 9.2.2), when they carry no body. */
export const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "TRACE"]);

/**
 * Retry once on a brand-new connection: safe only because the request is idempotent, has no body
 * and no response byte arrived on a reused socket (RFC 9110 9.2.2). Never for POST or any request
 * with a body.
 */
export function mayRetry(err: Error, idempotent: boolean, retried: boolean): boolean {
  return (
    !retried && idempotent && err instanceof UpstreamError && err.failure === "reset" && err.reusedSocket
  );
}

/** The client stopped reading the response: its loss, not the app's failure. */
export function clientStalled(err: Error): boolean {
  return err instanceof UpstreamError && err.failure === "client-stalled";
}

/** The error page for an exchange with the app that failed before its response started. */
export function failureAnswer(err: Error, slot: SlotName): { status: 502 | 504; message: string } {
  const upstream = err instanceof UpstreamError ? err : null;
  if (upstream?.failure === "timeout" || upstream?.failure === "connect-timeout") {
    return { status: 504, message: `The ${slot} app did not answer in time.` };
  }
  if (upstream && upstream.failure !== "protocol") {
    return { status: 502, message: `The ${slot} app could not be reached (${err.message}).` };
  }
  return { status: 502, message: `The ${slot} app sent an invalid response (${err.message}).` };
}
