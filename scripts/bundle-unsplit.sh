#!/usr/bin/env bash
# The same app, unsplit: builds today's code without the `split` feature (every screen an
# ordinary call, src/screens/mod.rs), with the release build's profile, wasm-bindgen, wasm-opt
# and terser steps, and prints its wasm + JS at gzip -9 beside the split build in dist/
# (scripts/build-web.sh), summed the same way (scripts/bundle-size.sh). So the split's cost is
# measured against the code it splits, not against an older commit.
#   scripts/build-web.sh && scripts/bundle-unsplit.sh [--dist DIR]
# --dist DIR also writes a servable copy of dist/ with the unsplit app in place of the split
# one, for `DIST=DIR node scripts/first-screen.mjs` (what each first screen weighs unsplit).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
name=traffic-sources-web
features="--enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals"
# Its own target dir: the split build's artefacts stay as trunk left them. No --emit-relocs
# (.cargo/config.toml adds it for wasm-split-cli, which also drops the relocations it reads);
# RUSTFLAGS replaces that list, so erase_components is given again.
export CARGO_TARGET_DIR="$PWD/target/unsplit"
export RUSTFLAGS="--cfg erase_components"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
ls dist/app-*/"$name.js" > /dev/null 2>&1 || { echo "build the split app first: scripts/build-web.sh" >&2; exit 1; }

cargo build --quiet --profile wasm-release --target wasm32-unknown-unknown --bin "$name"
wasm-bindgen --target web --no-typescript --out-dir "$out" --out-name "$name" \
  "$CARGO_TARGET_DIR/wasm32-unknown-unknown/wasm-release/$name.wasm"
# shellcheck disable=SC2086
wasm-opt $features -Oz --strip-producers --strip-target-features "$out/${name}_bg.wasm" -o "$out/${name}_bg.wasm"
terser "$out/$name.js" --module --compress --mangle --output "$out/$name.js"

gz() { gzip -9 -c "$1" | wc -c; }
sum() { # files…
  local total=0 f
  for f in "$@"; do total=$((total + $(gz "$f"))); done
  echo "$total"
}
unsplit=$(sum "$out/${name}_bg.wasm" "$out/$name.js")
mapfile -t files < <(find dist -type f \( -name '*.wasm' -o -name '*.js' \) | LC_ALL=C sort)
split=$(sum "${files[@]}")
main=$(sum dist/app-*/"${name}_bg.wasm" dist/app-*/"$name.js" dist/app-*/__wasm_split.js)
printf '%-44s %10s %6s\n' build "gzip -9" files
printf '%-44s %10d %6d\n' "unsplit (no split feature)" "$unsplit" 2
printf '%-44s %10d %6d\n' "split (dist/), every module and chunk" "$split" "${#files[@]}"
printf '%-44s %10d %6d\n' "split: main module, its JS and the loader" "$main" 3
if [ "${1:-}" = "--dist" ]; then
  dir=${2:?--dist DIR}
  rm -rf "$dir" && cp -r dist "$dir"
  app=$(basename "$(dirname "$(ls "$dir"/app-*/"$name.js")")")
  rm -rf "${dir:?}/$app" && mkdir "$dir/$app"
  cp "$out/$name.js" "$out/${name}_bg.wasm" "$dir/$app/"
  [ -d "$out/snippets" ] && cp -r "$out/snippets" "$dir/$app/"
  echo "unsplit app written to $dir (index.html unchanged: it loads $app/$name.js)"
fi
awk -v s="$split" -v u="$unsplit" -v m="$main" 'BEGIN {
  printf "whole app split / unsplit: %+.1f %%\n", (s / u - 1) * 100
  printf "main module, JS and loader / unsplit: %.1f %%\n", m / u * 100
}'
