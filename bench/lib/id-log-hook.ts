/**
 * Preloaded into the bench's app processes (`node --import <this file> app.mjs`): appends the
 * x-load-id of every request the app receives to BENCH_ID_LOG_DIR/ids-<pid>.log, so the bench can
 * tell requests that never reached an app from requests an app processed but whose response was
 * lost, and count requests an app received twice (a proxy retry).
 */
import fs from "node:fs";
import http from "node:http";
import path from "node:path";

const dir = process.env.BENCH_ID_LOG_DIR;
if (dir) {
  // Synchronous writes: the app exits with process.exit() on SIGTERM, which would drop a buffer.
  const fd = fs.openSync(path.join(dir, `ids-${process.pid}.log`), "a");
  // eslint-disable-next-line @typescript-eslint/unbound-method -- re-bound with apply below
  const emit = http.Server.prototype.emit as (
    this: http.Server,
    event: string | symbol,
    ...args: any[]
  ) => boolean;
  http.Server.prototype.emit = function (this: http.Server, event: string | symbol, ...args: any[]) {
    if (event === "request") {
      const id = (args[0] as http.IncomingMessage).headers["x-load-id"];
      if (typeof id === "string") fs.writeSync(fd, `${id}\n`);
    }
    return emit.apply(this, [event, ...args]);
  };
}
