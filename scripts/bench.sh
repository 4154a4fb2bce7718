#!/usr/bin/env bash
# The product's benchmark, in one command: builds the release, starts it on a
# fresh SQLite database with bcrypt cost 12, seeds users, and measures with wrk
# on loopback. Prints a table, writes the figures as JSON (BENCH_JSON, default
# target/bench.json) and draws them beside the Nuxt original's as an SVG chart
# (BENCH_SVG, default target/bench.svg). These machines are noisy: only
# ratios measured in one sitting compare.
#
#   ./scripts/bench.sh                    # everything, about 1.5 minutes
#   BENCH_DURATION=5 ./scripts/bench.sh   # shorter runs
source "$(dirname "$0")/lib.sh"

DURATION=${BENCH_DURATION:-10}
PORT=${BENCH_PORT:-3333}
BASE="http://127.0.0.1:$PORT"
OUT=${BENCH_JSON:-$ROOT/target/bench.json}

ensure_build_tools
if ! command -v wrk >/dev/null; then
  step "Installing wrk from Debian's packages"
  need_root_or_sudo apt-get update -qq
  need_root_or_sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk
fi
build_release

work=$(mktemp -d)
trap 'kill "${server_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

now_ms() { date +%s%3N; }
rss_mib() { awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$server_pid/status"; }

step "Starting the server on a fresh database (bcrypt cost 12)"
started=$(now_ms)
BENCH_DATA_DIR=$work "$ROOT/scripts/bench-server.sh" "$PORT" >"$work/server.log" 2>&1 &
server_pid=$!
wait_for_server "$BASE/" "$server_pid" "$work/server.log"
start_ms=$(($(now_ms) - started))

step "Seeding 10 users"
cookie=$(curl -fs -D - -o /dev/null --data-urlencode "name=Bench User" --data-urlencode "email=bench@example.com" \
  --data-urlencode "password=correct horse battery" "$BASE/api/register" |
  awk -F'[ ;]' 'tolower($1) == "set-cookie:" && $2 ~ /^session=/ { print $2 }')
for n in $(seq 2 10); do
  curl -fso /dev/null --data-urlencode "name=Seed User $n" --data-urlencode "email=seed$n@example.com" \
    --data-urlencode "password=correct horse battery" "$BASE/api/register"
done
rss_idle=$(rss_mib)

cat >"$work/login.lua" <<'LUA'
wrk.method = "POST"
wrk.body = "email=bench%40example.com&password=correct+horse+battery"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
LUA
cat >"$work/report.lua" <<'LUA'
done = function(summary, latency, requests)
  local non2xx = summary.errors.status
  io.write(string.format("RESULT %.1f %.2f %.2f %d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, non2xx))
end
LUA

# run NAME THREADS CONNECTIONS [wrk options...] URL: one wrk run, its figures kept.
declare -A rate p50 p99 failed
run() {
  local name=$1 threads=$2 connections=$3
  shift 3
  local line
  line=$(wrk -t"$threads" -c"$connections" -d"${DURATION}s" --latency -s "$work/report.lua" "$@" | grep '^RESULT')
  read -r _ "rate[$name]" "p50[$name]" "p99[$name]" "failed[$name]" <<<"$line"
}
# wrk takes one script: the login's body and the report, together.
cat "$work/login.lua" "$work/report.lua" >"$work/login-report.lua"

step "GET /api/users, logged in (2 threads, 64 connections, ${DURATION} s)"
run api_users 2 64 -H "Cookie: $cookie" "$BASE/api/users"
step "GET /users, the server-rendered page, logged in"
run page_users 2 64 -H "Cookie: $cookie" "$BASE/users"
step "GET /login, anonymous"
run page_login 2 64 "$BASE/login"

step "One login alone, five times (a cost-12 hash and a round trip)"
single=$(for _ in 1 2 3 4 5; do
  curl -so /dev/null -w '%{time_total}\n' --data "email=bench%40example.com&password=correct+horse+battery" "$BASE/api/auth/login"
done | sort -n | sed -n 3p)
hash_ms=$(awk -v s="$single" 'BEGIN { printf "%.0f", s * 1000 }')
cores=$(nproc)

step "POST /api/auth/login alone (2 threads, 8 connections)"
wrk -t2 -c8 -d"${DURATION}s" --timeout 30s -s "$work/login-report.lua" "$BASE/api/auth/login" | grep '^RESULT' >"$work/login.txt"
read -r _ "rate[login]" "p50[login]" "p99[login]" "failed[login]" <"$work/login.txt"

step "GET /api/users (1 thread, 4 connections) while logins saturate bcrypt"
wrk -t2 -c8 -d"$((DURATION + 2))s" --timeout 30s -s "$work/login-report.lua" "$BASE/api/auth/login" >/dev/null &
saturating=$!
sleep 1
run api_users_during_logins 1 4 -H "Cookie: $cookie" "$BASE/api/users"
wait "$saturating"
rss_loaded=$(rss_mib)

first_load=$(node scripts/first-load.mjs target/site/pkg "$BASE")
first_load_of() { node -e 'const r = JSON.parse(process.argv[1])[process.argv[2]]; console.log(r.gzip, r.brotli)' "$first_load" "$1"; }

login_ceiling=$(awk -v c="$cores" -v s="$single" 'BEGIN { printf "%.1f", c / s }')
printf '\n== Benchmark (%s, %s cores, %s s runs) ==\n' "$(date -u +%Y-%m-%dT%H:%MZ)" "$cores" "$DURATION"
printf '%-48s %10s %9s %9s %8s\n' "scenario" "req/s" "p50 ms" "p99 ms" "non-2xx"
for name in api_users page_users page_login login api_users_during_logins; do
  printf '%-48s %10s %9s %9s %8s\n' "$name" "${rate[$name]}" "${p50[$name]}" "${p99[$name]}" "${failed[$name]}"
done
printf 'one login alone (cost-12 hash + round trip): %s ms; cores / that = %s logins/s ceiling; measured %s/s\n' \
  "$hash_ms" "$login_ceiling" "${rate[login]}"
printf 'RSS idle %s MiB, after load %s MiB; start to first 200: %s ms\n' "$rss_idle" "$rss_loaded" "$start_ms"
printf 'first load (js + wasm), bytes gzip -9 / brotli as served:\n'
for page in /login / /register /users /users/ID /account; do
  read -r gzip brotli <<<"$(first_load_of "$page")"
  printf '  %-10s %8s / %8s\n' "$page" "$gzip" "$brotli"
done

json_runs=""
for name in api_users page_users page_login login api_users_during_logins; do
  json_runs+="\"$name\": {\"req_per_s\": ${rate[$name]}, \"p50_ms\": ${p50[$name]}, \"p99_ms\": ${p99[$name]}, \"non_2xx\": ${failed[$name]}},"
done
cat >"$OUT" <<JSON
{
  "date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)", "cores": $cores, "duration_s": $DURATION,
  ${json_runs}
  "login_alone_ms": $hash_ms, "login_ceiling_per_s": $login_ceiling,
  "rss_idle_mib": $rss_idle, "rss_after_load_mib": $rss_loaded, "start_to_first_200_ms": $start_ms,
  "first_load_bytes": $first_load
}
JSON
SVG=${BENCH_SVG:-$ROOT/target/bench.svg}
node scripts/chart.mjs "$OUT" docs/bench/nuxt.json >"$SVG"
echo "Written to $OUT, and beside the Nuxt original's figures (docs/bench/nuxt.json) to $SVG"
