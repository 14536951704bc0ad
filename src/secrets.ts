/**
 * The values switchyard must never print or persist: everything that came from `${VAR}`
 * interpolation or an env_file. Kept in one process-wide registry on purpose: every sink (output,
 * state, history, error handler) must redact, and threading a redactor through every call would make
 * forgetting one easy.
 */
const MASK = "[redacted]";
const secrets = new Set<string>();

export function registerSecret(value: string): void {
  // Very short values ("1", "on") would turn redaction into noise without protecting anything.
  if (value.length >= 4) secrets.add(value);
}

export function redact(text: string): string {
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (out.includes(secret)) out = out.split(secret).join(MASK);
  }
  return out;
}

/** Deep copy with every string redacted; for JSON written to disk or stdout. */
export function redactDeep<T>(value: T): T {
  if (secrets.size === 0) return value;
  return JSON.parse(redact(JSON.stringify(value))) as T;
}

/** The registered values, to hand to a process that did not load the config itself (the daemon). */
export function registeredSecrets(): string[] {
  return [...secrets];
}

export function clearSecretsForTests(): void {
  secrets.clear();
}
