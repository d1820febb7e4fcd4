#!/usr/bin/env bash
# Each fault of issue 28 against a release build of the server, with real processes: the
# click journal's disk full (a 256 KB tmpfs) then SIGKILL and restart; a torn journal line;
# a PostgreSQL cluster of its own stopped and started in the middle of a load run; SQLite's
# disk full and freed; SQLite's files made read-only (ext4's immutable flag) and writable
# again. Prints, per fault, what was answered, what was kept and how long recovery took
# (the `FAULT` lines of the tests in server/tests/api/faults.rs and sqlite_faults.rs, which
# assert the promises: no answered click or acknowledged write lost, 503 within 2.5 s, back
# within 10 s). Needs root (tmpfs mounts, chattr, runuser postgres) and the shared
# PostgreSQL for the journal tests (scripts/pg-up.sh).
#   scripts/faults.sh [test filter, default faults::]
set -euo pipefail
cd "$(dirname "$0")/.."
filter=${1:-faults::}
cargo build --release -q -p server
bin="$PWD/${CARGO_TARGET_DIR:-target}/release/traffic-sources-server"
echo "server: $bin (release); cpus: $(nproc), load before: $(cut -d' ' -f1-3 /proc/loadavg)"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
SERVER_BIN="$bin" cargo test -q -p server --test api "$filter" -- --nocapture --test-threads 1 > "$out" 2>&1 || status=$?
grep -oE 'FAULT .*|^test result.*|panicked.*|FAILED.*' "$out" || true
[ "$status" -eq 0 ] || { echo "some fault tests failed (full output above the summary):"; tail -n 40 "$out"; exit "$status"; }
