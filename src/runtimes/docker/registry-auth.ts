import { readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { RuntimeError, errorMessage } from "../../errors.js";

/** Credentials for one registry. Never logged, never persisted. */
export interface RegistryCredentials {
  readonly username: string;
  readonly password: string;
  readonly serveraddress: string;
}

interface DockerConfigFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
}

/** The key docker uses for Docker Hub in config.json. */
const DOCKER_HUB_KEYS = [
  "https://index.docker.io/v1/",
  "index.docker.io",
  "docker.io",
  "registry-1.docker.io",
];

/**
 * Finds credentials for `registry`: SWITCHYARD_REGISTRY_USER/PASSWORD first (CI secrets), then
 * the `auths` of the docker config file ($DOCKER_CONFIG/config.json or ~/.docker/config.json).
 * Credential helpers (`credsStore`) are not consulted.
 */
export async function findCredentials(
  registry: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RegistryCredentials | undefined> {
  const user = env.SWITCHYARD_REGISTRY_USER;
  const password = env.SWITCHYARD_REGISTRY_PASSWORD;
  if (user && password) return { username: user, password, serveraddress: registry };
  const file = path.join(env.DOCKER_CONFIG ?? path.join(os.homedir(), ".docker"), "config.json");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    return undefined;
  }
  let config: DockerConfigFile;
  try {
    config = JSON.parse(text) as DockerConfigFile;
  } catch (err) {
    throw new RuntimeError(`cannot parse ${file}: ${errorMessage(err)}`, [], {
      hint: "fix or remove the file",
    });
  }
  return credentialsFromConfig(config, registry);
}

export function credentialsFromConfig(
  config: DockerConfigFile,
  registry: string,
): RegistryCredentials | undefined {
  const auths = config.auths ?? {};
  const keys =
    registry === "docker.io" ? DOCKER_HUB_KEYS : [registry, `https://${registry}`, `http://${registry}`];
  for (const key of keys) {
    const entry = auths[key] ?? auths[`${key}/`];
    if (!entry) continue;
    if (entry.username && entry.password) {
      return { username: entry.username, password: entry.password, serveraddress: registry };
    }
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon > 0) {
        return {
          username: decoded.slice(0, colon),
          password: decoded.slice(colon + 1),
          serveraddress: registry,
        };
      }
    }
  }
  return undefined;
}

/** The X-Registry-Auth header value (base64url JSON), or no header without credentials. */
export function registryAuthHeader(credentials: RegistryCredentials | undefined): Record<string, string> {
  if (!credentials) return {};
  return { "x-registry-auth": Buffer.from(JSON.stringify(credentials), "utf8").toString("base64url") };
}
