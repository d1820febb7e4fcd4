#!/usr/bin/env bash
# What the operator's view costs the tracking redirect: the release server on a fresh
# SQLite file with the demo data, wrk against /t/{code} with metrics off (the default),
# then with --metrics-bind on (a scrape in the middle of the run) and JSON logs, each run
# started afresh; prints requests/s and p99 of each and their ratio. Machine noise is
# large on a shared machine: run it more than once and compare.
#   scripts/bench-ops.sh [duration, default 10s] [connections, default 32]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10s}
connections=${2:-32}
dir=$(mktemp -d)
server_pid=
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$dir"' EXIT
command -v wrk > /dev/null || { echo "wrk is missing (apt-get install wrk)"; exit 1; }
command -v sqlite3 > /dev/null || { echo "sqlite3 is missing (apt-get install sqlite3)"; exit 1; }

cargo build --release -q -p server
db="$dir/bench.db"
bin="${CARGO_TARGET_DIR:-target}/release/traffic-sources-server"
start_server() { # extra flags…
  : > "$dir/out"
  "$bin" --port 0 --database-url "sqlite://$db" --static-dir "$dir/none" \
    --click-journal-dir "$dir/journal" --log-level warn "$@" > "$dir/out" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 150); do grep -q 'Listening on' "$dir/out" && break; sleep 0.2; done
  base=$(grep -o 'Listening on http://[0-9.:]*' "$dir/out" | grep -o 'http://.*' | head -n1)
  [ -n "$base" ] || { cat "$dir/out"; exit 1; }
}
stop_server() {
  kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=
}
start_server --seed-demo
code=$(sqlite3 "$db" "SELECT c.tracking_code FROM collaborations c JOIN traffic_sources s ON s.id = c.traffic_source_id
  WHERE s.status = 'active' ORDER BY c.id LIMIT 1")
stop_server

echo "cpus: $(nproc), load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "wrk -t1 -c$connections -d$duration /t/$code"
run() { # label
  local result
  result=$(wrk -t1 -c"$connections" -d"$duration" -s scripts/wrk/report.lua "$base/t/$code" | grep '^RESULT')
  printf '%-22s %s\n' "$1" "${result#RESULT }"
  echo "$result" | sed -n 's/.* rps=\([0-9]*\).*/\1/p' > "$dir/$1.rps"
}
start_server
run metrics-off
stop_server
start_server --metrics-bind 127.0.0.1:0 --log-format json
metrics=$(grep -o 'Metrics on http://[^ ]*' "$dir/out" | grep -o 'http://.*')
( sleep 2; curl -s -o "$dir/scrape" "$metrics" ) &
scrape_pid=$!
run metrics-on-json-logs
wait "$scrape_pid"
stop_server
grep -q '^redirects_total{outcome="redirected"}' "$dir/scrape" || { echo "the scrape found no redirect count"; exit 1; }
echo "scrape during the run: $(wc -c < "$dir/scrape") bytes, $(grep -c '^[a-z]' "$dir/scrape") series"
ratio=$(awk -v on="$(cat "$dir/metrics-on-json-logs.rps")" -v off="$(cat "$dir/metrics-off.rps")" 'BEGIN { printf "%.2f", on / off }')
echo "ratio metrics-on/metrics-off: $ratio"
