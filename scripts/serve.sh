#!/usr/bin/env bash
# Installs what is missing, builds the release and serves it on
# http://localhost:3000 with the embedded SQLite database (data/app.db).
source "$(dirname "$0")/lib.sh"

ensure_build_tools
build_release

# A release server refuses to start without a session key and a password
# pepper: make each for this machine, once, and keep it in .env so sessions
# and passwords survive restarts.
for secret in SESSION_PASSWORD PASSWORD_PEPPER; do
  if ! grep -q "^$secret=" .env 2>/dev/null && [ -z "${!secret:-}" ]; then
    step "Generating a $secret for this machine into .env"
    echo "$secret=$(head -c 36 /dev/urandom | base64 | tr -d '\n/+=')" >> .env
  fi
done

addr=${LEPTOS_SITE_ADDR:-127.0.0.1:3000}
step "Serving on $addr: browse http://localhost:${addr##*:} (Ctrl-C stops)"
export LEPTOS_SITE_ROOT="$ROOT/target/site"
exec "$CARGO_TARGET_DIR/release/$SERVER_PACKAGE"
