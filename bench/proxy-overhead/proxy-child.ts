// Runs the built-in proxy alone in its own process for the benchmark: argv = upstream port [listen port].
// Prints "listening <port>" once ready; exits on SIGTERM.
import { routerSchema } from "../../src/config/router-schema.js";
import { ProxyServer } from "../../src/proxy/proxy-server.js";

const upstreamPort = Number(process.argv[2]);
const config = routerSchema.parse({ kind: "builtin", listen: `127.0.0.1:${process.argv[3] ?? 0}` });
if (config.kind !== "builtin") throw new Error("unreachable");
const proxy = new ProxyServer({ config, baseDir: process.cwd() });
const { http } = await proxy.start();
proxy.setTarget({ slot: "blue", host: "127.0.0.1", port: upstreamPort });
console.log(`listening ${http.port}`);
process.on("SIGTERM", () => {
  proxy.stop(200).then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
