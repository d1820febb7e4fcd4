#!/usr/bin/env bash
# Tracking redirect throughput with the click ledger on. Starts the release server on a
# fresh SQLite file with the demo data, runs wrk against /t/{code} and, in the same run,
# against the cheapest endpoint (/api/channels), and prints requests/s and p99 of each and
# their ratio (target >= 0.8, p99 target < 5 ms on a quiet machine). Then stops the server
# cleanly and checks that every click wrk made is in the ledger. Then the SIGKILL phase: a
# wrk run that writes down the click id of every answer it received, the server killed
# with SIGKILL in the middle of it and started again (replaying its journal), and the
# answered clicks missing from the ledger counted (target 0).
#   scripts/bench-redirect.sh [duration, default 15s] [connections, default 32]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-15s}
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
  base=$(grep -o 'http://[0-9.:]*' "$dir/out" | head -n1)
  [ -n "$base" ] || { cat "$dir/out"; exit 1; }
}
start_server --seed-demo

# A demo link whose source is Active, so every request is a 302.
code=$(sqlite3 "$db" "SELECT c.tracking_code FROM collaborations c JOIN traffic_sources s ON s.id = c.traffic_source_id
  WHERE s.status = 'active' ORDER BY c.id LIMIT 1")
curl -s -o /dev/null -w "GET /t/$code -> %{http_code} %{redirect_url}\n" "$base/t/$code"
sleep 1.5 # the demo clicks and the curl above are in the ledger before counting starts
seeded=$(sqlite3 "$db" "SELECT COUNT(*) FROM click_events e JOIN collaborations c ON c.id = e.collaboration_id WHERE c.tracking_code = '$code'")


echo "cpus: $(nproc), load before: $(cut -d' ' -f1-3 /proc/loadavg)"
run() { # label path
  local result
  result=$(wrk -t1 -c"$connections" -d"$duration" -s scripts/wrk/report.lua "$base$2" | grep '^RESULT')
  printf '%-14s %s\n' "$1" "${result#RESULT }"
  echo "$result" | sed -n 's/.*requests=\([0-9]*\).*/\1/p' > "$dir/$1.requests"
  echo "$result" | sed -n 's/.* rps=\([0-9]*\).*/\1/p' > "$dir/$1.rps"
}
echo "wrk -t1 -c$connections -d$duration"
run redirect "/t/$code"
run channels "/api/channels"
ratio=$(awk -v r="$(cat "$dir/redirect.rps")" -v c="$(cat "$dir/channels.rps")" 'BEGIN { printf "%.2f", r / c }')
echo "ratio redirect/channels: $ratio (target >= 0.8)"

# A clean stop writes the clicks still in the journal.
kill -TERM "$server_pid"
wait "$server_pid" || true
server_pid=
clicks=$(( $(sqlite3 "$db" "SELECT COUNT(*) FROM click_events e JOIN collaborations c ON c.id = e.collaboration_id WHERE c.tracking_code = '$code'") - seeded ))
made=$(cat "$dir/redirect.requests")
echo "clicks in the ledger: $clicks; redirect responses wrk counted: $made"
# wrk stops counting at the deadline while up to one request per connection is still in
# flight: the server answers (and records) those too, so the ledger may hold a few more.
if [ "$clicks" -ge "$made" ] && [ "$clicks" -le $((made + connections)) ]; then
  echo "OK: every click kept"
else
  echo "MISMATCH: expected $made to $((made + connections)) clicks"
  exit 1
fi

# SIGKILL phase.
start_server
mkdir -p "$dir/ids"
kill_after=${KILL_AFTER:-3}
IDS="$dir/ids/ids" wrk -t2 -c"$connections" -d$((kill_after * 2))s -s scripts/wrk/record-clicks.lua "$base/t/$code" > "$dir/kill.wrk" 2>&1 &
wrk_pid=$!
sleep "$kill_after"
kill -KILL "$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=
wait "$wrk_pid" || true
left=$(cat "$dir"/journal/*.jsonl 2>/dev/null | wc -l)
start_server # replays the journal before it listens
kill -TERM "$server_pid"
wait "$server_pid" || true
server_pid=
cat "$dir"/ids/ids-* | sort -u > "$dir/answered"
answered=$(wc -l < "$dir/answered")
lost=$(sqlite3 "$db" <<EOF | tail -n1
CREATE TEMP TABLE answered (id TEXT PRIMARY KEY);
.import $dir/answered answered
SELECT COUNT(*) FROM answered WHERE id NOT IN (SELECT click_id FROM click_events);
EOF
)
echo "SIGKILL phase: $answered answers received, $left clicks only in the journal at the kill, lost after restart: $lost (target 0)"
[ "$lost" -eq 0 ] || exit 1
