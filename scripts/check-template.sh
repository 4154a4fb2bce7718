#!/usr/bin/env bash
# The repository as a template (cargo-generate.toml): makes an app of it the
# way a user would (`cargo leptos new --path`; `--git` must give the same),
# into a temporary folder, checks that the new app carries its own names and
# none of this working copy's data, follows the guide's first section in it
# (docs/guide.md, a page for logged-in users), compiles its server (ssr) and
# its wasm entry (hydrate), then serves it and asks it for a page, a
# registration and a login over HTTP. Shares the target folder: only the new
# app's own crates are compiled. Run by test.sh; alone: ./scripts/check-template.sh
source "$(dirname "$0")/lib.sh"

ensure_wasm_target
ensure_cargo_leptos

work=$(mktemp -d)
server_pid=
trap 'kill "$server_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
fail() {
  echo "check-template: $*" >&2
  exit 1
}

step "Making an app named my-app from this working copy (cargo leptos new --path)"
(cd "$work" && cargo leptos new --path "$ROOT" --name my-app)
app="$work/my-app"

# `--git` makes the same app from the repository's last commit: checked
# when the working copy is that commit (as on a fresh clone, and in CI).
if [ -z "$(git -C "$ROOT" status --porcelain)" ]; then
  step "Making it again from the repository (cargo leptos new --git file://...): the same files"
  mkdir "$work/from-git"
  (cd "$work/from-git" && cargo leptos new --git "file://$ROOT" --name my-app)
  diff -r --exclude=.git "$app" "$work/from-git/my-app" || fail "--git and --path made different apps"
  rm -rf "$work/from-git"
elif [ "${CI:-}" = "true" ]; then
  fail "the working copy has changes (git status), and CI=true: the --git check cannot be skipped"
else
  step "SKIPPED: making it with --git (the working copy has uncommitted changes)"
fi

