import { createNginxRouter } from "../../src/routers/nginx/nginx-router.js";
import { routerConformance } from "../conformance/router.conformance.js";
import { requireBinary, startApp } from "./support/backends.js";
import { NGINX_AVAILABLE, startNginx } from "./support/nginx-harness.js";

const ctx = (dir: string) => ({ service: "app", configDir: dir, stateDir: dir, log: () => undefined });

if (requireBinary("nginx", NGINX_AVAILABLE, "apt-get install nginx (or bash scripts/setup-test-env.sh)")) {
  for (const style of ["upstream", "variable"] as const) {
    routerConformance(`nginx (${style})`, async () => {
      const nginx = await startNginx(style);
      const [blue, green] = await Promise.all([startApp("blue"), startApp("green")]);
      const router = createNginxRouter(nginx.routerConfig(), ctx(nginx.dir));
      return {
        router,
        targets: {
          blue: { slot: "blue", host: "127.0.0.1", port: blue.port },
          green: { slot: "green", host: "127.0.0.1", port: green.port },
        },
        url: nginx.url,
        // A test command that fails like nginx does on a broken include.
        brokenRouter: async () =>
          createNginxRouter(
            nginx.routerConfig({
              test_command: ["sh", "-c", "echo 'nginx: [emerg] unexpected end of file' >&2; exit 1"],
            }),
            ctx(nginx.dir),
          ),
        cleanup: async () => {
          await Promise.all([blue.stop(), green.stop()]);
          await nginx.stop();
        },
      };
    });
  }
}
