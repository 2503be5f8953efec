#!/usr/bin/env python3
"""Route 53 calls and wall time of a no-op `terraform plan` of N globaldeploy_weighted_record
resources (M endpoints each, one hosted zone), versus one read per resource, and versus N
`terraform_data` resources in the same run.

Starts moto and the project's fault proxy (`fault-proxy`, 0 % faults: it only counts calls per
Route 53 operation) in front of it. Standard library only. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROVIDER_NAME = "terraform-provider-globaldeploy"
PROVIDER_SOURCE = "registry.terraform.io/globaldeploy/globaldeploy"
PAGE_SIZE = 300  # sets per ListResourceRecordSets page


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def die(msg: str) -> None:
    log(f"route53_plan.py: error: {msg}")
    sys.exit(1)


# ----------------------------------------------------------------------------------------------
# locating binaries
# ----------------------------------------------------------------------------------------------
def target_dir() -> Path:
    target = Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")
    return target if target.is_absolute() else ROOT / target


def find_terraform(explicit: str | None) -> str:
    for candidate in (explicit, os.environ.get("TERRAFORM_BIN"), str(ROOT / ".tools/bin/terraform")):
        if candidate and Path(candidate).is_file():
            return candidate
    found = shutil.which("terraform")
    if not found:
        die("no terraform: run `bash scripts/setup.sh`, or pass --terraform / set TERRAFORM_BIN")
    return found


def find_binary(name: str, explicit: str | None, build_hint: str) -> Path:
    if explicit:
        path = Path(explicit).resolve()
        if not path.is_file():
            die(f"{path} does not exist")
        return path
    for profile in ("release", "debug"):
        path = target_dir() / profile / name
        if path.is_file():
            if profile == "debug" and name == PROVIDER_NAME:
                log("WARNING: using the DEBUG provider build; for real numbers: cargo build --release --bins")
            return path
    die(f"no {name} under {target_dir()}/release or debug: {build_hint}")
    raise AssertionError  # unreachable


def find_moto(explicit: str | None) -> str:
    for candidate in (explicit, os.environ.get("MOTO_SERVER_BIN"), str(ROOT / ".venv/bin/moto_server")):
        if candidate and Path(candidate).is_file():
            return candidate
    found = shutil.which("moto_server")
    if not found:
        die("no moto_server: run `bash scripts/setup.sh`, or pass --moto / set MOTO_SERVER_BIN")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ----------------------------------------------------------------------------------------------
# moto and the proxy
# ----------------------------------------------------------------------------------------------
def http(method: str, url: str, body: bytes | None = None) -> bytes:
    # moto routes a request to its service by the credential scope of the (unchecked) signature.
    headers = {"Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/route53/aws4_request, "
                                "SignedHeaders=host, Signature=0",
               "Content-Type": "application/xml"}
    req = urllib.request.Request(url, data=body, method=method, headers=headers)
    with urllib.request.urlopen(req, timeout=30) as resp:
        return resp.read()


def start_moto(binary: str, logdir: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    logfile = open(logdir / "moto.log", "wb")  # noqa: SIM115 (lives as long as moto)
    proc = subprocess.Popen([binary, "-H", "127.0.0.1", "-p", str(port)], stdout=logfile, stderr=logfile,
                            stdin=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            die(f"moto_server exited early; see {logdir / 'moto.log'}")
        try:
            http("GET", endpoint + "/")
            return proc, endpoint
        except urllib.error.HTTPError:  # any answer means moto is up
            return proc, endpoint
        except OSError:
            time.sleep(0.1)
    proc.kill()
    die("moto_server did not answer within 60 s")
    raise AssertionError


def start_proxy(binary: Path, upstream: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([str(binary), "--upstream", upstream, "--port", "0"], stdout=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline().strip() if proc.stdout else ""
    if not line.startswith("http://"):
        proc.kill()
        die(f"fault-proxy printed {line!r} instead of its endpoint")
    return proc, line


def create_zone(endpoint: str, name: str) -> str:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<CreateHostedZoneRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/">'
        f"<Name>{name}</Name><CallerReference>bench-{time.time_ns()}</CallerReference>"
        "</CreateHostedZoneRequest>"
    ).encode()
    answer = ET.fromstring(http("POST", f"{endpoint}/2013-04-01/hostedzone", body))
    for element in answer.iter():
        if element.tag.endswith("Id") and element.text and "hostedzone" in element.text:
            return element.text.rsplit("/", 1)[-1]
    die(f"no zone id in CreateHostedZone answer: {ET.tostring(answer)!r}")
    raise AssertionError


def time_full_listing(endpoint: str, zone: str) -> tuple[float, int]:
    """(seconds, pages) of one paginated ListResourceRecordSets scan straight from moto: the part
    of a plan's time that is the mock server itself."""
    ns = "{https://route53.amazonaws.com/doc/2013-04-01/}"
    start = time.perf_counter()
    query, pages = "maxitems=300", 0
    while True:
        page = ET.fromstring(http("GET", f"{endpoint}/2013-04-01/hostedzone/{zone}/rrset?{query}"))
        pages += 1
        if page.findtext(f"{ns}IsTruncated") != "true":
            return time.perf_counter() - start, pages
        params = {"maxitems": "300", "name": page.findtext(f"{ns}NextRecordName") or "",
                  "type": page.findtext(f"{ns}NextRecordType") or ""}
        if page.findtext(f"{ns}NextRecordIdentifier"):
            params["identifier"] = page.findtext(f"{ns}NextRecordIdentifier") or ""
        query = urllib.parse.urlencode(params)


