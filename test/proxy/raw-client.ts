import net from "node:net";

/** What a raw-socket client saw: everything received, and when the proxy closed the connection. */
export interface RawOutcome {
  readonly received: string;
  readonly closedAfterMs: number;
}

/**
 * Sends `parts` on a fresh socket, waiting `gapMs` between them, and resolves when the server closes
 * the connection (or after `maxMs`, closing it ourselves).
 */
export function rawSend(
  port: number,
  parts: readonly (string | Buffer)[],
  gapMs = 0,
  maxMs = 5000,
): Promise<RawOutcome> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(port, "127.0.0.1");
    let received = "";
    let index = 0;
    let timer: NodeJS.Timeout | undefined;
    const sendNext = (): void => {
      if (index >= parts.length || socket.destroyed) return;
      socket.write(parts[index]!);
      index += 1;
      timer = setTimeout(sendNext, gapMs);
    };
    const giveUp = setTimeout(() => socket.destroy(), maxMs);
    socket.on("connect", sendNext);
    socket.on("data", (data) => (received += data.toString("latin1")));
    socket.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code !== "ECONNRESET" && err.code !== "EPIPE") reject(err);
    });
    socket.on("close", () => {
      clearTimeout(timer);
      clearTimeout(giveUp);
      resolve({ received, closedAfterMs: Date.now() - started });
    });
  });
}

/** Splits a string into one-character parts (for one-byte-at-a-time clients). */
export function bytesOf(text: string): string[] {
  return [...text];
}
