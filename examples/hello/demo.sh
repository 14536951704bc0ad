#!/usr/bin/env bash
# Deploys the example twice, rolls back, and cleans up. Run from anywhere: `npm run example`.
set -euo pipefail
cd "$(dirname "$0")"
sy() { echo "\$ switchyard $*"; ../../bin/switchyard "$@"; }
trap '../../bin/switchyard down >/dev/null 2>&1 || true' EXIT

GREETING="hello from v1" sy deploy --version v1
echo "\$ curl http://127.0.0.1:18000/"; curl -fsS http://127.0.0.1:18000/
GREETING="hello from v2" sy deploy --version v2
echo "\$ curl http://127.0.0.1:18000/"; curl -fsS http://127.0.0.1:18000/
sy status
GREETING="hello from v2" sy rollback
echo "\$ curl http://127.0.0.1:18000/"; curl -fsS http://127.0.0.1:18000/
sy history
sy down
