import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import { sendErrorPage } from "./respond.js";

/** Tokens certbot and other ACME clients write: base64url, nothing that could leave the folder. */
const TOKEN = /^[A-Za-z0-9_-]{1,256}$/;

/** The file an ACME token maps to under `webroot`, or null when the token is not a safe name. */
export function acmeChallengePath(webroot: string, token: string): string | null {
  if (!TOKEN.test(token)) return null;
  const dir = path.resolve(webroot, ".well-known", "acme-challenge");
  const file = path.resolve(dir, token);
  return path.dirname(file) === dir ? file : null;
}

/** Serves `/.well-known/acme-challenge/<token>` from the webroot `certbot --webroot -w` writes to. */
export async function serveAcmeChallenge(
  req: IncomingMessage,
  res: ServerResponse,
  webroot: string,
  token: string,
): Promise<void> {
  if (req.method !== "GET" && req.method !== "HEAD") {
    sendErrorPage(req, res, 405, "Only GET and HEAD are allowed on ACME challenge paths.", true);
    return;
  }
  const file = acmeChallengePath(webroot, token);
  const info = file ? await stat(file).catch(() => null) : null;
  if (!file || !info?.isFile()) {
    sendErrorPage(req, res, 404, "No such ACME challenge token.", false);
    return;
  }
  res.writeHead(200, {
    "content-type": "text/plain",
    "content-length": info.size,
    "cache-control": "no-store",
  });
  if (req.method === "HEAD") {
    res.end();
    return;
  }
  const stream = createReadStream(file);
  stream.on("error", () => res.destroy());
  stream.pipe(res);
}
