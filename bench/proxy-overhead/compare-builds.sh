#!/usr/bin/env bash
# Interleaved A/B of two builds of the built-in proxy against nginx, on one app: the way to tell
# a change of a few percent from this kind of VM's noise (runs minutes apart differ by ±15%).
#
#   git stash && npm run build && cp -r dist /tmp/dist-before && git stash pop && npm run build
#   bash bench/proxy-overhead/compare-builds.sh /tmp/dist-before dist [rounds] [seconds]
#
# A = `floor` runs bench/proxy-overhead/floor-child.ts (from B's build) instead: a proxy that only
# copies bytes, the least Node can cost per request here.
#
# Each round runs wrk -t2 -c50 against A, B and nginx in turn; a line per run gives requests/s,
# p99 and the process's CPU per request (all threads, and user time alone), then the means.
set -euo pipefail
A_DIST=${1:?usage: compare-builds.sh <dist A> <dist B> [rounds] [seconds]}
B_DIST=${2:?usage: compare-builds.sh <dist A> <dist B> [rounds] [seconds]}
ROUNDS=${3:-5}
SECONDS_PER_RUN=${4:-5}
cd "$(dirname "$0")/../.."
for tool in wrk nginx; do command -v "$tool" > /dev/null || { echo "needs $tool (bash scripts/setup-test-env.sh)" >&2; exit 2; }; done

work=$(mktemp -d)
pids=()
cleanup() {
  kill "${pids[@]}" 2> /dev/null || true
  wait 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
wait_for() { for _ in $(seq 100); do grep -q "$2" "$1" 2> /dev/null && return 0; sleep 0.1; done; echo "did not start: $1" >&2; exit 1; }

app_port=$(free_port)
PORT=$app_port APP_VERSION=bench node test/fixtures/app.mjs > "$work/app.log" 2>&1 &
pids+=($!)
wait_for "$work/app.log" listening
config=$(node -e 'import("./'"$B_DIST"'/src/config/router-schema.js").then((m) => console.log(JSON.stringify(m.routerSchema.parse({ kind: "builtin", listen: "127.0.0.1:0" }))))')
start_proxy() { # name dist
  local child="$2/bench/proxy-overhead/proxy-child.js"
  [ "$2" = floor ] && child="$B_DIST/bench/proxy-overhead/floor-child.js"
  node --max-semi-space-size=4 "$child" "$app_port" "$config" > "$work/$1.log" 2>&1 &
  pids+=($!)
  wait_for "$work/$1.log" "listening [0-9]"
}
start_proxy A "$A_DIST"
pid_A=${pids[-1]}
start_proxy B "$B_DIST"
pid_B=${pids[-1]}
port_A=$(grep -o 'listening [0-9]*' "$work/A.log" | cut -d' ' -f2)
port_B=$(grep -o 'listening [0-9]*' "$work/B.log" | cut -d' ' -f2)

nginx_port=$(free_port)
for dir in client_body proxy fastcgi uwsgi scgi; do mkdir "$work/$dir"; done
node -e 'import("./'"$B_DIST"'/bench/proxy-overhead/nginx-config.js").then((m) => process.stdout.write(m.renderNginxBenchConfig(process.argv[1], Number(process.argv[2]), Number(process.argv[3]))))' \
  "$work" "$nginx_port" "$app_port" > "$work/nginx.conf"
nginx -c "$work/nginx.conf" -p "$work" > /dev/null 2>&1 &
pids+=($!)
sleep 1
pid_N=$(pgrep -P "${pids[-1]}" | head -1)
port_N=$nginx_port

ticks() { awk -v f="$2" '{ print (f == "user") ? $14 : $14 + $15 }' "/proc/$1/stat"; }
tick_us=$((1000000 / $(getconf CLK_TCK)))
run() { # name
  local port_var="port_$1" pid_var="pid_$1"
  local port=${!port_var} pid=${!pid_var}
  local all0 user0 out all1 user1 requests
  all0=$(ticks "$pid" all)
  user0=$(ticks "$pid" user)
  out=$(wrk -t2 -c50 -d"${SECONDS_PER_RUN}s" --latency "http://127.0.0.1:$port/")
  all1=$(ticks "$pid" all)
  user1=$(ticks "$pid" user)
  requests=$(awk '/requests in/ { print $1 }' <<< "$out")
  echo "$1 $(awk '/Requests\/sec/ { print $2 }' <<< "$out") $(awk '$1 == "99%" { print $2 }' <<< "$out")" \
    "$(((all1 - all0) * tick_us / requests)) $(((user1 - user0) * tick_us / requests))"
}

for port in "$port_A" "$port_B" "$port_N"; do wrk -t2 -c50 -d2s "http://127.0.0.1:$port/" > /dev/null; done
echo "run  req/s  p99  cpu_us/req  user_us/req   (A=$A_DIST B=$B_DIST N=nginx)"
for _ in $(seq "$ROUNDS"); do for name in A B N; do run "$name"; done; done | tee "$work/runs"
awk '{ n[$1]++; rps[$1] += $2; cpu[$1] += $4; user[$1] += $5 }
  END { for (k in n) printf "%s mean: %.0f req/s, %.1f µs CPU/request (user %.1f)\n", k, rps[k] / n[k], cpu[k] / n[k], user[k] / n[k];
        printf "B/N %.3f  A/N %.3f  B/A %.3f\n", rps["B"] / n["B"] / (rps["N"] / n["N"]), rps["A"] / n["A"] / (rps["N"] / n["N"]), rps["B"] / rps["A"] }' "$work/runs"
