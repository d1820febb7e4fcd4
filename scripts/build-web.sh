#!/usr/bin/env bash
# Builds the release web app into dist/ and precompresses it (.br, .gz) for the server.
set -euo pipefail
cd "$(dirname "$0")/.."
# npm's binaryen 132 first: Debian's wasm-opt 108 silently breaks the module.
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
trunk build --release
find dist -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.html' -o -name '*.svg' \) | while read -r f; do
  brotli -f -q 11 -o "$f.br" "$f"
  gzip -f -k -9 "$f"
done
