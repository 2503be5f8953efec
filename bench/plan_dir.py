#!/usr/bin/env python3
"""Time to a pull-request comment of a rollout schedule: `globaldeploy plan DIR` (reads the HCL
directly) versus the Terraform route in the same run (`terraform plan -out` + `terraform show
-json` + `globaldeploy plan --terraform-plan`), on the repository's examples.

Both routes must print the same markdown (checked every round). Terraform runs against the
built provider through a `dev_overrides` CLI configuration after one `terraform init` (not
timed: a CI job's init is cached or paid once). Standard library only. See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROVIDER_SOURCE = "registry.terraform.io/globaldeploy/globaldeploy"
EXAMPLES = ("quickstart", "multi-region-canary", "failover")


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def die(msg: str) -> None:
    log(f"plan_dir.py: error: {msg}")
    sys.exit(1)


def target_dir() -> Path:
    target = Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")
    return target if target.is_absolute() else ROOT / target


def find_terraform() -> str:
    for candidate in (os.environ.get("TERRAFORM_BIN"), str(ROOT / ".tools/bin/terraform")):
        if candidate and Path(candidate).is_file():
            return candidate
    found = shutil.which("terraform")
    if not found:
        die("no terraform: run `bash scripts/setup.sh` (or set TERRAFORM_BIN)")
    return found


def find_built(name: str) -> Path:
    for profile in ("release", "debug"):
        path = target_dir() / profile / name
        if path.is_file():
            if profile == "debug":
                log(f"WARNING: using the DEBUG build of {name}; for real numbers: cargo build --release --bins")
            return path
    die(f"no {name} under {target_dir()}/release or debug: cargo build --release --bins")
    raise AssertionError  # unreachable


def run(cmd: list[str], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        die(f"{' '.join(cmd)} failed in {cwd}:\n{done.stderr}{done.stdout}")
    return done.stdout


def timed(fn) -> tuple[float, str]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds per example (default 5)")
    args = parser.parse_args()

    terraform = find_terraform()
    provider = find_built("terraform-provider-globaldeploy")
    cli = find_built("globaldeploy")
    work = Path(tempfile.mkdtemp(prefix="globaldeploy-bench-plan-dir-"))
    try:
        cli_config = work / "terraformrc"
        cli_config.write_text(
            "provider_installation {\n"
            f'  dev_overrides {{\n    "{PROVIDER_SOURCE}" = "{provider.parent}"\n  }}\n'
            "  direct {}\n}\n"
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
        env.update(
            TF_CLI_CONFIG_FILE=str(cli_config),
            TF_IN_AUTOMATION="1",
            AWS_ACCESS_KEY_ID="bench",
            AWS_SECRET_ACCESS_KEY="bench",
            AWS_REGION="us-east-1",
        )
        # The examples call ../../modules, so keep the repository's layout.
        shutil.copytree(ROOT / "modules", work / "modules")
        rows = []
        for name in EXAMPLES:
            example = work / "examples" / name
            shutil.copytree(ROOT / "examples" / name, example)
            (example / "bench.tfvars").write_text('zone_id = "Z0BENCH"\n')
            run([terraform, "init", "-input=false", "-no-color"], example, env)
            variables = ["-var-file=bench.tfvars", "-var", "release=v2"]

            def through_terraform() -> str:
                run([terraform, "plan", "-input=false", "-no-color", "-out=tfplan", *variables], example, env)
                (example / "plan.json").write_text(run([terraform, "show", "-json", "tfplan"], example, env))
                return run([str(cli), "plan", "--format", "markdown", "--terraform-plan", "plan.json"], example, env)

            def from_dir() -> str:
                cmd = [str(cli), "plan", ".", "--format", "markdown", "--var-file", "bench.tfvars", "--var", "release=v2"]
                return run(cmd, example, env)

            terraform_times, dir_times = [], []
            for round_no in range(args.rounds):
                # Alternate which goes first so that drift on the machine affects both alike.
                order = [(through_terraform, terraform_times), (from_dir, dir_times)]
                if round_no % 2:
                    order.reverse()
                outputs = []
                for fn, times in order:
                    seconds, out = timed(fn)
                    times.append(seconds)
                    outputs.append(out)
                if outputs[0] != outputs[1]:
                    die(f"{name}: `plan DIR` and the Terraform route printed different markdown")
            tf, hcl = statistics.median(terraform_times), statistics.median(dir_times)
            rows.append((name, tf, hcl))
            log(f"{name}: terraform route {tf:.3f} s, plan DIR {hcl:.3f} s")

        print(f"\nmedian of {args.rounds} rounds, same markdown from both routes")
        print(f"{'example':<22}{'terraform plan+show+CLI':>26}{'globaldeploy plan DIR':>24}{'ratio':>9}")
        for name, tf, hcl in rows:
            print(f"{name:<22}{tf:>24.3f} s{hcl:>22.3f} s{tf / hcl:>8.1f}×")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
