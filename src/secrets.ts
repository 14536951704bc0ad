/**
 * The values switchyard must never print or persist: everything that came from `${VAR}`
 * interpolation or an env_file. Kept in one process-wide registry on purpose: every sink (output,
 * state, history, error handler) must redact, and threading a redactor through every call would make
 * forgetting one easy.
 */
const MASK = "[redacted]";
const secrets = new Set<string>();

export function registerSecret(value: string): void {
  // Very short values ("1", "on") and JSON keywords ("true", "null") would turn redaction into noise
  // without protecting anything.
  if (value.length < 4 || /^(true|false|null)$/i.test(value)) return;
  secrets.add(value);
  // Text that embeds JSON (an app's error body, a hook printing JSON) carries the escaped form.
  const escaped = JSON.stringify(value).slice(1, -1);
  if (escaped !== value) secrets.add(escaped);
}

export function redact(text: string): string {
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (out.includes(secret)) out = out.split(secret).join(MASK);
  }
  return out;
}

/**
 * Deep copy (as JSON would see it) with every string and key redacted; for JSON written to disk or
 * stdout. It works on values, not on the serialized text: a secret with a quote or backslash is
 * escaped in the text and would slip through, and a numeric secret would corrupt numbers.
 */
export function redactDeep<T>(value: T): T {
  if (secrets.size === 0 || value === undefined) return value;
  return walk(JSON.parse(JSON.stringify(value)) as unknown) as T;
}

function walk(value: unknown): unknown {
  if (typeof value === "string") return redact(value);
  if (Array.isArray(value)) return value.map(walk);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [redact(k), walk(v)]));
  }
  return value;
}

/** JSON text of `value` with every secret redacted; `space` as for JSON.stringify. */
export function redactedJson(value: unknown, space?: number): string {
  return JSON.stringify(redactDeep(value), null, space);
}

/** The registered values, to hand to a process that did not load the config itself (the daemon). */
export function registeredSecrets(): string[] {
  return [...secrets];
}

export function clearSecretsForTests(): void {
  secrets.clear();
}
