/**
 * nginx.conf for the comparison: 1 worker, upstream keepalive, everything inside `prefix`.
 *
 * `listenPort` is the seed's proxy: the headers its nginx sets, which issue 3's target is measured
 * against. `sameHeadersPort`, when given, adds a second server in the same worker that also does
 * what switchyard does and the seed's nginx does not (original Host with its port,
 * X-Forwarded-Host, Via, X-Request-Id when absent), so the app and the proxy do the same work.
 */
export function renderNginxBenchConfig(
  prefix: string,
  listenPort: number,
  upstreamPort: number,
  sameHeadersPort?: number,
): string {
  const seedHeaders = [
    "proxy_set_header Host $host;",
    "proxy_set_header X-Real-IP $remote_addr;",
    "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
    "proxy_set_header X-Forwarded-Proto $scheme;",
  ];
  const sameHeaders = [
    "proxy_set_header Host $http_host;",
    ...seedHeaders.slice(1),
    "proxy_set_header X-Forwarded-Host $http_host;",
    'proxy_set_header Via "1.1 nginx";',
    "proxy_set_header X-Request-Id $bench_request_id;",
  ];
  const server = (port: number, headers: string[]) => `  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
${headers.map((line) => `      ${line}`).join("\n")}
    }
  }
`;
  return `worker_processes 1;
daemon off;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${prefix}/client_body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  upstream app {
    server 127.0.0.1:${upstreamPort};
    keepalive 64;
  }
  map $http_x_request_id $bench_request_id {
    default $http_x_request_id;
    "" $request_id;
  }
${server(listenPort, seedHeaders)}${sameHeadersPort === undefined ? "" : server(sameHeadersPort, sameHeaders)}}
`;
}
