import { execFile } from "node:child_process";
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import path from "node:path";
import type { Config } from "../config/load.js";
import { errorMessage } from "../errors.js";
import { fail, ok, type CheckResult } from "./types.js";

const INSTALL = { nginx: "sudo apt-get install nginx", haproxy: "sudo apt-get install haproxy" };

/** Router binary and include directory, then the router module's own checks (config, running, site). */
export async function checkRouter(config: Config): Promise<CheckResult[]> {
  const router = config.router;
  if (router.kind === "builtin")
    return [ok("router", "builtin proxy (part of switchyard; no binary needed)")];
  const binary = await checkBinary(router.kind);
  // Without the binary every further check fails the same way: report the cause once.
  if (binary.status === "fail") return [binary];
  const results: CheckResult[] = [binary];
  if (router.kind === "nginx") {
    const include = path.resolve(config.configDir, router.include_file);
    results.push(await checkWritableDir("router.include_file", path.dirname(include)));
  }
  results.push(...(await moduleChecks(config)));
  return results;
}

async function checkBinary(kind: "nginx" | "haproxy"): Promise<CheckResult> {
  return new Promise((resolve) => {
    execFile(kind, ["-v"], { timeout: 5_000 }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === "ENOENT") {
        resolve(fail(kind, `${kind} is not on PATH`, INSTALL[kind]));
        return;
      }
      const version = `${stdout}${stderr}`
        .split("\n")
        .find((l) => /version/i.test(l))
        ?.trim();
      resolve(
        err
          ? fail(kind, `\`${kind} -v\` failed: ${errorMessage(err)}`, INSTALL[kind])
          : ok(kind, version ?? "found"),
      );
    });
  });
}

async function checkWritableDir(name: string, dir: string): Promise<CheckResult> {
  try {
    await access(dir, constants.W_OK);
    return ok(name, `${dir} is writable`);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return fail(
      name,
      `${dir} ${code === "ENOENT" ? "does not exist" : "is not writable"}`,
      `\`sudo install -d -o $(id -un) ${dir}\` and include it from the nginx site config`,
    );
  }
}

/** The router modules' own checks (config valid, running, site wired), loaded on demand. */
const ROUTER_CHECKS: Record<
  "nginx" | "haproxy",
  () => Promise<{ doctorChecks: (c: Config) => Promise<CheckResult[]> }>
> = {
  nginx: () => import("../routers/nginx/doctor.js"),
  haproxy: () => import("../routers/haproxy/doctor.js"),
};

async function moduleChecks(config: Config): Promise<CheckResult[]> {
  const kind = config.router.kind;
  if (kind === "builtin") return [];
  try {
    return await (await ROUTER_CHECKS[kind]()).doctorChecks(config);
  } catch (err) {
    return [
      fail(
        `${kind} checks`,
        errorMessage(err),
        "this is a bug in switchyard: rerun with SWITCHYARD_DEBUG=1 and report it",
      ),
    ];
  }
}
