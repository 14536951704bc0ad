import net from "node:net";

/** Called with the bytes of one read; `bytes` is valid only during the call (copy what you keep). */
export type ReadCallback = (bytes: Buffer) => void;

const SHARED = Buffer.allocUnsafe(64 * 1024);

/**
 * node:net's `onread` (reads land in one caller-owned buffer, no per-read allocation and no
 * Readable stream bookkeeping) is offered only to sockets the program creates, not to those a
 * server accepts. It is the largest saving left on the fast lane (about 2-3 µs of a request's
 * 40, docs/benchmarks-proxy.md). The switch it sets in `new net.Socket({ onread })` is two
 * symbol-keyed fields read by every socket's read path; they are found here on a probe socket by
 * their values, so a Node version that works differently is detected and the caller falls back
 * to 'data' events.
 */
const internals = ((): { readonly buffer: symbol; readonly callback: symbol } | null => {
  const buffer = Buffer.alloc(1);
  const callback = (): boolean => true;
  // @types/node lists `onread` under net.connect's options only; the constructor takes it too.
  const options = { onread: { buffer, callback } };
  const probe = new net.Socket(options as net.SocketConstructorOpts);
  const fields = probe as unknown as Record<symbol, unknown>;
  const symbols = Object.getOwnPropertySymbols(probe);
  const bufferKey = symbols.find((key) => fields[key] === buffer);
  const callbackKey = symbols.find((key) => fields[key] === callback);
  probe.destroy();
  return bufferKey && callbackKey ? { buffer: bufferKey, callback: callbackKey } : null;
})();

interface StreamHandle {
  useUserBuffer?: (buffer: Uint8Array) => void;
}

/**
 * Has `socket`'s reads delivered to `onBytes` from the shared buffer instead of as 'data' events.
 * false (nothing changed): this Node cannot, use 'data'. 'end', 'close', 'error', pause() and
 * resume() work as before; pause() stops reading at once.
 */
export function readIntoSharedBuffer(socket: net.Socket, onBytes: ReadCallback): boolean {
  const handle = (socket as unknown as { _handle?: StreamHandle | null })._handle;
  if (internals === null || typeof handle?.useUserBuffer !== "function") return false;
  handle.useUserBuffer(SHARED);
  const fields = socket as unknown as Record<symbol, unknown>;
  fields[internals.buffer] = SHARED;
  fields[internals.callback] = (size: number): boolean => {
    onBytes(SHARED.subarray(0, size));
    return true;
  };
  return true;
}

/**
 * For a socket handed to node:http after `readIntoSharedBuffer`: its reads become 'data' events
 * again, copied out of the shared buffer and pushed into the socket's readable side (a full
 * readable side stops reading, as a plain socket's does). Does nothing to any other socket.
 */
export function readAsStream(socket: net.Socket): void {
  if (internals === null) return;
  const fields = socket as unknown as Record<symbol, unknown>;
  if (fields[internals.buffer] !== SHARED) return;
  fields[internals.callback] = (size: number): boolean => socket.push(Buffer.from(SHARED.subarray(0, size)));
}
