#!/usr/bin/env bash
# Whole journeys as a person on a phone waits for them (end2end/journeys.mjs):
# builds the release, starts it on a fresh SQLite database, and, when the
# Nuxt original is built beside this checkout (NUXT_PEER, by default
# ../shared/peers/nuxt-auth with its .output/), starts that too and measures
# both in one sitting, taking turns. Prints medians and writes every run as
# JSON (JOURNEYS_JSON, default target/journeys.json).
#
#   ./scripts/journeys.sh                  # 3 runs, plain and phone profiles
#   JOURNEY_RUNS=5 ./scripts/journeys.sh   # more runs
source "$(dirname "$0")/lib.sh"

RUNS=${JOURNEY_RUNS:-3}
PORT=${JOURNEY_PORT:-3334}
NUXT_PORT=${JOURNEY_NUXT_PORT:-3111}
NUXT_PEER=${NUXT_PEER:-$ROOT/../shared/peers/nuxt-auth}
OUT=${JOURNEYS_JSON:-$ROOT/target/journeys.json}

ensure_build_tools
ensure_chromium
build_release

work=$(mktemp -d)
trap 'kill ${pids:-} 2>/dev/null || true; rm -rf "$work"' EXIT

step "Starting this product on a fresh database (port $PORT)"
BENCH_DATA_DIR=$work "$ROOT/scripts/bench-server.sh" "$PORT" >"$work/product.log" 2>&1 &
pids=$!
wait_for_server "http://127.0.0.1:$PORT/login" "$pids" "$work/product.log"
servers=("product=http://127.0.0.1:$PORT")

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
node "$ROOT/end2end/journeys.mjs" --runs "$RUNS" --profile both --json "$OUT" "${servers[@]}"
