#!/usr/bin/env bash
# trunk's post_build hook (Trunk.toml), for every build: cuts the app into per-screen modules.
# trunk has already linked the app (with --emit-relocs, .cargo/config.toml) and run its own
# wasm-bindgen on the whole module; this starts again from cargo's raw module, in cargo-leptos's
# order, and replaces trunk's output in its staging dir:
#   1. wasm-split-cli cuts the module at the `#[wasm_split]` points of src/screens/mod.rs;
#   2. wasm-bindgen on the main part (the split parts call into it by its lld export names);
#   3. wasm-opt -Oz on every module, terser on the JS (release only).
# Cache-busting: the wasm and JS go into `app-<16 hex of their content hash>/`, and index.html
# points there; the server caches such a directory for a year and index.html never
# (server/src/http/assets.rs). The split modules find each other relative to the loader.
set -euo pipefail
cd "$(dirname "$0")/.."
name=traffic-sources-web
staging="${TRUNK_STAGING_DIR:?run by trunk}"
case "${TRUNK_PROFILE:-debug}" in
  release) profile=wasm-release ;; # data-cargo-profile-release in index.html
  *) profile=debug ;;
esac
raw="${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/$profile/$name.wasm"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

wasm-split-cli --target web --out-name "$name" "$raw" "$work/split"
wasm-bindgen --target web --keep-lld-exports --no-demangle --no-typescript \
  --out-dir "$work/bindgen" --out-name "$name" "$work/split/$name.wasm"

out="$work/out"
mkdir "$out"
cp "$work/bindgen/$name.js" "$work/bindgen/${name}_bg.wasm" "$work/split/__wasm_split.js" "$out/"
[ -d "$work/bindgen/snippets" ] && cp -r "$work/bindgen/snippets" "$out/"
find "$work/split" -maxdepth 1 -name '*.wasm' ! -name "$name.wasm" -exec cp {} "$out/" \;

if [ "${TRUNK_PROFILE:-debug}" = release ]; then
  features="--enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals"
  # The producers and target_features sections are for tools (wasm-bindgen has read the
  # latter already); the browser needs neither, and every one of the ~70 modules carried both,
  # about 180 bytes gzip each.
  for f in "$out"/*.wasm; do
    # shellcheck disable=SC2086
    wasm-opt $features -Oz --strip-producers --strip-target-features "$f" -o "$f"
  done
  # trunk minifies the JS it writes (minify = "on_release"), but these files replace its
  # output after that step: the bindings and the loader are minified here instead. Exports and
  # the wasm imports' property names are kept (terser mangles only local names).
  # The snippets (js/live-relay.js) too, and the live streams' shared worker, which trunk
  # copies as it is.
  find "$out" -name '*.js' -print0 | while IFS= read -r -d '' f; do
    terser "$f" --module --compress --mangle --output "$f"
  done
  terser "$staging/live-worker.js" --compress --mangle --output "$staging/live-worker.js"
fi

# trunk's own unsplit output is replaced.
rm -rf "$staging/$name.js" "$staging/${name}_bg.wasm" "$staging/snippets" "$staging"/app-*
version="app-$(cd "$out" && find . -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16)"
mv "$out" "$staging/$version"
# trunk also preloads the snippets (js/live-relay.js), from where it wrote them.
sed -i -e "s#/$name\\.js#/$version/$name.js#g" -e "s#/${name}_bg\\.wasm#/$version/${name}_bg.wasm#g" \
  -e "s#\"/snippets/#\"/$version/snippets/#g" -e "s#=/snippets/#=/$version/snippets/#g" \
  "$staging/index.html"
if grep -q '[="]/snippets/' "$staging/index.html"; then
  echo "wasm-split-hook: index.html still loads a snippet from outside $version/" >&2
  exit 1
fi
grep -q "/$version/$name.js" "$staging/index.html" || {
  echo "wasm-split-hook: index.html does not load $name.js as expected" >&2
  exit 1
}
