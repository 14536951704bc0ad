import path from "node:path";
import { mkdir } from "node:fs/promises";
import { freePort } from "../../src/util/ports.js";
import type { SeedHost } from "./seed-deploy.js";
import { startSeedNginx } from "./seed-nginx.js";

/** An EC2 host as the seed sets it up, on loopback: nginx on a free port, slots a and b not yet running. */
export async function startSeedHost(
  dir: string,
  idLogDir?: string,
): Promise<{ host: SeedHost; url: string; stop(): Promise<void> }> {
  const logDir = path.join(dir, "logs");
  await mkdir(logDir, { recursive: true });
  const ports = { a: await freePort(), b: await freePort() };
  const nginx = await startSeedNginx(path.join(dir, "nginx"), await freePort(), ports.a);
  const host: SeedHost = { nginx, ports, slots: {}, logDir, ...(idLogDir === undefined ? {} : { idLogDir }) };
  return {
    host,
    url: `http://127.0.0.1:${nginx.port}/`,
    async stop() {
      await Promise.all([host.slots.a?.process.stop(), host.slots.b?.process.stop(), nginx.stop()]);
    },
  };
}
