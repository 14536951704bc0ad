/** The outcome of one doctor check. `fail` makes `switchyard doctor` exit 1; `warn` does not. */
export interface CheckResult {
  readonly name: string;
  readonly status: "ok" | "warn" | "fail" | "skip";
  /** What was found, e.g. "v20.20.2" or "port 8080 is used by another process". */
  readonly detail: string;
  /** What to do about a warn or fail. */
  readonly fix?: string | undefined;
}

export const ok = (name: string, detail: string): CheckResult => ({ name, status: "ok", detail });
export const fail = (name: string, detail: string, fix: string): CheckResult => ({
  name,
  status: "fail",
  detail,
  fix,
});
export const warn = (name: string, detail: string, fix: string): CheckResult => ({
  name,
  status: "warn",
  detail,
  fix,
});
