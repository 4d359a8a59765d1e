#!/usr/bin/env bash
# Runs every check and test of the workspace: formatting, clippy, unit, end-to-end and
# scenario tests. Installs nothing today: the tests need only the Rust toolchain
# (SQLite is built in through rusqlite's bundled feature).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo fmt --all --check
cargo clippy --workspace --all-targets --quiet -- -D warnings
cargo test --workspace
