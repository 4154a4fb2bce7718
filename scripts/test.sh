#!/usr/bin/env bash
# Installs what is missing and runs every test: unit and HTTP integration tests,
# then the release build and the browser tests against it.
source "$(dirname "$0")/lib.sh"

ensure_build_tools
ensure_chromium

step "Unit and integration tests (cargo test)"
cargo test

build_release

step "Browser tests (Playwright, Chromium)"
(cd end2end && npx playwright test)
