#!/usr/bin/env bash
# What the perimeter (server/src/guard/) costs the tracking redirect: wrk against /t/{code}
# and /api/channels on a server built without it (BASE_BIN, e.g. main before issue 27) and
# on the current one, in turns (base, current, base, current) on the same machine in the
# same run, each on a fresh SQLite file with the demo data; prints requests/s and p99 of
# each run and the current/base ratios.
#   BASE_BIN=/path/to/old/traffic-sources-server scripts/bench-perimeter.sh [duration 10s] [connections 32]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10s}
connections=${2:-32}
base_bin=${BASE_BIN:?set BASE_BIN to a server binary built without the perimeter}
bin=${SERVER_BIN:-target/release/traffic-sources-server}
command -v wrk > /dev/null || { echo "wrk is missing (scripts/setup.sh installs it)"; exit 1; }
dir=$(mktemp -d)
server_pid=
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$dir"' EXIT

run_server() { # binary label: starts it on a fresh database, runs both wrk runs, stops it
  local db="$dir/$2.db"
  rm -rf "$db"* "$dir/journal"
  "$1" --port 0 --database-url "sqlite://$db" --static-dir "$dir/none" --seed-demo \
    --click-journal-dir "$dir/journal" --log-level error > "$dir/out" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 150); do grep -qs 'Listening on' "$dir/out" && break; sleep 0.2; done
  local base code
  base=$(grep -o 'http://[0-9.:]*' "$dir/out" | head -n1)
  code=$(sqlite3 "$db" "SELECT c.tracking_code FROM collaborations c JOIN traffic_sources s ON s.id = c.traffic_source_id
    WHERE s.status = 'active' ORDER BY c.id LIMIT 1")
  for path in "/t/$code" /api/channels; do
    local result
    result=$(wrk -t1 -c"$connections" -d"$duration" -s scripts/wrk/report.lua "$base$path" | grep '^RESULT')
    local what=redirect
    [ "$path" = /api/channels ] && what=channels
    printf '%-8s %-9s %s\n' "$2" "$what" "${result#RESULT }"
    echo "$result" | sed -n 's/.* rps=\([0-9]*\).*/\1/p' >> "$dir/$2-$what.rps"
  done
  kill -TERM "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  server_pid=
}

echo "cpus: $(nproc), load before: $(cut -d' ' -f1-3 /proc/loadavg); wrk -t1 -c$connections -d$duration"
for round in 1 2; do
  run_server "$base_bin" base
  run_server "$bin" current
done
mean() { awk '{ s += $1 } END { printf "%.0f", s / NR }' "$1"; }
for what in redirect channels; do
  b=$(mean "$dir/base-$what.rps")
  c=$(mean "$dir/current-$what.rps")
  echo "$what: base $b rps, current $c rps, current/base $(awk -v c="$c" -v b="$b" 'BEGIN { printf "%.2f", c / b }')"
done
r=$(mean "$dir/current-redirect.rps")
ch=$(mean "$dir/current-channels.rps")
echo "current redirect/channels: $(awk -v r="$r" -v c="$ch" 'BEGIN { printf "%.2f", r / c }') (bench-redirect.sh's ratio, target >= 0.7)"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
