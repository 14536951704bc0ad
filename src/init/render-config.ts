import type { InitAnswers } from "./answers.js";

/** Paths of the files an nginx/haproxy router owns; shared by the config and site renderers. */
export function routerPaths(a: InitAnswers) {
  return {
    nginxInclude: `/etc/nginx/switchyard/${a.service}.conf`,
    haproxySocket: "/run/haproxy/admin.sock",
    haproxyConfig: "/etc/haproxy/haproxy.cfg",
  };
}

/**
 * A commented switchyard.yml for the answers. Pure: the same answers give the same text. Values are
 * written as JSON strings, which YAML reads verbatim.
 */
export function renderConfig(a: InitAnswers): string {
  const q = (text: string) => JSON.stringify(text);
  return [
    `# switchyard.yml for ${a.service}, written by \`switchyard init\`.`,
    "# Reference of every key: docs/config.md. Check the host with `switchyard doctor`.",
    "",
    `service: ${q(a.service)}`,
    "",
    "# Secrets stay out of this file: write ${NAME} and set NAME in the environment or in env_file",
    "# (KEY=VALUE lines, `chmod 600`). Every such value is redacted from switchyard's output and files.",
    "# env_file: .env",
    "",
    ...renderRuntime(a),
    "",
    "# Two slots take turns: the new version starts in the idle one, traffic moves when it is healthy.",
    "slots:",
    `  blue: { port: ${a.bluePort} }`,
    `  green: { port: ${a.greenPort} }`,
    "",
    "health:",
    `  path: ${q(a.healthPath)} # any 2xx counts as healthy (set expect_status / expect_body to be stricter)`,
    "  interval: 1s",
    "  deadline: 1m # the new slot must be healthy by then, else it is stopped and traffic stays",
    "",
    ...renderRouter(a),
    "",
    "drain:",
    "  timeout: 30s # in-flight requests on the old slot may finish for this long",
    "keep_old: 10m # the previous slot stays warm this long: `switchyard rollback` is instant",
    "",
    "# Hooks run with `sh -c` in this directory; env: SWITCHYARD_SERVICE, _SLOT, _PREVIOUS_SLOT,",
    "# _VERSION, _IMAGE, _DEPLOY_ID. A failing pre_deploy or pre_switch aborts with traffic unchanged.",
    "hooks: {}",
    "#  pre_switch:",
    '#    command: curl -fsS "$SWITCHYARD_PREVIEW_URL' + a.healthPath + '"',
    "#    timeout: 30s",
    '#  post_deploy: echo "deployed $SWITCHYARD_VERSION to $SWITCHYARD_SLOT"',
    "",
  ].join("\n");
}

function renderRuntime(a: InitAnswers): string[] {
  if (a.runtime === "process") {
    return [
      "runtime:",
      "  kind: process",
      `  command: ${JSON.stringify(a.command)} # started with PORT=<slot port> in this directory`,
      "  env:",
      '    NODE_ENV: "production"',
      '    # DATABASE_URL: "${DATABASE_URL}"',
    ];
  }
  return [
    "runtime:",
    "  kind: docker",
    `  image: ${JSON.stringify(`${a.image}:latest`)} # the workflow deploys ${a.image}:<commit sha> with --image`,
    `  container_port: ${a.containerPort} # the port the app listens on inside the container`,
    "  env: {}",
    "  # env:",
    '  #   DATABASE_URL: "${DATABASE_URL}"',
  ];
}

function renderRouter(a: InitAnswers): string[] {
  const paths = routerPaths(a);
  switch (a.router) {
    case "builtin":
      return [
        "# switchyard's own proxy (`switchyard serve`, see deploy/switchyard-" + a.service + ".service).",
        "router:",
        "  kind: builtin",
        `  listen: "127.0.0.1:${a.listenPort}" # put nginx or a load balancer in front, or use 0.0.0.0`,
      ];
    case "nginx":
      return [
        "# nginx proxies to the upstream in include_file; switchyard rewrites that one file and reloads.",
        "router:",
        "  kind: nginx",
        `  include_file: ${JSON.stringify(paths.nginxInclude)}`,
        "  style: upstream",
        `  upstream: ${JSON.stringify(a.service)}`,
      ];
    case "haproxy":
      return [
        "# HAProxy switches through its runtime API (no reload): the socket needs `level admin`.",
        "router:",
        "  kind: haproxy",
        `  socket: ${JSON.stringify(paths.haproxySocket)}`,
        `  backend: ${JSON.stringify(a.service)}`,
        "  servers: { blue: blue, green: green }",
        `  config: ${JSON.stringify(paths.haproxyConfig)}`,
      ];
  }
}
