import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from "@actions/workflow-parser";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { defaultAnswers, type InitAnswers } from "../../src/init/answers.js";
import { PINNED_ACTIONS } from "../../src/init/pinned-actions.js";
import { renderWorkflow } from "../../src/init/render-workflow.js";

/**
 * The generated workflow is checked by GitHub's own parser (@actions/workflow-parser, which bundles
 * the workflow schema GitHub validates against and type-checks `${{ }}` expressions), then for the
 * properties that matter for a deploy: trigger, pinning, concurrency, permissions, the deploy command.
 */
async function githubErrors(content: string): Promise<string[]> {
  const parsed = parseWorkflow({ name: "deploy.yml", content }, new NoOperationTraceWriter());
  const errors = parsed.context.errors.getErrors().map((e) => e.message);
  if (parsed.value) {
    const template = await convertWorkflowTemplate(parsed.context, parsed.value);
    errors.push(...(template.errors ?? []).map((e) => e.Message));
  }
  return errors;
}

type Workflow = {
  on: { push: { branches: string[] } };
  concurrency: { group: string; "cancel-in-progress": boolean };
  permissions: Record<string, string>;
  jobs: Record<
    string,
    {
      permissions: Record<string, string>;
      needs?: string;
      steps: Array<{
        uses?: string;
        run?: string;
        with?: Record<string, unknown>;
        env?: Record<string, string>;
      }>;
    }
  >;
};

const CASES: Array<[string, Partial<InitAnswers>]> = [
  ["docker on ghcr.io", { runtime: "docker", image: "ghcr.io/acme/shop" }],
  ["docker on Docker Hub", { runtime: "docker", image: "acme/shop" }],
  ["process runtime", { runtime: "process" }],
];

describe("generated GitHub Actions workflow", () => {
  it.each(CASES)("%s: GitHub's workflow parser accepts it", async (_name, overrides) => {
    const text = renderWorkflow({ ...defaultAnswers("shop"), ...overrides });
    expect(await githubErrors(text)).toEqual([]);
  });

  it("the parser used above does reject a broken workflow (so the check has teeth)", async () => {
    const text = renderWorkflow(defaultAnswers("shop"))
      .replace("cancel-in-progress: false", "cancel-in-progress: sometimes")
      .replace("runs-on: ubuntu-latest", "runs_on: ubuntu-latest")
      .replace("${{ secrets.DEPLOY_HOST }}", "${{ secretz.DEPLOY_HOST }}");
    const errors = await githubErrors(text);
    expect(errors.join("\n")).toMatch(/runs_on/);
    expect(errors.join("\n")).toMatch(/secretz/);
    expect(errors.length).toBeGreaterThanOrEqual(3);
  });

  it.each(CASES)("%s: triggers, pinning, concurrency, least privilege", (_name, overrides) => {
    const answers = { ...defaultAnswers("shop"), ...overrides };
    const wf = parse(renderWorkflow(answers)) as Workflow;
    expect(wf.on.push.branches).toEqual(["main"]);
    expect(wf.concurrency).toEqual({ group: "switchyard-deploy-shop", "cancel-in-progress": false });
    expect(wf.permissions).toEqual({});
    const steps = Object.values(wf.jobs).flatMap((job) => job.steps);
    for (const step of steps.filter((s) => s.uses)) {
      expect(step.uses).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
    }
    for (const [name, job] of Object.entries(wf.jobs)) {
      const writes = Object.entries(job.permissions).filter(([, level]) => level === "write");
      const allowed = name === "build" && answers.image.startsWith("ghcr.io/") ? [["packages", "write"]] : [];
      expect(writes, `job ${name}`).toEqual(allowed);
      expect(job.permissions["contents"]).toBe("read");
    }
  });

  it("docker: builds and pushes <image>:<sha>, then deploys exactly that tag over SSH", () => {
    const wf = parse(renderWorkflow({ ...defaultAnswers("shop"), image: "ghcr.io/acme/shop" })) as Workflow;
    const build = wf.jobs["build"]!.steps.find((s) => s.uses === PINNED_ACTIONS.buildPush.uses)!;
    expect(build.with).toMatchObject({ push: true, tags: "ghcr.io/acme/shop:${{ github.sha }}" });
    const login = wf.jobs["build"]!.steps.find((s) => s.uses === PINNED_ACTIONS.dockerLogin.uses)!;
    expect(login.with).toEqual({
      registry: "ghcr.io",
      username: "${{ github.actor }}",
      password: "${{ secrets.GITHUB_TOKEN }}",
    });
    const deploy = wf.jobs["deploy"]!;
    expect(deploy.needs).toBe("build");
    const run = deploy.steps.map((s) => s.run ?? "").join("\n");
    expect(run).toContain("switchyard deploy --image ghcr.io/acme/shop:$GITHUB_SHA");
    expect(run).toContain('ssh -i ~/.ssh/deploy_key "$DEPLOY_USER@$DEPLOY_HOST"');
    expect(run).not.toMatch(/StrictHostKeyChecking=no/);
    const secrets = deploy.steps.flatMap((s) => Object.values(s.env ?? {}));
    expect(secrets).toEqual(
      expect.arrayContaining([
        "${{ secrets.DEPLOY_SSH_KEY }}",
        "${{ secrets.DEPLOY_KNOWN_HOSTS }}",
        "${{ secrets.DEPLOY_HOST }}",
        "${{ secrets.DEPLOY_USER }}",
      ]),
    );
    // Secrets reach the shell through env, never pasted into a script where a log could echo them.
    expect(run).not.toContain("${{ secrets.");
  });

  it("Docker Hub: logs in with REGISTRY_USERNAME/REGISTRY_PASSWORD and no registry key", () => {
    const wf = parse(renderWorkflow({ ...defaultAnswers("shop"), image: "acme/shop" })) as Workflow;
    const login = wf.jobs["build"]!.steps.find((s) => s.uses === PINNED_ACTIONS.dockerLogin.uses)!;
    expect(login.with).toEqual({
      username: "${{ secrets.REGISTRY_USERNAME }}",
      password: "${{ secrets.REGISTRY_PASSWORD }}",
    });
  });
});
