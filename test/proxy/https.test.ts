import { spawnSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import https from "node:https";
import path from "node:path";
import type { TLSSocket } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProxyServer } from "../../src/proxy/proxy-server.js";
import { request, sleep, startProxy } from "./helpers.js";
import { makeCertificate, renewCertificate, spawnFixtureApp, tempDir } from "./tls-fixtures.js";

let dir: string;
let files: { cert: string; key: string };
let app: Awaited<ReturnType<typeof spawnFixtureApp>>;
let proxy: ProxyServer;
let httpPort: number;
let httpsPort: number;

interface TlsReply {
  status: number;
  body: string;
  fingerprint: string;
  socket: TLSSocket;
}

function httpsGet(
  path: string,
  agent: https.Agent | false,
  ca: Buffer[],
  host = "app.test",
): Promise<TlsReply> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: "127.0.0.1",
        port: httpsPort,
        path,
        agent,
        ca,
        headers: { host },
        checkServerIdentity: () => undefined,
      },
      (res) => {
        const socket = res.socket as TLSSocket;
        const fingerprint = socket.getPeerX509Certificate()?.fingerprint256 ?? "";
        let body = "";
        res.on("data", (chunk: Buffer) => (body += chunk.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body, fingerprint, socket }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

const opensslMissing = spawnSync("openssl", ["version"]).error !== undefined && process.env.CI !== "true";
if (opensslMissing) console.warn("SKIPPED https tests: openssl is missing (apt-get install openssl)");

beforeAll(async () => {
  if (opensslMissing) return;
  dir = tempDir("switchyard-proxy-tls-");
  files = makeCertificate(dir, "first.test");
  mkdirSync(path.join(dir, "webroot/.well-known/acme-challenge"), { recursive: true });
  writeFileSync(path.join(dir, "webroot/.well-known/acme-challenge/tok-EN_1"), "tok-EN_1.thumbprint");
  writeFileSync(path.join(dir, "secret.txt"), "do not serve");
  app = await spawnFixtureApp("v1");
  ({
    proxy,
    port: httpPort,
    httpsPort: httpsPort!,
  } = await startProxy(
    {
      listen: "127.0.0.1:0",
      https: { listen: "127.0.0.1:0", cert: "cert.pem", key: "cert-key.pem" },
      acme_webroot: "webroot",
    },
    dir,
    100,
  ).then((started) => ({ ...started, httpsPort: started.httpsPort! })));
  proxy.setTarget({ slot: "blue", host: "127.0.0.1", port: app.port });
}, 60_000);

afterAll(async () => {
  await proxy?.stop(100);
  await app?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(opensslMissing)("https, redirect and ACME", () => {
  it("serves the app over https with the configured certificate (TLS 1.2+)", async () => {
    const reply = await httpsGet("/hello?x=1", false, [readFileSync(files.cert)]);
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toMatchObject({ version: "v1", path: "/hello" });
    expect(reply.fingerprint).toBe(new X509Certificate(readFileSync(files.cert)).fingerprint256);
    expect(["TLSv1.2", "TLSv1.3"]).toContain(reply.socket.getProtocol());
  });

  it("passes the original Host and the forwarding headers to the app", async () => {
    const reply = await httpsGet("/headers", false, [readFileSync(files.cert)], "shop.example:8443");
    const { headers } = JSON.parse(reply.body) as { headers: Record<string, string> };
    expect(headers.host).toBe("shop.example:8443");
    expect(headers["x-real-ip"]).toBe("127.0.0.1");
    expect(headers["x-forwarded-for"]).toBe("127.0.0.1");
    expect(headers["x-forwarded-proto"]).toBe("https");
    expect(headers["x-forwarded-host"]).toBe("shop.example:8443");
    expect(headers.via).toBe("1.1 switchyard");
    expect(headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("answers http with a 301 to the same path and query on https", async () => {
    const reply = await request(httpPort, "/a/b?c=d&e=f", { headers: { host: "shop.example:8080" } });
    expect(reply.status).toBe(301);
    expect(reply.headers.location).toBe(`https://shop.example:${httpsPort}/a/b?c=d&e=f`);
  });

  it("serves ACME challenges over http from acme_webroot, and nothing outside it", async () => {
    const token = await request(httpPort, "/.well-known/acme-challenge/tok-EN_1");
    expect(token.status).toBe(200);
    expect(token.body).toBe("tok-EN_1.thumbprint");
    const traversal = await request(httpPort, "/.well-known/acme-challenge/..%2F..%2F..%2Fsecret.txt");
    expect(traversal.status).toBe(404);
    const dotdot = await request(httpPort, "/.well-known/acme-challenge/../../secret.txt");
    expect(dotdot.body).not.toContain("do not serve");
    expect((await request(httpPort, "/.well-known/acme-challenge/missing")).status).toBe(404);
  });

  it("picks up a renewed certificate live without dropping an open connection", async () => {
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
    const oldCa = readFileSync(files.cert);
    const before = await httpsGet("/", agent, [oldCa]);
    renewCertificate(dir, files, "second.test");
    const newCa = readFileSync(files.cert);
    const expected = new X509Certificate(newCa).fingerprint256;
    let fresh: TlsReply | undefined;
    for (let i = 0; i < 40 && fresh?.fingerprint !== expected; i += 1) {
      await sleep(150);
      fresh = await httpsGet("/", false, [newCa, oldCa]).catch(() => undefined);
    }
    expect(fresh?.fingerprint).toBe(expected);
    const again = await httpsGet("/", agent, [oldCa]);
    expect(again.socket).toBe(before.socket); // the same TLS connection still serves
    expect(again.status).toBe(200);
    agent.destroy();
  });
});
