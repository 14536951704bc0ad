import { renderHaproxySite, type HaproxySiteOptions } from "./haproxy-site.js";
import { renderNginxSite, type NginxSiteOptions } from "./nginx-site.js";

export type { HaproxySiteOptions } from "./haproxy-site.js";
export type { NginxSiteOptions } from "./nginx-site.js";

/** A working site config for `switchyard init --router nginx|haproxy`. Pure; the caller writes it. */
export function renderSiteConfig(kind: "nginx", options: NginxSiteOptions): string;
export function renderSiteConfig(kind: "haproxy", options: HaproxySiteOptions): string;
export function renderSiteConfig(
  kind: "nginx" | "haproxy",
  options: NginxSiteOptions | HaproxySiteOptions,
): string {
  return kind === "nginx"
    ? renderNginxSite(options as NginxSiteOptions)
    : renderHaproxySite(options as HaproxySiteOptions);
}
