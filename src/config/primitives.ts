import { z } from "zod";
import { parseDuration } from "./duration.js";

/** A duration such as "500ms", "2s", "1m" or "1h"; parsed to milliseconds. */
export const duration = z
  .string()
  .regex(/^\d+(\.\d+)?(ms|s|m|h)$/, { message: 'expected a duration such as "500ms", "2s" or "1m"' })
  .transform((text) => parseDuration(text)!)
  .meta({ description: 'Duration: a number with a unit, ms | s | m | h (e.g. "500ms", "2s", "1m")' });

export const port = z.number().int().min(1).max(65535);

/** A byte size such as "512k", "10m" or "1g"; parsed to bytes. */
export const size = z
  .string()
  .regex(/^\d+(b|k|kb|m|mb|g|gb)?$/i, { message: 'expected a size such as "512k" or "10m"' })
  .transform((text) => {
    const match = /^(\d+)([a-z]*)$/i.exec(text)!;
    const unit = (match[2] ?? "").toLowerCase().replace(/b$/, "");
    const factor = unit === "k" ? 1024 : unit === "m" ? 1024 ** 2 : unit === "g" ? 1024 ** 3 : 1;
    return Number(match[1]) * factor;
  });
