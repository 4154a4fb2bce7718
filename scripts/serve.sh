#!/usr/bin/env bash
# Installs what is missing, builds the release and serves it on
# http://localhost:3000 with the embedded SQLite database (data/app.db).
source "$(dirname "$0")/lib.sh"

ensure_build_tools
build_release

# A release server refuses to start without a session key: make one for this
# machine, once, and keep it in .env so sessions survive restarts.
if ! grep -q '^SESSION_PASSWORD=' .env 2>/dev/null && [ -z "${SESSION_PASSWORD:-}" ]; then
  step "Generating a SESSION_PASSWORD for this machine into .env"
  echo "SESSION_PASSWORD=$(head -c 36 /dev/urandom | base64 | tr -d '\n/+=')" >> .env
fi

addr=${LEPTOS_SITE_ADDR:-127.0.0.1:3000}
step "Serving on $addr: browse http://localhost:${addr##*:} (Ctrl-C stops)"
export LEPTOS_SITE_ROOT="$ROOT/target/site"
exec "$CARGO_TARGET_DIR/release/server"
