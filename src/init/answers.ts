import { ConfigError } from "../errors.js";

export const RUNTIME_KINDS = ["process", "docker"] as const;
export const ROUTER_KINDS = ["builtin", "nginx", "haproxy"] as const;
export type InitRuntime = (typeof RUNTIME_KINDS)[number];
export type InitRouter = (typeof ROUTER_KINDS)[number];

/** Everything `switchyard init` needs to render its files; from questions or flags. */
export interface InitAnswers {
  readonly service: string;
  readonly runtime: InitRuntime;
  /** docker: the image repository without a tag, e.g. "ghcr.io/acme/shop". */
  readonly image: string;
  /** process: the app's argv. */
  readonly command: readonly string[];
  readonly router: InitRouter;
  readonly bluePort: number;
  readonly greenPort: number;
  /** builtin: the port the proxy listens on; nginx/haproxy: unused (they own 80/443). */
  readonly listenPort: number;
  /** docker: the port the app listens on inside the container. */
  readonly containerPort: number;
  readonly healthPath: string;
  /** Branch whose pushes deploy. */
  readonly branch: string;
  /** Directory on the host holding switchyard.yml (and the checkout, for the process runtime). */
  readonly deployDir: string;
  /** nginx/haproxy: the public name; with it the site config serves TLS (Let's Encrypt paths). */
  readonly domain?: string | undefined;
}

export function defaultAnswers(service = "app"): InitAnswers {
  return {
    service,
    runtime: "docker",
    image: `ghcr.io/your-org/${service}`,
    command: ["node", "server.js"],
    router: "builtin",
    bluePort: 8080,
    greenPort: 8081,
    listenPort: 8000,
    containerPort: 8080,
    healthPath: "/health",
    branch: "main",
    deployDir: `/srv/${service}`,
  };
}

/** A directory name made into a valid `service:` value ("My App" -> "my-app"). */
export function serviceNameFrom(dirName: string): string {
  const name = dirName
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, "-")
    .replace(/^[^a-z0-9]+/, "")
    .slice(0, 63);
  return name === "" ? "app" : name;
}

/** Every problem with the answers, one line each naming the flag; empty when they are usable. */
export function answerProblems(a: InitAnswers): string[] {
  const problems: string[] = [];
  if (!/^[a-z0-9][a-z0-9_.-]{0,62}$/.test(a.service)) {
    problems.push(`--service: "${a.service}" must be lowercase letters, digits, '.', '_' or '-'`);
  }
  if (!RUNTIME_KINDS.includes(a.runtime)) {
    problems.push(`--runtime: "${a.runtime}" is not one of ${RUNTIME_KINDS.join(", ")}`);
  }
  if (!ROUTER_KINDS.includes(a.router)) {
    problems.push(`--router: "${a.router}" is not one of ${ROUTER_KINDS.join(", ")}`);
  }
  if (a.runtime === "docker" && !/^[a-z0-9][a-z0-9._\-/:]*$/.test(a.image)) {
    problems.push(`--image: "${a.image}" is not an image repository such as ghcr.io/acme/shop`);
  }
  if (a.runtime === "docker" && /:[^/]*$/.test(a.image.split("/").slice(1).join("/"))) {
    problems.push(
      `--image: give the repository without a tag; the workflow tags each build with the commit SHA`,
    );
  }
  if (a.runtime === "process" && a.command.length === 0) problems.push("--command: must not be empty");
  const ports: Array<[string, number]> = [
    ["--blue-port", a.bluePort],
    ["--green-port", a.greenPort],
    ["--listen-port", a.listenPort],
    ["--container-port", a.containerPort],
  ];
  for (const [flag, port] of ports) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) problems.push(`${flag}: ${port} is not a port`);
  }
  if (a.bluePort === a.greenPort) problems.push("--green-port: must differ from --blue-port");
  if (a.router === "builtin" && [a.bluePort, a.greenPort].includes(a.listenPort)) {
    problems.push("--listen-port: must differ from the slot ports");
  }
  if (!a.healthPath.startsWith("/")) problems.push(`--health-path: "${a.healthPath}" must start with /`);
  if (!/^[A-Za-z0-9._/-]+$/.test(a.branch)) problems.push(`--branch: "${a.branch}" is not a branch name`);
  if (!/^\/[A-Za-z0-9._/-]*$/.test(a.deployDir)) {
    problems.push(`--deploy-dir: "${a.deployDir}" must be an absolute path without spaces or quotes`);
  }
  if (a.domain !== undefined && !/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/i.test(a.domain)) {
    problems.push(`--domain: "${a.domain}" is not a host name`);
  }
  return problems;
}

export function assertAnswers(a: InitAnswers): void {
  const problems = answerProblems(a);
  if (problems.length > 0) {
    throw new ConfigError(`init: ${problems.length} problem(s) with the answers`, problems, {
      hint: "fix the flags named above; `switchyard init --help` lists them",
    });
  }
}

/** The registry host of an image repository, as docker decides it ("docker.io" when absent). */
export function registryOf(image: string): string {
  const first = image.split("/")[0]!;
  const hasRegistry =
    image.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
  return hasRegistry ? first : "docker.io";
}
