#!/usr/bin/env bash
# The smallest program that shows why the split app is larger than the unsplit one
# (wasm-split-prototype#65): examples/split-fragments, four screens sharing one helper per set
# of two or more screens, built unsplit and then with 1, 2, 3 and 4 of the screens as split
# points, through the app's own pipeline (--emit-relocs, wasm-split-cli 0.2.4, wasm-opt -Oz).
# Prints, for each build, the wasm files, the shared chunks and the bytes by gzip -9, against
# the unsplit program; last, the four split points again with the shared helpers kept in the
# main module, so the difference is what cutting them into chunks costs.
# Usage: scripts/split-fragments.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"

crate=examples/split-fragments
name=split_fragments
export CARGO_TARGET_DIR="$PWD/target/split-fragments"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
wasm_features="--enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals"

gz() { gzip -9 -c "$1" | wc -c; }

# build FEATURES OUT: the raw module of that build, copied to OUT.
# Only a split build links with relocations (wasm-split-cli needs them, and they stop wasm-opt
# from optimising an unsplit module fully: scripts/bundle-floor.sh).
build() {
  local relocs=""
  [ -n "$1" ] && relocs="-Clink-args=--emit-relocs"
  # RUSTFLAGS, which wins over the repository's .cargo/config.toml, holds exactly this.
  RUSTFLAGS="$relocs " cargo build -q --release --target wasm32-unknown-unknown --manifest-path "$crate/Cargo.toml" \
    ${1:+--features "$1"}
  cp "$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/$name.wasm" "$2"
}

# shellcheck disable=SC2086
# (binaryen's warnings about the name section's newer subsections are left out: noise here)
opt() {
  { wasm-opt $wasm_features -Oz --strip-producers --strip-target-features "$1" -o "$1" 2>&1 1>&3 \
      | { grep -v 'unknown name subsection' || true; } >&2; } 3>&1
}

build "" "$work/unsplit.wasm"
opt "$work/unsplit.wasm"
unsplit=$(gz "$work/unsplit.wasm")

# The first split point brings the loader's runtime into the main module (a few KB here, a
# fixed cost that is noise in the app), so each build is compared with the one-point build.
printf '%-13s %6s %7s %14s %12s %10s %12s\n' "split points" files chunks "chunks (gzip)" "wasm (gzip)" "loader JS" "vs 1 point"
printf '%-13s %6s %7s %14s %12s %10s %12s\n' "0 (unsplit)" 1 0 - "$unsplit" - -
one=
for n in 1 2 3 4 4+; do
  out="$work/split$n"
  features="split${n%+}"
  # 4+: the same four split points, with the shared helpers kept in the main module.
  [ "$n" = 4+ ] && features="$features shared_in_main"
  build "$features" "$work/raw$n.wasm"
  # Its warnings about the name section's newer subsections are noise here.
  wasm-split-cli --target web --out-name "$name" "$work/raw$n.wasm" "$out" >"$work/log" 2>&1 \
    || { cat "$work/log" >&2; exit 1; }
  files=0 chunks=0 chunk_bytes=0 total=0
  for f in "$out"/*.wasm; do
    opt "$f"
    size=$(gz "$f")
    files=$((files + 1))
    total=$((total + size))
    case "$(basename "$f")" in
      chunk_*) chunks=$((chunks + 1)) chunk_bytes=$((chunk_bytes + size)) ;;
    esac
  done
  loader=$(gz "$out/__wasm_split.js")
  one=${one:-$total}
  growth=$(awk -v a="$total" -v b="$one" 'BEGIN { printf "%+d (%+.1f %%)", a - b, (a - b) * 100 / b }')
  printf '%-13s %6s %7s %14s %12s %10s %12s\n' "$n" "$files" "$chunks" "$chunk_bytes" "$total" "$loader" "$growth"
done
