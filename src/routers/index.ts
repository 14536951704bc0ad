import type { Config } from "../config/load.js";
import type { Reporter } from "../output/reporter.js";
import { createBuiltinRouter } from "./builtin/builtin-router.js";
import type { Router } from "./types.js";

export interface RouterContext {
  readonly service: string;
  readonly configDir: string;
  readonly stateDir: string;
  readonly log: (line: string) => void;
}

/** router.kind -> implementation; nginx and haproxy are loaded on first use. */
export async function createRouter(config: Config, reporter: Reporter): Promise<Router> {
  const ctx: RouterContext = {
    service: config.service,
    configDir: config.configDir,
    stateDir: config.stateDir,
    log: (line) => reporter.info(line),
  };
  const router = config.router;
  switch (router.kind) {
    case "builtin":
      return createBuiltinRouter(config);
    case "nginx": {
      const { createNginxRouter } = await import("./nginx/nginx-router.js");
      return createNginxRouter(router, ctx);
    }
    case "haproxy": {
      const { createHaproxyRouter } = await import("./haproxy/haproxy-router.js");
      return createHaproxyRouter(router, ctx);
    }
  }
}
