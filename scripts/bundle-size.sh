#!/usr/bin/env bash
# Prints the release bundle's size (wasm and JS: raw, gzip, brotli). With --check, fails
# when wasm + JS exceed the budget of 200 KB gzip.
set -euo pipefail
cd "$(dirname "$0")/.."
budget=$((200 * 1000))
total_gz=0
printf '%-44s %10s %10s %10s\n' file raw gzip brotli
for f in dist/*.wasm dist/*.js; do
  raw=$(stat -c %s "$f")
  gz=$(gzip -9 -c "$f" | wc -c)
  br=$(brotli -q 11 -c "$f" | wc -c)
  total_gz=$((total_gz + gz))
  printf '%-44s %10d %10d %10d\n' "$(basename "$f")" "$raw" "$gz" "$br"
done
printf '%-44s %10s %10d\n' "wasm + JS" "" "$total_gz"
if [ "${1:-}" = "--check" ] && [ "$total_gz" -gt "$budget" ]; then
  echo "over budget: $total_gz bytes gzip > $budget" >&2
  exit 1
fi
