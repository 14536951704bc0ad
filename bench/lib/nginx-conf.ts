import path from "node:path";

/**
 * The top of an nginx.conf whose every file lives under `prefix` (never the system's nginx):
 * one worker, temp paths, no access log. The caller adds the `http {}` body and the closing brace.
 */
export function nginxConfHead(prefix: string, workerConnections = 1024): string {
  const p = (name: string) => path.join(prefix, name);
  return `worker_processes 1;
pid ${p("nginx.pid")};
error_log ${p("error.log")} warn;
events { worker_connections ${workerConnections}; }
http {
  access_log off;
  client_body_temp_path ${p("tmp/body")};
  proxy_temp_path ${p("tmp/proxy")};
  fastcgi_temp_path ${p("tmp/fastcgi")};
  uwsgi_temp_path ${p("tmp/uwsgi")};
  scgi_temp_path ${p("tmp/scgi")};
`;
}
