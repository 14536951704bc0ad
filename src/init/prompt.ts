import { createInterface } from "node:readline";
import { UsageError } from "../errors.js";
import {
  answerProblems,
  defaultAnswers,
  ROUTER_KINDS,
  RUNTIME_KINDS,
  type InitAnswers,
  type InitRouter,
  type InitRuntime,
} from "./answers.js";

type Ask = (question: string, fallback: string) => Promise<string>;

/**
 * Asks the init questions on `input`/`output` (a TTY in real use), starting from `start` (defaults
 * and flags). An empty reply keeps the value shown in brackets; an invalid one is asked again.
 */
export async function askAnswers(
  start: InitAnswers,
  io: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream },
): Promise<InitAnswers> {
  const rl = createInterface({ input: io.input, terminal: false });
  // Reading lines through the iterator buffers replies typed (or piped) ahead of their question.
  const lines = rl[Symbol.asyncIterator]();
  const ask: Ask = async (question, fallback) => {
    io.output.write(`${question} [${fallback}]: `);
    const next = await lines.next();
    if (next.done) throw new UsageError("init: input ended before every question was answered");
    const reply = String(next.value).trim();
    return reply === "" ? fallback : reply;
  };
  try {
    let a = start;
    a = await askValid(a, io.output, async (x) => {
      const service = await ask("service name", x.service);
      return {
        ...x,
        service,
        // Defaults derived from the name follow it unless given explicitly.
        image: x.image === defaultAnswers(x.service).image ? defaultAnswers(service).image : x.image,
        deployDir: x.deployDir === `/srv/${x.service}` ? `/srv/${service}` : x.deployDir,
      };
    });
    a = await askValid(a, io.output, async (x) => ({
      ...x,
      runtime: (await ask(`runtime (${RUNTIME_KINDS.join("|")})`, x.runtime)) as InitRuntime,
    }));
    if (a.runtime === "docker") {
      a = await askValid(a, io.output, async (x) => ({
        ...x,
        image: await ask("image repository, without tag", x.image),
      }));
      a = await askValid(a, io.output, async (x) => ({
        ...x,
        containerPort: Number(await ask("port the app listens on in the container", String(x.containerPort))),
      }));
    } else {
      a = await askValid(a, io.output, async (x) => ({
        ...x,
        command: (await ask("command that starts the app (reads PORT)", x.command.join(" ")))
          .split(/\s+/)
          .filter(Boolean),
      }));
    }
    a = await askValid(a, io.output, async (x) => ({
      ...x,
      router: (await ask(`router (${ROUTER_KINDS.join("|")})`, x.router)) as InitRouter,
    }));
    a = await askValid(a, io.output, async (x) => ({
      ...x,
      bluePort: Number(await ask("blue slot port", String(x.bluePort))),
      greenPort: Number(await ask("green slot port", String(x.greenPort))),
    }));
    if (a.router === "builtin") {
      a = await askValid(a, io.output, async (x) => ({
        ...x,
        listenPort: Number(await ask("port the built-in proxy listens on", String(x.listenPort))),
      }));
    }
    a = await askValid(a, io.output, async (x) => ({
      ...x,
      healthPath: await ask("health check path", x.healthPath),
    }));
    return a;
  } finally {
    rl.close();
  }
}

/** Repeats one question until the answers have no problem it introduced. */
async function askValid(
  current: InitAnswers,
  output: NodeJS.WritableStream,
  question: (a: InitAnswers) => Promise<InitAnswers>,
): Promise<InitAnswers> {
  const before = new Set(answerProblems(current));
  for (let attempt = 0; attempt < 5; attempt++) {
    const next = await question(current);
    const introduced = answerProblems(next).filter((p) => !before.has(p));
    if (introduced.length === 0) return next;
    output.write(`  ${introduced.join("\n  ")}\n`);
  }
  throw new UsageError("init: too many invalid answers; pass the values as flags instead");
}