step "The new app's names, and nothing of this working copy's data"
expect_line() { grep -qxF "$2" "$app/$1" || fail "$1 has no line: $2"; }
expect_line Cargo.toml 'name = "my-app"'
expect_line Cargo.toml 'package = "my-app"'
expect_line Cargo.toml 'bin-package = "my-app-server"'
expect_line Cargo.toml 'lib-package = "my-app-frontend"'
expect_line app/Cargo.toml 'name = "my-app"'
expect_line server/Cargo.toml 'name = "my-app-server"'
expect_line frontend/Cargo.toml 'name = "my-app-frontend"'
expect_line app/src/lib.rs '        "My App"'
expect_line app/src/lib.rs '        "my-app-"'
expect_line README.md '# My App'
if grep -rlF -e '{%' -e '{{ line' "$app/Cargo.toml" "$app"/*/Cargo.toml "$app/app/src/lib.rs" "$app/README.md"; then
  fail "Liquid tags left in the files above"
fi
# What .gitignore keeps out of the repository (build output, the development
# database, .env, npm's packages, test reports) stays out of a new app:
# cargo-generate.toml names each, so a working copy holding them leaves them.
while read -r ignored; do
  ignored=${ignored#/}
  grep -qF "  \"$ignored\"," cargo-generate.toml || fail "cargo-generate.toml's ignore lacks $ignored (in .gitignore)"
  [ ! -e "$app/$ignored" ] || fail "the new app holds $ignored"
done <.gitignore
for left_out in cargo-generate.toml cargo-generate.rhai; do
  [ ! -e "$app/$left_out" ] || fail "the new app holds $left_out"
done

step "Following docs/guide.md's first section in the new app: /notes, for logged-in users"
"$ROOT/docs/guide/apply.sh" "$app"

cd "$app"
step "Compiling the new app's server side (cargo check, ssr)"
cargo check -p my-app-server
step "Compiling the new app's browser side (cargo check, hydrate, wasm32)"
cargo check -p my-app-frontend --target wasm32-unknown-unknown
step "Building the new app's server (debug)"
cargo build -p my-app-server --bin my-app-server

step "Serving the new app: a page, a registration, a login, /notes"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
mkdir "$work/data"
env -i PATH="$PATH" HOME="$HOME" DATABASE_URL="sqlite://$work/data/app.db" LEPTOS_SITE_ROOT="$work/data" \
  LEPTOS_SITE_ADDR="127.0.0.1:$port" SESSION_PASSWORD="template-check-session-password-0123456789" \
  PASSWORD_PEPPER="template-check-password-pepper-0123456789" BCRYPT_COST=4 RUST_LOG=warn \
  "$CARGO_TARGET_DIR/debug/my-app-server" >"$work/server.log" 2>&1 &
server_pid=$!
wait_for_server "$base/" "$server_pid" "$work/server.log"

# `expect WHAT STATUS BODY-PATTERN curl-arguments...`: the answer's status
# and a pattern its body must match.
expect() {
  local what=$1 status=$2 pattern=$3 got
  got=$(curl -s -o "$work/body" -w '%{http_code}' -b "$work/jar" -c "$work/jar" "${@:4}")
  [ "$got" = "$status" ] || fail "$what: status $got, not $status: $(head -c 500 "$work/body")"
  grep -q -- "$pattern" "$work/body" || fail "$what: no match for $pattern in $(head -c 500 "$work/body")"
  echo "ok: $what ($got)"
}
json=(-H 'Content-Type: application/json')
expect "the home page, titled after the app" 200 '<title>Home – My App</title>' "$base/"
expect "/notes sends a visitor to log in" 302 '^[Ll]ocation: /login?redirect=/notes' -i "$base/notes"
expect "the note, without a session" 401 '"code":"unauthorized"' -X POST "$base/api/notes"
expect "a registration" 200 '"name":"Ada"' "${json[@]}" \
  -d '{"name":"Ada","email":"ada@example.com","password":"correct horse battery"}' "$base/api/register"
expect "a logout" 200 '' -X POST "$base/api/auth/logout"
expect "the session after it" 200 '{}' "$base/api/_auth/session"
expect "a login" 200 '"name":"Ada"' "${json[@]}" \
  -d '{"email":"ada@example.com","password":"correct horse battery"}' "$base/api/auth/login"
expect "the session after it" 200 '"name":"Ada"' "$base/api/_auth/session"
# Its own cookie, which another app on this host does not read.
grep -qP '\tmy-app-session\t' "$work/jar" || fail "the session cookie is not named my-app-session: $(cat "$work/jar")"
expect "the note, saved" 200 '' --data-urlencode 'note=Buy milk' "$base/api/notes/save"
expect "/notes, logged in, with the note" 200 '<p class="note">Buy milk' "$base/notes"
if grep -E 'ERROR|panicked' "$work/server.log"; then
  fail "the new app's server logged errors (above)"
fi
kill "$server_pid"

# `guide_test ARGS...`: the guide's test (and the tests ARGS name too), which
# must have run and passed: a filter matching nothing would pass silently.
guide_test() {
  cargo test -p my-app-server --test integration -- notes:: "$@" | tee "$work/test.log"
  grep -q '^test notes::a_note_is_its_users_alone_and_clearing_it_needs_a_fresh_proof \.\.\. ok$' "$work/test.log" ||
    fail "the guide's test did not pass"
}
step "The guide's test in the new app on SQLite, and the API document's tests (every endpoint documented)"
guide_test openapi::
postgres_url=${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
if [ -n "${TEST_POSTGRES_URL:-}" ] || (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then
  step "The guide's test in the new app, on PostgreSQL"
  TEST_DATABASE=postgres TEST_POSTGRES_URL=$postgres_url guide_test
elif [ "${CI:-}" = "true" ]; then
  fail "no PostgreSQL answers at 127.0.0.1:5432, and CI=true: the guide's test on it cannot be skipped"
else
  step "SKIPPED: the guide's test on PostgreSQL (nothing answers at 127.0.0.1:5432)"
fi

step "Every snippet of docs/guide.md is in a file of the new app"
node "$ROOT/scripts/check-guide.mjs" "$app"
