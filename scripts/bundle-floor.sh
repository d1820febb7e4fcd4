#!/usr/bin/env bash
# How small this product's bundle could get if every screen but the first were split off:
# builds three cut-down apps (examples/floor_*.rs) exactly as trunk builds the real one
# (profile wasm-release, wasm-bindgen, wasm-opt -Oz with the same features) and prints their
# wasm + JS sizes, gzip, next to the budget of 200 KB.
#   floor_leptos: Leptos alone: router, one page, one JSON fetch (the framework's share).
#   floor_shell: the shell every page shares (session, header, bell, toasts, router) + home.
#   floor_table: that shell + sign-in + the partner's traffic sources table.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
features="--enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals"
# Without the split's --emit-relocs (.cargo/config.toml): a linking section left in the module
# stops wasm-opt from optimising it. Own target dir, so the app's build is not invalidated.
export RUSTFLAGS="--cfg erase_components"
export CARGO_TARGET_DIR="$PWD/target/floor"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
printf '%-14s %12s %12s %12s\n' app "wasm gzip" "JS gzip" "total gzip"
for app in floor_leptos floor_shell floor_table; do
  cargo build --quiet --profile wasm-release --target wasm32-unknown-unknown --example "$app"
  wasm-bindgen --target web --no-typescript --out-dir "$out/$app" \
    "$CARGO_TARGET_DIR/wasm32-unknown-unknown/wasm-release/examples/$app.wasm"
  # shellcheck disable=SC2086
  wasm-opt $features -Oz "$out/$app/${app}_bg.wasm" -o "$out/$app/opt.wasm"
  wasm=$(gzip -9 -c "$out/$app/opt.wasm" | wc -c)
  js=$(gzip -9 -c "$out/$app/$app.js" | wc -c)
  printf '%-14s %12d %12d %12d\n' "$app" "$wasm" "$js" "$((wasm + js))"
done
echo "budget: 200000 bytes gzip for wasm + JS (the whole app: scripts/bundle-size.sh)"
