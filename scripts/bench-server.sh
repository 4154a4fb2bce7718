#!/usr/bin/env bash
# Runs the release server as the benchmarks measure it: a fresh SQLite
# database (in BENCH_DATA_DIR, by default a new temporary folder), bcrypt cost 12, and the brute-force limits
# raised (a benchmark logs in thousands of times from one address and one
# device, which they exist to stop). Execs the server, so its PID is the
# server's (for RSS): `scripts/bench-server.sh PORT [NAME=VALUE...]` (more
# settings, e.g. COOKIE_SECURE=true behind TLS). Used by bench.sh, and by
# the shared side-by-side harness as its BENCH_START_CMD. Build first
# (`./scripts/bench.sh` does).
source "$(dirname "$0")/lib.sh"
PORT=${1:?usage: bench-server.sh PORT}
DATA=${BENCH_DATA_DIR:-$(mktemp -d)}
exec env -i PATH="$PATH" HOME="$HOME" \
  DATABASE_URL="sqlite://$DATA/app.db" LEPTOS_SITE_ROOT="$ROOT/target/site" \
  LEPTOS_SITE_ADDR="127.0.0.1:$PORT" SESSION_PASSWORD="benchmark-session-password-0123456789abcdef" \
  PASSWORD_PEPPER="benchmark-password-pepper-0123456789abcdef" \
  BCRYPT_COST=12 RUST_LOG=warn REGISTER_MAX_PER_ADDRESS=1000000 LOGIN_MAX_FAILURES_PER_ADDRESS=1000000 \
  LOGIN_MAX_FAILURES_PER_EMAIL=1000000 LOGIN_MAX_FAILURES_PER_DEVICE=1000000 \
  "${@:2}" "$CARGO_TARGET_DIR/release/$SERVER_PACKAGE"
