#!/usr/bin/env bash
# Prints the release bundle's size (wasm and JS: raw, gzip, brotli) against the product's
# budget of 200 KB gzip for wasm + JS together.
#   --check  fail when the bundle grows past the regression ceiling (below). The budget
#            itself is not met yet (see BENCHMARKS.md): the ceiling stops it getting worse.
set -euo pipefail
cd "$(dirname "$0")/.."
budget=$((200 * 1000))
# Raised from 520 KB on 2026-12-02 for the review queue and bulk actions (issue 10): the
# growth is intended and measured; the per-screen split (issue 12) is what brings it down.
# Raised again from 522 KB the same day for issue 11's live pages and email screens (532,190).
ceiling=$((534 * 1000))
total_gz=0
printf '%-48s %10s %10s %10s\n' file raw gzip brotli
for f in dist/*.wasm dist/*.js; do
  raw=$(stat -c %s "$f")
  gz=$(gzip -9 -c "$f" | wc -c)
  br=$(brotli -q 11 -c "$f" | wc -c)
  total_gz=$((total_gz + gz))
  printf '%-48s %10d %10d %10d\n' "$(basename "$f")" "$raw" "$gz" "$br"
done
printf '%-48s %10s %10d\n' "wasm + JS" "" "$total_gz"
if [ "$total_gz" -le "$budget" ]; then
  echo "within the budget of $budget bytes gzip"
else
  echo "OVER the budget of $budget bytes gzip by $((total_gz - budget))"
fi
if [ "${1:-}" = "--check" ] && [ "$total_gz" -gt "$ceiling" ]; then
  echo "the bundle grew past the regression ceiling of $ceiling bytes gzip" >&2
  exit 1
fi
