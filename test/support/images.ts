/**
 * Builds tiny test images FROM scratch (busybox-static + a shell app) through the Engine API and
 * pushes them to the local registry (127.0.0.1:5000). No internet needed.
 *
 * The app answers like test/fixtures/app.mjs where the runtime conformance suite and the load
 * client need it: it listens on $PORT (default 8080), serves `/health` ("running") once ready,
 * `/version`, and `/` (GET or POST, through busybox httpd's cgi-bin/index.cgi) with the baked-in
 * version as JSON and in `x-app-version`; it prints a start-up line, and honours READY_DELAY_MS,
 * HEALTH_STATUS (anything but 200: /health stays 404) and CRASH_AFTER_MS (exit 3).
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { EngineClient } from "../../src/runtimes/docker/engine-client.js";
import { parseProgressStream } from "../../src/runtimes/docker/pull.js";

const exec = promisify(execFile);

export const TEST_REGISTRY = "127.0.0.1:5000";
export const TEST_LABEL = { "switchyard.test": "1" } as const;

export interface TestImageOptions {
  /** Repository name under switchyard-test/, e.g. "app-1a2b". */
  readonly name: string;
  readonly tag: string;
  /** Baked into /app/version and served at `/`. */
  readonly version: string;
  /** Adds a Docker HEALTHCHECK probing /health every second. */
  readonly healthcheck?: boolean;
  /** Baked-in ENV, e.g. { HEALTH_STATUS: "500" } for an image that never gets healthy. */
  readonly env?: Readonly<Record<string, string>>;
}

export interface PushedImage {
  /** `127.0.0.1:5000/switchyard-test/<name>:<tag>` */
  readonly ref: string;
  readonly repository: string;
  /** Manifest digest the registry reported on push. */
  readonly digest: string;
}

const RUN_SH = `#!/bin/sh
PORT="\${PORT:-8080}"
VERSION="$(busybox cat /app/version)"
echo "$VERSION" > /www/version
echo "app $VERSION starting on port $PORT"
busybox httpd -f -p "$PORT" -h /www &
pid=$!
trap 'echo "app $VERSION got SIGTERM, closing"; busybox kill $pid; exit 0' TERM INT
if [ -n "$READY_DELAY_MS" ]; then busybox sleep "$(busybox expr "$READY_DELAY_MS" / 1000)"; fi
if [ -z "$HEALTH_STATUS" ] || [ "$HEALTH_STATUS" = "200" ]; then echo running > /www/health; fi
echo "app $VERSION listening on port $PORT"
if [ -n "$CRASH_AFTER_MS" ]; then
  busybox sleep "$(busybox expr "$CRASH_AFTER_MS" / 1000).$(busybox expr "$CRASH_AFTER_MS" % 1000 / 100)"
  echo "app $VERSION crashing on purpose" >&2
  busybox kill $pid
  exit 3
fi
wait $pid
`;

/** busybox httpd runs cgi-bin/index.cgi for `/` when there is no index.html. */
const INDEX_CGI = `#!/bin/sh
if [ -n "$CONTENT_LENGTH" ] && [ "$CONTENT_LENGTH" -gt 0 ]; then busybox head -c "$CONTENT_LENGTH" >/dev/null; fi
V="$(busybox cat /app/version)"
printf 'Content-Type: application/json\\r\\nX-App-Version: %s\\r\\n\\r\\n{"version":"%s","method":"%s"}' "$V" "$V" "$REQUEST_METHOD"
`;

function dockerfile(healthcheck: boolean, env: Readonly<Record<string, string>>): string {
  const lines = ["FROM scratch", "COPY . /", "ENV PATH=/bin", 'ENTRYPOINT ["/bin/sh", "/app/run.sh"]'];
  for (const [key, value] of Object.entries(env)) lines.push(`ENV ${key}=${JSON.stringify(value)}`);
  if (healthcheck) {
    lines.push(
      "HEALTHCHECK --interval=1s --timeout=2s --retries=2 CMD busybox wget -q -O /dev/null http://127.0.0.1:$PORT/health || exit 1",
    );
  }
  return lines.join("\n") + "\n";
}

function busyboxPath(): string {
  const found = ["/bin/busybox", "/usr/bin/busybox"].find((p) => existsSync(p));
  if (!found)
    throw new Error("busybox not found: apt-get install busybox-static (scripts/setup-test-env.sh)");
  return found;
}

