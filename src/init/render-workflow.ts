import { registryOf, type InitAnswers } from "./answers.js";
import { PINNED_ACTIONS } from "./pinned-actions.js";

const uses = (action: { uses: string; tag: string }) => `${action.uses} # ${action.tag}`;

/**
 * .github/workflows/deploy.yml: on a push to the branch, build and push the image tagged with the
 * commit SHA (docker), then deploy it on the host over SSH. Secrets come from GitHub Secrets; the
 * host key is pinned through DEPLOY_KNOWN_HOSTS rather than trusted on first use.
 */
export function renderWorkflow(a: InitAnswers): string {
  const docker = a.runtime === "docker";
  const ghcr = docker && registryOf(a.image) === "ghcr.io";
  const secretsUsed = [
    "DEPLOY_HOST (the server's name or address)",
    "DEPLOY_USER (who runs switchyard there)",
    "DEPLOY_SSH_KEY (a private key whose public half is in that user's authorized_keys)",
    "DEPLOY_KNOWN_HOSTS (the output of `ssh-keyscan <host>`, checked once by hand)",
    ...(docker && !ghcr ? ["REGISTRY_USERNAME and REGISTRY_PASSWORD (push access to the registry)"] : []),
  ];
  return [
    `# Deploys ${a.service} with switchyard on every push to ${a.branch}. Written by \`switchyard init\`.`,
    "# Repository secrets it needs (Settings > Secrets and variables > Actions):",
    ...secretsUsed.map((s) => `#   ${s}`),
    `name: deploy ${a.service}`,
    "",
    "on:",
    "  push:",
    `    branches: [${JSON.stringify(a.branch)}]`,
    "  workflow_dispatch: {}",
    "",
    "# Deploys queue instead of overlapping; a running deploy is never cancelled halfway.",
    "concurrency:",
    `  group: switchyard-deploy-${a.service}`,
    "  cancel-in-progress: false",
    "",
    "permissions: {}",
    "",
    "jobs:",
    ...(docker ? renderBuildJob(a, ghcr) : []),
    ...renderDeployJob(a, docker),
  ].join("\n");
}

function renderBuildJob(a: InitAnswers, ghcr: boolean): string[] {
  const registry = registryOf(a.image);
  const login = ghcr
    ? ["          username: ${{ github.actor }}", "          password: ${{ secrets.GITHUB_TOKEN }}"]
    : [
        "          username: ${{ secrets.REGISTRY_USERNAME }}",
        "          password: ${{ secrets.REGISTRY_PASSWORD }}",
      ];
  return [
    "  build:",
    "    runs-on: ubuntu-latest",
    "    permissions:",
    "      contents: read",
    ...(ghcr ? ["      packages: write"] : []),
    "    steps:",
    `      - uses: ${uses(PINNED_ACTIONS.checkout)}`,
    "        with:",
    "          persist-credentials: false",
    `      - uses: ${uses(PINNED_ACTIONS.dockerLogin)}`,
    "        with:",
    ...(registry === "docker.io" ? [] : [`          registry: ${registry}`]),
    ...login,
    `      - uses: ${uses(PINNED_ACTIONS.buildPush)}`,
    "        with:",
    "          context: .",
    "          push: true",
    `          tags: ${a.image}:\${{ github.sha }}`,
    "",
  ];
}

function renderDeployJob(a: InitAnswers, docker: boolean): string[] {
  // The runner's shell expands the SHA; the answers were validated to hold no spaces or quotes.
  const version = "--version ${GITHUB_SHA::12}";
  const remote = docker
    ? `cd ${a.deployDir} && SWITCHYARD_USER=$GITHUB_ACTOR switchyard deploy --image ${a.image}:$GITHUB_SHA ${version}`
    : `cd ${a.deployDir} && git fetch --quiet origin && git checkout --quiet --force $GITHUB_SHA && SWITCHYARD_USER=$GITHUB_ACTOR switchyard deploy ${version}`;
  return [
    "  deploy:",
    ...(docker ? ["    needs: build"] : []),
    "    runs-on: ubuntu-latest",
    "    permissions:",
    "      contents: read",
    "    environment: production",
    "    steps:",
    `      - uses: ${uses(PINNED_ACTIONS.checkout)}`,
    "        with:",
    "          persist-credentials: false",
    "      - name: Set up SSH",
    "        env:",
    "          DEPLOY_SSH_KEY: ${{ secrets.DEPLOY_SSH_KEY }}",
    "          DEPLOY_KNOWN_HOSTS: ${{ secrets.DEPLOY_KNOWN_HOSTS }}",
    "        run: |",
    "          install -m 700 -d ~/.ssh",
    "          printf '%s\\n' \"$DEPLOY_SSH_KEY\" > ~/.ssh/deploy_key",
    "          chmod 600 ~/.ssh/deploy_key",
    "          printf '%s\\n' \"$DEPLOY_KNOWN_HOSTS\" > ~/.ssh/known_hosts",
    ...(docker
      ? [
          "      - name: Copy switchyard.yml to the host",
          "        env:",
          "          DEPLOY_HOST: ${{ secrets.DEPLOY_HOST }}",
          "          DEPLOY_USER: ${{ secrets.DEPLOY_USER }}",
          `        run: scp -i ~/.ssh/deploy_key switchyard.yml "$DEPLOY_USER@$DEPLOY_HOST:${a.deployDir}/switchyard.yml"`,
        ]
      : []),
    "      - name: Deploy with switchyard",
    "        env:",
    "          DEPLOY_HOST: ${{ secrets.DEPLOY_HOST }}",
    "          DEPLOY_USER: ${{ secrets.DEPLOY_USER }}",
    "        run: |",
    '          ssh -i ~/.ssh/deploy_key "$DEPLOY_USER@$DEPLOY_HOST" \\',
    `            "${remote}"`,
    "",
  ];
}
