import { describe, expect, it } from "vitest";
import { RouterError } from "../../src/errors.js";
import {
  isInMaintenance,
  isReady,
  isUp,
  parseServersState,
  parseShowStat,
  statNumber,
} from "../../src/routers/haproxy/parse-stats.js";
import { rewriteHaproxyServers } from "../../src/routers/haproxy/render-config.js";

const CONFIG = `global
    stats socket /run/haproxy/admin.sock mode 660 level admin

frontend web
    bind :80
    default_backend app

backend other
    server blue 10.0.0.1:80 check

backend app
    option httpchk GET /health
    server blue 127.0.0.1:8080 check inter 1s disabled # slot blue
    server green 127.0.0.1:8081 check inter 1s
`;

describe("rewriteHaproxyServers", () => {
  it("enables the active server (with its address) and disables the other, only in that backend", () => {
    const next = rewriteHaproxyServers(CONFIG, "app", [
      { name: "blue", enabled: true, address: "127.0.0.1:9090" },
      { name: "green", enabled: false },
    ]);
    expect(next).toBe(
      CONFIG.replace(
        "server blue 127.0.0.1:8080 check inter 1s disabled # slot blue",
        "server blue 127.0.0.1:9090 check inter 1s # slot blue",
      ).replace(
        "server green 127.0.0.1:8081 check inter 1s",
        "server green 127.0.0.1:8081 check inter 1s disabled",
      ),
    );
    expect(next).toContain("    server blue 10.0.0.1:80 check\n");
  });

  it("is a no-op when the file already matches", () => {
    const changes = [
      { name: "blue", enabled: false },
      { name: "green", enabled: true },
    ];
    expect(rewriteHaproxyServers(CONFIG, "app", changes)).toBe(CONFIG);
  });

  it("names the missing backend or server", () => {
    expect(() => rewriteHaproxyServers(CONFIG, "nope", [])).toThrow(/no `backend nope`/);
    expect(() => rewriteHaproxyServers(CONFIG, "app", [{ name: "red", enabled: true }])).toThrow(RouterError);
    expect(() => rewriteHaproxyServers(CONFIG, "app", [{ name: "red", enabled: true }])).toThrow(
      /no server line for red/,
    );
  });
});

// Captured from HAProxy 2.6 (Debian 12): blue `disabled` in the config, green checked and failing.
const SERVERS_STATE = `1
# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port
3 app 1 blue 127.0.0.1 0 5 1 1 1 1 0 0 14 0 0 0 - 39124 - 0 0 - - 0
3 app 2 green 127.0.0.1 2 4 1 1 0 1 0 2 6 0 0 0 - 39125 - 0 0 - - 0

`;

describe("parseServersState", () => {
  it("reads every server with op/admin/check state", () => {
    const [blue, green] = parseServersState(SERVERS_STATE);
    expect(blue).toEqual({
      backend: "app",
      name: "blue",
      addr: "127.0.0.1",
      port: 39124,
      opState: 0,
      adminState: 5,
      checkResult: 0,
      checkState: 14,
    });
    expect(isInMaintenance(blue!)).toBe(true);
    expect(isReady(blue!)).toBe(false);
    // admin 4 is only "disabled in the config": the CLI's `state ready` made it take traffic.
    expect(isInMaintenance(green!)).toBe(false);
    expect(isReady(green!)).toBe(true);
    // Running but no check has passed since it left maintenance.
    expect(isUp(green!)).toBe(false);
    expect(isUp({ ...green!, checkResult: 3 })).toBe(true);
    expect(isUp({ ...green!, checkState: 0 })).toBe(true);
  });
});

describe("parseShowStat", () => {
  it("keys each row by the header's column names", () => {
    const text =
      "# pxname,svname,qcur,qmax,scur,smax,slim,stot,econ,eresp,hrsp_5xx\n" +
      "app,blue,0,0,2,5,,120,1,0,3\napp,BACKEND,0,0,2,5,,130,,,9\n";
    const rows = parseShowStat(text);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ pxname: "app", svname: "blue", scur: "2", stot: "120" });
    expect(statNumber(rows[0], "econ")).toBe(1);
    expect(statNumber(rows[1], "econ")).toBe(0);
    expect(statNumber(undefined, "scur")).toBe(0);
  });
});
