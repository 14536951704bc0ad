import { loadConfigIsolated } from "../../config/load-isolated.js";
import { serve } from "../../daemon/serve.js";
import type { GlobalOptions } from "../context.js";

export async function run(globals: GlobalOptions): Promise<number> {
  const config = await loadConfigIsolated(globals.config);
  for (const warning of config.warnings) console.error(`warning: ${warning}`);
  await serve(config, (line) => console.log(`${new Date().toISOString()} ${line}`));
  return 0;
}
