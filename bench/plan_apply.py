#!/usr/bin/env python3
"""No-op plan/apply of N globaldeploy_wave resources versus N terraform_data, provider start-up
time to the handshake line, and the provider's peak RSS during a plan.

Standard library only. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROVIDER_NAME = "terraform-provider-globaldeploy"
PROVIDER_SOURCE = "registry.terraform.io/globaldeploy/globaldeploy"
MAGIC_COOKIE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"
GOAL_RATIO = 1.10
KINDS = ("globaldeploy_wave", "terraform_data")


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def die(msg: str) -> None:
    log(f"plan_apply.py: error: {msg}")
    sys.exit(1)


# ----------------------------------------------------------------------------------------------
# locating binaries
# ----------------------------------------------------------------------------------------------
def find_terraform(explicit: str | None) -> str:
    for candidate in (explicit, os.environ.get("TERRAFORM_BIN"), str(ROOT / ".tools/bin/terraform")):
        if candidate and Path(candidate).is_file():
            return candidate
    found = shutil.which("terraform")
    if not found:
        die("no terraform: run `bash scripts/setup.sh`, or pass --terraform / set TERRAFORM_BIN")
    return found


def find_provider_dir(explicit: str | None) -> tuple[Path, str]:
    """(directory holding the provider binary, how it was chosen)."""
    if explicit:
        d = Path(explicit).resolve()
        if not (d / PROVIDER_NAME).is_file():
            die(f"{d / PROVIDER_NAME} does not exist")
        return d, "--provider-dir"
    env_bin = os.environ.get("GLOBALDEPLOY_PROVIDER_BIN")
    if env_bin:
        return Path(env_bin).resolve().parent, "GLOBALDEPLOY_PROVIDER_BIN"
    target = Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")
    if not target.is_absolute():
        target = ROOT / target
    for profile in ("release", "debug"):
        if (target / profile / PROVIDER_NAME).is_file():
            if profile == "debug":
                log("WARNING: using the DEBUG provider build; for real numbers: cargo build --release --bins")
            return target / profile, profile
    die(f"no {PROVIDER_NAME} under {target}/release or debug: cargo build --release --bins")
    raise AssertionError  # unreachable


# ----------------------------------------------------------------------------------------------
# terraform runs
# ----------------------------------------------------------------------------------------------
class Terraform:
    def __init__(self, binary: str, cli_config: Path):
        self.binary = binary
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
        self.env.update(
            TF_CLI_CONFIG_FILE=str(cli_config),
            TF_IN_AUTOMATION="1",
            TF_INPUT="0",
            CHECKPOINT_DISABLE="1",
        )

    def run(self, workdir: Path, *args: str, ok_codes: tuple[int, ...] = (0,)) -> tuple[float, str]:
        """Runs terraform; returns (wall seconds, combined output). Exits on unexpected codes."""
        cmd = [self.binary, *args]
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=workdir, env=self.env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        elapsed = time.perf_counter() - start
        if proc.returncode not in ok_codes:
            die(f"`terraform {' '.join(args)}` in {workdir} exited {proc.returncode}:\n{proc.stdout[-4000:]}")
        return elapsed, proc.stdout

    def version(self) -> str:
        proc = subprocess.run([self.binary, "version", "-json"], env=self.env, capture_output=True, text=True)
        try:
            return json.loads(proc.stdout)["terraform_version"]
        except (ValueError, KeyError):
            return "unknown"

    def noop_plan(self, workdir: Path) -> float:
        elapsed, out = self.run(workdir, "plan", "-no-color", "-detailed-exitcode", ok_codes=(0, 2))
        if "No changes." not in out:
            die(f"plan in {workdir} is not a no-op:\n{out[-4000:]}")
        return elapsed

    def noop_apply(self, workdir: Path) -> float:
        elapsed, out = self.run(workdir, "apply", "-no-color", "-auto-approve")
        if "0 added, 0 changed, 0 destroyed" not in out:
            die(f"apply in {workdir} is not a no-op:\n{out[-4000:]}")
        return elapsed


def cli_config_text(provider_dir: Path) -> str:
    return (
        "provider_installation {\n"
        "  dev_overrides {\n"
        f'    "{PROVIDER_SOURCE}" = {json.dumps(str(provider_dir))}\n'
        "  }\n"
        "  direct {}\n"
        "}\n"
    )


def write_configs(base: Path, count: int, provider_dir: Path) -> tuple[Path, dict[str, Path]]:
    cli_config = base / "terraform.rc"
    cli_config.write_text(cli_config_text(provider_dir))
    dirs = {}
    wave = base / "globaldeploy_wave"
    wave.mkdir()
    parts = [
        'terraform {\n  required_providers {\n    globaldeploy = {\n'
        '      source = "globaldeploy/globaldeploy"\n    }\n  }\n}\n\n'
        'provider "globaldeploy" {}\n'
    ]
    for i in range(count):
        parts.append(f'\nresource "globaldeploy_wave" "w{i}" {{\n  name    = "wave-{i}"\n'
                     f'  regions = ["us-east-1"]\n}}\n')
    (wave / "main.tf").write_text("".join(parts))
    dirs["globaldeploy_wave"] = wave

    data = base / "terraform_data"
    data.mkdir()
    parts = [f'resource "terraform_data" "d{i}" {{\n  input = "wave-{i}"\n}}\n\n' for i in range(count)]
    (data / "main.tf").write_text("".join(parts))
    dirs["terraform_data"] = data
    return cli_config, dirs


# ----------------------------------------------------------------------------------------------
# provider process measurements
# ----------------------------------------------------------------------------------------------
# Terraform starts the provider itself (3 times per plan), so the bench puts a stand-in of the
# same name in front of it: it starts the real binary with the same arguments, environment and
# stdio (the handshake line passes straight through), waits for it with wait4(2) and appends the
# kernel's resource usage of that process, all its threads included, to a log. Exact numbers for
# the whole lifetime, which polling /proc cannot give for a process that has already exited.
USAGE_WRAPPER = """#!{python}
import json, os, subprocess, sys
child = subprocess.Popen([{binary!r}, *sys.argv[1:]])
_, status, usage = os.wait4(child.pid, 0)
with open({log!r}, "a") as log:
    log.write(json.dumps({{
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "voluntary_ctx_switches": usage.ru_nvcsw,
        "involuntary_ctx_switches": usage.ru_nivcsw,
        "max_rss_kib": usage.ru_maxrss,
    }}) + "\\n")
