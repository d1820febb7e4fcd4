#!/usr/bin/env bash
# Two release server processes on one PostgreSQL database, under load at once: the shape a user
# who has outgrown one machine runs (stateless instances, each with its own click journal).
#   1. wrk drives tracking redirects through both instances at the same time, writing down the
#      click id of every answer; both stop cleanly (SIGTERM). Every answered click must be in
#      the ledger exactly once, whichever instance answered it.
#   2. The same load again; instance A is SIGKILLed halfway. B must go on answering without an
#      error, and once A is started again (replaying its journal) no click either of them
#      answered may be missing.
# Prints requests/s and latency per instance, and the counts.
#   scripts/bench-instances.sh [duration, default 10s] [connections per instance, default 16]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10s}
connections=${2:-16}
seconds=${duration%s}
command -v wrk > /dev/null || { echo "wrk is missing (scripts/setup.sh installs it)"; exit 1; }
scripts/pg-up.sh > /dev/null

admin="postgres://postgres@127.0.0.1:5432/test"
name="bench_instances_$$"
url="postgres://postgres@127.0.0.1:5432/$name"
dir=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  psql "$admin" -qc "DROP DATABASE IF EXISTS $name WITH (FORCE)" > /dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
psql "$admin" -qc "CREATE DATABASE $name" > /dev/null
sql() { psql "$url" -Atqc "$1"; }

cargo build --release -q -p server
bin="${CARGO_TARGET_DIR:-target}/release/traffic-sources-server"

declare -A pid_of base_of
start() { # name [extra flags…]: starts an instance with its own journal, waits until it listens
  local who=$1
  shift
  : > "$dir/$who.out"
  "$bin" --port 0 --database-url "$url" --static-dir "$dir/none" \
    --click-journal-dir "$dir/journal-$who" --log-level warn "$@" > "$dir/$who.out" 2>&1 &
  pid_of[$who]=$!
  pids+=("$!")
  for _ in $(seq 1 150); do grep -q 'Listening on' "$dir/$who.out" && break; sleep 0.2; done
  base_of[$who]=$(grep -o 'http://[0-9.:]*' "$dir/$who.out" | head -n1)
  [ -n "${base_of[$who]}" ] || { cat "$dir/$who.out"; exit 1; }
}
stop() { # name: SIGTERM, which drains the journal into the database
  kill -TERM "${pid_of[$1]}"
  wait "${pid_of[$1]}" || true
}

start a --seed-demo
start b
code=$(sql "SELECT c.tracking_code FROM collaborations c JOIN traffic_sources s ON s.id = c.traffic_source_id
  WHERE s.status = 'active' ORDER BY c.id LIMIT 1")
echo "cpus: $(nproc); PostgreSQL $(sql 'SHOW server_version'); instances A ${base_of[a]}, B ${base_of[b]}; link /t/$code"

load() { # phase who seconds: wrk against one instance in the background; its pid in $last
  IDS="$dir/ids-$1-$2" wrk -t1 -c"$connections" -d"$3s" -s scripts/wrk/record-clicks.lua "${base_of[$2]}/t/$code" > "$dir/wrk-$1-$2" 2>&1 &
  last=$!
}
result() { grep '^RESULT' "$dir/wrk-$1-$2" | sed 's/^RESULT //'; }
# Answered click ids missing from the ledger, and ids in it more than once.
check() { # phase
  cat "$dir"/ids-"$1"-* | sort -u > "$dir/answered-$1"
  psql "$url" -q -c "CREATE TEMP TABLE answered (id TEXT PRIMARY KEY)" \
    -c "\\copy answered FROM '$dir/answered-$1'" \
    -Atc "SELECT (SELECT COUNT(*) FROM answered),
                 (SELECT COUNT(*) FROM answered a WHERE NOT EXISTS (SELECT 1 FROM click_events e WHERE e.click_id = a.id)),
                 (SELECT COUNT(*) FROM (SELECT click_id FROM click_events GROUP BY click_id HAVING COUNT(*) > 1) d)" \
    | tail -n1
}

echo
echo "1. both instances under load for $duration, $connections connections each, then SIGTERM"
load 1 a "$seconds"; wa=$last; load 1 b "$seconds"; wb=$last
wait "$wa" "$wb"
stop a; stop b
printf '   A  %s\n   B  %s\n' "$(result 1 a)" "$(result 1 b)"
IFS='|' read -r answered missing doubled <<< "$(check 1)"
rps=$(( $(result 1 a | sed -n 's/.* rps=\([0-9]*\).*/\1/p') + $(result 1 b | sed -n 's/.* rps=\([0-9]*\).*/\1/p') ))
echo "   together: $rps redirects/s; answered $answered, missing from the ledger $missing, recorded twice $doubled (target 0, 0)"
[ "$missing" -eq 0 ] && [ "$doubled" -eq 0 ] || { echo "FAILED"; exit 1; }

echo
echo "2. both under load for $duration; A SIGKILLed halfway, then started again"
start a; start b
load 2 a "$seconds"; wa=$last; load 2 b "$seconds"; wb=$last
sleep $((seconds / 2))
kill -KILL "${pid_of[a]}"; wait "${pid_of[a]}" 2>/dev/null || true
journal=$(cat "$dir"/journal-a/*.jsonl 2>/dev/null | wc -l)
wait "$wa" || true; wait "$wb"
b_errors=$(result 2 b | sed -n 's/.*non_2xx_3xx=\([0-9]*\) socket_errors=\([0-9]*\).*/\1 \2/p')
printf '   A  %s (killed)\n   B  %s\n' "$(result 2 a)" "$(result 2 b)"
start a # replays A's journal before it listens
stop a; stop b
IFS='|' read -r answered missing doubled <<< "$(check 2)"
echo "   B's errors while A was down (status, socket): $b_errors (target 0 0)"
echo "   A's journal held $journal clicks at the kill; answered $answered, missing from the ledger $missing, recorded twice $doubled (target 0, 0)"
[ "$b_errors" = "0 0" ] && [ "$missing" -eq 0 ] && [ "$doubled" -eq 0 ] || { echo "FAILED"; exit 1; }
echo "OK"
