import net from "node:net";
import type { AddressInfo } from "node:net";

/** A loopback port free right now (the kernel picks it; a tiny race remains, as everywhere). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
