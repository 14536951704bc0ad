import { createHaproxyRouter } from "../../src/routers/haproxy/haproxy-router.js";
import { routerConformance } from "../conformance/router.conformance.js";
import { requireBinary, startApp } from "./support/backends.js";
import { HAPROXY_AVAILABLE, startHaproxy } from "./support/haproxy-harness.js";

const ctx = (dir: string) => ({ service: "app", configDir: dir, stateDir: dir, log: () => undefined });

if (
  requireBinary("haproxy", HAPROXY_AVAILABLE, "apt-get install haproxy (or bash scripts/setup-test-env.sh)")
) {
  routerConformance("haproxy", async () => {
    const [blue, green] = await Promise.all([startApp("blue"), startApp("green")]);
    const haproxy = await startHaproxy(blue.port, green.port);
    const router = createHaproxyRouter(haproxy.routerConfig(), ctx(haproxy.dir));
    return {
      router,
      targets: {
        blue: { slot: "blue", host: "127.0.0.1", port: blue.port },
        green: { slot: "green", host: "127.0.0.1", port: green.port },
      },
      url: haproxy.url,
      // The green slot's server name does not exist in the backend.
      brokenRouter: async () =>
        createHaproxyRouter(
          haproxy.routerConfig({ servers: { blue: "blue", green: "no-such-server" } }),
          ctx(haproxy.dir),
        ),
      cleanup: async () => {
        await haproxy.stop();
        await Promise.all([blue.stop(), green.stop()]);
      },
    };
  });
}
