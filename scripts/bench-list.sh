#!/usr/bin/env bash
# Measures list and traffic latency at scale: seeds N sources (default 1,000,000) with their
# programs, links and EVENTS click events (default 10 per source) into SQLite (default) or
# PostgreSQL (or $BENCH_DATABASE_URL), starts the release server, and drives each call with
# wrk at a fixed concurrency (BENCH_CONNECTIONS, default 8, for BENCH_DURATION, default 5s,
# after an unmeasured warm-up),
# printing requests/s, p50 and p99: a partner's own list, staff's list with each filter,
# text search, a deep page, the marketplace, each source's traffic (rotating over 1,000
# sources), a program's traffic (30 days, and the last 24 hours by hour), and the redirect
# (rotating over 1,000 links).
#   scripts/bench-list.sh [N] [sqlite|postgres] [EVENTS]
# The N sources are dealt over BENCH_PARTNERS partners (default 100,000: ten each at a
# million) and 10,000 advertisers.
# The seeded data is kept and reused by later runs with the same N and EVENTS: SQLite in
# target/bench/list-N-eEVENTS-pPARTNERS.db, PostgreSQL in the database bench_list_N_pPARTNERS on 127.0.0.1:5432
# (made again when it holds other counts). The redirect row adds its clicks to it.
# BENCH_ONLY=regex runs only the rows whose call matches; BENCH_REQUEUE=1 writes the review
# queue of a kept seed again (bulk_seed --review-only).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
engine=${2:-sqlite}
events=${3:-$((n * 10))}
partners=${BENCH_PARTNERS:-100000}
dir=$(mktemp -d)
server_pid=
trap '[ -n "$server_pid" ] && kill $server_pid 2>/dev/null; rm -rf "$dir"' EXIT
command -v wrk > /dev/null || { echo "wrk is missing (scripts/setup.sh installs it)"; exit 1; }
duration=${BENCH_DURATION:-5s}
connections=${BENCH_CONNECTIONS:-8}
bin="${CARGO_TARGET_DIR:-target}/release"
cargo build --release -q -p server --example bulk_seed
cargo build --release -q -p server
seed() { # url
  echo "seeding $n sources for $partners partners and $events click events into $1"
  time "$bin/examples/bulk_seed" "$1" "$n" "$partners" --events "$events"
}
# queue_rows: how many rows the review queue holds (0 when the table is not there yet).
# A database seeded before the queue existed gets its sites and queue added in place.
add_queue() { # url queue_rows
  if [ "${2:-0}" = 0 ] || [ -n "${BENCH_REQUEUE:-}" ]; then
    echo "adding sites and the review queue to $1"
    "$bin/examples/bulk_seed" "$1" --review-only
  fi
}
if [ -n "${BENCH_DATABASE_URL:-}" ]; then
  url=$BENCH_DATABASE_URL
  seed "$url"
else
  case "$engine" in
  sqlite)
    mkdir -p target/bench
    file="target/bench/list-$n-e$events-p$partners.db"
    url=sqlite://$PWD/$file
    # A seed from before the click channels (issue 30) lacks the rollups the traffic call
    # reads now: made again.
    if [ -f "$file" ] && [ "$events" -gt 0 ] &&
      [ "$(sqlite3 "$file" 'SELECT COUNT(*) FROM (SELECT 1 FROM click_channels_daily LIMIT 1)' 2> /dev/null || echo 0)" = 0 ]; then
      echo "$file has no click channels: seeding it again"
      rm -f "$file"
    fi
    if [ ! -f "$file" ]; then
      # Seeded under another name and renamed once complete: a failed seed is not reused.
      rm -f "$file.part" "$file.part-wal" "$file.part-shm"
      seed "sqlite://$PWD/$file.part"
      mv "$file.part" "$file"
      rm -f "$file.part-wal" "$file.part-shm"
    fi
    add_queue "$url" "$(sqlite3 "$file" 'SELECT COUNT(*) FROM review_queue' 2> /dev/null || echo 0)"
    ;;
  postgres)
    scripts/pg-up.sh > /dev/null
    db="bench_list_${n}_p$partners"
    url="postgres://postgres@127.0.0.1:5432/$db"
    psql_q() { psql -h 127.0.0.1 -U postgres -d "$db" -Atqc "$1" 2>/dev/null || true; }
    # The last figure: whether the click channels' rollup (issue 30) has rows.
    held=$(psql_q "SELECT (SELECT COUNT(*) FROM traffic_sources) || ' ' || (SELECT COUNT(*) FROM click_events) || ' ' || (SELECT COUNT(*) FROM click_daily) || ' ' || (SELECT COUNT(*) FROM (SELECT 1 FROM click_channels_daily LIMIT 1) x)")
    # Reused only when it holds what was asked and its rollups (the seed's last step).
    # More events than asked are fine: the redirect row of an earlier run added them.
    read -r held_n held_events held_daily held_channels <<< "${held:-0 0 0 0}"
    if [ "$held_n" != "$n" ] || [ "$held_events" -lt "$events" ] ||
      { [ "$events" -gt 0 ] && { [ "$held_daily" = 0 ] || [ "${held_channels:-0}" = 0 ]; }; }; then
      PGOPTIONS="-c client_min_messages=warning" dropdb -h 127.0.0.1 -U postgres --if-exists "$db"
      createdb -h 127.0.0.1 -U postgres "$db"
      seed "$url"
    fi
    add_queue "$url" "$(psql_q 'SELECT COUNT(*) FROM review_queue')"
    ;;
  *)
    echo "usage: scripts/bench-list.sh [N] [sqlite|postgres] [EVENTS]" >&2
    exit 2
    ;;
  esac
