import { DAEMON_NODE_FLAGS } from "../daemon/node-flags.js";
import type { InitAnswers } from "./answers.js";

/**
 * A systemd unit running the built-in router daemon (`switchyard serve`) in the foreground, so
 * systemd restarts it and collects its output. Install it as /etc/systemd/system/<name>.service.
 */
export function renderSystemdUnit(a: InitAnswers, options: { user?: string } = {}): string {
  const user = options.user ?? "deploy";
  return [
    `# switchyard's router for ${a.service}. Written by \`switchyard init\`. Install with:`,
    `#   sudo cp deploy/switchyard-${a.service}.service /etc/systemd/system/`,
    `#   sudo systemctl daemon-reload && sudo systemctl enable --now switchyard-${a.service}`,
    "[Unit]",
    `Description=switchyard router for ${a.service}`,
    "After=network-online.target" + (a.runtime === "docker" ? " docker.service" : ""),
    "Wants=network-online.target",
    "",
    "[Service]",
    "Type=simple",
    `User=${user}`,
    `WorkingDirectory=${a.deployDir}`,
    `Environment=NODE_OPTIONS=${DAEMON_NODE_FLAGS.join(" ")}`,
    `ExecStart=/usr/bin/env switchyard serve --config ${a.deployDir}/switchyard.yml`,
    "Restart=always",
    "RestartSec=2",
    // serve drains in-flight requests on SIGTERM; give it longer than drain.timeout.
    "TimeoutStopSec=45",
    "NoNewPrivileges=yes",
    "PrivateTmp=yes",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}
