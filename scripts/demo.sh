#!/usr/bin/env bash
# The demo: builds the provider, then applies examples/quickstart with the real terraform CLI
# (through a dev_overrides CLI configuration), shows `terraform output`, and destroys it again.
# The example is copied to a temporary directory, so no state is left in the repository.
#   bash scripts/demo.sh [example-dir]      (default: examples/quickstart)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
EXAMPLE="${1:-examples/quickstart}"
[[ -d "$EXAMPLE" ]] || { echo "demo.sh: error: no example directory $EXAMPLE" >&2; exit 1; }

step() { printf '\n==> %s\n' "$*"; }

bash scripts/setup.sh
# shellcheck source=/dev/null
. .tools/env

step "cargo build --bins -p terraform-provider-globaldeploy"
cargo build --quiet --bins -p terraform-provider-globaldeploy
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
PROVIDER_DIR="$TARGET_DIR/debug"
[[ -x "$PROVIDER_DIR/terraform-provider-globaldeploy" ]] ||
  { echo "demo.sh: error: $PROVIDER_DIR/terraform-provider-globaldeploy was not built" >&2; exit 1; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/globaldeploy-demo.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
cp -R "$EXAMPLE"/. "$WORK/"
cat >"$WORK/.terraformrc" <<RC
provider_installation {
  dev_overrides {
    "registry.terraform.io/globaldeploy/globaldeploy" = "$PROVIDER_DIR"
  }
  direct {}
}
RC
export TF_CLI_CONFIG_FILE="$WORK/.terraformrc" TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1
cd "$WORK"

step "terraform init    ($EXAMPLE, $(terraform version | head -n1))"
terraform init -no-color >/dev/null
step "terraform apply -auto-approve"
terraform apply -no-color -auto-approve
step "terraform output"
terraform output -no-color
step "terraform plan    (expect: No changes)"
rc=0
plan_out="$(terraform plan -no-color -detailed-exitcode)" || rc=$?
if [[ $rc -ne 0 ]]; then
  printf '%s\n' "$plan_out"
  echo "demo.sh: error: the plan after apply is not empty (exit code $rc)" >&2
  exit 1
fi
printf '%s\n' "$plan_out" | grep -m1 'No changes'
step "terraform destroy -auto-approve"
terraform destroy -no-color -auto-approve | tail -n 1