fi
"$bin/traffic-sources-server" --port 0 --database-url "$url" --static-dir "$dir/none" \
  --click-journal-dir "$dir/journal" --log-level warn > "$dir/out" 2>&1 &
server_pid=$!
# A database from an older build is migrated first, which at a million rows takes a while.
for _ in $(seq 1 1500); do
  grep -q 'Listening on' "$dir/out" && break
  kill -0 "$server_pid" 2> /dev/null || break
  sleep 0.2
done
base=$(grep -o 'http://[0-9.:]*' "$dir/out" | head -n1)
[ -n "$base" ] || { echo "the server did not start:"; cat "$dir/out"; exit 1; }

sign_in() {
  local status
  status=$(curl -s -o /dev/null -w '%{http_code}' -c "$dir/$1.jar" -H 'content-type: application/json' \
    -d "{\"email\":\"$2\",\"password\":\"bench-password\"}" "$base/api/session")
  [ "$status" = 200 ] || { echo "signing in as $2 answered $status"; cat "$dir/out"; exit 1; }
}
sign_in partner bench-partner-0@bench.test
sign_in staff bench-staff@bench.test
sign_in advertiser bench-advertiser-0@bench.test
: > "$dir/visitor.jar"
# wrk sends the session cookie as a header (curl marks it #HttpOnly_ in its jar).
cookie() { awk 'NF >= 7 && ($1 !~ /^#/ || $1 ~ /^#HttpOnly_/) { printf "%s%s=%s", sep, $6, $7; sep = "; " }' "$dir/$1.jar"; }

# A cursor in the middle of "-updated_at": source i has updated_at = 1700000000000 + i, id = i + 1.
mid=$((n / 2))
cursor=$(printf '{"k":"-updated_at","v":%d,"i":%d}' $((1700000000000 + mid)) $((mid + 1)) | base64 -w0 | tr '+/' '-_' | tr -d '=')

# Paths to rotate over. Source i + 1 belongs to partner i mod PARTNERS, so partner 0 owns
# 1, 1 + PARTNERS, …, at most 1,000 of them (10 at a million sources over 100,000
# partners); staff reads 1,000 sources spread over all N; the redirect, 1,000 links.
seq 0 999 | awk -v n="$n" -v p="$partners" '$1 * p < n { printf "/api/traffic-sources/%d/traffic\n", 1 + $1 * p }' > "$dir/partner-traffic"
seq 0 999 | awk -v n="$n" '{ printf "/api/traffic-sources/%d/traffic\n", 1 + ($1 * 7919) % n }' > "$dir/staff-traffic"
sed 's/$/?hours=24/' "$dir/partner-traffic" > "$dir/partner-traffic-24h"
codes_sql="SELECT c.tracking_code FROM collaborations c JOIN traffic_sources s ON s.id = c.traffic_source_id
  WHERE s.status = 'active' ORDER BY c.id LIMIT 1000"
case "$url" in
sqlite://*) sqlite3 "${url#sqlite://}" "$codes_sql" ;;
*) psql "$url" -Atqc "$codes_sql" ;;
esac | sed 's|^|/t/|' > "$dir/redirect"

