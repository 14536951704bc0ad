import type { DeployTimeRow } from "../deploy-time/deploy-time.js";
import type { MachineInfo } from "../lib/machine.js";
import type { OverheadPart } from "../overhead/overhead.js";
import type { ResourceRow } from "../resources/resources.js";
import type { SwitchRowResult } from "../switch/types.js";

/** A part that threw: its error is recorded and the run goes on with the next part. */
export interface PartError {
  readonly error: string;
}

/** Everything one `npm run bench` wrote to bench/results/<timestamp>.json. */
export interface BenchResults {
  readonly schema: 1;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly quick: boolean;
  readonly command: string;
  readonly machine: MachineInfo;
  readonly switchCorrectness:
    { readonly workers: number; readonly rows: readonly SwitchRowResult[] } | PartError;
  readonly overhead: OverheadPart | PartError;
  readonly deployTime: readonly DeployTimeRow[] | PartError;
  readonly resources: readonly ResourceRow[] | PartError;
}

export function isPartError(part: unknown): part is PartError {
  return typeof part === "object" && part !== null && "error" in part;
}
