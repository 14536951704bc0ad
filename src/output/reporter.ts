import { formatDuration } from "../config/duration.js";
import { redact, redactedJson } from "../secrets.js";

/** A step the user sees start and finish, with its duration. */
export interface StepHandle {
  done(detail?: string): void;
  fail(detail?: string): void;
}

/**
 * Where the engine and commands say what happens. Implementations: human (TTY or plain), NDJSON
 * for `--json`, quiet. Everything passes through secret redaction.
 */
export interface Reporter {
  step(name: string, detail?: string): StepHandle;
  info(message: string): void;
  warn(message: string): void;
  /** Output passed through from a hook or the app, line by line. */
  passthrough(source: string, line: string): void;
  /** A machine-readable event (NDJSON in --json mode; ignored by the human reporter). */
  event(name: string, data: Record<string, unknown>): void;
}

export interface ReporterOptions {
  readonly mode: "human" | "json" | "quiet";
  readonly color: boolean;
  readonly out?: NodeJS.WritableStream;
  readonly err?: NodeJS.WritableStream;
}

export function colorWanted(stream: NodeJS.WriteStream, flag: boolean | undefined): boolean {
  if (flag === false || process.env["NO_COLOR"] !== undefined) return false;
  return Boolean(stream.isTTY);
}

export function createReporter(options: ReporterOptions): Reporter {
  const out = options.out ?? process.stdout;
  const err = options.err ?? process.stderr;
  const paint = (code: string, text: string) => (options.color ? `\x1b[${code}m${text}\x1b[0m` : text);
  const write = (stream: NodeJS.WritableStream, line: string) => stream.write(`${redact(line)}\n`);

  if (options.mode === "json") {
    const emit = (name: string, data: Record<string, unknown>) =>
      out.write(`${redactedJson({ event: name, at: new Date().toISOString(), ...data })}\n`);
    return {
      step(name, detail) {
        const started = Date.now();
        emit("step", { name, status: "started", detail });
        return {
          done: (d) => emit("step", { name, status: "done", ms: Date.now() - started, detail: d }),
          fail: (d) => emit("step", { name, status: "failed", ms: Date.now() - started, detail: d }),
        };
      },
      info: (message) => emit("info", { message }),
      warn: (message) => emit("warning", { message }),
      passthrough: (source, line) => emit("output", { source, line }),
      event: emit,
    };
  }

  const quiet = options.mode === "quiet";
  return {
    step(name, detail) {
      const started = Date.now();
      const finish = (mark: string, d?: string) => {
        const took = paint("2", `(${formatDuration(Date.now() - started)})`);
        const text = `${mark} ${name}${d ? `: ${d}` : detail ? `: ${detail}` : ""} ${took}`;
        if (!quiet || mark !== paint("32", "✓")) write(mark === paint("32", "✓") ? out : err, text);
      };
      return { done: (d) => finish(paint("32", "✓"), d), fail: (d) => finish(paint("31", "✗"), d) };
    },
    info: (message) => {
      if (!quiet) write(out, message);
    },
    warn: (message) => write(err, `${paint("33", "warning:")} ${message}`),
    passthrough: (source, line) => {
      if (!quiet) write(out, paint("2", `  ${source} | `) + line);
    },
    event: () => undefined,
  };
}

/** A reporter that records everything; for tests and for the daemon's log. */
export function createLineReporter(sink: (line: string) => void): Reporter {
  return {
    step(name) {
      const started = Date.now();
      return {
        done: (d) => sink(`ok ${name}${d ? `: ${d}` : ""} (${Date.now() - started}ms)`),
        fail: (d) => sink(`FAILED ${name}${d ? `: ${d}` : ""} (${Date.now() - started}ms)`),
      };
    },
    info: (m) => sink(redact(m)),
    warn: (m) => sink(`warning: ${redact(m)}`),
    passthrough: (s, l) => sink(`${s} | ${redact(l)}`),
    event: () => undefined,
  };
}