sys.exit(os.waitstatus_to_exitcode(status))
"""


USAGE_KEYS = ("processes", "cpu_s", "ctx_switches", "max_rss_kib")
USAGE_ROWS = (
    ("processes", "processes", lambda v: f"{v:.0f}"),
    ("cpu_s", "CPU (user+sys)", lambda v: f"{v:.3f}s"),
    ("ctx_switches", "context switches", lambda v: f"{v:.0f}"),
    ("max_rss_kib", "max RSS", lambda v: f"{v / 1024:.1f} MiB"),
)


def usage_wrapper(base: Path, name: str, provider_dir: Path) -> tuple[Path, Path]:
    """(a CLI configuration whose dev_overrides point at a measuring stand-in for the provider in
    `provider_dir`, the log it appends one JSON line per provider process to)."""
    wrapper_dir = base / f"usage-{name}"
    wrapper_dir.mkdir()
    log_file = wrapper_dir / "usage.jsonl"
    wrapper = wrapper_dir / PROVIDER_NAME
    wrapper.write_text(USAGE_WRAPPER.format(python=sys.executable, binary=str(provider_dir / PROVIDER_NAME),
                                            log=str(log_file)))
    wrapper.chmod(0o755)
    cli_config = wrapper_dir / "terraform.rc"
    cli_config.write_text(cli_config_text(wrapper_dir))
    return cli_config, log_file


def provider_usage(tf_binary: str, workdir: Path, cli_config: Path, log_file: Path) -> dict[str, float]:
    """Resource usage of every provider process of one no-op plan, summed (RSS: the largest)."""
    log_file.unlink(missing_ok=True)
    Terraform(tf_binary, cli_config).noop_plan(workdir)
    processes = [json.loads(line) for line in log_file.read_text().splitlines()]
    if not processes:
        die(f"no provider process reported its usage to {log_file}")
    return {
        "processes": len(processes),
        "cpu_s": sum(p["cpu_s"] for p in processes),
        "ctx_switches": sum(p["voluntary_ctx_switches"] + p["involuntary_ctx_switches"] for p in processes),
        "max_rss_kib": max(p["max_rss_kib"] for p in processes),
    }


def make_client_cert(workdir: Path) -> str | None:
    """A PEM certificate like Terraform's AutoMTLS client certificate, if openssl exists."""
    openssl = shutil.which("openssl")
    if not openssl:
        return None
    key, cert = workdir / "client.key", workdir / "client.pem"
    proc = subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-521",
         "-sha512", "-nodes", "-subj", "/O=HashiCorp/CN=localhost", "-days", "1",
         "-addext", "basicConstraints=critical,CA:TRUE",
         "-keyout", str(key), "-out", str(cert)],
        capture_output=True, text=True)
    if proc.returncode != 0:
        log(f"openssl failed ({proc.stderr.strip()}); measuring the handshake without TLS")
        return None
    return cert.read_text()


