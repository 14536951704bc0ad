import { ConfigError, RouterError } from "../errors.js";

/** Splits a "host:port" listen address ("[::1]:8000" for IPv6). */
export function parseListen(listen: string): { host: string; port: number } {
  const match = /^\[?([^\]]*?)\]?:(\d{1,5})$/.exec(listen);
  const port = Number(match?.[2]);
  if (!match || !Number.isInteger(port) || port > 65535) {
    throw new ConfigError(`router listen address "${listen}" is not host:port`, [
      `router.listen: expected "host:port", e.g. "127.0.0.1:8000"`,
    ]);
  }
  return { host: match[1]!, port };
}

/** The error `start()` throws when a listener cannot bind, with the next step for the user. */
export function listenError(listen: string, err: NodeJS.ErrnoException): RouterError {
  const hint =
    err.code === "EADDRINUSE"
      ? `another process listens on ${listen}: stop it or change the listen address in switchyard.yml`
      : err.code === "EACCES"
        ? `ports below 1024 need root or CAP_NET_BIND_SERVICE (sudo setcap cap_net_bind_service=+ep $(which node))`
        : undefined;
  return new RouterError(`the built-in proxy cannot listen on ${listen} (${err.code ?? err.message})`, [], {
    cause: err,
    hint,
  });
}
