import { chmod, rm } from "node:fs/promises";
import http from "node:http";
import { errorMessage } from "../errors.js";
import type { ProxyServer } from "../proxy/proxy-server.js";
import { isSlotName } from "../types.js";
import type { DaemonStatus, DrainRequest, MaintenanceRequest } from "./protocol.js";

type Handler = (body: unknown) => unknown;

/** The admin API on a unix socket; the CLI's only way to move the daemon's traffic. */
export async function startAdminServer(options: {
  socket: string;
  proxy: ProxyServer;
  status: () => DaemonStatus;
  onMaintenance: (request: MaintenanceRequest) => void;
  onShutdown: () => void;
}): Promise<http.Server> {
  const { proxy } = options;
  const routes: Record<string, Handler> = {
    "GET /status": () => options.status(),
    "GET /traffic": () => proxy.traffic(),
    "PUT /target": (body) => {
      if (body !== null && !isTarget(body)) throw new BadRequest("expected {slot, host, port} or null");
      proxy.setTarget(body);
      return { target: proxy.target };
    },
    "POST /drain": async (body) => {
      const request = body as DrainRequest;
      if (!isSlotName(request?.slot) || typeof request.timeoutMs !== "number") {
        throw new BadRequest("expected {slot, timeoutMs}");
      }
      return proxy.drain(request.slot, request.timeoutMs);
    },
    "POST /maintenance": (body) => {
      const request = body as MaintenanceRequest;
      if (typeof request?.on !== "boolean") throw new BadRequest("expected {on: boolean, message?}");
      options.onMaintenance(request);
      return { ok: true };
    },
    "POST /shutdown": () => {
      setImmediate(options.onShutdown);
      return { ok: true };
    },
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const reply = (status: number, value: unknown) => {
        const text = JSON.stringify(value);
        res.writeHead(status, {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(text),
        });
        res.end(text);
      };
      const handler = routes[`${req.method} ${(req.url ?? "/").split("?")[0]}`];
      if (!handler) return reply(404, { error: `no route ${req.method} ${req.url}` });
      let body: unknown;
      try {
        body = chunks.length > 0 ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : undefined;
      } catch {
        return reply(400, { error: "body is not JSON" });
      }
      Promise.resolve()
        .then(() => handler(body))
        .then(
          (value) => reply(200, value ?? {}),
          (err: unknown) => reply(err instanceof BadRequest ? 400 : 500, { error: errorMessage(err) }),
        );
    });
  });
  await rm(options.socket, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    // umask-independent: create, then restrict before anyone learns the path is live.
    server.listen(options.socket, () => resolve());
  });
  await chmod(options.socket, 0o600);
  return server;
}

class BadRequest extends Error {}

function isTarget(value: unknown): value is { slot: "blue" | "green"; host: string; port: number } {
  const v = value as Record<string, unknown> | null;
  return (
    Boolean(v) && isSlotName(v!["slot"]) && typeof v!["host"] === "string" && typeof v!["port"] === "number"
  );
}
