import { mkdir } from "node:fs/promises";
import path from "node:path";
import { startSeedHost } from "../seed/seed-host.js";
import { seedDeploy } from "../seed/seed-deploy.js";
import { measureCycles } from "./cycles.js";
import type { SwitchRow } from "./types.js";

/**
 * The seed's method as the baseline. Health polling is shortened to 200 ms here (the seed sleeps
 * 10 s) because polling does not change what happens at the switch; the deploy-time part runs the
 * 10 s loop for real.
 */
export const seedRow: SwitchRow = {
  name: "seed (sed + nginx reload + immediate stop)",
  method: "nginx `proxy_pass $service_url`, sed the include, `nginx -s reload`, stop the old app at once",
  async run(ctx) {
    const idLogDir = path.join(ctx.dir, "ids");
    await mkdir(idLogDir, { recursive: true });
    const seed = await startSeedHost(ctx.dir, idLogDir);
    try {
      const first = await seedDeploy(seed.host, { version: "v0", pollIntervalMs: 200 });
      if (!first.ok) throw new Error("the seed's first deploy (no load) failed: v0 never answered /health");
      const deployOnce = async (i: number) => {
        const outcome = await seedDeploy(seed.host, { version: `v${i + 1}`, pollIntervalMs: 200 });
        return { ok: outcome.ok, detail: `health never passed in ${outcome.healthTries} tries` };
      };
      return await measureCycles(seedRow, ctx, seed.url, deployOnce, idLogDir);
    } finally {
      await seed.stop();
    }
  },
};
