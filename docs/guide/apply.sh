#!/usr/bin/env bash
# Does in an app made from this template what docs/guide.md tells its reader
# to do for the notes example: copies the new files below this folder into
# the app, and adds the lines that declare and link them to files the app
# has. scripts/check-template.sh runs it on a new app, then compiles, serves
# and tests the app, so every snippet of the guide is compiled and run
# (scripts/check-guide.mjs checks that each snippet is in the app's files).
# Usage: docs/guide/apply.sh APP_FOLDER
set -euo pipefail
guide=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
app=${1:?usage: apply.sh APP_FOLDER}

# The new files, at the same paths in the app.
(cd "$guide" && find app migrations server -type f) | while read -r file; do
  mkdir -p "$(dirname "$app/$file")"
  cp "$guide/$file" "$app/$file"
done

# Fails unless exactly one line of the app's FILE holds TEXT: the place to
# change is no longer where the guide says.
one_line() {
  local count
  count=$(grep -cF -- "$2" "$app/$1" || true)
  [ "$count" = 1 ] || { echo "apply.sh: $app/$1 has $count lines with: $2" >&2; exit 1; }
}

# `add FILE ANCHOR LINE...`: the LINEs, after the one line of FILE that holds
# ANCHOR (or before it, with ANCHOR prefixed by `before:`).
add() {
  local file=$app/$1 anchor=$2
  shift 2
  one_line "${file#"$app/"}" "${anchor#before:}"
  ANCHOR=${anchor#before:} BEFORE=$([ "${anchor#before:}" != "$anchor" ] && echo 1 || true) \
    LINES=$(printf '%s\n' "$@") perl -i -pe '
      if (index($_, $ENV{ANCHOR}) >= 0) {
        $_ = $ENV{BEFORE} ? "$ENV{LINES}\n$_" : "$_$ENV{LINES}\n";
      }' "$file"
}

add app/src/pages/mod.rs 'pub mod not_found;' \
  'pub mod notes;'
add app/src/api/mod.rs 'mod identity;' \
  'mod notes;'
add app/src/api/mod.rs 'pub use identity::*;' \
  'pub use notes::*;'
add app/src/backend/db/mod.rs 'mod lifecycle;' \
  'mod notes;'
add app/src/lib.rs '<Route path=path!("/users/:id")' \
  '                    <Route path=path!("/notes") view=pages::notes::NotesRoute ssr=SsrMode::Async/>'
# The nav's link, made as the one to /users is (whatever else it says).
users_link='href="/users"[^>]*>"Users"<'
[ "$(grep -cE "$users_link" "$app/app/src/pages/nav.rs")" = 1 ] ||
  { echo "apply.sh: the nav has not one link to /users" >&2; exit 1; }
LINK=$users_link perl -i -pe 'if (/$ENV{LINK}/) { print; s/users/notes/; s/Users/Notes/ }' "$app/app/src/pages/nav.rs"
add app/src/backend/http/openapi/server_functions.rs 'before:endpoint::<GetSession>(' \
  '        endpoint::<MyNote>("The user'"'"'s note").logged_in(),' \
  '        endpoint::<SaveNote>("Replace the user'"'"'s note").logged_in(),' \
  '        endpoint::<ClearNote>("Empty the user'"'"'s note").logged_in().refuses(&[REAUTHENTICATE]),'
add server/tests/integration/main.rs 'mod mail;' \
  'mod notes;'
