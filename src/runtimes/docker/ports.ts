import net from "node:net";
import { RuntimeError } from "../../errors.js";
import { EngineClient } from "./engine-client.js";
import { listAllContainers, type ContainerSummary } from "./containers.js";
import { LABELS } from "./render-create.js";

/** A container that publishes a host port, as found by `findPortPublisher`. */
export interface PortPublisher {
  readonly id: string;
  readonly name: string;
  readonly image: string;
  readonly state: string;
  /** The switchyard service label, when the container is one of ours. */
  readonly service?: string | undefined;
}

/** The container (any, ours or not) that publishes host `port`, if one does. */
export async function findPortPublisher(
  engine: EngineClient,
  port: number,
): Promise<PortPublisher | undefined> {
  const containers = await listAllContainers(engine);
  const found = containers.find((c) => c.State === "running" && c.Ports.some((p) => p.PublicPort === port));
  return found ? toPublisher(found) : undefined;
}

/**
 * A running container publishing `port` that does not belong to `service` (e.g. the seed's
 * `server-a` on 8080): the candidate for `switchyard adopt`.
 */
export async function findForeignListener(
  port: number,
  service: string,
  engine: EngineClient = new EngineClient(),
): Promise<PortPublisher | undefined> {
  const publisher = await findPortPublisher(engine, port);
  return publisher && publisher.service !== service ? publisher : undefined;
}

/**
 * Fails with a message naming the holder when `port` cannot be published on `bind`. Checked before
 * anything is created, so a refused start changes nothing.
 */
export async function assertPortFree(engine: EngineClient, bind: string, port: number): Promise<void> {
  const publisher = await findPortPublisher(engine, port);
  if (publisher) {
    const whose = publisher.service ? `switchyard service "${publisher.service}"` : "another app";
    throw new RuntimeError(
      `port ${port} is already published by container ${publisher.name} (${publisher.image}, ${whose})`,
      [],
      {
        hint: publisher.service
          ? `stop it (\`docker stop ${publisher.name}\`) or give this slot another port`
          : `adopt it as the active slot with \`switchyard adopt ${publisher.name}\`, stop it, or give this slot another port`,
      },
    );
  }
  if (!engine.isLocal) return;
  const problem = await tryBind(bind, port);
  if (problem) {
    throw new RuntimeError(`port ${port} on ${bind} is taken by another process (${problem})`, [], {
      hint: `find it with \`ss -ltnp 'sport = :${port}'\`, stop it, or give this slot another port`,
    });
  }
}

/** Binds and releases `host:port`; returns the error code when that is not possible. */
function tryBind(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    // Only "in use" counts: EACCES on a low port says nothing about docker-proxy (root) binding it.
    server.once("error", (err: NodeJS.ErrnoException) =>
      resolve(err.code === "EADDRINUSE" ? err.code : undefined),
    );
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

function toPublisher(c: ContainerSummary): PortPublisher {
  return {
    id: c.Id,
    name: (c.Names[0] ?? c.Id.slice(0, 12)).replace(/^\//, ""),
    image: c.Image,
    state: c.State,
    service: c.Labels?.[LABELS.service],
  };
}
