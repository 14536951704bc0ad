import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { StateError } from "../errors.js";
import { redactDeep } from "../secrets.js";
import { isSlotName } from "../types.js";
import { writeFileAtomic } from "./atomic.js";
import { initialState, type HistoryEntry, type State } from "./state.js";

const HISTORY_LIMIT = 500;

/** Reads and writes state.json and history.json in state_dir. Every write is atomic and redacted. */
export class StateStore {
  readonly stateFile: string;
  readonly historyFile: string;

  constructor(readonly dir: string) {
    this.stateFile = path.join(dir, "state.json");
    this.historyFile = path.join(dir, "history.json");
  }

  async ensureDir(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await mkdir(path.join(this.dir, "logs"), { recursive: true, mode: 0o700 });
  }

  /** The state; the initial one when nothing was ever deployed. Corrupt or missing-but-expected: StateError. */
  async read(service: string): Promise<State> {
    const text = await readOptional(this.stateFile);
    if (text === undefined) {
      if ((await readOptional(this.historyFile)) !== undefined) {
        throw new StateError(`${this.stateFile} is missing but ${this.historyFile} exists`, {
          hint: "state was deleted or moved; restore it from a backup, or remove history.json to start over",
        });
      }
      return initialState(service);
    }
    let state: unknown;
    try {
      state = JSON.parse(text);
    } catch (err) {
      throw new StateError(`${this.stateFile} is corrupt (not JSON); switchyard will not overwrite it`, {
        cause: err,
        hint: `inspect or move ${this.stateFile} aside, then run \`switchyard status\``,
      });
    }
    if (!isState(state)) {
      throw new StateError(`${this.stateFile} is not a switchyard state file (schema 1)`, {
        hint: `inspect or move ${this.stateFile} aside`,
      });
    }
    if (state.service !== service) {
      throw new StateError(`${this.stateFile} belongs to service "${state.service}", not "${service}"`, {
        hint: "give each service its own state_dir",
      });
    }
    return state;
  }

  async write(state: State): Promise<State> {
    await this.ensureDir();
    const next = { ...state, updatedAt: new Date().toISOString() };
    await writeFileAtomic(this.stateFile, `${JSON.stringify(redactDeep(next), null, 2)}\n`);
    return next;
  }

  async history(): Promise<HistoryEntry[]> {
    const text = await readOptional(this.historyFile);
    if (text === undefined) return [];
    try {
      const entries: unknown = JSON.parse(text);
      if (!Array.isArray(entries)) throw new Error("not an array");
      return entries as HistoryEntry[];
    } catch (err) {
      throw new StateError(`${this.historyFile} is corrupt; switchyard will not overwrite it`, {
        cause: err,
      });
    }
  }

  async appendHistory(entry: HistoryEntry): Promise<void> {
    await this.ensureDir();
    const entries = [...(await this.history()), redactDeep(entry)].slice(-HISTORY_LIMIT);
    await writeFileAtomic(this.historyFile, `${JSON.stringify(entries, null, 2)}\n`);
  }
}

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new StateError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code}`, { cause: err });
  }
}

function isState(value: unknown): value is State {
  if (!value || typeof value !== "object") return false;
  const s = value as Partial<State>;
  return (
    s.schema === 1 &&
    typeof s.service === "string" &&
    (s.active === null || isSlotName(s.active)) &&
    typeof s.slots === "object" &&
    s.slots !== null &&
    "blue" in s.slots &&
    "green" in s.slots
  );
}
