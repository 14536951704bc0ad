import net from "node:net";
import { RouterError } from "../../errors.js";

/**
 * HAProxy's runtime API: one command per connection (non-interactive mode), the answer is
 * everything HAProxy writes before it closes. `address` is a unix socket path or "host:port".
 */
export function socketCommand(address: string, command: string, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const tcp = /^(.+):(\d+)$/.exec(address);
    const socket =
      tcp && !address.startsWith("/") ? net.connect(Number(tcp[2]), tcp[1]) : net.connect(address);
    const chunks: Buffer[] = [];
    let settled = false;
    const fail = (message: string, cause?: unknown) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      reject(
        new RouterError(`HAProxy stats socket ${address}: ${message} (command: ${command})`, [], {
          cause,
          hint: "check router.haproxy.socket: haproxy.cfg needs `stats socket <path> level admin` in `global`",
        }),
      );
    };
    socket.setTimeout(timeoutMs, () => fail(`no answer within ${timeoutMs}ms`));
    socket.on("connect", () => socket.end(`${command}\n`));
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", (err: NodeJS.ErrnoException) =>
      fail(err.code === "ENOENT" ? "no such socket" : err.message, err),
    );
    socket.on("close", () => {
      if (settled) return;
      settled = true;
      resolve(Buffer.concat(chunks).toString("utf8"));
    });
  });
}

/** Runs a command whose success answer is empty (or one of `okAnswers`); throws with HAProxy's reply otherwise. */
export async function socketAction(
  address: string,
  command: string,
  okAnswers: readonly RegExp[] = [],
): Promise<void> {
  const answer = (await socketCommand(address, command)).trim();
  if (answer === "" || okAnswers.some((re) => re.test(answer))) return;
  throw new RouterError(
    `HAProxy refused \`${command}\`: ${answer.split("\n")[0]}`,
    answer.split("\n").slice(1),
    {
      hint: "check router.haproxy.backend and router.haproxy.servers against haproxy.cfg, and that the socket has `level admin`",
    },
  );
}