/** A tar of the build context, made with the tar CLI. */
async function buildContext(options: TestImageOptions): Promise<Buffer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "switchyard-image-"));
  try {
    await mkdir(path.join(dir, "bin"));
    await mkdir(path.join(dir, "app"));
    await mkdir(path.join(dir, "www/cgi-bin"), { recursive: true });
    await writeFile(path.join(dir, "www/cgi-bin/index.cgi"), INDEX_CGI);
    await chmod(path.join(dir, "www/cgi-bin/index.cgi"), 0o755);
    await copyFile(busyboxPath(), path.join(dir, "bin/busybox"));
    await symlink("busybox", path.join(dir, "bin/sh"));
    await writeFile(path.join(dir, "app/run.sh"), RUN_SH);
    await chmod(path.join(dir, "app/run.sh"), 0o755);
    await writeFile(path.join(dir, "app/version"), `${options.version}\n`);
    await writeFile(
      path.join(dir, "Dockerfile"),
      dockerfile(options.healthcheck ?? false, options.env ?? {}),
    );
    const { stdout } = await exec("tar", ["-C", dir, "-cf", "-", "."], {
      encoding: "buffer",
      maxBuffer: 64 << 20,
    });
    return stdout;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Builds the image locally (labelled switchyard.test=1) and returns its tagged reference. */
export async function buildTestImage(engine: EngineClient, options: TestImageOptions): Promise<string> {
  const repository = `${TEST_REGISTRY}/switchyard-test/${options.name}`;
  const ref = `${repository}:${options.tag}`;
  const res = await engine.request({
    method: "POST",
    path: "/build",
    query: { t: ref, rm: true, forcerm: true, labels: JSON.stringify(TEST_LABEL) },
    headers: { "content-type": "application/x-tar" },
    rawBody: await buildContext(options),
    timeoutMs: 120_000,
  });
  parseProgressStream(res.body.toString("utf8"), `build of ${ref}`);
  return ref;
}

/** Builds and pushes; the registry's digest comes back in the push stream's aux event. */
export async function pushTestImage(engine: EngineClient, options: TestImageOptions): Promise<PushedImage> {
  const ref = await buildTestImage(engine, options);
  const repository = ref.slice(0, ref.lastIndexOf(":"));
  const res = await engine.request({
    method: "POST",
    path: `/images/${repository}/push`,
    query: { tag: options.tag },
    headers: { "x-registry-auth": Buffer.from("{}").toString("base64url") },
    timeoutMs: 120_000,
  });
  const events = parseProgressStream(res.body.toString("utf8"), `push of ${ref}`);
  const digest = events.map((e) => e.aux?.Digest).find((d): d is string => typeof d === "string");
  if (!digest) throw new Error(`push of ${ref} reported no digest`);
  return { ref, repository, digest };
}

/** A registry-unique repository name for this test run. */
export function uniqueImageName(prefix: string): string {
  return `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * Removes what tests made: containers and networks labelled switchyard.test=1 whose names start
 * with `prefix`, every local image of `repositories`, and their manifests in the registry.
 */
export async function cleanupDocker(
  engine: EngineClient,
  options: { readonly containerPrefix?: string; readonly repositories?: readonly string[] },
): Promise<void> {
  if (options.containerPrefix) {
    const filters = JSON.stringify({ name: [options.containerPrefix] });
    const containers = await engine.json<{ Id: string; Names: string[] }[]>({
      path: "/containers/json",
      query: { all: true, filters },
    });
    for (const c of containers) {
      if (!c.Names.some((n) => n.replace(/^\//, "").startsWith(options.containerPrefix!))) continue;
      await engine.send({ method: "DELETE", path: `/containers/${c.Id}`, query: { force: true } });
    }
    const networks = await engine.json<{ Id: string; Name: string }[]>({ path: "/networks" });
    for (const n of networks.filter((n) => n.Name.startsWith(options.containerPrefix!))) {
      await engine.send({ method: "DELETE", path: `/networks/${n.Id}` });
    }
  }
  for (const repository of options.repositories ?? []) {
    const images = await engine.json<
      { Id: string; RepoTags: string[] | null; RepoDigests: string[] | null }[]
    >({
      path: "/images/json",
      query: { filters: JSON.stringify({ reference: [repository] }) },
    });
    for (const image of images) {
      await engine.send({ method: "DELETE", path: `/images/${image.Id}`, query: { force: true } });
    }
    await deleteFromRegistry(repository);
  }
}

/** Deletes every tag's manifest of `repository` from the local registry (delete is enabled there). */
async function deleteFromRegistry(repository: string): Promise<void> {
  const name = repository.slice(`${TEST_REGISTRY}/`.length);
  const base = `http://${TEST_REGISTRY}/v2/${name}`;
  const tags = await fetch(`${base}/tags/list`).then((r) =>
    r.ok ? (r.json() as Promise<{ tags: string[] | null }>) : null,
  );
  for (const tag of tags?.tags ?? []) {
    const head = await fetch(`${base}/manifests/${tag}`, {
      method: "HEAD",
      headers: { accept: "application/vnd.docker.distribution.manifest.v2+json" },
    });
    const digest = head.headers.get("docker-content-digest");
    if (digest) await fetch(`${base}/manifests/${digest}`, { method: "DELETE" });
  }
}
