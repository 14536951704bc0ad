import { readFile } from "node:fs/promises";
import path from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import {
  answerProblems,
  defaultAnswers,
  registryOf,
  serviceNameFrom,
  type InitAnswers,
} from "../../src/init/answers.js";
import { planFiles, writePlannedFiles } from "../../src/init/plan.js";
import { askAnswers } from "../../src/init/prompt.js";
import { renderSystemdUnit } from "../../src/init/render-systemd.js";
import { tempDir } from "../support/tmp.js";

const MATRIX: Array<Partial<InitAnswers>> = [
  { runtime: "process", router: "builtin" },
  { runtime: "process", router: "nginx" },
  { runtime: "docker", router: "builtin", image: "127.0.0.1:5000/shop" },
  { runtime: "docker", router: "nginx" },
  { runtime: "docker", router: "haproxy", image: "acme/shop" },
];

describe("init renderers", () => {
  it.each(MATRIX)("switchyard.yml for %o loads with the real config loader", async (overrides) => {
    const answers = { ...defaultAnswers("shop"), ...overrides, bluePort: 18080, healthPath: "/up" };
    const { dir, cleanup } = await tempDir("sy-init-");
    try {
      await writePlannedFiles(dir, planFiles(answers), { force: false });
      const config = await loadConfig(path.join(dir, "switchyard.yml"), {});
      expect(config.service).toBe("shop");
      expect(config.runtime.kind).toBe(answers.runtime);
      expect(config.router.kind).toBe(answers.router);
      expect(config.slots.blue.port).toBe(18080);
      expect(config.health.path).toBe("/up");
      if (config.runtime.kind === "docker") expect(config.runtime.image).toBe(`${answers.image}:latest`);
      if (config.runtime.kind === "process") expect(config.runtime.command).toEqual(["node", "server.js"]);
      if (config.router.kind === "builtin") expect(config.router.listen).toBe("127.0.0.1:8000");
    } finally {
      await cleanup();
    }
  });

  it("writes the systemd unit only for the built-in router, whose daemon it runs", () => {
    const builtin = planFiles({ ...defaultAnswers("shop"), router: "builtin" }).map((f) => f.path);
    const nginx = planFiles({ ...defaultAnswers("shop"), router: "nginx" }).map((f) => f.path);
    expect(builtin).toEqual([
      "switchyard.yml",
      ".github/workflows/deploy.yml",
      "deploy/switchyard-shop.service",
    ]);
    expect(nginx).toEqual(["switchyard.yml", ".github/workflows/deploy.yml"]);
  });

  it("renders a systemd unit that runs `switchyard serve` with the deployed config and restarts it", () => {
    const unit = renderSystemdUnit({ ...defaultAnswers("shop"), deployDir: "/srv/shop" });
    expect(unit).toContain(
      "Environment=NODE_OPTIONS=--max-semi-space-size=4\nExecStart=/usr/bin/env switchyard serve --config /srv/shop/switchyard.yml\n",
    );
    expect(unit).toContain("WorkingDirectory=/srv/shop\n");
    expect(unit).toContain("Restart=always\n");
    expect(unit).toContain("After=network-online.target docker.service\n");
    expect(unit).toMatch(/\[Install\]\nWantedBy=multi-user.target\n$/);
  });

  it("names every bad answer by its flag", () => {
    const problems = answerProblems({
      ...defaultAnswers("shop"),
      service: "My Shop",
      image: "ghcr.io/acme/shop:v1",
      bluePort: 8000,
      greenPort: 8000,
      listenPort: 8000,
      healthPath: "health",
      deployDir: "srv/shop",
    });
    expect(problems.map((p) => p.split(":")[0])).toEqual([
      "--service",
      "--image",
      "--green-port",
      "--listen-port",
      "--health-path",
      "--deploy-dir",
    ]);
    expect(answerProblems(defaultAnswers("shop"))).toEqual([]);
  });

  it("derives a service name from a directory name and a registry from an image", () => {
    expect(serviceNameFrom("My Shop!")).toBe("my-shop-");
    expect(serviceNameFrom("--")).toBe("app");
    expect(registryOf("ghcr.io/acme/shop")).toBe("ghcr.io");
    expect(registryOf("127.0.0.1:5000/shop")).toBe("127.0.0.1:5000");
    expect(registryOf("acme/shop")).toBe("docker.io");
  });

  it("refuses to overwrite without force and then writes nothing at all", async () => {
    const { dir, cleanup } = await tempDir("sy-init-");
    try {
      const files = planFiles(defaultAnswers("shop"));
      await writePlannedFiles(dir, [files[1]!], { force: false });
      await expect(writePlannedFiles(dir, files, { force: false })).rejects.toThrow(
        /\.github\/workflows\/deploy\.yml already exist.*nothing was written/,
      );
      await expect(readFile(path.join(dir, "switchyard.yml"))).rejects.toThrow(/ENOENT/);
      expect(await writePlannedFiles(dir, files, { force: true })).toEqual(files.map((f) => f.path));
      expect(await readFile(path.join(dir, "switchyard.yml"), "utf8")).toBe(files[0]!.content);
    } finally {
      await cleanup();
    }
  });
});

describe("init questions", () => {
  const answer = async (script: string, start = defaultAnswers("app")) => {
    const input = new PassThrough();
    const output = new PassThrough();
    const chunks: string[] = [];
    output.on("data", (c: Buffer) => chunks.push(c.toString()));
    input.end(script);
    const answers = await askAnswers(start, { input, output });
    return { answers, transcript: chunks.join("") };
  };

  it("asks each question, keeps bracketed defaults on empty replies and re-asks invalid ones", async () => {
    const { answers, transcript } = await answer(
      [
        "shop",
        "docker",
        "ghcr.io/acme/shop:v1",
        "ghcr.io/acme/shop",
        "",
        "haproxy",
        "9000",
        "9001",
        "/up",
        "",
      ].join("\n"),
    );
    expect(answers).toMatchObject({
      service: "shop",
      runtime: "docker",
      image: "ghcr.io/acme/shop",
      containerPort: 8080,
      router: "haproxy",
      bluePort: 9000,
      greenPort: 9001,
      healthPath: "/up",
      deployDir: "/srv/shop",
    });
    expect(transcript).toContain("service name [app]: ");
    expect(transcript).toContain("image repository, without tag [ghcr.io/your-org/shop]: ");
    expect(transcript).toMatch(/--image: give the repository without a tag/);
    expect(transcript).not.toContain("port the built-in proxy listens on");
  });

  it("fails with a usage error when the input ends before the last question", async () => {
    await expect(answer("shop\nprocess\n")).rejects.toThrow(/input ended before every question was answered/);
  });
});
