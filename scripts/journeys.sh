#!/usr/bin/env bash
# Whole journeys as a person on a phone waits for them (end2end/journeys.mjs):
# builds the release, starts it on a fresh SQLite database, and, when the
# Nuxt original is built beside this checkout (NUXT_PEER, by default
# ../shared/peers/nuxt-auth with its .output/), starts that too and measures
# both in one sitting, taking turns; and this product once more behind nginx
# (deploy/nginx.conf) over TLS and HTTP/2, with a certificate made for the
# sitting, as production serves it. Prints medians and writes every run as
# JSON (JOURNEYS_JSON, default target/journeys.json).
#
#   ./scripts/journeys.sh                  # 3 runs, plain and phone profiles
#   JOURNEY_RUNS=5 ./scripts/journeys.sh   # more runs
#   JOURNEY_IDLE=playwright ./scripts/journeys.sh   # quiet as Playwright's networkidle has it (sittings before 2026-12-07)
source "$(dirname "$0")/lib.sh"

RUNS=${JOURNEY_RUNS:-3}
PORT=${JOURNEY_PORT:-3334}
NUXT_PORT=${JOURNEY_NUXT_PORT:-3111}
H2_PORT=${JOURNEY_H2_PORT:-3443}
NUXT_PEER=${NUXT_PEER:-$ROOT/../shared/peers/nuxt-auth}
OUT=${JOURNEYS_JSON:-$ROOT/target/journeys.json}

ensure_build_tools
ensure_chromium
ensure_nginx
build_release

work=$(mktemp -d)
trap 'kill ${pids:-} 2>/dev/null || true; rm -rf "$work"' EXIT

step "Starting this product on a fresh database (port $PORT)"
BENCH_DATA_DIR=$work "$ROOT/scripts/bench-server.sh" "$PORT" >"$work/product.log" 2>&1 &
pids=$!
wait_for_server "http://127.0.0.1:$PORT/login" "$pids" "$work/product.log"
servers=("product=http://127.0.0.1:$PORT")

step "Starting it behind nginx over TLS and HTTP/2 (port $H2_PORT)"
mkdir "$work/h2"
BENCH_DATA_DIR=$work/h2 "$ROOT/scripts/bench-server.sh" $((PORT + 1)) COOKIE_SECURE=true TRUST_FORWARDED_FOR=true \
  PUBLIC_ORIGIN="https://localhost:$H2_PORT" >"$work/product-h2.log" 2>&1 &
h2_pid=$!
pids="$pids $h2_pid"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
JOURNEY_TRUSTED_SPKI=$(openssl x509 -in "$work/cert.pem" -pubkey -noout | openssl pkey -pubin -outform der |
  openssl dgst -sha256 -binary | base64)
export JOURNEY_TRUSTED_SPKI
sed -e "s|server 127.0.0.1:3001;|server 127.0.0.1:$((PORT + 1));|" -e "/server 127.0.0.1:3002;/d" \
  -e "s|listen 443 ssl http2;|listen 127.0.0.1:$H2_PORT ssl http2;|" -e "s|listen 80;|listen 127.0.0.1:$((H2_PORT + 1));|" \
  -e "s|/etc/ssl/sessions/fullchain.pem|$work/cert.pem|" -e "s|/etc/ssl/sessions/privkey.pem|$work/key.pem|" \
  -e "s|/var/log/nginx/access.log|$work/access.log|" -e "s|^events {}|pid $work/nginx.pid; error_log $work/error.log; events {}|" \
  "$ROOT/deploy/nginx.conf" >"$work/nginx.conf"
/usr/sbin/nginx -p "$work" -c "$work/nginx.conf" -g "daemon off;" >"$work/nginx.log" 2>&1 &
nginx_pid=$!
pids="$pids $nginx_pid"
wait_for_server "http://127.0.0.1:$((PORT + 1))/login" "$h2_pid" "$work/product-h2.log"
wait_for_server "https://localhost:$H2_PORT/login" "$nginx_pid" "$work/error.log"
servers+=("product-h2=https://localhost:$H2_PORT")

if [ -f "$NUXT_PEER/.output/server/index.mjs" ]; then
  step "Starting the Nuxt original from $NUXT_PEER (port $NUXT_PORT)"
  "$NUXT_PEER/run.sh" "$NUXT_PORT" >"$work/nuxt.log" 2>&1 &
  nuxt_pid=$!
  pids="$pids $nuxt_pid"
  wait_for_server "http://127.0.0.1:$NUXT_PORT/login" "$nuxt_pid" "$work/nuxt.log"
  servers+=("nuxt=http://127.0.0.1:$NUXT_PORT")
else
  echo "No built Nuxt original at $NUXT_PEER (its setup.sh and build.sh make one): measuring this product alone."
fi

step "Journeys: $RUNS run(s), plain and phone profiles"
mkdir -p "$(dirname "$OUT")"
node "$ROOT/end2end/journeys.mjs" --runs "$RUNS" --profile both --idle "${JOURNEY_IDLE:-requests}" --json "$OUT" \
  "${servers[@]}"
