#!/usr/bin/env bash
# Tracking redirect throughput. Starts the release server on a fresh SQLite file with the
# demo data, runs wrk against /t/{code} and, in the same run, against the cheapest endpoint
# (/api/channels), prints requests/s and p99 of each, then stops the server cleanly and
# checks that every click wrk made was written to the database.
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
target/release/traffic-sources-server --port 0 --database-url "sqlite://$db" --static-dir "$dir/none" \
  --log-level warn --seed-demo > "$dir/out" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do grep -q 'Listening on' "$dir/out" && break; sleep 0.2; done
base=$(grep -o 'http://[0-9.:]*' "$dir/out" | head -n1)
[ -n "$base" ] || { cat "$dir/out"; exit 1; }

# A demo link whose source is Active, so every request is a 302.
code=$(sqlite3 "$db" "SELECT c.tracking_code FROM collaborations c JOIN traffic_sources s ON s.id = c.traffic_source_id
  WHERE s.status = 'active' ORDER BY c.id LIMIT 1")
curl -s -o /dev/null -w "GET /t/$code -> %{http_code} %{redirect_url}\n" "$base/t/$code"

cat > "$dir/report.lua" <<'EOF'
done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d rps=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f non_2xx_3xx=%d socket_errors=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
EOF

echo "cpus: $(nproc), load before: $(cut -d' ' -f1-3 /proc/loadavg)"
run() { # label path
  local result
  result=$(wrk -t1 -c"$connections" -d"$duration" -s "$dir/report.lua" "$base$2" | grep '^RESULT')
  printf '%-14s %s\n' "$1" "${result#RESULT }"
  echo "$result" | sed -n 's/.*requests=\([0-9]*\).*/\1/p' > "$dir/$1.requests"
}
echo "wrk -t1 -c$connections -d$duration"
run redirect "/t/$code"
run channels "/api/channels"

# A clean stop writes the clicks still counted in memory.
kill -TERM "$server_pid"
wait "$server_pid" || true
server_pid=
clicks=$(sqlite3 "$db" "SELECT clicks FROM collaborations WHERE tracking_code = '$code'")
made=$(( $(cat "$dir/redirect.requests") + 1 )) # + the curl check above
echo "clicks written: $clicks; redirect responses wrk counted (+1 curl): $made"
# wrk stops counting at the deadline while up to one request per connection is still in
# flight: the server answers (and counts) those too, so the database may hold a few more.
if [ "$clicks" -ge "$made" ] && [ "$clicks" -le $((made + connections)) ]; then
  echo "OK: every click counted"
else
  echo "MISMATCH: expected $made to $((made + connections)) clicks"
  exit 1
fi
