#!/usr/bin/env bash
# Runs the web app's component tests (tests/*.rs, wasm-bindgen-test) in headless Chromium.
# A host `cargo test` runs none of them: they need the wasm target and a browser.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
# Root in a container: Chromium needs --no-sandbox (read from webdriver.json).
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-120}"
cargo test -p traffic-sources-web --target wasm32-unknown-unknown "$@"
