import type { InitAnswers, InitRouter } from "./answers.js";
import type { PlannedFile, SiteRenderer } from "./plan.js";
import { routerPaths } from "./render-config.js";

/**
 * The router's site config (nginx site or haproxy.cfg) from the router's own renderer, loaded only
 * when that router is chosen. The built-in router needs none.
 */
export async function siteRenderer(router: InitRouter): Promise<SiteRenderer | undefined> {
  if (router === "builtin") return undefined;
  const { renderSiteConfig } = await import("../routers/site-templates/index.js");
  return (a: InitAnswers): PlannedFile => {
    const paths = routerPaths(a);
    const tls = a.domain ? letsEncrypt(a.domain) : undefined;
    if (a.router === "nginx") {
      return {
        path: `deploy/nginx-${a.service}.conf`,
        description: `nginx site; copy to /etc/nginx/sites-enabled/${a.service}`,
        content: renderSiteConfig("nginx", {
          service: a.service,
          serverName: a.domain ?? "_",
          includeFile: paths.nginxInclude,
          style: "upstream",
          upstream: a.service,
          tls: tls && { certificate: tls.fullchain, certificateKey: tls.privkey },
          acmeWebroot: a.domain ? "/var/www/letsencrypt" : undefined,
        }),
      };
    }
    return {
      path: "deploy/haproxy.cfg",
      description: `haproxy config; copy to ${paths.haproxyConfig}`,
      content: renderSiteConfig("haproxy", {
        service: a.service,
        socket: paths.haproxySocket,
        backend: a.service,
        servers: { blue: "blue", green: "green" },
        slots: {
          blue: { host: "127.0.0.1", port: a.bluePort },
          green: { host: "127.0.0.1", port: a.greenPort },
        },
        healthPath: a.healthPath,
        tls: a.domain ? { pem: `/etc/haproxy/certs/${a.domain}.pem` } : undefined,
      }),
    };
  };
}

function letsEncrypt(domain: string) {
  const live = `/etc/letsencrypt/live/${domain}`;
  return { fullchain: `${live}/fullchain.pem`, privkey: `${live}/privkey.pem` };
}
