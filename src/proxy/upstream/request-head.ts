import type { OutgoingRequest } from "./types.js";

/** The request line and headers as sent to the app (pure; tested by exact text). */
export function renderRequestHead(
  request: Pick<OutgoingRequest, "method" | "path" | "headers" | "chunked">,
): string {
  let head = `${request.method} ${request.path} HTTP/1.1\r\n`;
  const { headers } = request;
  for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`;
  if (request.chunked) head += "transfer-encoding: chunked\r\n";
  return `${head}\r\n`;
}
