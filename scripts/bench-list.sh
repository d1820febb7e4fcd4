#!/usr/bin/env bash
# Measures list latency at scale: seeds N sources (default 1,000,000) with their programs,
# links and EVENTS click events (default 10 per source) into SQLite (default) or PostgreSQL
# (or $BENCH_DATABASE_URL), starts the release server, and prints the median time of the
# first page, a deep page (cursor in the middle), filtered and searched pages, for a
# partner's own list, staff's list of everyone, and the marketplace.
#   scripts/bench-list.sh [N] [sqlite|postgres] [EVENTS]
# The seeded data is kept and reused by later runs with the same N and EVENTS: SQLite in
# target/bench/list-N-eEVENTS.db, PostgreSQL in the database bench_list_N on 127.0.0.1:5432
# (made again when it holds other counts).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
engine=${2:-sqlite}
events=${3:-$((n * 10))}
dir=$(mktemp -d)
server_pid=
trap '[ -n "$server_pid" ] && kill $server_pid 2>/dev/null; rm -rf "$dir"' EXIT
cargo build --release -q -p server --example bulk_seed
cargo build --release -q -p server
seed() { # url
  echo "seeding $n sources and $events click events into $1"
  time target/release/examples/bulk_seed "$1" "$n" 1000 --events "$events"
}
if [ -n "${BENCH_DATABASE_URL:-}" ]; then
  url=$BENCH_DATABASE_URL
  seed "$url"
else
  case "$engine" in
  sqlite)
    mkdir -p target/bench
    file="target/bench/list-$n-e$events.db"
    url=sqlite://$PWD/$file
    if [ ! -f "$file" ]; then
      # Seeded under another name and renamed once complete: a failed seed is not reused.
      rm -f "$file.part" "$file.part-wal" "$file.part-shm"
      seed "sqlite://$PWD/$file.part"
      mv "$file.part" "$file"
      rm -f "$file.part-wal" "$file.part-shm"
    fi
    ;;
  postgres)
    scripts/pg-up.sh > /dev/null
    db="bench_list_$n"
    url="postgres://postgres@127.0.0.1:5432/$db"
    psql_q() { psql -h 127.0.0.1 -U postgres -d "$db" -Atqc "$1" 2>/dev/null || true; }
    held=$(psql_q "SELECT (SELECT COUNT(*) FROM traffic_sources) || ' ' || (SELECT COUNT(*) FROM click_events) || ' ' || (SELECT COUNT(*) FROM click_daily)")
    # Reused only when it holds what was asked and its rollups (the seed's last step).
    if [ "${held% *}" != "$n $events" ] || { [ "$events" -gt 0 ] && [ "${held##* }" = 0 ]; }; then
      PGOPTIONS="-c client_min_messages=warning" dropdb -h 127.0.0.1 -U postgres --if-exists "$db"
      createdb -h 127.0.0.1 -U postgres "$db"
      seed "$url"
    fi
    ;;
  *)
    echo "usage: scripts/bench-list.sh [N] [sqlite|postgres] [EVENTS]" >&2
    exit 2
    ;;
  esac
fi
target/release/traffic-sources-server --port 0 --database-url "$url" --static-dir "$dir/none" --log-level warn > "$dir/out" 2>&1 &
server_pid=$!
for _ in $(seq 1 50); do grep -q 'Listening on' "$dir/out" && break; sleep 0.2; done
base=$(grep -o 'http://[0-9.:]*' "$dir/out" | head -n1)

sign_in() { curl -s -c "$dir/$1.jar" -H 'content-type: application/json' -d "{\"email\":\"$2\",\"password\":\"bench-password\"}" "$base/api/session" > /dev/null; }
sign_in partner bench-partner-0@bench.test
sign_in staff bench-staff@bench.test
sign_in advertiser bench-advertiser-0@bench.test

# A cursor in the middle of "-updated_at": source i has updated_at = 1700000000000 + i, id = i + 1.
mid=$((n / 2))
cursor=$(printf '{"k":"-updated_at","v":%d,"i":%d}' $((1700000000000 + mid)) $((mid + 1)) | base64 -w0 | tr '+/' '-_' | tr -d '=')

median_ms() { # jar path
  for _ in 1 2 3 4 5 6 7; do curl -s -o /dev/null -w '%{time_total}\n' -b "$dir/$1.jar" "$base$2"; done \
    | sort -n | sed -n 4p | awk '{printf "%.1f", $1 * 1000}'
}
items() { # jar path: status and number of items answered, to show the figure is real
  curl -s -w ' %{http_code}' -b "$dir/$1.jar" "$base$2" | python3 -c 'import sys,json; t=sys.stdin.read(); b,c=t.rsplit(" ",1); print(c, len(json.loads(b).get("items",[])) if c=="200" else "-")'
}
printf '%-10s %-64s %6s %6s %10s\n' who query status items "median ms"
row() { printf '%-10s %-64s %6s %6s %10s\n' "$1" "${2:0:64}" $(items "$1" "$2") "$(median_ms "$1" "$2")"; }
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
