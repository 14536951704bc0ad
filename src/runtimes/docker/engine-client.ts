import http from "node:http";
import { RuntimeError, errorMessage } from "../../errors.js";

/** Where the Docker Engine listens, from DOCKER_HOST (default: the local unix socket). */
export type EngineAddress =
  | { readonly kind: "unix"; readonly socketPath: string }
  | { readonly kind: "tcp"; readonly host: string; readonly port: number };

export function parseDockerHost(value: string | undefined): EngineAddress {
  if (value === undefined || value === "") return { kind: "unix", socketPath: "/var/run/docker.sock" };
  if (value.startsWith("unix://")) return { kind: "unix", socketPath: value.slice("unix://".length) };
  const tcp = /^tcp:\/\/([^:/]+|\[[^\]]+\]):(\d+)\/?$/.exec(value);
  if (tcp) return { kind: "tcp", host: tcp[1]!.replace(/^\[|\]$/g, ""), port: Number(tcp[2]) };
  throw new RuntimeError(`DOCKER_HOST=${value} is not supported`, [], {
    hint: "use unix:///path/to/docker.sock or tcp://host:port (TLS endpoints are not supported)",
  });
}

export function describeAddress(address: EngineAddress): string {
  return address.kind === "unix" ? `unix://${address.socketPath}` : `tcp://${address.host}:${address.port}`;
}

/** The engine answered with an error status; `message` is the engine's own text. */
export class EngineError extends RuntimeError {
  readonly status: number;
  constructor(status: number, message: string, options?: { hint?: string }) {
    super(message, [], options);
    this.status = status;
  }
}

export interface EngineRequest {
  readonly method?: "GET" | "POST" | "DELETE" | "HEAD";
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>;
  readonly body?: unknown;
  /** Raw request body (e.g. a tar build context); takes precedence over `body`. */
  readonly rawBody?: Buffer;
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
  /** Give up after this long (default 60 s); pulls and builds pass longer. */
  readonly timeoutMs?: number;
}

export interface EngineResponse {
  readonly status: number;
  readonly body: Buffer;
}

/**
 * A minimal Docker Engine API client. Paths are unversioned on purpose: the engine then speaks its
 * own default version, so the same client works with Debian's 20.10 (API 1.41) and engines that
 * require >= 1.44.
 */
export class EngineClient {
  readonly address: EngineAddress;

  constructor(address: EngineAddress = parseDockerHost(process.env.DOCKER_HOST)) {
    this.address = address;
  }

  get isLocal(): boolean {
    return this.address.kind === "unix" || ["127.0.0.1", "localhost", "::1"].includes(this.address.host);
  }

  /** Sends a request; any status >= 400 becomes an EngineError carrying the engine's message. */
  async request(req: EngineRequest): Promise<EngineResponse> {
    const res = await this.send(req);
    if (res.status >= 400) throw new EngineError(res.status, engineMessage(res));
    return res;
  }

  async json<T>(req: EngineRequest): Promise<T> {
    const res = await this.request(req);
    const text = res.body.toString("utf8");
    return (text === "" ? undefined : JSON.parse(text)) as T;
  }

  /** Like `request` but never throws for an HTTP status: the caller branches on it. */
  send(req: EngineRequest): Promise<EngineResponse> {
    const payload =
      req.rawBody ?? (req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body), "utf8"));
    const headers: Record<string, string> = { ...req.headers };
    if (payload && req.rawBody === undefined) headers["content-type"] = "application/json";
    if (payload) headers["content-length"] = String(payload.length);
    const target =
      this.address.kind === "unix"
        ? { socketPath: this.address.socketPath }
        : { host: this.address.host, port: this.address.port };
    return new Promise<EngineResponse>((resolve, reject) => {
      const request = http.request(
        {
          ...target,
          method: req.method ?? "GET",
          path: req.path + queryString(req.query),
          headers,
          signal: req.signal,
          timeout: req.timeoutMs ?? 60_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
          res.on("error", reject);
        },
      );
      request.on("timeout", () =>
        request.destroy(new Error(`no answer within ${req.timeoutMs ?? 60_000} ms`)),
      );
      request.on("error", (err) => reject(this.unreachable(req, err)));
      request.end(payload);
    });
  }

  private unreachable(req: EngineRequest, err: unknown): Error {
    if (err instanceof Error && err.name === "AbortError") return err;
    return new RuntimeError(
      `cannot reach the Docker engine at ${describeAddress(this.address)} (${req.method ?? "GET"} ${req.path}): ${errorMessage(err)}`,
      [],
      { cause: err, hint: "is dockerd running? check DOCKER_HOST and `docker info`" },
    );
  }
}

function queryString(query: EngineRequest["query"]): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text === "" ? "" : `?${text}`;
}

function engineMessage(res: EngineResponse): string {
  const text = res.body.toString("utf8").trim();
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === "string") return parsed.message;
  } catch {
    // not JSON: use the text as is
  }
  return text === "" ? `HTTP ${res.status}` : text;
}
