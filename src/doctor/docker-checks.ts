import { readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { errorMessage } from "../errors.js";
import { describeAddress, EngineClient, parseDockerHost } from "../runtimes/docker/engine-client.js";
import { parseImageRef } from "../runtimes/docker/image-ref.js";
import { credentialsFromConfig } from "../runtimes/docker/registry-auth.js";
import { fail, ok, warn, type CheckResult } from "./types.js";

/** GET /_ping and /version on the engine named by DOCKER_HOST (default: /var/run/docker.sock). */
export async function checkDocker(env: NodeJS.ProcessEnv = process.env): Promise<CheckResult> {
  let client: EngineClient;
  try {
    client = new EngineClient(parseDockerHost(env["DOCKER_HOST"]));
  } catch (err) {
    return fail(
      "docker",
      errorMessage(err),
      "set DOCKER_HOST to unix:///var/run/docker.sock or tcp://host:port",
    );
  }
  const where = describeAddress(client.address);
  try {
    const ping = await client.send({ path: "/_ping", timeoutMs: 5_000 });
    if (ping.status !== 200) {
      return fail(
        "docker",
        `${where} answered /_ping with ${ping.status}`,
        "check `docker info` and dockerd's log",
      );
    }
    const version = await client.json<{ Version?: string; ApiVersion?: string }>({
      path: "/version",
      timeoutMs: 5_000,
    });
    return ok("docker", `engine ${version.Version ?? "?"} (API ${version.ApiVersion ?? "?"}) at ${where}`);
  } catch (err) {
    const denied = /EACCES/.test(errorMessage(err));
    return fail(
      "docker",
      `cannot reach the engine at ${where}: ${errorMessage(err)}`,
      denied
        ? "add this user to the docker group (`sudo usermod -aG docker $(id -un)`, then log in again)"
        : "start dockerd (`sudo systemctl start docker`) or point DOCKER_HOST at the engine",
    );
  }
}

/**
 * Is there a login for the image's registry? Credentials come from SWITCHYARD_REGISTRY_USER/PASSWORD
 * or the `auths` of the docker config file; credential helpers are not used by switchyard. A public
 * image needs no login, so a missing one is a warning.
 */
export async function checkRegistryLogin(
  image: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<CheckResult> {
  let registry: string;
  try {
    registry = parseImageRef(image).registry;
  } catch (err) {
    return fail("registry login", errorMessage(err), "fix runtime.image");
  }
  const name = `registry login (${registry})`;
  if (env["SWITCHYARD_REGISTRY_USER"] && env["SWITCHYARD_REGISTRY_PASSWORD"]) {
    return ok(name, "from SWITCHYARD_REGISTRY_USER / SWITCHYARD_REGISTRY_PASSWORD");
  }
  const file = path.join(env["DOCKER_CONFIG"] ?? path.join(os.homedir(), ".docker"), "config.json");
  let config: Parameters<typeof credentialsFromConfig>[0] & {
    credsStore?: string;
    credHelpers?: Record<string, string>;
  };
  try {
    config = JSON.parse(await readFile(file, "utf8")) as typeof config;
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === "ENOENT";
    return warn(
      name,
      missing ? `no ${file}` : `cannot read ${file}: ${errorMessage(err)}`,
      `\`docker login ${registry === "docker.io" ? "" : registry}\` as the user that deploys (not needed for public images)`,
    );
  }
  if (credentialsFromConfig(config, registry)) return ok(name, `found in ${file}`);
  const helper = config.credHelpers?.[registry] ?? config.credsStore;
  if (helper) {
    return warn(
      name,
      `${file} delegates to credential helper "${helper}", which switchyard does not call`,
      "set SWITCHYARD_REGISTRY_USER and SWITCHYARD_REGISTRY_PASSWORD (e.g. in env_file), or log in without a helper",
    );
  }
  return warn(
    name,
    `no login for ${registry} in ${file}`,
    `\`docker login ${registry === "docker.io" ? "" : registry}\` as the user that deploys (not needed for public images)`,
  );
}
