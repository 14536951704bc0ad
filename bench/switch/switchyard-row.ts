import { mkdir } from "node:fs/promises";
import path from "node:path";
import { freePort } from "../../src/util/ports.js";
import { makeSwitchyardProject, switchyardMissing, type RouterSetup } from "../switchyard/project.js";
import { builtinSetup, haproxySetup, nginxSetup } from "../switchyard/routers.js";
import { measureCycles } from "./cycles.js";
import { unavailable, type SwitchRow } from "./types.js";

const METHODS: Record<RouterSetup["kind"], string> = {
  builtin: "switchyard deploy, built-in proxy: pointer swap, drain, then stop",
  nginx: "switchyard deploy, nginx: include + checked reload, wait for old workers, then stop",
  haproxy: "switchyard deploy, HAProxy runtime API: ready green, drain blue, then stop",
};

/** Starts the router a row needs (nginx and HAProxy run as the bench's own processes). */
export function setUpRouter(
  kind: RouterSetup["kind"],
  dir: string,
  ports: { blue: number; green: number },
): Promise<RouterSetup> {
  if (kind === "nginx") return nginxSetup(dir);
  if (kind === "haproxy") return haproxySetup(dir, ports);
  return builtinSetup();
}

/** `switchyard deploy` under load with the given router; "not available" until that router is built. */
export function switchyardRow(kind: RouterSetup["kind"]): SwitchRow {
  const row: SwitchRow = {
    name: `switchyard (${kind})`,
    method: METHODS[kind],
    async run(ctx) {
      const missing = switchyardMissing(kind);
      if (missing) return unavailable(row, missing);
      const ports = { blue: await freePort(), green: await freePort() };
      const router = await setUpRouter(kind, ctx.dir, ports);
      const idLogDir = path.join(ctx.dir, "ids");
      await mkdir(idLogDir, { recursive: true });
      const project = await makeSwitchyardProject(
        path.join(ctx.dir, "project"),
        ports,
        router,
        "100ms",
        idLogDir,
      );
      try {
        const first = await project.deploy("v0");
        if (first.code !== 0) {
          return unavailable(
            row,
            `first deploy failed (exit ${first.code}): ${lastLines(first.stderr || first.stdout)}`,
          );
        }
        const deployOnce = async (i: number) => {
          const run = await project.deploy(`v${i + 1}`);
          return { ok: run.code === 0, detail: `exit ${run.code}: ${lastLines(run.stderr || run.stdout)}` };
        };
        return await measureCycles(row, ctx, project.url, deployOnce, idLogDir);
      } finally {
        await project.cleanup();
      }
    },
  };
  return row;
}

export function lastLines(text: string, count = 3): string {
  return text.trim().split("\n").slice(-count).join(" | ");
}
