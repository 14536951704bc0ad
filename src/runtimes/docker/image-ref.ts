import { RuntimeError } from "../../errors.js";

/** An image reference split the way the engine and registries see it. */
export interface ImageRef {
  /** Registry host as written ("127.0.0.1:5000", "ghcr.io"); "docker.io" when absent. */
  readonly registry: string;
  /** Repository as written, including the registry host if one was written ("127.0.0.1:5000/app"). */
  readonly repository: string;
  readonly tag?: string | undefined;
  readonly digest?: string | undefined;
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;

export function parseImageRef(text: string): ImageRef {
  const trimmed = text.trim();
  const [namePart, digest, ...rest] = trimmed.split("@");
  if (!namePart || rest.length > 0 || (digest !== undefined && !DIGEST.test(digest))) {
    throw invalid(text);
  }
  const lastSlash = namePart.lastIndexOf("/");
  const lastColon = namePart.lastIndexOf(":");
  const hasTag = lastColon > lastSlash;
  const repository = hasTag ? namePart.slice(0, lastColon) : namePart;
  const tag = hasTag ? namePart.slice(lastColon + 1) : undefined;
  if (repository === "" || tag === "" || !/^[a-z0-9._\-/:[\]]+$/.test(repository)) throw invalid(text);
  const first = repository.split("/")[0]!;
  const hasRegistry =
    repository.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
  return { registry: hasRegistry ? first : "docker.io", repository, tag, digest };
}

/** `repo@sha256:..`: what switchyard creates containers from and records in history. */
export function pinnedRef(ref: ImageRef, digest: string): string {
  return `${ref.repository}@${digest}`;
}

/** The reference to resolve when no digest was given: an absent tag means `latest`, as in docker. */
export function taggedRef(ref: ImageRef): string {
  return `${ref.repository}:${ref.tag ?? "latest"}`;
}

export function formatRef(ref: ImageRef): string {
  return `${ref.repository}${ref.tag ? `:${ref.tag}` : ""}${ref.digest ? `@${ref.digest}` : ""}`;
}

function invalid(text: string): RuntimeError {
  return new RuntimeError(`"${text}" is not a valid image reference`, [], {
    hint: "expected [registry/]name[:tag][@sha256:digest], e.g. 127.0.0.1:5000/app:v1",
  });
}