def proxy_counts(proxy: str) -> dict[str, int]:
    return json.loads(http("GET", f"{proxy}/__proxy/counts"))["calls"]


def proxy_reset(proxy: str) -> None:
    http("POST", f"{proxy}/__proxy/reset", b"")


# ----------------------------------------------------------------------------------------------
# configurations and terraform
# ----------------------------------------------------------------------------------------------
def write_configs(base: Path, provider_dir: Path, proxy: str, zone: str, count: int, endpoints: int,
                  rps: float) -> tuple[Path, Path, Path]:
    cli_config = base / "terraformrc"
    cli_config.write_text(
        "provider_installation {\n"
        "  dev_overrides {\n"
        f'    "{PROVIDER_SOURCE}" = "{provider_dir}"\n'
        "  }\n"
        "  direct {}\n"
        "}\n"
    )
    r53 = base / "weighted_record"
    r53.mkdir()
    parts = [
        'terraform {\n  required_providers {\n    globaldeploy = { source = "globaldeploy/globaldeploy" }\n  }\n}\n',
        'provider "globaldeploy" {\n  region = "us-east-1"\n  access_key = "test"\n  secret_key = "test"\n'
        f"  skip_credentials_validation = true\n  api_requests_per_second = {rps}\n"
        f'  endpoints {{\n    route53 = "{proxy}"\n  }}\n}}\n',
    ]
    for i in range(count):
        parts.append(
            f'resource "globaldeploy_weighted_record" "r{i}" {{\n  zone_id = "{zone}"\n'
            f'  name    = "svc{i}.bench.example.com"\n  type    = "A"\n  ttl     = 60\n'
        )
        for e in range(endpoints):
            parts.append(
                f'  endpoint {{\n    set_identifier = "r{i}-e{e}"\n    weight = {(i + e) % 256}\n'
                f'    records = ["10.{i % 256}.{e}.1"]\n  }}\n'
            )
        parts.append("}\n")
    (r53 / "main.tf").write_text("".join(parts))
    data = base / "terraform_data"
    data.mkdir()
    (data / "main.tf").write_text(
        "".join(f'resource "terraform_data" "d{i}" {{\n  input = "svc{i}"\n}}\n' for i in range(count))
    )
    return cli_config, r53, data


