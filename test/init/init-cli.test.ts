import { spawn } from "node:child_process";
import { readFile, readdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadConfig } from "../../src/config/load.js";
import { BIN, runCli } from "../support/cli.js";
import { tempDir } from "../support/tmp.js";

/** The "must show": the built CLI in an empty directory, as a script would run it. */
describe("switchyard init (built CLI)", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir("sy-init-cli-"));
  });
  afterAll(async () => {
    await cleanup();
  });

  const listFiles = async (): Promise<string[]> =>
    (await readdir(dir, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
      .sort();

  it("`init --yes --runtime docker --router nginx` writes a config that loads and a workflow that parses", async () => {
    const result = await runCli(
      [
        "init",
        "--yes",
        "--runtime",
        "docker",
        "--router",
        "nginx",
        "--service",
        "shop",
        "--image",
        "ghcr.io/acme/shop",
      ],
      { cwd: dir },
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("wrote switchyard.yml");
    expect(await listFiles()).toEqual([
      ".github/workflows/deploy.yml",
      "deploy/nginx-shop.conf",
      "switchyard.yml",
    ]);
    const site = await readFile(path.join(dir, "deploy/nginx-shop.conf"), "utf8");
    expect(site).toContain("include /etc/nginx/switchyard/shop.conf;");
    expect(site).toContain("proxy_pass http://shop;");
    const config = await loadConfig(path.join(dir, "switchyard.yml"), {});
    expect(config).toMatchObject({
      service: "shop",
      runtime: { kind: "docker", image: "ghcr.io/acme/shop:latest" },
      router: { kind: "nginx", include_file: "/etc/nginx/switchyard/shop.conf" },
    });
    const workflow = parse(await readFile(path.join(dir, ".github/workflows/deploy.yml"), "utf8")) as {
      jobs: Record<string, unknown>;
    };
    expect(Object.keys(workflow.jobs)).toEqual(["build", "deploy"]);
  });

  it("run again, it refuses with exit 2 naming the files, and changes nothing", async () => {
    await rm(path.join(dir, "switchyard.yml"));
    const before = await stat(path.join(dir, ".github/workflows/deploy.yml"));
    const result = await runCli(
      ["init", "--yes", "--runtime", "docker", "--router", "nginx", "--service", "shop"],
      {
        cwd: dir,
      },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(".github/workflows/deploy.yml, deploy/nginx-shop.conf already exist");
    expect(result.stderr).toContain("--force");
    expect(await listFiles()).toEqual([".github/workflows/deploy.yml", "deploy/nginx-shop.conf"]);
    expect((await stat(path.join(dir, ".github/workflows/deploy.yml"))).mtimeMs).toBe(before.mtimeMs);
  });

  it("--force overwrites; --json reports the files written as one result event", async () => {
    const result = await runCli(
      [
        "init",
        "--yes",
        "--force",
        "--json",
        "--runtime",
        "process",
        "--router",
        "builtin",
        "--service",
        "shop",
      ],
      { cwd: dir },
    );
    expect(result.code, result.stderr).toBe(0);
    const events = result.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.find((e) => e["event"] === "result")).toMatchObject({
      files: ["switchyard.yml", ".github/workflows/deploy.yml", "deploy/switchyard-shop.service"],
    });
    expect((await loadConfig(path.join(dir, "switchyard.yml"), {})).runtime.kind).toBe("process");
  });

  it("in a terminal it asks the questions and writes the answers", async () => {
    const { dir: fresh, cleanup: done } = await tempDir("sy-init-tty-");
    try {
      // util-linux `script` gives the CLI a pseudo-terminal; the replies are typed into it.
      const replies = ["shop", "process", "node app.js", "builtin", "9000", "9001", "9002", "/up", ""].join(
        "\n",
      );
      const result = await new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn("script", ["-qec", BIN + " init", "/dev/null"], {
          cwd: fresh,
          env: { ...process.env },
        });
        let out = "";
        child.stdout.on("data", (c: Buffer) => (out += c.toString()));
        child.on("close", (code) => resolve({ code, out }));
        child.stdin.end(replies);
      });
      expect(result.code, result.out).toBe(0);
      expect(result.out).toContain("service name [sy-init-tty-");
      expect(result.out).toContain("port the built-in proxy listens on [8000]: ");
      const config = await loadConfig(path.join(fresh, "switchyard.yml"), {});
      expect(config).toMatchObject({
        service: "shop",
        runtime: { kind: "process", command: ["node", "app.js"] },
        slots: { blue: { port: 9000 }, green: { port: 9001 } },
        router: { kind: "builtin", listen: "127.0.0.1:9002" },
        health: { path: "/up" },
      });
    } finally {
      await done();
    }
  });

  it("a bad flag value exits 2 naming the flag, writing nothing", async () => {
    const { dir: empty, cleanup: done } = await tempDir("sy-init-cli-");
    try {
      const result = await runCli(["init", "--yes", "--service", "Bad Name", "--blue-port", "70000"], {
        cwd: empty,
      });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/--service: "Bad Name"/);
      expect(result.stderr).toMatch(/--blue-port: 70000 is not a port/);
      expect(await readdir(empty)).toEqual([]);
    } finally {
      await done();
    }
  });
});
