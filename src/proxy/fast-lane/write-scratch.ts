import type { Socket } from "node:net";

/** Room for a whole 64 KB read of the app's response plus its head and chunk framing. */
const SIZE = 80 * 1024;

/**
 * One buffer that the fast lane's writes to clients are put together in, used again for the next
 * write. A socket write that the kernel takes at once (nearly every one, on loopback or a LAN)
 * leaves nothing that refers to the bytes; one it does not take at once (its buffer is full)
 * keeps them, and `written` then gives the next write a new buffer. Fresh memory for every
 * response was measurable under load (docs/benchmarks-proxy.md): these bytes stay in the cache.
 */
class WriteScratch {
  private buffer = Buffer.allocUnsafeSlow(SIZE);

  /** `length` bytes to fill and hand to one socket.write, followed by `written`. */
  take(length: number): Buffer {
    return length <= SIZE ? this.buffer.subarray(0, length) : Buffer.allocUnsafe(length);
  }

  /** Right after socket.write: bytes still queued mean the socket kept the buffer. */
  written(socket: Socket): void {
    if (socket.writableLength > 0) this.buffer = Buffer.allocUnsafeSlow(SIZE);
  }
}

export const writeScratch = new WriteScratch();
