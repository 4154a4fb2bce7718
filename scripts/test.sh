#!/usr/bin/env bash
# Installs what is missing and runs every check: formatting and lints (server
# and wasm sides, and /login's script), unit and HTTP integration tests,
# fuzzing of the API from its OpenAPI document, then the release build and the
# browser tests against it. UPDATE_SCREENSHOTS=1 also refreshes the README's
# screenshots.
source "$(dirname "$0")/lib.sh"

ensure_build_tools
ensure_chromium
ensure_nginx
ensure_smtp_server

step "Formatting (cargo fmt --check)"
cargo fmt --all -- --check

step "Lints of the server side (cargo clippy, warnings are errors)"
cargo clippy --all-targets -- -D warnings

step "Lints of the browser side: the hydrate build for wasm32 (cargo clippy)"
cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

step "Lint of /login's own script, which no build step checks (eslint)"
eslint --config end2end/eslint.config.mjs app/src/pages/login.js

step "Unit and integration tests, on SQLite (cargo test)"
cargo test

# The HTTP integration suite again, each test on a PostgreSQL database of its
# own. Without a PostgreSQL (a laptop without one) it is skipped, except in CI.
postgres_url=${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
if [ -n "${TEST_POSTGRES_URL:-}" ] || (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then
  step "HTTP integration tests on PostgreSQL (${postgres_url%%@*}@...)"
  TEST_DATABASE=postgres TEST_POSTGRES_URL=$postgres_url cargo test -p server --test integration
elif [ "${CI:-}" = "true" ]; then
  echo "No PostgreSQL answers at 127.0.0.1:5432, and CI=true: the PostgreSQL tests cannot be skipped." >&2
  exit 1
else
  step "SKIPPED: the HTTP integration tests on PostgreSQL (nothing answers at 127.0.0.1:5432; set TEST_POSTGRES_URL to use another server)"
fi

step "Fuzzing the API from its OpenAPI document (schemathesis)"
./scripts/fuzz-api.sh

build_release

step "Browser tests (Playwright, Chromium)"
(cd end2end && npx playwright test)
