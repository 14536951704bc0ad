import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, renameSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "../../src/util/ports.js";

/** Writes a fresh self-signed certificate for `cn` (and 127.0.0.1) as PEM files; openssl does it. */
export function makeCertificate(dir: string, cn: string, name = "cert"): { cert: string; key: string } {
  const cert = path.join(dir, `${name}.pem`);
  const key = path.join(dir, `${name}-key.pem`);
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "2",
      "-keyout",
      key,
      "-out",
      cert,
      "-subj",
      `/CN=${cn}`,
      "-addext",
      `subjectAltName=DNS:${cn},IP:127.0.0.1`,
    ],
    { stdio: "ignore" },
  );
  return { cert, key };
}

/** Replaces the files the way certbot renews: new files written elsewhere, then renamed over. */
export function renewCertificate(dir: string, target: { cert: string; key: string }, cn: string): void {
  const fresh = makeCertificate(dir, cn, "renewed");
  renameSync(fresh.key, target.key);
  renameSync(fresh.cert, target.cert);
}

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Spawns the shared test app (test/fixtures/app.mjs) and waits until it listens. */
export async function spawnFixtureApp(
  version: string,
): Promise<{ port: number; child: ChildProcess; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.resolve("test/fixtures/app.mjs")], {
    env: { ...process.env, PORT: String(port), APP_VERSION: version },
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (data: Buffer) => {
      if (data.toString().includes("listening")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`fixture app exited with ${code}`)));
  });
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
  return { port, child, stop };
}
