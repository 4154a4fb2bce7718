# Shared by serve.sh and test.sh: installs what is missing, idempotently, from the
# package registries only (the Rust package registry, npm, PyPI, Debian's
# packages). Sourced, not run.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

CARGO_LEPTOS_VERSION=0.3.11
# The project's name and its server's package (and binary) and wasm entry's,
# as Cargo.toml's leptos metadata names them: an app made from this template
# has its own.
PROJECT=$(sed -n 's/^name = "\(.*\)"$/\1/p' Cargo.toml)
SERVER_PACKAGE=$(sed -n 's/^bin-package = "\(.*\)"$/\1/p' Cargo.toml)
FRONTEND_PACKAGE=$(sed -n 's/^lib-package = "\(.*\)"$/\1/p' Cargo.toml)
# A build cache outside the clone makes repeated builds and CI runs much
# faster. One a project: a release build keeps hash.txt beside its binary,
# where another project's release build would write its own.
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/leptos-$PROJECT/target}
export RUST_BACKTRACE=0
# wasm-opt comes from npm (binaryen 132): Debian's older one silently breaks hydration.
export PATH="$ROOT/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

step() { printf '\n==> %s\n' "$*"; }

# Waits until `URL` answers, polling every 5 ms (bench.sh times the start);
# if the server's process `PID` exits first, prints its log `LOG` and fails.
wait_for_server() {
  # -k: a local server behind TLS has a certificate made for it.
  until curl -kfso /dev/null "$1"; do
    kill -0 "$2" 2>/dev/null || { echo "the server for $1 exited:" >&2; cat "$3" >&2; exit 1; }
    sleep 0.005
  done
}

need_root_or_sudo() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

ensure_wasm_target() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    step "Adding the wasm32-unknown-unknown Rust target"
    rustup target add wasm32-unknown-unknown
  fi
}

# cargo-leptos's own lock needs a newer rustc than stable has here; building it
# from its source with one dependency pinned back works on stable (~15 min, once).
ensure_cargo_leptos() {
  if cargo leptos --version 2>/dev/null | grep -qx "cargo-leptos $CARGO_LEPTOS_VERSION"; then
    return
  fi
  step "Installing cargo-leptos $CARGO_LEPTOS_VERSION from source (about 15 minutes, once)"
  # On a rustc that is new enough this simply installs; otherwise it fails after
  # ~10 s but leaves the crate's source in cargo's registry, used below.
  if cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked; then
    return
  fi
  local src crate
  src=$(mktemp -d)
  crate=$(find "$HOME/.cargo/registry/src" -maxdepth 2 -type d -name "cargo-leptos-$CARGO_LEPTOS_VERSION" | head -n 1)
  cp -r "$crate" "$src/cargo-leptos"
  (
    cd "$src/cargo-leptos"
    cargo update -p cargo-util-schemas --precise 0.14.1
    cargo install --path . --locked
  )
  rm -rf "$src"
}

# The wasm-bindgen CLI must be exactly the version of the crate in Cargo.lock.
ensure_wasm_bindgen() {
  local want
  want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
  if wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $want"; then
    return
  fi
  step "Installing wasm-bindgen-cli $want (about 3 minutes, once)"
  # Not --locked: its lock names a webpki-roots release the registry does not serve.
  cargo install wasm-bindgen-cli --version "$want" --force
}

ensure_npm_packages() {
  if [ ! -x end2end/node_modules/.bin/wasm-opt ] || [ ! -x end2end/node_modules/.bin/eslint ] ||
    [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
    step "Installing npm packages (wasm-opt, Playwright, eslint)"
    (cd end2end && npm ci --no-audit --no-fund)
  fi
  local version
  version=$(wasm-opt --version | grep -o '[0-9]\+' | head -n 1)
  if [ "$version" -lt 116 ]; then
    echo "wasm-opt $version on PATH is too old (breaks hydration); remove it" >&2
    exit 1
  fi
}

# Debian's Chromium: Playwright's own browser download is not reachable here.
ensure_chromium() {
  if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
    step "Installing Chromium from Debian's packages"
    need_root_or_sudo apt-get update -qq
    need_root_or_sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium
  fi
}

# nginx, for the test of the example configuration of several servers
# (deploy/nginx.conf); the test runs its own, on a free port.
ensure_nginx() {
  if [ ! -x /usr/sbin/nginx ]; then
    step "Installing nginx from Debian's packages"
    need_root_or_sudo apt-get update -qq
    need_root_or_sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx-light
  fi
}

# A real SMTP server for the mail tests (they start it on ports of their own).
AIOSMTPD_VERSION=1.4.6
ensure_smtp_server() {
  if ! python3 -c "import aiosmtpd, sys; sys.exit(aiosmtpd.__version__ != '$AIOSMTPD_VERSION')" 2>/dev/null; then
    step "Installing the aiosmtpd SMTP server $AIOSMTPD_VERSION from PyPI, for the tests"
    python3 -m pip install --quiet --disable-pip-version-check --user "aiosmtpd==$AIOSMTPD_VERSION" 2>/dev/null ||
      python3 -m pip install --quiet --disable-pip-version-check "aiosmtpd==$AIOSMTPD_VERSION"
  fi
}

# schemathesis, the API fuzzer, in a virtual environment of its own.
SCHEMATHESIS_VERSION=4.32.5
SCHEMATHESIS="$HOME/.cache/leptos-sessions/schemathesis/bin/st"
ensure_schemathesis() {
  if [ "$("$SCHEMATHESIS" --version 2>/dev/null)" != "st, version $SCHEMATHESIS_VERSION" ]; then
    step "Installing schemathesis $SCHEMATHESIS_VERSION from PyPI, for the API fuzzing"
    python3 -m venv "$HOME/.cache/leptos-sessions/schemathesis"
    "$HOME/.cache/leptos-sessions/schemathesis/bin/pip" install --quiet --disable-pip-version-check \
      "schemathesis==$SCHEMATHESIS_VERSION"
  fi
}

ensure_build_tools() {
  ensure_wasm_target
  ensure_npm_packages
  ensure_wasm_bindgen
  ensure_cargo_leptos
}

build_release() {
  step "Building the release (server and wasm; a cold build takes about 6 minutes)"
  # Hashed names: browsers keep the files for good (the server reads
  # hash.txt at start). --split: the account area in a wasm chunk of its own
  # (app/src/pages/account_area.rs; docs/performance.md, "The account area").
  LEPTOS_HASH_FILES=true cargo leptos build --release --split
  step "Precompressing the site's js, wasm and css"
  node scripts/precompress.mjs target/site/pkg
}
