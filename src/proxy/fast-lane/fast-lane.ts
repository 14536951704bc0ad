import type { Socket } from "node:net";
import { FastConnection, type FastLaneOptions } from "./fast-connection.js";

/**
 * The plain-HTTP listener's front: takes each new connection, forwards plain requests itself and
 * hands everything else to node:http. It exists for speed (docs/benchmarks-proxy.md): node:http's
 * request and response objects cost more CPU than the rest of the proxy.
 */
export class FastLane {
  private readonly connections = new Set<FastConnection>();

  constructor(private readonly options: FastLaneOptions) {}

  accept(socket: Socket): void {
    new FastConnection(socket, this.options, this.connections);
  }

  /** Connections the lane still holds (those given to node:http are node:http's to close). */
  get size(): number {
    return this.connections.size;
  }

  closeIdle(): void {
    for (const connection of this.connections) connection.closeIfIdle();
  }

  closeAll(): void {
    for (const connection of this.connections) connection.socket.destroy();
  }
}
