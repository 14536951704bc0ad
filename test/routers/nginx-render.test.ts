import { describe, expect, it } from "vitest";
import { RouterError } from "../../src/errors.js";
import { parseNginxInclude, renderNginxInclude } from "../../src/routers/nginx/render-include.js";

const green = { slot: "green", host: "127.0.0.1", port: 8081 } as const;

describe("renderNginxInclude", () => {
  it("renders an upstream block with keepalive (style upstream)", () => {
    expect(
      renderNginxInclude({ style: "upstream", upstream: "web", variable: "service_url", target: green }),
    ).toBe(
      [
        "# Managed by switchyard: rewritten on every switch, do not edit by hand.",
        "# switchyard: active=green target=127.0.0.1:8081",
        "upstream web {",
        "    server 127.0.0.1:8081 max_fails=0;",
        "    keepalive 32;",
        "    keepalive_timeout 4s;",
        "}",
        "",
      ].join("\n"),
    );
  });

  it("renders the seed's variable (style variable)", () => {
    expect(
      renderNginxInclude({ style: "variable", upstream: "web", variable: "service_url", target: green }),
    ).toBe(
      [
        "# Managed by switchyard: rewritten on every switch, do not edit by hand.",
        "# switchyard: active=green target=127.0.0.1:8081",
        "set $service_url http://127.0.0.1:8081;",
        "",
      ].join("\n"),
    );
  });

  it("routes nothing when the target is null", () => {
    expect(renderNginxInclude({ style: "upstream", upstream: "web", variable: "v", target: null })).toBe(
      [
        "# Managed by switchyard: rewritten on every switch, do not edit by hand.",
        "# switchyard: active=none target=none",
        "upstream web {",
        "    server 127.0.0.1:1 down;",
        "    keepalive 32;",
        "    keepalive_timeout 4s;",
        "}",
        "",
      ].join("\n"),
    );
    expect(
      renderNginxInclude({ style: "variable", upstream: "web", variable: "service_url", target: null }),
    ).toBe(
      [
        "# Managed by switchyard: rewritten on every switch, do not edit by hand.",
        "# switchyard: active=none target=none",
        "set $service_url http://127.0.0.1:1;",
        "return 503;",
        "",
      ].join("\n"),
    );
  });

  it("refuses names and hosts that would inject nginx directives", () => {
    const base = { style: "upstream", upstream: "web", variable: "v" } as const;
    expect(() => renderNginxInclude({ ...base, upstream: "web { }", target: green })).toThrow(RouterError);
    expect(() => renderNginxInclude({ ...base, target: { ...green, host: "x; return 200" } })).toThrow(
      RouterError,
    );
    expect(() => renderNginxInclude({ ...base, target: { ...green, port: 70000 } })).toThrow(
      /not a host name/,
    );
    expect(renderNginxInclude({ ...base, target: { ...green, host: "[::1]" } })).toContain(
      "server [::1]:8081 ",
    );
  });
});

describe("parseNginxInclude", () => {
  it("reads back what it rendered", () => {
    for (const style of ["upstream", "variable"] as const) {
      const text = renderNginxInclude({ style, upstream: "web", variable: "v", target: green });
      expect(parseNginxInclude(text)).toEqual({ active: "green", target: "127.0.0.1:8081" });
      const none = renderNginxInclude({ style, upstream: "web", variable: "v", target: null });
      expect(parseNginxInclude(none)).toEqual({ active: null, target: null });
    }
  });

  it("does not claim a file switchyard did not write", () => {
    expect(parseNginxInclude("set $service_url http://127.0.0.1:8080;\n")).toBeUndefined();
  });
});
