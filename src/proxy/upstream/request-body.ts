import type { Socket } from "node:net";
import type { Readable } from "node:stream";

const CRLF = "\r\n";

/**
 * Streams a request body to the app's socket with backpressure, re-framing it as chunked when its
 * length is unknown. Returns `detach`, which stops forwarding; the rest of the body, if any, is
 * then read and thrown away, so neither an unread body nor a paused stream can hang the client.
 */
export function pipeRequestBody(
  socket: Socket,
  body: Readable,
  chunked: boolean,
  events: { onSent(): void; onError(err: Error): void },
): () => void {
  const onData = (chunk: Buffer): void => {
    if (chunk.length === 0) return;
    let ok: boolean;
    if (chunked) {
      // Every write must happen: stopping at the first `false` would drop framing bytes.
      const size = socket.write(`${chunk.length.toString(16)}${CRLF}`, "latin1");
      const data = socket.write(chunk);
      ok = socket.write(CRLF, "latin1") && size && data;
    } else ok = socket.write(chunk);
    if (!ok) body.pause();
  };
  const onDrain = (): void => void body.resume();
  const onEnd = (): void => {
    if (chunked) socket.write(`0${CRLF}${CRLF}`, "latin1");
    detach();
    events.onSent();
  };
  const onError = (err: Error): void => events.onError(err);
  let attached = true;
  const detach = (): void => {
    if (!attached) return;
    attached = false;
    body.off("data", onData);
    body.off("end", onEnd);
    body.off("error", onError);
    socket.off("drain", onDrain);
    body.resume();
  };
  body.on("data", onData);
  body.once("end", onEnd);
  body.once("error", onError);
  socket.on("drain", onDrain);
  return detach;
}
