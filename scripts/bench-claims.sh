#!/usr/bin/env bash
# What another partner's sources on a site cost a partner's add there (issue 27: "an add
# on a site with 1,000 other sources costs within 2x of an add on a fresh site"). Builds
# the bench (server/examples/bench_claims.rs) in release and runs it on a fresh SQLite
# file and, when PostgreSQL answers at PG_URL, on a fresh PostgreSQL database.
#   scripts/bench-claims.sh [others 1000] [rounds 100]
set -euo pipefail
cd "$(dirname "$0")/.."
others=${1:-1000}
rounds=${2:-100}
pg_url=${PG_URL:-postgres://postgres@127.0.0.1:5432}
cargo build --quiet --release -p server --example bench_claims
bin=target/release/examples/bench_claims
dir=$(mktemp -d)
pg_db=
cleanup() {
  rm -rf "$dir"
  [ -n "$pg_db" ] && psql -q "$pg_url/postgres" -c "DROP DATABASE IF EXISTS $pg_db" > /dev/null 2>&1 || true
}
trap cleanup EXIT

"$bin" "sqlite://$dir/claims.db" "$others" "$rounds"
if command -v psql > /dev/null && psql -q "$pg_url/postgres" -c 'SELECT 1' > /dev/null 2>&1; then
  pg_db="bench_claims_$$"
  psql -q "$pg_url/postgres" -c "CREATE DATABASE $pg_db" > /dev/null
  echo
  "$bin" "$pg_url/$pg_db" "$others" "$rounds"
else
  echo "(PostgreSQL not reachable at $pg_url: SQLite only)"
fi
