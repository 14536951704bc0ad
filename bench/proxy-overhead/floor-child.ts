// The least a Node proxy can do per request on this machine, for comparison with the built-in
// one: each client connection gets its own connection to the app and bytes are copied across
// unchanged (no parsing, no headers, no pool, no timers), reads landing in shared buffers as the
// fast lane's do. Not a proxy anyone should run. argv = upstream port; prints "listening <port>".
import net from "node:net";
import { readIntoSharedBuffer } from "../../src/proxy/fast-lane/shared-buffer-reads.js";

const upstreamPort = Number(process.argv[2]);
const fromApp = Buffer.allocUnsafe(64 * 1024);

const server = net.createServer({ noDelay: true }, (client) => {
  const app = net.connect({
    host: "127.0.0.1",
    port: upstreamPort,
    noDelay: true,
    onread: {
      buffer: fromApp,
      callback: (size: number) => {
        client.write(Buffer.from(fromApp.subarray(0, size)));
        return true;
      },
    },
  });
  const toApp = (bytes: Buffer): void => void app.write(Buffer.from(bytes));
  if (!readIntoSharedBuffer(client, toApp)) client.on("data", toApp);
  client.on("close", () => app.destroy());
  app.on("close", () => client.destroy());
  client.on("error", () => client.destroy());
  app.on("error", () => app.destroy());
});
server.listen(0, "127.0.0.1", () => console.log(`listening ${(server.address() as net.AddressInfo).port}`));
process.on("SIGTERM", () => process.exit(0));