cat > "$dir/bench.lua" <<'EOF'
-- Rotates over the paths in the file $PATHS (one per line), else requests wrk's own path.
local paths = {}
local file = os.getenv("PATHS")
if file and file ~= "" then for line in io.lines(file) do paths[#paths + 1] = line end end
local i = 0
request = function()
  if #paths == 0 then return wrk.format() end
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %.0f %.2f %.2f %d\n", summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
EOF

# jar path: the status and the number of items (list rows, series days, program series)
# of one answer, to show the figure is real.
items() {
  curl -s -w ' %{http_code}' -b "$dir/$1.jar" "$base$2" | python3 -c '
import sys, json
body, code = sys.stdin.read().rsplit(" ", 1)
if code != "200":
    print(code, "-")
else:
    v = json.loads(body)
    print(code, len(v.get("items") or v.get("series") or v.get("collaborations") or []))'
}
echo "cpus: $(nproc), load before: $(cut -d' ' -f1-3 /proc/loadavg); wrk -t1 -c$connections -d$duration; ${url%%:*}"
printf '%-10s %-58s %6s %6s %8s %8s %8s %6s\n' who query status items "req/s" "p50 ms" "p99 ms" errors
# who label [paths file]: one wrk run; errors counts answers other than 2xx/3xx and socket errors.
row() {
  local first=$2 result status count rps p50 p99 errors
  # BENCH_ONLY=regex: only the rows whose call matches (e.g. BENCH_ONLY=admin/review).
  [ -n "${BENCH_ONLY:-}" ] && ! [[ "$2" =~ $BENCH_ONLY ]] && return 0
  [ -n "${3:-}" ] && first=$(head -n1 "$3")
  read -r status count < <(items "$1" "$first")
  # Unmeasured first: every rotating path once, else a second of the call, so the row
  # reports a running server's warm figures, not how fast the disk hands over pages the
  # previous row pushed out of the cache.
  if [ -n "${3:-}" ]; then
    awk -v b="$base" '{ printf "url = \"%s%s\"\noutput = \"/dev/null\"\n", b, $0 }' "$3" |
      curl -s -b "$dir/$1.jar" -K - || true
  else
    wrk -t1 -c"$connections" -d1s -H "Cookie: $(cookie "$1")" "$base$first" > /dev/null
  fi
  result=$(PATHS="${3:-}" wrk -t1 -c"$connections" -d"$duration" -H "Cookie: $(cookie "$1")" -s "$dir/bench.lua" "$base$first" | grep '^RESULT')
  read -r _ _ rps p50 p99 errors <<< "$result"
  printf '%-10s %-58s %6s %6s %8s %8s %8s %6s\n' "$1" "${2:0:58}" "$status" "$count" "$rps" "$p50" "$p99" "$errors"
}
row partner "/api/traffic-sources"
row partner "/api/traffic-sources?sort=name&channel=email"
row staff "/api/traffic-sources"
row staff "/api/traffic-sources?cursor=$cursor"
row staff "/api/traffic-sources?sort=name"
row staff "/api/traffic-sources?status=blocked"
row staff "/api/traffic-sources?status=active&status=paused&sort=name"
row staff "/api/traffic-sources?channel=podcast&visibility=private"
row staff "/api/traffic-sources?partner_id=500"
row staff "/api/traffic-sources?q=0123"
row staff "/api/traffic-sources?q=0999999"
row staff "/api/traffic-sources?q=bench.example"
row staff "/api/traffic-sources?q=77"
row staff "/api/traffic-sources?q=0123&sort=name&status=active"
row advertiser "/api/marketplace/traffic-sources"
row advertiser "/api/marketplace/traffic-sources?sort=name&channel=video"
row partner "/api/traffic-sources/{own, rotating}/traffic" "$dir/partner-traffic"
row staff "/api/traffic-sources/{1,000 of all, rotating}/traffic" "$dir/staff-traffic"
row advertiser "/api/programs/1/traffic"
row partner "/api/traffic-sources/{own, rotating}/traffic?hours=24" "$dir/partner-traffic-24h"
row advertiser "/api/programs/1/traffic?hours=24"
row visitor "/t/{1,000 links, rotating}" "$dir/redirect"
# The review queue: every bench source is a duplicate claim (all partners share one site),
# so the queue holds about 0.8 N entries; a rare reason (every 997th); a page deep in the
# queue.
qcursor=$(printf '[30,%d,%d]' $((1700000000000 + mid)) $((mid + 1)) | base64 -w0 | tr '+/' '-_' | tr -d '=')
row staff "/api/admin/review"
row staff "/api/admin/review?reason=recently_unblocked"
row staff "/api/admin/review?reason=duplicate_claim&cursor=$qcursor"

# The CSV export of every source, streamed: the server's resident memory is sampled while
# it runs, to show it stays flat however many rows go out.
if [ -z "${BENCH_ONLY:-}" ] || [[ export.csv =~ $BENCH_ONLY ]]; then
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$server_pid/status"; }
before=$(rss)
: > "$dir/rss"
( while kill -0 "$server_pid" 2> /dev/null; do rss >> "$dir/rss"; sleep 0.1; done ) &
sampler=$!
start=$(date +%s.%N)
curl -s -b "$dir/staff.jar" -o "$dir/export.csv" "$base/api/traffic-sources/export.csv"
end=$(date +%s.%N)
bytes=$(wc -c < "$dir/export.csv")
wc -l < "$dir/export.csv" > "$dir/lines"
rm -f "$dir/export.csv"
kill "$sampler" 2> /dev/null || true
peak=$(sort -n "$dir/rss" | tail -n1)
printf 'export.csv as staff: %d rows, %d MB in %.1f s; server RSS %d MB before, %d MB at most while exporting\n' \
  $(( $(cat "$dir/lines") - 1 )) $((bytes / 1000000)) "$(echo "$end - $start" | bc)" $((before / 1024)) $((${peak:-0} / 1024))
fi
