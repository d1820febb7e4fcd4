#!/usr/bin/env bash
# README command 1: install what is missing, build, and start the app with demo data at
# http://127.0.0.1:8080 (SQLite file data/traffic-sources.db; a second start keeps the data).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build-web.sh
cargo build --release -p server
export DATABASE_URL="${DATABASE_URL:-sqlite://data/traffic-sources.db}"
exec target/release/traffic-sources-server --seed-demo --static-dir dist --port "${PORT:-8080}" "$@"
