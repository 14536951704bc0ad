import { registerSecret } from "../secrets.js";

const REFERENCE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export interface InterpolationResult {
  readonly value: unknown;
  /** One line per unresolvable reference, starting with its key path. */
  readonly problems: string[];
}

/**
 * Replaces `${VAR}` and `${VAR:-default}` in every string of a parsed YAML document; `$$` is a
 * literal `$`. Every substituted value is registered as a secret.
 */
export function interpolate(
  document: unknown,
  vars: Readonly<Record<string, string | undefined>>,
): InterpolationResult {
  const problems: string[] = [];
  const walk = (node: unknown, path: string): unknown => {
    if (typeof node === "string") {
      return node.replace(REFERENCE, (match, name: string | undefined, fallback: string | undefined) => {
        if (match === "$$") return "$";
        const value = vars[name!];
        if (value !== undefined && value !== "") {
          registerSecret(value);
          return value;
        }
        if (fallback !== undefined) return fallback;
        problems.push(
          `${path || "(root)"}: \${${name}} is not set; set it in the environment or in env_file`,
        );
        return match;
      });
    }
    if (Array.isArray(node)) return node.map((item, i) => walk(item, `${path}.${i}`));
    if (node && typeof node === "object") {
      return Object.fromEntries(
        Object.entries(node).map(([key, item]) => [key, walk(item, path ? `${path}.${key}` : key)]),
      );
    }
    return node;
  };
  return { value: walk(document, ""), problems };
}

/** Parses a dotenv-style file: KEY=VALUE lines, `#` comments, optional quotes, `export ` prefix. */
export function parseEnvFile(text: string): { vars: Record<string, string>; problems: string[] } {
  const vars: Record<string, string> = {};
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match) {
      problems.push(`line ${index + 1}: expected KEY=VALUE`);
      return;
    }
    let value = match[2]!;
    if (/^(["']).*\1$/.test(value)) value = value.slice(1, -1);
    vars[match[1]!] = value;
  });
  return { vars, problems };
}
