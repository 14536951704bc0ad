import { loadConfig } from "../../config/load.js";
import { serve } from "../../daemon/serve.js";
import type { GlobalOptions } from "../context.js";

export async function run(globals: GlobalOptions): Promise<number> {
  const config = await loadConfig(globals.config);
  await serve(config, (line) => console.log(`${new Date().toISOString()} ${line}`));
  return 0;
}
