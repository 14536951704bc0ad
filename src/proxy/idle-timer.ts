/**
 * Calls `onIdle` once `ms` have passed since the last `touch()`, checked by one timer that is
 * re-armed only when it fires. socket.setTimeout re-arms its timer (a call into libuv for the
 * time, a list move) on every read and every write: about 1 µs of the proxy's CPU per request
 * under load (docs/benchmarks-proxy.md). A touch here is a field store.
 *
 * After `onIdle`, the timer keeps checking every `ms` until `stop()`: a caller that ignores an
 * expiry (a request is in progress) is asked again later, as a socket's 'timeout' would be.
 */
export class IdleTimer {
  private last = 0;
  private ms = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly onIdle: () => void) {}

  /** Waits `ms` from now (0: never fires). */
  start(ms: number): void {
    this.stop();
    this.ms = ms;
    this.last = Date.now();
    if (ms > 0) this.arm(ms);
  }

  /** Activity: the wait starts again from now. */
  touch(): void {
    this.last = Date.now();
  }

  /** When `touch` (or `start`) was last called, ms since the epoch. */
  get lastTouched(): number {
    return this.last;
  }

  stop(): void {
    if (this.timer === null) return;
    clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(ms: number): void {
    this.timer = setTimeout(this.check, ms);
    this.timer.unref(); // like a socket's own timeout: never what keeps the process alive
  }

  private readonly check = (): void => {
    this.timer = null;
    const idle = Date.now() - this.last;
    if (idle < this.ms) {
      this.arm(this.ms - idle);
      return;
    }
    this.arm(this.ms);
    this.onIdle(); // may stop() the timer just armed
  };
}
