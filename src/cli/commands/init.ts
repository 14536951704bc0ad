import path from "node:path";
import { assertAnswers, defaultAnswers, serviceNameFrom, type InitAnswers } from "../../init/answers.js";
import { planFiles, writePlannedFiles } from "../../init/plan.js";
import { askAnswers } from "../../init/prompt.js";
import { siteRenderer } from "../../init/site.js";
import { reporterFor, type GlobalOptions } from "../context.js";

export async function run(
  globals: GlobalOptions,
  _args: unknown[],
  options: Record<string, unknown>,
): Promise<number> {
  const reporter = reporterFor(globals);
  const dir = path.resolve((options["dir"] as string | undefined) ?? ".");
  let answers = answersFromFlags(defaultAnswers(serviceNameFrom(path.basename(dir))), options);
  const interactive = options["yes"] !== true && process.stdin.isTTY && !globals.json;
  if (interactive) {
    answers = await askAnswers(answers, { input: process.stdin, output: process.stderr });
  }
  assertAnswers(answers);
  const files = planFiles(answers, await siteRenderer(answers.router));
  const written = await writePlannedFiles(dir, files, { force: options["force"] === true });
  reporter.event("result", { dir, files: written });
  for (const file of files) reporter.info(`wrote ${file.path}  (${file.description})`);
  reporter.info(nextSteps(answers));
  return 0;
}

/** commander gives every flag value as a string. */
function answersFromFlags(start: InitAnswers, options: Record<string, unknown>): InitAnswers {
  const o = options as Record<string, string | boolean | undefined>;
  const text = (key: string, fallback: string) => (o[key] === undefined ? fallback : String(o[key]));
  const num = (key: string, fallback: number) => (o[key] === undefined ? fallback : Number(o[key]));
  const service = text("service", start.service);
  const base = service === start.service ? start : defaultAnswers(service);
  return {
    service,
    runtime: text("runtime", base.runtime) as InitAnswers["runtime"],
    image: text("image", base.image),
    command: o["command"] === undefined ? base.command : String(o["command"]).split(/\s+/).filter(Boolean),
    router: text("router", base.router) as InitAnswers["router"],
    bluePort: num("bluePort", base.bluePort),
    greenPort: num("greenPort", base.greenPort),
    listenPort: num("listenPort", base.listenPort),
    containerPort: num("containerPort", base.containerPort),
    healthPath: text("healthPath", base.healthPath),
    branch: text("branch", base.branch),
    deployDir: text("deployDir", base.deployDir),
    domain: o["domain"] === undefined ? undefined : String(o["domain"]),
  };
}

function nextSteps(a: InitAnswers): string {
  return [
    "",
    "next:",
    "  1. switchyard doctor            # checks this host: node, ports, docker, router, registry login",
    a.runtime === "docker"
      ? "  2. switchyard deploy --image " + `${a.image}:<tag>   # a first deploy by hand`
      : "  2. switchyard deploy            # a first deploy by hand",
    "  3. add the repository secrets listed at the top of .github/workflows/deploy.yml, then push",
    "  see docs/getting-started.md",
  ].join("\n");
}
