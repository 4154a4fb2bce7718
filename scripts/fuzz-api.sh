#!/usr/bin/env bash
# Property-based fuzzing of every endpoint of the API from its OpenAPI document
# (schemathesis): a server of its own on a fresh SQLite database, every
# operation anonymous, then logged in (the operations that end or replace the
# session last, so the others keep theirs). Checks: no server error, every
# status and header documented, every answer valid against its schema, and
# the rest of schemathesis' checks but one: "schema-valid data is accepted"
# cannot hold for fields whose validity is state (a mailed token, a passkey
# ceremony, the current password). FUZZ_EXAMPLES bounds the examples per
# operation (default 25). Run by test.sh; alone: ./scripts/fuzz-api.sh
source "$(dirname "$0")/lib.sh"

ensure_npm_packages
ensure_schemathesis
examples=${FUZZ_EXAMPLES:-25}

step "Building the server (debug: overflow checks on) for fuzzing"
cargo build --quiet -p "$SERVER_PACKAGE" --bin "$SERVER_PACKAGE"

data=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; rm -rf "$data"' EXIT

# A real OpenID provider, configured as `demo`: the fuzzed /auth/{provider}
# endpoints reach its discovery and its redirects, not only a 404.
client_secret="a-client-secret-for-the-api-fuzzing-0123456789"
node end2end/oidc/provider.mjs "{\"port\": 0, \"clientId\": \"fuzz\", \"clientSecret\": \"$client_secret\",
  \"redirectUris\": [\"$base/auth/demo/callback\"]}" >"$data/provider.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
  issuer=$(sed -n 's/^listening //p' "$data/provider.log")
  [ -n "$issuer" ] && break
  sleep 0.1
done
# The brute-force limits are raised: fuzzing sends thousands of bad logins
# from one address, which they exist to stop, and would then see only 429s.
env -i PATH="$PATH" HOME="$HOME" DATABASE_URL="sqlite://$data/app.db" LEPTOS_SITE_ROOT="$data" \
  LEPTOS_SITE_ADDR="127.0.0.1:$port" SESSION_PASSWORD="fuzzing-session-password-0123456789abcdef" \
  PASSWORD_PEPPER="fuzzing-password-pepper-0123456789abcdef" \
  BCRYPT_COST=4 RUST_LOG=warn REGISTER_MAX_PER_ADDRESS=1000000 LOGIN_MAX_FAILURES_PER_ADDRESS=1000000 \
  LOGIN_MAX_FAILURES_PER_EMAIL=1000000 LOGIN_MAX_FAILURES_PER_DEVICE=1000000 \
  OIDC_DEMO_ISSUER="$issuer" OIDC_DEMO_CLIENT_ID=fuzz OIDC_DEMO_CLIENT_SECRET="$client_secret" \
  "$CARGO_TARGET_DIR/debug/$SERVER_PACKAGE" >"$data/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
  curl -sf "$base/api/openapi.json" >/dev/null && break
  sleep 0.1
done

# A fresh account's session cookie's value.
new_session() {
  local email="fuzz-$RANDOM$RANDOM@example.com"
  curl -sf -D - -o /dev/null -H 'Content-Type: application/json' \
    -d "{\"name\": \"Fuzz\", \"email\": \"$email\", \"password\": \"a fuzzing password\"}" \
    "$base/api/register" | sed -n 's/^set-cookie: session=\([^;]*\).*/\1/ip'
}

# Runs schemathesis over the operations the options select. With a session
# (`logged_in`), the cookie is given as the document's security scheme, so
# that schemathesis also tries each operation without it.
fuzz() {
  printf '[parameters]\n"path.provider" = "demo"\n' >"$data/$1.toml"
  if [ "$1" = logged_in ]; then
    printf '[auth.openapi.session]\napi_key = "%s"\n' "$(new_session)" >>"$data/$1.toml"
  fi
  "$SCHEMATHESIS" --config-file "$data/$1.toml" run "$base/api/openapi.json" \
    --checks all --exclude-checks positive_data_acceptance \
    --max-examples "$examples" --workers 2 --seed "${FUZZ_SEED:-1}" --no-color "${@:2}"
}

# Those that end the session (or the account), or start another in its place.
session_enders='^/api/(auth/(logout|login|reset-password|passkey/(login|register))|_auth/session|register|account/(logout-everywhere|password|set-password|end-session|sessions/\{id\}|delete))$'

step "Fuzzing every endpoint, anonymous ($examples examples an operation)"
fuzz anonymous
step "Fuzzing every endpoint but those that end the session, logged in"
fuzz logged_in --exclude-path-regex "$session_enders"
step "Fuzzing the endpoints that end the session, logged in"
fuzz logged_in --include-path-regex "$session_enders"

if grep -E 'ERROR|panicked' "$data/server.log"; then
  echo "The server logged errors while being fuzzed (above)." >&2
  exit 1
fi
