import { execFile } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultAnswers, type InitAnswers } from "../../src/init/answers.js";
import { planFiles, type PlannedFile } from "../../src/init/plan.js";
import { siteRenderer } from "../../src/init/site.js";
import { tempDir } from "../support/tmp.js";

const run = (file: string, args: string[]) =>
  new Promise<{ code: number; output: string }>((resolve) => {
    execFile(file, args, { timeout: 20_000 }, (err, stdout, stderr) =>
      resolve({
        code: err ? (typeof err.code === "number" ? err.code : 127) : 0,
        output: `${stdout}${stderr}`,
      }),
    );
  });

async function available(binary: string): Promise<boolean> {
  const found = (await run(binary, ["-v"])).code !== 127;
  if (!found && process.env["CI"] === "true") throw new Error(`${binary} is required in CI`);
  if (!found) console.warn(`SKIPPED: ${binary} is not installed (apt-get install ${binary})`);
  return found;
}

async function siteFile(answers: InitAnswers): Promise<PlannedFile> {
  const files = planFiles(answers, await siteRenderer(answers.router));
  return files.find((f) => f.path.startsWith("deploy/") && !f.path.endsWith(".service"))!;
}

/** The site config init writes is accepted by the real nginx and HAProxy. */
describe("init site configs", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir("sy-init-site-"));
  });
  afterAll(async () => {
    await cleanup();
  });

  it("nginx: deploy/nginx-<service>.conf includes the file switchyard owns and passes `nginx -t`", async () => {
    const answers = { ...defaultAnswers("shop"), router: "nginx" as const };
    const site = await siteFile(answers);
    expect(site.path).toBe("deploy/nginx-shop.conf");
    expect(site.content).toContain("include /etc/nginx/switchyard/shop.conf;");
    expect(site.content).toContain("proxy_pass http://shop;");
    if (!(await available("nginx"))) return;
    // Same site, with the include moved into the temp dir; the include is what a deploy writes.
    const include = path.join(dir, "shop-upstream.conf");
    await writeFile(
      include,
      `upstream shop {\n    server 127.0.0.1:${answers.bluePort};\n    keepalive 16;\n}\n`,
    );
    await writeFile(
      path.join(dir, "site.conf"),
      site.content.replaceAll("/etc/nginx/switchyard/shop.conf", include),
    );
    await writeFile(
      path.join(dir, "nginx.conf"),
      [
        `pid ${dir}/nginx.pid;`,
        `error_log ${dir}/error.log;`,
        "events {}",
        `http { access_log off; include ${dir}/site.conf; }`,
      ].join("\n"),
    );
    const tested = await run("nginx", ["-t", "-p", dir, "-c", path.join(dir, "nginx.conf")]);
    expect(tested.output).toMatch(/test is successful/);
    expect(tested.code).toBe(0);
  });

  it("nginx with --domain: TLS with Let's Encrypt paths and the ACME webroot", async () => {
    const site = await siteFile({ ...defaultAnswers("shop"), router: "nginx", domain: "shop.example.com" });
    expect(site.content).toContain("server_name shop.example.com;");
    expect(site.content).toContain("ssl_certificate /etc/letsencrypt/live/shop.example.com/fullchain.pem;");
    expect(site.content).toContain("return 301 https://");
  });

  it("haproxy: deploy/haproxy.cfg has both slots and the admin socket and passes `haproxy -c`", async () => {
    const answers = {
      ...defaultAnswers("shop"),
      router: "haproxy" as const,
      bluePort: 9100,
      greenPort: 9101,
    };
    const site = await siteFile(answers);
    expect(site.path).toBe("deploy/haproxy.cfg");
    expect(site.content).toMatch(/server blue 127\.0\.0\.1:9100 check/);
    expect(site.content).toMatch(/server green 127\.0\.0\.1:9101 check.* disabled/);
    expect(site.content).toContain("stats socket /run/haproxy/admin.sock mode 600 level admin");
    if (!(await available("haproxy"))) return;
    await mkdir(path.join(dir, "haproxy"), { recursive: true });
    const file = path.join(dir, "haproxy", "haproxy.cfg");
    await writeFile(
      file,
      site.content.replaceAll("/run/haproxy/admin.sock", path.join(dir, "haproxy", "admin.sock")),
    );
    const checked = await run("haproxy", ["-c", "-f", file]);
    expect(checked.code, checked.output).toBe(0);
  });
});
