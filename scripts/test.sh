#!/usr/bin/env bash
# Runs every check and test of the workspace: formatting, clippy, unit, end-to-end,
# scenario and window tests. It first installs what the tests need beyond the Rust
# toolchain: the window's system libraries and Mesa's software renderer for the image
# snapshots (scripts/install-gui-deps.sh; SQLite is built in through rusqlite).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-gui-deps.sh

cargo fmt --all --check
cargo clippy --workspace --all-targets --quiet -- -D warnings
cargo test --workspace
