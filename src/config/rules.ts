import type { Config } from "./load.js";

/** Cross-field rules the schema alone cannot express. Each problem starts with its key path. */
export function checkRules(config: Config): string[] {
  const problems: string[] = [];
  const { blue, green } = config.slots;
  if (blue.port === green.port) {
    problems.push(`slots.green.port: must differ from slots.blue.port (both are ${blue.port})`);
  }
  if (config.router.kind === "builtin") {
    const listenPort = Number(config.router.listen.split(":").pop());
    for (const [slot, { port }] of Object.entries(config.slots)) {
      if (port === listenPort) problems.push(`router.listen: port ${listenPort} is also slots.${slot}.port`);
    }
  }
  if (config.health.timeout > config.health.deadline) {
    problems.push("health.timeout: must not be longer than health.deadline");
  }
  return problems;
}
