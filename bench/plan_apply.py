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
import threading
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


def write_configs(base: Path, count: int, provider_dir: Path) -> tuple[Path, dict[str, Path]]:
    cli_config = base / "terraform.rc"
    cli_config.write_text(
        "provider_installation {\n"
        "  dev_overrides {\n"
        f'    "{PROVIDER_SOURCE}" = {json.dumps(str(provider_dir))}\n'
        "  }\n"
        "  direct {}\n"
        "}\n"
    )
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
def provider_pids(binary_name: str = PROVIDER_NAME) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                argv0 = os.path.basename(f.read().split(b"\0", 1)[0]).decode(errors="replace")
            exe = os.path.basename(os.readlink(f"/proc/{entry}/exe")) if argv0 != binary_name else argv0
        except OSError:
            continue
        if binary_name in (argv0, exe):
            pids.append(int(entry))
    return pids


def vm_hwm_kib(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def parent_pid(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            # "pid (comm) state ppid ..." — comm may contain spaces and parentheses.
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def descends_from(pid: int, ancestor: int) -> bool:
    for _ in range(64):
        if pid == ancestor:
            return True
        parent = parent_pid(pid)
        if parent is None or parent <= 1:
            return False
        pid = parent
    return False


class RssPoller(threading.Thread):
    """Polls VmHWM of the provider processes started under `root_pid` (other users of the machine
    may run the provider too) until stopped; keeps the maximum per pid."""

    def __init__(self, root_pid: int, interval: float = 0.02):
        super().__init__(daemon=True)
        self.root_pid = root_pid
        self.interval = interval
        self.peaks: dict[int, int] = {}
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            for pid in provider_pids():
                if pid not in self.peaks and not descends_from(pid, self.root_pid):
                    continue
                hwm = vm_hwm_kib(pid)
                if hwm is not None and hwm > self.peaks.get(pid, 0):
                    self.peaks[pid] = hwm
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


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
            # Peak RSS: one more (untimed) no-op plan with a /proc poller running.
            proc = subprocess.Popen([tf.binary, "plan", "-no-color", "-detailed-exitcode"],
                                    cwd=dirs["globaldeploy_wave"], env=tf.env, stdin=subprocess.DEVNULL,
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            poller = RssPoller(proc.pid)
            poller.start()
            plan_out, _ = proc.communicate()
            poller.stop()
            if proc.returncode != 0:
                die(f"the plan for the RSS measurement exited {proc.returncode}:\n{plan_out[-4000:]}")
            extra["peak_rss_kib"] = max(poller.peaks.values(), default=None)
            extra["provider_processes_during_plan"] = len(poller.peaks)

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
            rss = extra["peak_rss_kib"]
            rss_text = f"{rss / 1024:.1f} MiB" if isinstance(rss, int) else "not observed"
            print(f"provider peak RSS during the {args.count}-resource plan: {rss_text} "
                  f"(max VmHWM over {extra['provider_processes_during_plan']} provider process(es))")
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
