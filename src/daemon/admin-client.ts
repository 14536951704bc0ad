import http from "node:http";
import { RouterError } from "../errors.js";

/** The daemon's admin API answers JSON over a unix socket (mode 0600) in state_dir. */
export class DaemonUnreachable extends RouterError {}

export function adminRequest<T>(
  socketPath: string,
  method: "GET" | "POST" | "PUT",
  path: string,
  body?: unknown,
  timeoutMs = 5_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      {
        socketPath,
        method,
        path,
        headers: payload
          ? { "content-type": "application/json", "content-length": Buffer.byteLength(payload) }
          : {},
        timeout: timeoutMs,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let parsed: unknown;
          try {
            parsed = text ? JSON.parse(text) : {};
          } catch {
            return reject(
              new RouterError(`daemon answered ${method} ${path} with non-JSON: ${text.slice(0, 200)}`),
            );
          }
          if ((res.statusCode ?? 500) >= 400) {
            const message = (parsed as { error?: string }).error ?? `HTTP ${res.statusCode}`;
            return reject(new RouterError(`daemon refused ${method} ${path}: ${message}`));
          }
          resolve(parsed as T);
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs}ms`)));
    req.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT" || err.code === "ECONNREFUSED") {
        reject(
          new DaemonUnreachable(`the switchyard daemon is not running (no one at ${socketPath})`, [], {
            hint: "run `switchyard up`",
          }),
        );
      } else {
        reject(new RouterError(`daemon ${method} ${path} failed: ${err.message}`, [], { cause: err }));
      }
    });
    req.end(payload);
  });
}
