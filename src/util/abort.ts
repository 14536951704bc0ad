/**
 * Runs `fn` once when `signal` aborts, or at once if it already has: a plain addEventListener on an
 * aborted signal never fires, which let a Ctrl-C that landed between two phases be ignored.
 * Returns the function that stops listening.
 */
export function onAbort(signal: AbortSignal | undefined, fn: () => void): () => void {
  if (!signal) return () => undefined;
  if (signal.aborted) {
    fn();
    return () => undefined;
  }
  signal.addEventListener("abort", fn, { once: true });
  return () => signal.removeEventListener("abort", fn);
}
