#!/usr/bin/env bash
# What one tracking redirect costs the server, in CPU time and thread switches: starts a
# release server (SQLite, demo data), runs wrk against /t/{code} and, separately, against
# /api/channels while `perf stat` counts the server process's CPU time, context switches
# and CPU migrations, and prints them per request. Less sensitive to a shared machine
# than req/s: another process's load slows the server but does not add to its own CPU
# time or its switches per request. With PERF_RECORD=1 it also samples the redirect
# (perf record -g) and prints the share of samples under the kernel's thread wake-up
# and switch paths.
#   scripts/perf-redirect.sh [duration, default 8s] [connections, default 32]
#   SERVER_BIN=/path/to/traffic-sources-server scripts/perf-redirect.sh   (another build)
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-8s}
connections=${2:-32}
command -v perf > /dev/null || { echo "perf is missing (apt-get install linux-perf)"; exit 1; }
command -v wrk > /dev/null || { echo "wrk is missing (scripts/setup.sh installs it)"; exit 1; }
if [ -n "${SERVER_BIN:-}" ]; then
  bin=$SERVER_BIN
else
  cargo build --release -q -p server
  bin="${CARGO_TARGET_DIR:-target}/release/traffic-sources-server"
fi
dir=$(mktemp -d)
server_pid=
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$dir"' EXIT
db="$dir/bench.db"
"$bin" --port 0 --database-url "sqlite://$db" --static-dir "$dir/none" --seed-demo \
  --click-journal-dir "$dir/journal" --log-level warn > "$dir/out" 2>&1 &
server_pid=$!
for _ in $(seq 1 150); do grep -q 'Listening on' "$dir/out" && break; sleep 0.2; done
base=$(grep -o 'http://[0-9.:]*' "$dir/out" | head -n1)
[ -n "$base" ] || { cat "$dir/out"; exit 1; }
code=$(sqlite3 "$db" "SELECT c.tracking_code FROM collaborations c JOIN traffic_sources s ON s.id = c.traffic_source_id
  WHERE s.status = 'active' ORDER BY c.id LIMIT 1")
echo "$bin; cpus: $(nproc), load before: $(cut -d' ' -f1-3 /proc/loadavg); wrk -t1 -c$connections -d$duration"
measure() { # label path
  perf stat -x, -e task-clock,context-switches,cpu-migrations -p "$server_pid" -o "$dir/$1.stat" &
  local perf_pid=$!
  sleep 0.2
  local result
  result=$(wrk -t1 -c"$connections" -d"$duration" -s scripts/wrk/report.lua "$base$2" | grep '^RESULT')
  kill -INT "$perf_pid"
  wait "$perf_pid" || true
  local requests
  requests=$(echo "$result" | sed -n 's/.*requests=\([0-9]*\).*/\1/p')
  awk -F, -v n="$requests" -v label="$1" -v rps="$(echo "$result" | sed -n 's/.* rps=\([0-9]*\).*/\1/p')" '
    $3 == "task-clock" { cpu = $1 }           # ms
    $3 == "context-switches" { cs = $1 }
    $3 == "cpu-migrations" { mig = $1 }
    END { printf "%-9s %d requests (%d/s): %.1f us of server CPU, %.2f context switches, %.3f migrations per request\n",
      label, n, rps, cpu * 1000 / n, cs / n, mig / n }' "$dir/$1.stat"
}
measure redirect "/t/$code"
measure channels "/api/channels"
if [ "${PERF_RECORD:-}" = 1 ]; then
  perf record -F 999 -g -p "$server_pid" -o "$dir/perf.data" -- sleep 6 > /dev/null 2>&1 &
  record_pid=$!
  sleep 0.2
  wrk -t1 -c"$connections" -d7s "$base/t/$code" > /dev/null
  wait "$record_pid" || true
  perf report -i "$dir/perf.data" --no-children --sort symbol --stdio -g none 2> /dev/null \
    | sed -E 's/[[:space:]]+-[[:space:]]+-[[:space:]]*$//; s/[[:space:]]*$//' > "$dir/report"
  # Self time of the kernel's wake-up and switch paths, and of the futex and channel code.
  echo "redirect samples by symbol (self), the wake-up and switch paths:"
  grep -E '^ +[0-9.]+%' "$dir/report" | grep -E 'try_to_wake_up|_raw_spin_unlock_irqrestore|finish_task_switch|__schedule|futex|SyncWaker|Channel.*recv|Condvar|park' | head -12 | sed 's/^ *//'
  awk '/^ +[0-9.]+%/ && /try_to_wake_up|_raw_spin_unlock_irqrestore|finish_task_switch|__schedule|futex|SyncWaker|Channel.*recv|Condvar|park/ { gsub("%", "", $1); s += $1 }
    END { printf "sum of those: %.1f %% of the redirect'"'"'s samples\n", s }' "$dir/report"
fi
kill -TERM "$server_pid"
wait "$server_pid" || true
server_pid=
