#!/usr/bin/env bash
# What a tracking redirect costs against /api/channels, in instructions rather than
# seconds: this 2-core host's speed drifts by half within minutes (steal time 14-27 %),
# which moves req/s and CPU time but not the count of instructions a request executes.
# Starts the release server on a fresh SQLite file with the demo data under valgrind's
# callgrind (instrumentation off until the demo is seeded and both endpoints warmed up),
# then counts the user-space instructions the whole server process executes during a
# 10-second wrk run against /t/{code} and the drain that follows (the click's whole cost:
# lookup, journal line, judging, storing) and, separately, during one against
# /api/channels, and prints instructions per request and their ratio. Kernel time (the
# journal's write, thread wake-ups, fsync) is not in the count: bench-redirect.sh and
# perf-redirect.sh measure those. Under valgrind the server runs one thread at a time, so
# only a few thousand requests are made.
#   scripts/cost-redirect.sh                         this checkout's release build
#   SERVER_BIN=… scripts/cost-redirect.sh            another binary
#   BASELINE_BIN=… scripts/cost-redirect.sh          that binary too, before this one
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind > /dev/null || { echo "valgrind is missing (scripts/setup.sh installs it)"; exit 1; }
command -v wrk > /dev/null || { echo "wrk is missing (scripts/setup.sh installs it)"; exit 1; }
if [ -n "${SERVER_BIN:-}" ]; then
  bin=$SERVER_BIN
else
  cargo build --release -q -p server
  bin="$PWD/${CARGO_TARGET_DIR:-target}/release/traffic-sources-server"
fi
dir=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT

measure() { # label binary
  local label=$1 binary=$2 base code out
  mkdir -p "$dir/$label"
  (cd "$dir/$label" && exec valgrind --tool=callgrind --instr-atstart=no \
    --callgrind-out-file="$dir/$label/callgrind.out" "$binary" --port 0 \
    --database-url "sqlite://$dir/$label/bench.db" --static-dir "$dir/none" --seed-demo \
    --click-journal-dir "$dir/$label/journal" --log-level warn > "$dir/$label/out" 2>&1) &
  pid=$!
  for _ in $(seq 1 600); do grep -q 'Listening on' "$dir/$label/out" && break; sleep 0.5; done
  base=$(grep -o 'http://[0-9.:]*' "$dir/$label/out" | head -n1)
  [ -n "$base" ] || { cat "$dir/$label/out"; exit 1; }
  code=$(sqlite3 "$dir/$label/bench.db" "SELECT c.tracking_code FROM collaborations c JOIN traffic_sources s ON s.id = c.traffic_source_id
    WHERE s.status = 'active' ORDER BY c.id LIMIT 1")
  wrk -t1 -c4 -d3s "$base/t/$code" > /dev/null
  wrk -t1 -c4 -d3s "$base/api/channels" > /dev/null
  sleep 2 # the warm-up's clicks drained before counting starts
  local part=0 n ir
  for path in "t/$code" api/channels; do
    part=$((part + 1))
    callgrind_control -i on "$pid" > /dev/null 2>&1
    n=$(wrk -t1 -c4 -d10s -s scripts/wrk/report.lua "$base/$path" | sed -n 's/.*requests=\([0-9]*\).*/\1/p')
    sleep 1.5 # the drain that stores those clicks (every second by default)
    callgrind_control -i off "$pid" > /dev/null 2>&1
    callgrind_control -d "$pid" > /dev/null 2>&1
    callgrind_control -z "$pid" > /dev/null 2>&1
    ir=$(grep -h '^totals:' "$dir/$label/callgrind.out.$part" | awk '{ print $2 }')
    echo "$n $ir" > "$dir/$label/$part"
    awk -v label="$label" -v what="${path%%/*}" -v n="$n" -v ir="$ir" \
      'BEGIN { printf "%-9s %-9s %6d requests, %12d instructions: %8.0f a request\n", label, (what == "t" ? "redirect" : "channels"), n, ir, ir / n }'
  done
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  pid=
  awk -v label="$label" 'NR == FNR { r = $2 / $1; next } { c = $2 / $1 }
    END { printf "%-9s redirect/channels in instructions a request: %.2f (throughput-equivalent ratio %.2f)\n", label, r / c, c / r }' \
    "$dir/$label/1" "$dir/$label/2"
}

echo "cpus: $(nproc), load before: $(cut -d' ' -f1-3 /proc/loadavg)"
[ -n "${BASELINE_BIN:-}" ] && measure baseline "$BASELINE_BIN"
measure current "$bin"
