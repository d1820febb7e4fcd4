#!/usr/bin/env bash
# README command 2: every test.
#   1. model and server: unit tests and black-box API tests on SQLite AND PostgreSQL
#   2. web app components in headless Chromium (wasm-bindgen-test), the live streams' shared
#      worker in Node
#   3. release bundle: build (split per screen), size ceilings: whole app and each role's first screen
#   4. end to end: the server and the release bundle in Chromium (Playwright + axe-core)
#   5. the published contract, judged by an outside fuzzer (schemathesis)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "tools"
scripts/setup.sh
scripts/pg-up.sh

step "model and server tests (SQLite and PostgreSQL)"
cargo test -p model -p server
# The browser tests and the fuzzer drive the server binary that step just built. Its behaviour is
# the release binary's; a second, optimised build of every dependency would cost CI ~10 minutes
# on two cores and prove nothing more. The speed figures in BENCHMARKS.md use the release build.
export SERVER_BIN="$PWD/target/debug/traffic-sources-server"

step "web app component tests in headless Chromium"
scripts/test-wasm.sh

step "the live streams' shared worker (Node)"
node --test tests/js/

step "release build"
scripts/build-web.sh
scripts/bundle-size.sh --check
node scripts/first-screen.mjs --check

step "end-to-end tests in Chromium"
node --test --test-concurrency=1 tests/e2e/

step "the published contract against an outside fuzzer (schemathesis)"
scripts/fuzz-api.sh
