#!/usr/bin/env bash
# Installs what is missing and runs every test: unit and HTTP integration tests,
# then the release build.
source "$(dirname "$0")/lib.sh"

ensure_build_tools

step "Unit and integration tests (cargo test)"
cargo test --workspace

build_release
