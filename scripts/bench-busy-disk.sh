#!/usr/bin/env bash
# The tracking redirect's tail with every click journaled, on a quiet disk and while
# another process writes to the same disk as fast as it can (dd with fsync, in a loop).
# Starts the release server on a fresh SQLite file with the demo data, its database and
# journal on the disk of this checkout (target/), and prints req/s, p50 and p99 of
# /t/{code} and, in the same run, of /api/channels, quiet and then busy. Targets (issue 28):
# redirect >= 0.8x /api/channels; redirect p99 < 5 ms quiet, < 50 ms with the disk busy.
#   scripts/bench-busy-disk.sh [duration, default 10s] [connections, default 32]
#   SERVER_BIN=/path/to/traffic-sources-server measures that binary instead of this checkout's build.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10s}
connections=${2:-32}
command -v wrk > /dev/null || { echo "wrk is missing (scripts/setup.sh installs it)"; exit 1; }
command -v sqlite3 > /dev/null || { echo "sqlite3 is missing (scripts/setup.sh installs it)"; exit 1; }
if [ -n "${SERVER_BIN:-}" ]; then # another build, e.g. an older one to compare with
  bin=$SERVER_BIN
else
  cargo build --release -q -p server
  bin="${CARGO_TARGET_DIR:-target}/release/traffic-sources-server"
fi
mkdir -p target/bench
dir=$(mktemp -d -p target/bench busy-disk.XXXXXX)
server_pid=
stress_pid=
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; [ -n "$stress_pid" ] && kill -- "-$stress_pid" 2>/dev/null; rm -rf "$dir"' EXIT
db="$dir/bench.db"
"$bin" --port 0 --database-url "sqlite://$db" --static-dir "$dir/none" --seed-demo \
  --click-journal-dir "$dir/journal" --log-level warn > "$dir/out" 2>&1 &
server_pid=$!
for _ in $(seq 1 150); do grep -q 'Listening on' "$dir/out" && break; sleep 0.2; done
base=$(grep -o 'http://[0-9.:]*' "$dir/out" | head -n1)
[ -n "$base" ] || { cat "$dir/out"; exit 1; }
code=$(sqlite3 "$db" "SELECT c.tracking_code FROM collaborations c JOIN traffic_sources s ON s.id = c.traffic_source_id
  WHERE s.status = 'active' ORDER BY c.id LIMIT 1")
echo "cpus: $(nproc), load before: $(cut -d' ' -f1-3 /proc/loadavg); fsync every 1000 ms (the default)"
run() { # label path
  local result
  result=$(wrk -t1 -c"$connections" -d"$duration" -s scripts/wrk/report.lua "$base$2" | grep '^RESULT')
  printf '%-20s %s\n' "$1" "${result#RESULT }"
  echo "$result" | sed -n 's/.* rps=\([0-9]*\).*/\1/p' > "$dir/$1.rps"
}
phase() { # name
  run "redirect $1" "/t/$code"
  run "channels $1" "/api/channels"
  awk -v r="$(cat "$dir/redirect $1.rps")" -v c="$(cat "$dir/channels $1.rps")" \
    'BEGIN { printf "ratio redirect/channels (%s): %.2f (target >= 0.8)\n", "'"$1"'", r / c }'
}
echo "wrk -t1 -c$connections -d$duration"
phase quiet
# Another process writing the same disk flat out: 1 GB files with fsync, one after another.
setsid bash -c "while :; do dd if=/dev/zero of='$dir/dd' bs=1M count=1000 conv=fsync 2> /dev/null; rm -f '$dir/dd'; done" &
stress_pid=$!
sleep 2
dev=$(basename "$(df --output=source "$dir" | tail -n1)")
written() { awk -v d="$dev" '$3 == d { print $10 }' /proc/diskstats; }
before=$(written); started=$(date +%s.%N)
phase busy
awk -v b="$before" -v a="$(written)" -v s="$started" -v e="$(date +%s.%N)" -v d="$dev" \
  'BEGIN { printf "the disk (%s) took %.0f MB/s of writes during the busy phase\n", d, (a - b) * 512 / 1e6 / (e - s) }'
kill -- "-$stress_pid" 2>/dev/null || true
stress_pid=
rm -f "$dir/dd"
kill -TERM "$server_pid"
wait "$server_pid" || true
server_pid=
clicks=$(sqlite3 "$db" "SELECT COUNT(*) FROM click_events")
echo "clicks in the ledger after a clean stop: $clicks"
