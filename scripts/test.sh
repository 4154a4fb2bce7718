#!/usr/bin/env bash
# Installs what is missing and runs every check: formatting and lints (server
# and wasm sides), unit and HTTP integration tests, then the release build and
# the browser tests against it. UPDATE_SCREENSHOTS=1 also refreshes the
# README's screenshots.
source "$(dirname "$0")/lib.sh"

ensure_build_tools
ensure_chromium

step "Formatting (cargo fmt --check)"
cargo fmt --all -- --check

step "Lints of the server side (cargo clippy, warnings are errors)"
cargo clippy --all-targets -- -D warnings

step "Lints of the browser side: the hydrate build for wasm32 (cargo clippy)"
cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

step "Unit and integration tests (cargo test)"
cargo test

build_release

step "Browser tests (Playwright, Chromium)"
(cd end2end && npx playwright test)
