import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { parseDocument } from "yaml";
import type { z } from "zod";
import { ConfigError } from "../errors.js";
import { registerSecret } from "../secrets.js";
import { interpolate, parseEnvFile } from "./interpolate.js";
import { checkRules } from "./rules.js";
import { configSchema, type ParsedConfig } from "./schema.js";
import { suggestKey } from "./suggest.js";

/** The validated config with paths made absolute. Holds secrets in memory: never persist it. */
export type Config = ParsedConfig & {
  readonly configPath: string;
  readonly configDir: string;
  /** Absolute state_dir. */
  readonly stateDir: string;
  /** Warnings to show (e.g. an env_file readable by others). */
  readonly warnings: readonly string[];
};

export const DEFAULT_CONFIG_FILE = "switchyard.yml";

export async function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  const configPath = path.resolve(file);
  const configDir = path.dirname(configPath);
  let text: string;
  try {
    text = await readFile(configPath, "utf8");
  } catch (err) {
    throw new ConfigError(
      `cannot read config file ${configPath}: ${(err as NodeJS.ErrnoException).code}`,
      [],
      {
        cause: err,
        hint: "run `switchyard init` to write one, or pass -c/--config PATH",
      },
    );
  }
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) {
    throw new ConfigError(
      `${configPath} is not valid YAML`,
      document.errors.map((e) => e.message.split("\n")[0]!),
    );
  }
  const raw: unknown = document.toJS();
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) {
    throw new ConfigError(`${configPath} must be a YAML mapping with at least service: and runtime:`);
  }

  const warnings: string[] = [];
  const vars: Record<string, string | undefined> = { ...env };
  const envFile = (raw as Record<string, unknown>)["env_file"];
  if (typeof envFile === "string") {
    const loaded = await readEnvFile(path.resolve(configDir, envFile), warnings);
    Object.assign(vars, loaded);
  }

  const interpolated = interpolate(raw, vars);
  const parsed = configSchema.safeParse(interpolated.value);
  const problems = [...interpolated.problems, ...(parsed.success ? [] : formatIssues(parsed.error.issues))];
  if (!parsed.success || problems.length > 0) {
    throw new ConfigError(`${configPath} has ${problems.length} problem(s)`, problems, {
      hint: "fix the keys named above; `switchyard init` prints a commented example",
    });
  }
  const config: Config = {
    ...parsed.data,
    configPath,
    configDir,
    stateDir: path.resolve(configDir, parsed.data.state_dir),
    warnings,
  };
  const ruleProblems = checkRules(config);
  if (ruleProblems.length > 0) {
    throw new ConfigError(`${configPath} has ${ruleProblems.length} problem(s)`, ruleProblems);
  }
  return config;
}

async function readEnvFile(file: string, warnings: string[]): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new ConfigError(`env_file: cannot read ${file}: ${(err as NodeJS.ErrnoException).code}`, [], {
      cause: err,
    });
  }
  const info = await stat(file);
  if ((info.mode & 0o044) !== 0) {
    warnings.push(`env_file ${file} is readable by other users; run \`chmod 600 ${file}\``);
  }
  const { vars, problems } = parseEnvFile(text);
  if (problems.length > 0) {
    throw new ConfigError(
      `env_file ${file} is malformed`,
      problems.map((p) => `env_file: ${p}`),
    );
  }
  for (const value of Object.values(vars)) registerSecret(value);
  return vars;
}

function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.flatMap((issue) => {
    const at = issue.path.map(String).join(".");
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => {
        const keyPath = at ? `${at}.${key}` : key;
        const suggestion = suggestKey(key);
        return `${keyPath}: unknown key${suggestion ? ` (did you mean "${suggestion}"?)` : ""}`;
      });
    }
    if (issue.code === "invalid_union" && "discriminator" in issue && issue.discriminator) {
      return [`${at ? `${at}.` : ""}${String(issue.discriminator)}: ${issue.message}`];
    }
    return [`${at || "(root)"}: ${issue.message}`];
  });
}
