import { parse } from "yaml";
import { RuntimeError } from "../../errors.js";
import { runOrThrow, type ComposeCommand } from "./compose-cli.js";

/** The parts of the app's compose service that switchyard relies on. */
export interface ComposeServiceInfo {
  readonly image?: string | undefined;
  readonly hasBuild: boolean;
  readonly composeVersion?: string | undefined;
}

interface ResolvedCompose {
  version?: string | number;
  services?: Record<string, { image?: string; build?: unknown; ports?: unknown[]; container_name?: string }>;
}

/**
 * Reads the service as compose resolves it (`compose config`: variables interpolated, files
 * merged) and checks what would break two slots side by side.
 */
export async function loadComposeService(
  command: ComposeCommand,
  file: string,
  composeService: string,
  cwd: string,
): Promise<ComposeServiceInfo> {
  const { stdout } = await runOrThrow(command, ["-f", file, "config"], `compose file ${file} is not valid`, {
    cwd,
  });
  return checkComposeService(parse(stdout) as ResolvedCompose, file, composeService);
}

/** Pure part of `loadComposeService`: the checks, on the resolved document. */
export function checkComposeService(
  doc: ResolvedCompose,
  file: string,
  composeService: string,
): ComposeServiceInfo {
  const services = doc.services ?? {};
  const service = services[composeService];
  if (!service) {
    throw new RuntimeError(`compose file ${file} has no service "${composeService}"`, [], {
      hint: `set runtime.service to one of: ${Object.keys(services).join(", ") || "(none)"}`,
    });
  }
  if (service.ports && service.ports.length > 0) {
    throw new RuntimeError(
      `compose service "${composeService}" publishes ports itself (services.${composeService}.ports)`,
      [],
      {
        hint: "remove `ports:` from it: switchyard publishes each slot's port (slots.blue.port, slots.green.port)",
      },
    );
  }
  if (service.container_name) {
    throw new RuntimeError(
      `compose service "${composeService}" sets container_name "${service.container_name}", so two slots cannot run at once`,
      [],
      {
        hint: `remove services.${composeService}.container_name; switchyard names each slot's project <service>-<slot>`,
      },
    );
  }
  if (!service.image && service.build === undefined) {
    throw new RuntimeError(`compose service "${composeService}" has neither image nor build`);
  }
  return {
    image: service.image,
    hasBuild: service.build !== undefined,
    composeVersion: doc.version === undefined ? undefined : String(doc.version),
  };
}
