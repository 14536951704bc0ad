import { existsSync } from "node:fs";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../src/util/ports.js";
import { makeProject } from "../support/project.js";

type DoctorJson = {
  ok: boolean;
  failed: number;
  checks: Array<{ name: string; status: string; detail: string; fix?: string }>;
};

async function twoFreePorts(): Promise<[number, number]> {
  const blue = await freePort();
  let green = await freePort();
  while (green === blue) green = await freePort();
  return [blue, green];
}

/** `switchyard doctor` through the built CLI, on a real project, real ports and a real daemon. */
describe("switchyard doctor (built CLI)", () => {
  let project: Awaited<ReturnType<typeof makeProject>>;
  const doctorJson = async (args: string[] = [], env?: NodeJS.ProcessEnv) => {
    const result = await project.cli(["doctor", "--json", ...args], env);
    return { code: result.code, report: JSON.parse(result.stdout) as DoctorJson };
  };
  beforeAll(async () => {
    project = await makeProject();
  });
  afterAll(async () => {
    await project?.cleanup();
  });

  it("passes on a fresh project: exit 0, each check listed", async () => {
    const result = await project.cli(["doctor"]);
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toMatch(/^✓ node: v\d+\.\d+\.\d+$/m);
    expect(result.stdout).toMatch(/^✓ state dir: .* will be created by the first deploy/m);
    expect(result.stdout).toContain(`✓ port ${project.ports.blue} (slots.blue): free`);
    expect(result.stdout).toMatch(/^all checks passed/m);
    const { report } = await doctorJson();
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => c.name)).toEqual(
      expect.arrayContaining(["node", "config", "state dir", "router"]),
    );
  });

  it("a slot port taken by another process fails with exit 1 and the fix", async () => {
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(project.ports.blue, "127.0.0.1", resolve));
    try {
      const result = await project.cli(["doctor"]);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain(`✗ port ${project.ports.blue} (slots.blue): in use by a process`);
      expect(result.stdout).toContain(`    fix: find it with \`ss -ltnp 'sport = :${project.ports.blue}'\``);
      expect(result.stdout).toMatch(/1 check\(s\) failed/);
      const { code, report } = await doctorJson();
      expect(code).toBe(1);
      expect(report).toMatchObject({ ok: false, failed: 1 });
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it("after a deploy, ports held by our own slot and daemon pass", async () => {
    expect((await project.cli(["deploy", "--version", "v1"])).code).toBe(0);
    const result = await project.cli(["doctor"]);
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toContain(`(slots.blue): held by hello's blue slot (v1, running)`);
    expect(result.stdout).toMatch(/\(router\.listen\): held by hello's router daemon \(pid \d+\)/);
  });

  it("a broken config is a failed check, not a crash", async () => {
    await writeFile(path.join(project.dir, "broken.yml"), "service: hello\nruntime: { kind: rocket }\n");
    const { code, report } = await doctorJson(["-c", "broken.yml"]);
    expect(code).toBe(1);
    const config = report.checks.find((c) => c.name === "config")!;
    expect(config.status).toBe("fail");
    expect(config.detail).toMatch(/runtime\.kind/);
    expect(report.checks[0]).toMatchObject({ name: "node", status: "ok" });
  });

  it("docker runtime: checks the engine and the registry login", async () => {
    await writeFile(
      path.join(project.dir, "docker.yml"),
      [
        "service: hello",
        "runtime: { kind: docker, image: 127.0.0.1:5999/hello:v1 }",
        `slots: { blue: { port: ${project.ports.blue} }, green: { port: ${project.ports.green} } }`,
        `router: { kind: builtin, listen: "127.0.0.1:${project.ports.listen}" }`,
        "state_dir: .switchyard-docker",
      ].join("\n"),
    );
    const nowhere = await doctorJson(["-c", "docker.yml"], {
      DOCKER_HOST: `unix://${path.join(project.dir, "no.sock")}`,
      DOCKER_CONFIG: path.join(project.dir, "no-docker-config"),
    });
    expect(nowhere.code).toBe(1);
    expect(nowhere.report.checks.find((c) => c.name === "docker")).toMatchObject({ status: "fail" });
    expect(nowhere.report.checks.find((c) => c.name === "registry login (127.0.0.1:5999)")).toMatchObject({
      status: "warn",
    });
    if (!existsSync("/var/run/docker.sock") && process.env["CI"] !== "true") {
      console.warn(
        "SKIPPED real-engine doctor check: no /var/run/docker.sock (apt-get install docker.io; dockerd &)",
      );
      return;
    }
    const real = await doctorJson(["-c", "docker.yml"], { DOCKER_HOST: "" });
    expect(real.report.checks.find((c) => c.name === "docker")!.detail).toMatch(
      /^engine \d+\.\d+.* \(API 1\.\d+\)/,
    );
  });

  it("nginx router: a missing nginx binary fails with how to install it", async () => {
    const [blue, green] = await twoFreePorts();
    const bin = path.join(project.dir, "only-node-bin");
    await mkdir(bin, { recursive: true });
    await symlink(process.execPath, path.join(bin, "node"));
    await writeFile(
      path.join(project.dir, "nginx.yml"),
      [
        "service: hello",
        "runtime: { kind: process, command: [node, app.mjs] }",
        // Ports of their own: the project's blue slot runs v1 on its ports by now.
        `slots: { blue: { port: ${blue} }, green: { port: ${green} } }`,
        `router: { kind: nginx, include_file: ${path.join(project.dir, "nginx", "hello.conf")} }`,
        "state_dir: .switchyard-nginx",
      ].join("\n"),
    );
    const { code, report } = await doctorJson(["-c", "nginx.yml"], { PATH: bin });
    expect(code).toBe(1);
    expect(report.checks.find((c) => c.name === "nginx")).toMatchObject({
      status: "fail",
      detail: "nginx is not on PATH",
      fix: "sudo apt-get install nginx",
    });
    // The missing binary is the one cause reported, not repeated by every nginx check after it.
    expect(report.checks.filter((c) => c.status === "fail").map((c) => c.name)).toEqual(["nginx"]);
  });
});