class Terraform:
    def __init__(self, binary: str, cli_config: Path):
        self.binary = binary
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
        self.env.update(TF_CLI_CONFIG_FILE=str(cli_config), TF_IN_AUTOMATION="1", TF_INPUT="0",
                        CHECKPOINT_DISABLE="1")

    def run(self, workdir: Path, *args: str, ok_codes: tuple[int, ...] = (0,)) -> tuple[float, str]:
        start = time.perf_counter()
        proc = subprocess.run([self.binary, *args], cwd=workdir, env=self.env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        elapsed = time.perf_counter() - start
        if proc.returncode not in ok_codes:
            die(f"`terraform {' '.join(args)}` in {workdir} exited {proc.returncode}:\n{proc.stdout[-4000:]}")
        return elapsed, proc.stdout

    def noop_plan(self, workdir: Path) -> float:
        elapsed, out = self.run(workdir, "plan", "-no-color", "-detailed-exitcode", ok_codes=(0, 2))
        if "No changes." not in out:
            die(f"plan in {workdir} is not a no-op:\n{out[-4000:]}")
        return elapsed


# ----------------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=100, help="weighted records (default 100)")
    parser.add_argument("--endpoints", type=int, default=10, help="endpoints per record (default 10)")
    parser.add_argument("--rounds", type=int, default=3, help="no-op plans per configuration (default 3)")
    parser.add_argument("--rps", type=float, default=20.0,
                        help="provider api_requests_per_second (default 20; Route 53's own limit is 5)")
    parser.add_argument("--terraform")
    parser.add_argument("--provider-bin")
    parser.add_argument("--proxy-bin")
    parser.add_argument("--moto")
    parser.add_argument("--keep", action="store_true", help="keep the generated configurations")
    parser.add_argument("--output", default=str(ROOT / "bench/results/route53_plan.json"))
    args = parser.parse_args()

    terraform = find_terraform(args.terraform)
    provider = find_binary(PROVIDER_NAME, args.provider_bin, "cargo build --release --bins")
    proxy_bin = find_binary("fault-proxy", args.proxy_bin, "cargo build --release -p globaldeploy-fault-proxy")
    moto_bin = find_moto(args.moto)

    base = Path(tempfile.mkdtemp(prefix="globaldeploy-bench-r53-"))
    moto, moto_endpoint = start_moto(moto_bin, base)
    proxy, proxy_endpoint = start_proxy(proxy_bin, moto_endpoint)
    try:
        zone = create_zone(moto_endpoint, "bench.example.com")
        sets = args.count * args.endpoints
        log(f"moto {moto_endpoint}, proxy {proxy_endpoint}, zone {zone}; {args.count} records x {args.endpoints} endpoints")
        cli_config, r53_dir, data_dir = write_configs(base, provider.parent, proxy_endpoint, zone, args.count,
                                                      args.endpoints, args.rps)
        tf = Terraform(terraform, cli_config)
        for d in (r53_dir, data_dir):
            tf.run(d, "init", "-no-color", "-input=false")
        t0 = time.perf_counter()
        tf.run(r53_dir, "apply", "-no-color", "-auto-approve")
        log(f"applied {sets} sets in {time.perf_counter() - t0:.1f} s")
        tf.run(data_dir, "apply", "-no-color", "-auto-approve")

        samples: dict[str, list[float]] = {"weighted_record": [], "terraform_data": []}
        calls: list[dict[str, int]] = []
        for round_no in range(args.rounds):
            order = [("weighted_record", r53_dir), ("terraform_data", data_dir)]
            if round_no % 2:
                order.reverse()
            for kind, d in order:
                if kind == "weighted_record":
                    proxy_reset(proxy_endpoint)
                samples[kind].append(tf.noop_plan(d))
                if kind == "weighted_record":
                    calls.append(proxy_counts(proxy_endpoint))
            log(f"round {round_no + 1}: plan {samples['weighted_record'][-1]:.2f} s vs "
                f"{samples['terraform_data'][-1]:.2f} s; calls {calls[-1]}")

        listing_seconds, listing_pages = time_full_listing(moto_endpoint, zone)
        list_calls = [c.get("ListResourceRecordSets", 0) for c in calls]
        total_calls = [sum(c.values()) for c in calls]
        goal = math.ceil(sets / PAGE_SIZE) + 2
        per_resource = args.count  # one listing per resource, the naive way (each at least one call)
        worst = max(list_calls)
        med = {k: statistics.median(v) for k, v in samples.items()}
        result = {
            "records": args.count,
            "endpoints": args.endpoints,
            "sets": sets,
            "rounds": args.rounds,
            "list_calls": list_calls,
            "all_calls": calls,
            "goal_list_calls": goal,
            "one_read_per_resource_calls": per_resource,
            "ratio_per_resource_over_shared": per_resource / worst if worst else None,
            "plan_seconds": samples,
            "plan_median_seconds": med,
            "plan_ratio": med["weighted_record"] / med["terraform_data"],
            "moto_full_listing_seconds": listing_seconds,
            "moto_full_listing_pages": listing_pages,
            "terraform": tf.run(r53_dir, "version")[1].splitlines()[0],
            "provider": str(provider),
            "machine": f"{platform.machine()} {os.cpu_count()} cpus",
        }
        print(f"no-op plan of {args.count} globaldeploy_weighted_record x {args.endpoints} endpoints ({sets} sets, one zone)")
        print(f"  ListResourceRecordSets calls per plan : {list_calls} (goal <= ceil({sets}/{PAGE_SIZE})+2 = {goal}: "
              f"{'met' if worst <= goal else 'MISSED'})")
        print(f"  all Route 53 calls per plan           : {total_calls}")
        print(f"  one read per resource would be        : {per_resource} calls -> {per_resource / worst:.1f}x fewer "
              f"calls with the shared listing")
        print(f"  plan wall time (median)               : {med['weighted_record']:.2f} s vs {med['terraform_data']:.2f} s "
              f"for {args.count} terraform_data -> {result['plan_ratio']:.2f}x")
        print(f"  of which moto itself                  : {listing_seconds:.2f} s for one {listing_pages}-page listing "
              f"straight from moto")
        out = Path(args.output)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2) + "\n")
        log(f"results in {out}")
    finally:
        for proc in (proxy, moto):
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        if args.keep:
            log(f"configurations kept in {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