def handshake_times(binary: Path, samples: int, client_cert: str | None) -> tuple[list[float], str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "PLUGIN_"))}
    env.update(TF_PLUGIN_MAGIC_COOKIE=MAGIC_COOKIE, PLUGIN_PROTOCOL_VERSIONS="5",
               PLUGIN_MIN_PORT="10000", PLUGIN_MAX_PORT="25000")
    if client_cert:
        env["PLUGIN_CLIENT_CERT"] = client_cert
    else:
        # Without a client certificate the provider refuses to serve unless told this is on purpose.
        env["GLOBALDEPLOY_PLUGIN_ALLOW_NO_MTLS"] = "1"
    times, line = [], ""
    for _ in range(samples):
        start = time.perf_counter()
        proc = subprocess.Popen([str(binary)], env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        try:
            assert proc.stdout is not None
            ready, _, _ = select.select([proc.stdout], [], [], 30)
            if not ready:
                die("the provider printed no handshake line within 30 s")
            line = proc.stdout.readline().decode(errors="replace").strip()
            times.append(time.perf_counter() - start)
            if not line.startswith("1|5|"):
                die(f"unexpected handshake line: {line!r}")
        finally:
            proc.kill()
            proc.wait()
    return times, line


def describe_handshake(line: str) -> str:
    parts = line.split("|")
    if len(parts) < 6:
        return line
    return f"{parts[2]} {'TLS' if parts[5] else 'plaintext'}"


# ----------------------------------------------------------------------------------------------
# main
# ----------------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds (median reported; default 3)")
    parser.add_argument("--count", type=int, default=1000, help="resources per configuration (default 1000)")
    parser.add_argument("--provider-dir", help="directory holding terraform-provider-globaldeploy "
                        "(default: target/release, else target/debug)")
    parser.add_argument("--terraform", help="terraform binary (default: $TERRAFORM_BIN, .tools/bin/terraform, PATH)")
    parser.add_argument("--handshake-samples", type=int, default=20)
    parser.add_argument("--only", choices=("both", *KINDS), default="both",
                        help="measure only one configuration (no ratios)")
    parser.add_argument("--output", default=str(ROOT / "bench/results/plan_apply.json"))
    parser.add_argument("--keep", action="store_true", help="keep the generated configurations")
    parser.add_argument("--reference-provider-dir",
                        help="another build of the provider (e.g. main's release build) whose own CPU, context "
                        "switches and RSS per plan are measured alongside, with ratios")
    args = parser.parse_args()
    if args.rounds < 1 or args.count < 1:
        die("--rounds and --count must be at least 1")

    kinds = KINDS if args.only == "both" else (args.only,)
    uses_provider = "globaldeploy_wave" in kinds
    terraform_bin = find_terraform(args.terraform)
    if uses_provider:
        provider_dir, provider_origin = find_provider_dir(args.provider_dir)
    else:
        provider_dir, provider_origin = Path(args.provider_dir or tempfile.gettempdir()).resolve(), "unused"

    base = Path(tempfile.mkdtemp(prefix="globaldeploy-bench-"))
    try:
        cli_config, dirs = write_configs(base, args.count, provider_dir)
        tf = Terraform(terraform_bin, cli_config)
        tf_version = tf.version()
        log(f"terraform {tf_version} ({terraform_bin}); provider dir {provider_dir} ({provider_origin}); "
            f"{args.count} resources; {args.rounds} rounds; configs in {base}")

        setup: dict[str, dict[str, float]] = {}
        for kind in kinds:
            log(f"init + apply {args.count} x {kind} ...")
            t_init, _ = tf.run(dirs[kind], "init", "-no-color")
            t_apply, _ = tf.run(dirs[kind], "apply", "-no-color", "-auto-approve")
            setup[kind] = {"init_s": t_init, "create_apply_s": t_apply}

        samples: dict[str, dict[str, list[float]]] = {k: {"plan": [], "apply": []} for k in kinds}
        for r in range(args.rounds):
            # Alternate which configuration goes first so drift (caches, thermal) hits both alike.
            order = kinds if r % 2 == 0 else tuple(reversed(kinds))
            for op in ("plan", "apply"):
                for kind in order:
                    fn = tf.noop_plan if op == "plan" else tf.noop_apply
                    samples[kind][op].append(fn(dirs[kind]))
            log(f"round {r + 1}/{args.rounds}: " + ", ".join(
                f"{k} plan {samples[k]['plan'][-1]:.2f}s apply {samples[k]['apply'][-1]:.2f}s" for k in kinds))

        medians = {k: {op: statistics.median(v) for op, v in ops.items()} for k, ops in samples.items()}
        ratios = {}
        if len(kinds) == 2:
            for op in ("plan", "apply"):
                ratios[op] = medians["globaldeploy_wave"][op] / medians["terraform_data"][op]

        extra: dict[str, object] = {}
        if uses_provider:
            # The provider's own CPU, context switches and RSS: untimed no-op plans through a
            # measuring stand-in, alternating with the reference build when there is one.
            builds = {"provider": provider_dir}
            if args.reference_provider_dir:
                builds["reference"] = Path(args.reference_provider_dir).resolve()
            wrappers = {name: usage_wrapper(base, name, d) for name, d in builds.items()}
            usage_samples: dict[str, list[dict[str, float]]] = {name: [] for name in builds}
            for r in range(args.rounds):
                for name in (builds if r % 2 == 0 else reversed(list(builds))):
                    usage_samples[name].append(provider_usage(tf.binary, dirs["globaldeploy_wave"], *wrappers[name]))
            extra["provider_usage_samples"] = usage_samples
            extra["provider_usage_median"] = {
                name: {key: statistics.median(s[key] for s in samples) for key in USAGE_KEYS}
                for name, samples in usage_samples.items()
            }
            extra["reference_provider_dir"] = str(builds.get("reference", "")) or None

            cert = make_client_cert(base)
            times, line = handshake_times(provider_dir / PROVIDER_NAME, args.handshake_samples, cert)
            extra["handshake_median_s"] = statistics.median(times)
            extra["handshake_samples_s"] = times
            extra["handshake_transport"] = describe_handshake(line)
            extra["handshake_with_client_cert"] = cert is not None

        # ---- report ----
        print()
        print(f"globaldeploy benchmark: {args.count} resources, median of {args.rounds} rounds, "
              f"terraform {tf_version}, {os.cpu_count()} CPUs")
        print()
        header = f"{'operation':<16}" + "".join(f"{k:>20}" for k in kinds) + (f"{'ratio':>10}{'goal':>8}" if ratios else "")
        print(header)
        print("-" * len(header))
        for op in ("plan", "apply"):
            row = f"{'no-op ' + op:<16}" + "".join(f"{medians[k][op]:>19.2f}s" for k in kinds)
            if ratios:
                verdict = "ok" if ratios[op] <= GOAL_RATIO else "MISS"
                row += f"{ratios[op]:>9.2f}x{verdict:>8}"
            print(row)
        if uses_provider:
            print()
            print(f"provider start -> handshake line: {extra['handshake_median_s'] * 1000:.1f} ms "
                  f"(median of {args.handshake_samples}, {extra['handshake_transport']}"
                  f"{', with PLUGIN_CLIENT_CERT' if extra['handshake_with_client_cert'] else ''})")
            usage = extra["provider_usage_median"]
            print()
            print(f"provider processes of one no-op {args.count}-resource plan (wait4 rusage, all processes "
                  f"summed, RSS the largest; median of {args.rounds}):")
            names = list(usage)
            print(f"{'':<16}" + "".join(f"{n:>14}" for n in names) + (f"{'ratio':>10}" if len(names) == 2 else ""))
            for key, label, fmt in USAGE_ROWS:
                row = f"{label:<16}" + "".join(f"{fmt(usage[n][key]):>14}" for n in names)
                if len(names) == 2 and usage["reference"][key]:
                    row += f"{usage['provider'][key] / usage['reference'][key]:>9.2f}x"
                print(row)
            if extra["reference_provider_dir"]:
                print(f"(provider: {provider_dir}; reference: {extra['reference_provider_dir']})")
        if ratios:
            print()
            print("ratios (globaldeploy_wave / terraform_data): "
                  + ", ".join(f"{op} {ratios[op]:.2f}x" for op in ("plan", "apply"))
                  + f"  (goal <= {GOAL_RATIO:.2f}x)")

        result = {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "host": {"cpus": os.cpu_count(), "machine": platform.machine(), "python": platform.python_version()},
            "terraform": {"binary": terraform_bin, "version": tf_version},
            "provider": {"dir": str(provider_dir), "origin": provider_origin} if uses_provider else None,
            "count": args.count,
            "rounds": args.rounds,
            "setup": setup,
            "samples_s": samples,
            "median_s": medians,
            "ratios": ratios,
            "goal_ratio": GOAL_RATIO,
            **extra,
        }
        out = Path(args.output)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2) + "\n")
        print(f"\nresults written to {out}")
    finally:
        if args.keep:
            log(f"kept {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
