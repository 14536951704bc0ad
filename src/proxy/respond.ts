import type { IncomingMessage, ServerResponse } from "node:http";
import { reasonPhrase, renderErrorPage } from "./error-pages.js";

/**
 * Answers with a small error page. `close` ends the client connection afterwards: needed when the
 * request body was not read, so the next request on the connection cannot start inside it.
 */
export function sendErrorPage(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  message: string,
  close: boolean,
  extraHeaders: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const page = renderErrorPage(status, message, req.headers.accept);
  const headers: Record<string, string | number> = {
    ...extraHeaders,
    "content-type": page.contentType,
    "content-length": Buffer.byteLength(page.body),
    "cache-control": "no-store",
  };
  if (close) headers["connection"] = "close";
  res.writeHead(status, reasonPhrase(status), headers);
  res.end(req.method === "HEAD" ? undefined : page.body);
}
