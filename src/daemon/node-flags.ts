/**
 * V8 flags the daemon runs with. A young generation capped at 4 MB semi-spaces (default: up to
 * 16 MB) keeps the proxy's resident memory near 70 MB at 200 connections instead of 95 MB, at no
 * measurable cost in requests/s (docs/benchmarks.md). `up` passes them on the command line; the
 * systemd unit from `init` sets them in NODE_OPTIONS.
 */
export const DAEMON_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=4"];
