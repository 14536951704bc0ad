import { describe, expect, it } from "vitest";
import { renderNginxBenchConfig } from "../../bench/proxy-overhead/nginx-config.js";
import { parseWrk } from "../../bench/proxy-overhead/wrk.js";

const REPORT = `Running 1s test @ http://127.0.0.1:43517/
  1 threads and 5 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.37ms    3.63ms  46.01ms   94.65%
    Req/Sec    13.24k    10.59k   28.17k    70.00%
  Latency Distribution
     50%  194.00us
     75%    1.16ms
     90%    3.45ms
     99%   20.96ms
  13192 requests in 1.00s, 2.97MB read
  Socket errors: connect 0, read 2, write 1, timeout 3
  Non-2xx or 3xx responses: 4
Requests/sec:  13176.35
Transfer/sec:      2.97MB
`;

describe("proxy-overhead bench helpers", () => {
  it("parses a wrk report, microseconds and errors included", () => {
    expect(parseWrk(REPORT)).toEqual({
      requestsPerSec: 13176.35,
      p50Ms: 0.194,
      p99Ms: 20.96,
      requests: 13192,
      errors: 10,
    });
  });

  it("renders an nginx config that keeps everything inside its prefix and keeps upstream connections alive", () => {
    const conf = renderNginxBenchConfig("/tmp/p", 30001, 30002);
    expect(conf).toContain("worker_processes 1;");
    expect(conf).toContain("pid /tmp/p/nginx.pid;");
    expect(conf).toContain("server 127.0.0.1:30002;\n    keepalive 64;");
    expect(conf).toContain("listen 127.0.0.1:30001;");
    expect(conf).toContain('proxy_set_header Connection "";');
    expect(conf.match(/\/(var|etc|run)\//g)).toBeNull();
  });

  it("adds, on a second port, an nginx that sets the same forwarding headers as switchyard", () => {
    const seedOnly = renderNginxBenchConfig("/tmp/p", 30001, 30002);
    expect(seedOnly).not.toContain("X-Forwarded-Host");
    const conf = renderNginxBenchConfig("/tmp/p", 30001, 30002, 30003);
    const second = conf.slice(conf.indexOf("listen 127.0.0.1:30003;"));
    expect(second).toContain("proxy_set_header Host $http_host;");
    expect(second).toContain("proxy_set_header X-Forwarded-Host $http_host;");
    expect(second).toContain('proxy_set_header Via "1.1 nginx";');
    expect(second).toContain("proxy_set_header X-Request-Id $bench_request_id;");
    expect(conf.slice(0, conf.indexOf("listen 127.0.0.1:30003;"))).toContain("proxy_set_header Host $host;");
  });
});
