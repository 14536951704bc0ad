#!/usr/bin/env bash
# Installs and starts what the test suites need: Docker Engine, a local registry on 127.0.0.1:5000,
# nginx, HAProxy, wrk and busybox (for FROM-scratch test images). Idempotent; needs root (or sudo).
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

PACKAGES=(docker.io docker-registry docker-compose nginx haproxy wrk busybox-static socat iproute2 procps curl ca-certificates git openssl)
missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The packages' own services must not hold the ports the tests use.
$SUDO nginx -s quit 2>/dev/null || true
$SUDO pkill -x haproxy 2>/dev/null || true

if ! curl -fsS --unix-socket /var/run/docker.sock http://localhost/_ping >/dev/null 2>&1; then
  echo "setup: starting dockerd"
  $SUDO mkdir -p /var/log
  ( $SUDO nohup dockerd >/var/log/switchyard-dockerd.log 2>&1 & )
  for _ in $(seq 1 60); do
    curl -fsS --unix-socket /var/run/docker.sock http://localhost/_ping >/dev/null 2>&1 && break
    sleep 0.5
  done
  curl -fsS --unix-socket /var/run/docker.sock http://localhost/_ping >/dev/null || {
    echo "setup: dockerd did not start; see /var/log/switchyard-dockerd.log" >&2
    tail -20 /var/log/switchyard-dockerd.log >&2
    exit 1
  }
fi

if ! curl -fsS http://127.0.0.1:5000/v2/ >/dev/null 2>&1; then
  echo "setup: starting a docker registry on 127.0.0.1:5000"
  $SUDO mkdir -p /var/lib/switchyard-registry
  cat > /tmp/switchyard-registry.yml <<'YAML'
version: 0.1
storage:
  filesystem:
    rootdirectory: /var/lib/switchyard-registry
  delete:
    enabled: true
http:
  addr: 127.0.0.1:5000
log:
  level: warn
YAML
  REGISTRY_BIN=$(command -v docker-registry || echo /usr/bin/docker-registry)
  ( $SUDO nohup "$REGISTRY_BIN" serve /tmp/switchyard-registry.yml >/var/log/switchyard-registry.log 2>&1 & )
  for _ in $(seq 1 40); do
    curl -fsS http://127.0.0.1:5000/v2/ >/dev/null 2>&1 && break
    sleep 0.25
  done
  curl -fsS http://127.0.0.1:5000/v2/ >/dev/null || { echo "setup: registry did not start" >&2; exit 1; }
fi
echo "setup: docker $(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?'), registry 127.0.0.1:5000, $(nginx -v 2>&1), $(haproxy -v | head -1)"
