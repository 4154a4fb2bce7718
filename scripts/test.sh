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
cargo clippy -p "$FRONTEND_PACKAGE" --target wasm32-unknown-unknown -- -D warnings

step "Lint of /login's own script, which no build step checks (eslint)"
eslint --config end2end/eslint.config.mjs app/src/pages/login.js

# The skip policy (README, "Tests"): a test that needs a tool this script
# installs (nginx, aiosmtpd, npm's oidc-provider) is #[ignore]d, so that a
# plain `cargo test` passes without them; here every ignored test runs
# (--include-ignored). A test about one database backend lives in a module
# `sqlite_only` or `postgres_only` and is left out by name (--skip) on the
# other. So cargo reports every test it did not run as filtered out, never
# as passed, and no pass here may report one ignored.

# Runs `cargo test "$@"`, then fails if any test binary ignored a test.
cargo_test_all() {
  local log
  log=$(mktemp)
  cargo test "$@" 2>&1 | tee "$log"
  if ! grep -q '^test result: ' "$log"; then
    echo "cargo test $*: no test ran" >&2
    exit 1
  fi
  if grep '^test result: ' "$log" | grep -v ' 0 ignored;'; then
    echo "cargo test $*: the test binaries above ignored tests, which must run here" >&2
    exit 1
  fi
  rm -f "$log"
}

step "Unit and integration tests, on SQLite (cargo test)"
# The workspace's default members: never --workspace, which would build the
# wasm entry's `hydrate` feature into the server's tests (Cargo.toml).
cargo_test_all -- --include-ignored --skip postgres_only::

# The HTTP integration suite again, each test on a PostgreSQL database of its
# own. Without a PostgreSQL (a laptop without one) it is skipped, except in CI.
postgres_url=${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
if [ -n "${TEST_POSTGRES_URL:-}" ] || (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then
  step "HTTP integration tests on PostgreSQL (${postgres_url%%@*}@...)"
  TEST_DATABASE=postgres TEST_POSTGRES_URL=$postgres_url \
    cargo_test_all -p "$SERVER_PACKAGE" --test integration -- --include-ignored --skip sqlite_only::
elif [ "${CI:-}" = "true" ]; then
  echo "No PostgreSQL answers at 127.0.0.1:5432, and CI=true: the PostgreSQL tests cannot be skipped." >&2
  exit 1
else
  step "SKIPPED: the HTTP integration tests on PostgreSQL (nothing answers at 127.0.0.1:5432; set TEST_POSTGRES_URL to use another server)"
fi

step "SECURITY.md's map: every ASVS requirement it covers has a row, every test it names exists"
# Lists the tests with the same `cargo test` as above (built already, so
# nothing is compiled again) and asks Playwright for its list.
node scripts/check-security-map.mjs

# Only in the template: an app made from it has no cargo-generate.toml.
if [ -f cargo-generate.toml ]; then
  step "The repository as a template: an app made from it, taught the guide's example, compiled, served and tested"
  ./scripts/check-template.sh
fi

step "Fuzzing the API from its OpenAPI document (schemathesis)"
./scripts/fuzz-api.sh

build_release

step "Browser tests (Playwright, Chromium)"
(cd end2end && npx playwright test)
