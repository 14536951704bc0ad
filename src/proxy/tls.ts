import { readFileSync, statSync, unwatchFile, watchFile } from "node:fs";
import tls from "node:tls";
import { ConfigError, errorMessage } from "../errors.js";

/** The PEM pair of one certificate. */
export interface CertificateFiles {
  readonly cert: string;
  readonly key: string;
}

/** TLS settings every context gets: TLS 1.2 and newer only, HTTP/1.1 over ALPN. */
export const TLS_DEFAULTS = { minVersion: "TLSv1.2", ALPNProtocols: ["http/1.1"] } as const;

export function loadCertificate(files: CertificateFiles): { cert: Buffer; key: Buffer } {
  try {
    const pair = { cert: readFileSync(files.cert), key: readFileSync(files.key) };
    tls.createSecureContext({ ...pair, ...TLS_DEFAULTS }); // throws on a bad or mismatched pair
    return pair;
  } catch (err) {
    throw new ConfigError(`router.https: cannot use certificate ${files.cert} with key ${files.key}`, [
      `router.https.cert/key: ${errorMessage(err)}`,
    ]);
  }
}

/**
 * Polls the certificate and key files (certbot renews by swapping symlinks, so fs.watch on the
 * inode would miss it) and hands a freshly loaded pair to `onChange`. A half-written or mismatched
 * pair is reported and skipped; the next change is tried again. Existing connections are untouched.
 */
export class CertificateWatcher {
  private lastSeen: string;

  constructor(
    private readonly files: CertificateFiles,
    private readonly onChange: (pair: { cert: Buffer; key: Buffer }) => void,
    private readonly log: (line: string) => void,
    private readonly intervalMs: number,
  ) {
    this.lastSeen = this.fingerprint();
    const check = (): void => this.check();
    watchFile(files.cert, { interval: intervalMs, persistent: false }, check);
    watchFile(files.key, { interval: intervalMs, persistent: false }, check);
  }

  close(): void {
    unwatchFile(this.files.cert);
    unwatchFile(this.files.key);
  }

  private check(): void {
    const now = this.fingerprint();
    if (now === this.lastSeen) return;
    try {
      const pair = loadCertificate(this.files);
      this.lastSeen = now;
      this.onChange(pair);
      this.log(`reloaded TLS certificate ${this.files.cert}`);
    } catch (err) {
      this.log(`kept the previous TLS certificate: ${errorMessage(err)}; will retry on the next change`);
    }
  }

  private fingerprint(): string {
    const parts = [this.files.cert, this.files.key].map((file) => {
      try {
        const info = statSync(file);
        return `${info.ino}:${info.size}:${info.mtimeMs}`;
      } catch {
        return "missing";
      }
    });
    return parts.join("|");
  }
}
