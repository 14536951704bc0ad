/**
 * Typed errors. Everything below the CLI throws one of these; `cli/main.ts` is the one place that
 * turns them into a message and an exit code (documented in README "Exit codes").
 */
export const ExitCode = {
  ok: 0,
  /** A deploy or rollback failed; traffic stayed where it was. */
  deployFailed: 1,
  /** Bad usage or config; nothing was touched. */
  usage: 2,
  /** Another deploy holds the lock. */
  locked: 3,
  /** An unexpected internal error (a bug). */
  internal: 70,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export class SwitchyardError extends Error {
  readonly exitCode: ExitCode = ExitCode.deployFailed;
  /** The next command or action for the user, printed under the message. */
  readonly hint: string | undefined;
  constructor(message: string, options?: { cause?: unknown; hint?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options?.hint;
  }
}

/** Bad config file or bad command-line usage. Nothing was changed. */
export class ConfigError extends SwitchyardError {
  override readonly exitCode = ExitCode.usage;
  /** One line per problem, each starting with its key path. */
  readonly problems: readonly string[];
  constructor(
    message: string,
    problems: readonly string[] = [],
    options?: { cause?: unknown; hint?: string },
  ) {
    super(message, options);
    this.problems = problems;
  }
}

export class UsageError extends SwitchyardError {
  override readonly exitCode = ExitCode.usage;
}

/** An error with evidence: last health response, exit code, last log lines, a tool's output. */
export abstract class DetailedError extends SwitchyardError {
  readonly details: readonly string[];
  constructor(
    message: string,
    details: readonly string[] = [],
    options?: { cause?: unknown; hint?: string },
  ) {
    super(message, options);
    this.details = details;
  }
}

/** A deploy or rollback did not complete; traffic stays on the slot that served before. */
export class DeployError extends DetailedError {
  override readonly exitCode = ExitCode.deployFailed;
}

export class LockHeldError extends SwitchyardError {
  override readonly exitCode = ExitCode.locked;
}

/** State on disk is unreadable or inconsistent; never silently replaced. */
export class StateError extends SwitchyardError {
  override readonly exitCode = ExitCode.deployFailed;
}

/** A runtime (process, docker, compose) could not do what was asked. */
export class RuntimeError extends DetailedError {}

/** A router (builtin, nginx, haproxy) could not apply or verify a change. */
export class RouterError extends DetailedError {}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
