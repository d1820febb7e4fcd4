#!/usr/bin/env bash
# Installs whatever this project needs and is missing; skips what is present.
#   Rust: wasm32 target, trunk 0.21.14, wasm-bindgen CLI of the version in Cargo.lock,
#         wasm-split-cli 0.2.4 (the per-screen split).
#   npm:  binaryen 132 (wasm-opt), terser (the split JS), playwright-core and axe-core
#         (see package.json).
#   Debian: chromium + chromium-driver (browser tests), wrk and sqlite3 (benchmarks), brotli (precompression),
#   slowhttptest (scripts/attack.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if [ "$(trunk --version 2>/dev/null)" != "trunk 0.21.14" ]; then
  say "installing trunk 0.21.14 (compiles for ~15 minutes on 2 cores)"
  cargo install trunk --version 0.21.14 --locked
fi

# trunk runs the wasm-bindgen CLI, which must match the crate version locked in Cargo.lock.
bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $bindgen_version" ]; then
  say "installing wasm-bindgen-cli $bindgen_version"
  cargo install wasm-bindgen-cli --version "$bindgen_version" --locked || cargo install wasm-bindgen-cli --version "$bindgen_version"
fi

# Cuts the linked app into per-screen modules (scripts/wasm-split-hook.sh, run by trunk): the
# splitter cargo-leptos uses as a library, whose binary is `wasm-split-cli`.
wasm_split_version=0.2.4
if ! grep -qs "^\"wasm_split_cli_support $wasm_split_version " "${CARGO_HOME:-$HOME/.cargo}/.crates.toml" \
   || ! command -v wasm-split-cli >/dev/null; then
  say "installing wasm_split_cli_support $wasm_split_version (wasm-split-cli)"
  cargo install --locked wasm_split_cli_support --version "$wasm_split_version" --features build-binary
fi

need_apt=()
command -v chromium >/dev/null || need_apt+=(chromium)
command -v chromedriver >/dev/null || need_apt+=(chromium-driver)
command -v wrk >/dev/null || need_apt+=(wrk)
# scripts/attack.sh: slow-header (slowloris) and slow-body attacks.
command -v slowhttptest >/dev/null || need_apt+=(slowhttptest)
command -v brotli >/dev/null || need_apt+=(brotli)
command -v sqlite3 >/dev/null || need_apt+=(sqlite3)
# scripts/cost-redirect.sh: instructions per request, which a shared host's drift cannot move.
command -v valgrind >/dev/null || need_apt+=(valgrind)
command -v node >/dev/null || need_apt+=(nodejs npm)
if [ ${#need_apt[@]} -gt 0 ]; then
  say "installing Debian packages: ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# Playwright must never download a browser: Debian's chromium is used.
if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -x node_modules/.bin/terser ] || [ ! -d node_modules/playwright-core ] \
   || [ ! -d node_modules/axe-core ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm tools (binaryen, terser, playwright-core, axe-core)"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
fi

# The outside judge of the published contract (scripts/fuzz-api.sh), from PyPI.
schemathesis_version=4.32.5
if [ "$(schemathesis --version 2>/dev/null | awk '{print $3}')" != "$schemathesis_version" ]; then
  say "installing schemathesis $schemathesis_version (PyPI)"
  python3 -m pip install -q --root-user-action=ignore "schemathesis==$schemathesis_version"
fi

# The real SMTP receiver of the outbox tests (server/tests/api/emails.rs), from PyPI.
aiosmtpd_version=1.4.6
if ! python3 -c "import aiosmtpd, sys; sys.exit(aiosmtpd.__version__ != '$aiosmtpd_version')" 2>/dev/null; then
  say "installing aiosmtpd $aiosmtpd_version (PyPI)"
  python3 -m pip install -q --root-user-action=ignore "aiosmtpd==$aiosmtpd_version"
fi

# The outside judge of the signed webhooks (server/tests/api/webhooks*.rs checks every
# delivery's signature with it, not with the server's own code), from PyPI.
standardwebhooks_version=1.1.0
if ! python3 -c "import importlib.metadata as m, sys; sys.exit(m.version('standardwebhooks') != '$standardwebhooks_version')" 2>/dev/null; then
  say "installing standardwebhooks $standardwebhooks_version (PyPI)"
  python3 -m pip install -q --root-user-action=ignore "standardwebhooks==$standardwebhooks_version"
fi

# Lighthouse, the measuring tool of scripts/lighthouse.mjs (BENCHMARKS.md; no test needs it).
# Kept out of package.json: its dependency tree does not survive `npm ci` in package-lock form,
# so it goes into a prefix of its own. Version 13 needs Node 22.
lighthouse_version=12.8.2
lighthouse_prefix=target/lighthouse
if [ "$(node -p "require('./$lighthouse_prefix/node_modules/lighthouse/package.json').version" 2>/dev/null)" != "$lighthouse_version" ]; then
  say "installing lighthouse $lighthouse_version (npm, into $lighthouse_prefix)"
  mkdir -p "$lighthouse_prefix"
  npm install --prefix "$lighthouse_prefix" --no-save --no-audit --no-fund --loglevel=error "lighthouse@$lighthouse_version"
fi
