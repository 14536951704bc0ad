// Runs the built-in proxy alone in its own process for the benchmark: argv = upstream port, router
// config as JSON (parsed by the parent, so the schema library does not inflate this process's RSS
// beyond what the daemon has). Prints "listening <port>" once ready; exits on SIGTERM.
import type { BuiltinRouterConfig } from "../../src/config/router-schema.js";
import { ProxyServer } from "../../src/proxy/proxy-server.js";

const upstreamPort = Number(process.argv[2]);
const config = JSON.parse(process.argv[3] ?? "") as BuiltinRouterConfig;
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
