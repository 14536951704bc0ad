import path from "node:path";
import type { Config } from "../config/load.js";
import { ConfigError } from "../errors.js";

// sockaddr_un.sun_path is 108 bytes on Linux, including the terminating NUL.
const MAX_SOCKET_PATH = 107;

export function daemonPaths(config: Config): { socket: string; pidFile: string; logFile: string } {
  const socket = path.join(config.stateDir, "daemon.sock");
  if (Buffer.byteLength(socket) > MAX_SOCKET_PATH) {
    throw new ConfigError(
      `state_dir is too deep for a unix socket: ${socket} is over ${MAX_SOCKET_PATH} bytes`,
      ["state_dir: choose a shorter path"],
    );
  }
  return {
    socket,
    pidFile: path.join(config.stateDir, "daemon.pid"),
    logFile: path.join(config.stateDir, "logs", "daemon.log"),
  };
}
