#!/usr/bin/env bash
# The traffic call and the redirect, each rotating over 1,000 paths (as in bench-list.sh), on an
# SQLite database seeded by bench-list.sh, with its file dropped from the page cache first and,
# with --stress, while dd writes 3 x 2 GB with fsync beside it (what a big compile does to the
# disk). Shows how the request path behaves when its pages must come from a busy disk.
#   scripts/bench-cold.sh [N] [EVENTS] [--stress]
# JOURNAL=dir puts the click journal there (default: a temporary folder on the same disk).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
events=${2:-$((n * 10))}
stress=${3:-}
file="$PWD/target/bench/list-$n-e$events.db"
[ -f "$file" ] || { echo "no $file: run scripts/bench-list.sh $n sqlite $events first"; exit 1; }
command -v wrk > /dev/null || { echo "wrk is missing (scripts/setup.sh installs it)"; exit 1; }
bin="${CARGO_TARGET_DIR:-target}/release"
cargo build --release -q -p server
dir=$(mktemp -d)
server_pid=
stress_pid=
trap '[ -n "$server_pid" ] && kill $server_pid 2>/dev/null; [ -n "$stress_pid" ] && kill $stress_pid 2>/dev/null; rm -rf "$dir"' EXIT
"$bin/traffic-sources-server" --port 0 --database-url "sqlite://$file" --static-dir "$dir/none" \
  --click-journal-dir "${JOURNAL:-$dir/journal}" --log-level warn > "$dir/out" 2>&1 &
server_pid=$!
for _ in $(seq 1 300); do grep -q 'Listening on' "$dir/out" && break; sleep 0.2; done
base=$(grep -o 'http://[0-9.:]*' "$dir/out" | head -n1)
[ -n "$base" ] || { echo "the server did not start:"; cat "$dir/out"; exit 1; }
curl -s -o /dev/null -c "$dir/staff.jar" -H 'content-type: application/json' \
  -d '{"email":"bench-staff@bench.test","password":"bench-password"}' "$base/api/session"
cookie=$(awk 'NF >= 7 && ($1 !~ /^#/ || $1 ~ /^#HttpOnly_/) { printf "%s%s=%s", sep, $6, $7; sep = "; " }' "$dir/staff.jar")
seq 0 999 | awk -v n="$n" '{ printf "/api/traffic-sources/%d/traffic\n", 1 + ($1 * 7919 * 31) % n }' > "$dir/traffic"
sqlite3 "$file" "SELECT c.tracking_code FROM collaborations c JOIN traffic_sources s ON s.id = c.traffic_source_id
  WHERE s.status = 'active' ORDER BY c.id LIMIT 1000 OFFSET $((RANDOM % 500 * 1000))" | sed 's|^|/t/|' > "$dir/redirect"
cat > "$dir/bench.lua" <<'LUA'
local paths = {}
for line in io.lines(os.getenv("PATHS")) do paths[#paths + 1] = line end
local i = 0
request = function() i = i + 1; return wrk.format("GET", paths[(i % #paths) + 1]) end
done = function(summary, latency, requests)
  io.write(string.format("%8.0f %8.2f %8.2f\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
LUA
python3 -c "import os, sys; fd = os.open(sys.argv[1], os.O_RDONLY); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)" "$file"
if [ "$stress" = --stress ]; then
  (for _ in 1 2 3; do dd if=/dev/zero of="$dir/dd" bs=1M count=2000 conv=fsync 2> /dev/null; rm -f "$dir/dd"; done) &
  stress_pid=$!
fi
printf '%-32s %8s %8s %8s\n' "call (cold file${stress:+, disk busy})" "req/s" "p50 ms" "p99 ms"
printf '%-32s ' "traffic, 1,000 sources in turn"
PATHS="$dir/traffic" wrk -t1 -c8 -d5s -H "Cookie: $cookie" -s "$dir/bench.lua" "$base/" | tail -n1
printf '%-32s ' "redirect, 1,000 links in turn"
PATHS="$dir/redirect" wrk -t1 -c8 -d5s -s "$dir/bench.lua" "$base/" | tail -n1
