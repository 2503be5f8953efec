#!/usr/bin/env bash
# Runs every check and test: formatting, clippy, then the whole workspace's tests, including the
# end-to-end tests that drive the real terraform CLI against the freshly built provider.
#   bash scripts/test.sh            (what .ci/run calls)
# Extra arguments go to the test runner, e.g. `bash scripts/test.sh harness_smoke`.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings

step "cargo xtask docs --check (docs/ matches the provider schema and examples/)"
cargo xtask docs --check

step "setup (terraform, moto)"
bash scripts/setup.sh
# shellcheck source=/dev/null
. .tools/env

step "cargo build --workspace --bins"
cargo build --workspace --bins

if cargo nextest --version >/dev/null 2>&1; then
  profile=default
  if [[ "${CI:-}" == "true" ]]; then profile=ci; fi
  step "cargo nextest run --workspace (profile $profile)"
  cargo nextest run --workspace --profile "$profile" --no-fail-fast "$@"
  step "doc tests"
  cargo test --workspace --doc --no-fail-fast
else
  step "cargo test --workspace"
  cargo test --workspace --no-fail-fast "$@"
fi
