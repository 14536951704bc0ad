import { RuntimeError } from "../../errors.js";
import { EngineError, type EngineClient } from "./engine-client.js";
import { LABELS } from "./render-create.js";

/**
 * Makes sure `network` exists: creates it (a bridge labelled with the service) when `create` is
 * true, otherwise fails saying it is required. Idempotent.
 */
export async function ensureNetwork(
  engine: EngineClient,
  network: string,
  create: boolean,
  service: string,
): Promise<"exists" | "created"> {
  const res = await engine.send({ path: `/networks/${encodeURIComponent(network)}` });
  if (res.status === 200) return "exists";
  if (res.status !== 404) await engine.request({ path: `/networks/${encodeURIComponent(network)}` });
  if (!create) {
    throw new RuntimeError(
      `docker network "${network}" does not exist and runtime.create_network is false`,
      [],
      {
        hint: `create it with \`docker network create ${network}\` or set runtime.create_network: true`,
      },
    );
  }
  try {
    await engine.request({
      method: "POST",
      path: "/networks/create",
      body: { Name: network, Driver: "bridge", CheckDuplicate: true, Labels: { [LABELS.service]: service } },
    });
  } catch (err) {
    // Another deploy created it between our look and our create: that is fine.
    if (!(err instanceof EngineError && err.status === 409)) throw err;
  }
  return "created";
}
