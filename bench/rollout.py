#!/usr/bin/env python3
"""Rollout measurements of `globaldeploy_deployment` through the real terraform CLI against moto:

1. detection -> restore: a region's health endpoint turns bad while the region holds at 50 % on
   the new slot; time until Route 53 shows its weights restored (old slot 100, new slot 0), with
   gate interval 200 ms and failure_threshold 3. Median over --runs, against Route 53's native
   failover (10 s x 3 + TTL, and without TTL) as ratios.
2. Route 53 calls of a full successful five-region, three-wave rollout (steps [25, 50, 100]),
   counted per operation by the project's fault proxy (0 % faults) in front of moto, and
   ChangeResourceRecordSets calls per step per wave (goal: 1), attributed through the journal.
3. The S3 journal: the same rollout journaled to `s3://` (moto's S3 behind the fault proxy,
   Route 53 straight to moto) against the same rollout journaled to `file://` in the same run:
   apply seconds of each and their ratio, S3 requests per operation, per journal entry and per
   wave-step.

Standard library only; reuses the helpers of bench/route53_plan.py. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import route53_plan as rp  # noqa: E402  (find_*, start_moto, start_proxy, create_zone, http, proxy_*)

ROOT = rp.ROOT
NS = "{https://route53.amazonaws.com/doc/2013-04-01/}"
DOMAIN = "example.com"
FIVE = [  # name, wave, global weight
    ("us-west-2", "canary", 10),
    ("us-east-1", "wave2", 30),
    ("eu-west-1", "wave2", 20),
    ("ap-southeast-1", "rest", 20),
    ("ap-northeast-1", "rest", 20),
]
log = rp.log
WRITING = {"group_started", "step", "rollback", "GroupStarted", "Step", "Rollback"}


def die(msg: str) -> None:
    log(f"rollout.py: error: {msg}")
    sys.exit(1)


def binary(name: str, profile: str) -> Path:
    # The debug build by default: a stale release build may lack the deployment resource.
    path = rp.target_dir() / profile / name
    if not path.is_file():
        die(f"no {path}: cargo build --workspace --bins" + (" --release" if profile == "release" else ""))
    return path


def record_name(region: str) -> str:
    return f"{region}.api.{DOMAIN}"


def start_region_server(binary: Path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([str(binary), "--port", "0", "--mode", "healthy"], stdout=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline().strip() if proc.stdout else ""
    if not line.startswith("http://"):
        proc.kill()
        die(f"region-server printed {line!r} instead of its base URL")
    return proc, line


def set_mode(base: str, mode: str) -> None:
    rp.http("POST", f"{base}/__mode", mode.encode())


def weights(endpoint: str, zone: str, region: str) -> dict[str, int]:
    """slot -> weight of `region`'s record, straight from the Route 53 API (-1: no such set)."""
    name = record_name(region)
    page = ET.fromstring(rp.http("GET", f"{endpoint}/2013-04-01/hostedzone/{zone}/rrset"
                                        f"?name={name}&type=A&maxitems=20"))
    out = {"blue": -1, "green": -1}
    for rrs in page.iter(f"{NS}ResourceRecordSet"):
        if (rrs.findtext(f"{NS}Name") or "").rstrip(".") != name:
            continue
        ident = rrs.findtext(f"{NS}SetIdentifier") or ""
        for slot in ("blue", "green"):
            if ident == f"{name}-{slot}":
                out[slot] = int(rrs.findtext(f"{NS}Weight") or -1)
    return out


def config(endpoint: str, journal: str, zone: str, version: str, regions: list[tuple[str, str, int, str]],
           waves: list[tuple[str, list[str]]], steps: list[int], step_interval: str, on_failure: str,
           interval: str, min_samples: int, failure_threshold: int, ttl: int, s3_endpoint: str | None = None) -> str:
    s3 = f'    s3 = "{s3_endpoint}"\n' if s3_endpoint else ""
    parts = [
        'terraform {\n  required_providers {\n    globaldeploy = { source = "globaldeploy/globaldeploy" }\n  }\n}\n',
        'provider "globaldeploy" {\n  region = "us-east-1"\n  access_key = "test"\n  secret_key = "test"\n'
        "  skip_credentials_validation = true\n  api_requests_per_second = 200\n"
        f'  journal = "{journal}"\n  endpoints {{\n    route53 = "{endpoint}"\n{s3}  }}\n}}\n',
    ]
    for wave, members in waves:
        parts.append(f'resource "globaldeploy_wave" "{wave}" {{\n  name = "{wave}"\n'
                     f"  regions = {json.dumps(members)}\n  max_parallel = {len(members)}\n"
                     '  bake_time = "0s"\n}\n')
    parts.append(
        f'resource "globaldeploy_deployment" "api" {{\n  name = "api"\n  version = "{version}"\n'
        f'  zone_id = "{zone}"\n  waves = [{", ".join(f"globaldeploy_wave.{w}" for w, _ in waves)}]\n'
        f"  strategy {{\n    steps = {json.dumps(steps)}\n    step_interval = \"{step_interval}\"\n"
        f'    on_failure = "{on_failure}"\n  }}\n'
    )
    for i, (name, _, weight, url) in enumerate(regions):
        parts.append(f'  region {{\n    name = "{name}"\n    record_name = "{record_name(name)}"\n'
                     f'    ttl = {ttl}\n    target = ["192.0.2.{i + 10}"]\n    health_url = "{url}"\n'
                     f"    global_weight = {weight}\n  }}\n")
    parts.append(f'  gate {{\n    http {{\n      timeout = "200ms"\n    }}\n    interval = "{interval}"\n'
                 f"    min_samples = {min_samples}\n    success_ratio = 1\n"
                 f"    failure_threshold = {failure_threshold}\n  }}\n}}\n")
    return "".join(parts)


def journal_entries(journal_dir: Path) -> list[dict]:
    path = journal_dir / "api.journal.jsonl"
    try:
        lines = path.read_text().splitlines()
    except FileNotFoundError:
        return []
    out = []
    for line in lines:
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            pass  # torn last line
    return out


def entry_kind(entry: dict) -> tuple[str, dict]:
    """(kind, fields) of one journal line, whatever the envelope."""
    body = entry.get("entry", entry)
    if isinstance(body, dict):
        for key in ("type", "kind"):
            if isinstance(body.get(key), str):
                return body[key], body
        if len(body) == 1:
            (k, v), = body.items()
            return k, v if isinstance(v, dict) else {"value": v}
        for k, v in body.items():
            if k[:1].isupper():
                return k, v if isinstance(v, dict) else {"value": v}
    return str(body), {}


# ----------------------------------------------------------------------------------------------
class Bench:
    def __init__(self, args, base: Path):
        self.args = args
        self.base = base
        self.terraform = rp.find_terraform(args.terraform)
        self.provider = binary(rp.PROVIDER_NAME, args.profile)
        self.proxy_bin = binary("fault-proxy", args.profile)
        self.region_bin = binary("region-server", args.profile)
        self.moto, self.moto_ep = rp.start_moto(rp.find_moto(args.moto), base)
        self.procs: list[subprocess.Popen] = [self.moto]
        self.proxy, self.proxy_ep = rp.start_proxy(self.proxy_bin, self.moto_ep)
        self.procs.append(self.proxy)
        cli = base / "terraformrc"
        cli.write_text("provider_installation {\n  dev_overrides {\n"
                       f'    "{rp.PROVIDER_SOURCE}" = "{self.provider.parent}"\n  }}\n  direct {{}}\n}}\n')
        self.tf = rp.Terraform(self.terraform, cli)

    def region_server(self) -> str:
        proc, url = start_region_server(self.region_bin)
        self.procs.append(proc)
        return url

    def close(self) -> None:
        for proc in reversed(self.procs):
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()

    # ------------------------------------------------------------------------------------------
    def detection(self) -> dict:
        a = self.args
        region = "us-east-1"
        zone = rp.create_zone(self.moto_ep, f"{DOMAIN}")
        base_url = self.region_server()
        work = self.base / "detect"
        work.mkdir()
        journal = work / "journal"

        def write(version: str) -> None:
            (work / "main.tf").write_text(config(
                self.moto_ep, f"file://{journal}", zone, version, [(region, "w1", 100, base_url + "/healthz")],
                [("w1", [region])], [50, 100], "30s", "rollback_region", "200ms", a.min_samples, 3, a.ttl))

        write("v1")
        self.tf.run(work, "init", "-no-color", "-input=false")
        self.tf.run(work, "apply", "-no-color", "-auto-approve")
        samples, polls = [], []
        for run in range(a.runs):
            set_mode(base_url, "healthy")
            before = weights(self.moto_ep, zone, region)
            old = max(before, key=before.get)
            new = "green" if old == "blue" else "blue"
            if before[old] != 100:
                die(f"run {run + 1}: {region} does not serve 100 % on one slot: {before}")
            write(f"v{run + 2}")
            apply = subprocess.Popen([self.terraform, "apply", "-no-color", "-auto-approve"], cwd=work,
                                     env=self.tf.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
            out_box: list[str] = []
            reader = threading.Thread(target=lambda: out_box.append(apply.stdout.read()), daemon=True)
            reader.start()
            deadline = time.time() + 120
            while True:
                w = weights(self.moto_ep, zone, region)
                if w[new] == 50 and w[old] == 50:
                    break
                if apply.poll() is not None or time.time() > deadline:
                    reader.join(5)
                    die(f"run {run + 1}: never held at 50 % ({w}):\n{''.join(out_box)[-3000:]}")
                time.sleep(0.02)
            time.sleep(a.settle)  # let a few healthy gate evaluations pass at 50 %
            set_mode(base_url, "failing")
            t0 = time.perf_counter()
            n = 0
            while True:
                w = weights(self.moto_ep, zone, region)
                n += 1
                t_seen = time.perf_counter()
                if w[old] == 100 and w[new] <= 0:
                    break
                if t_seen - t0 > 60:
                    die(f"run {run + 1}: weights not restored within 60 s: {w}")
                time.sleep(a.poll)
            dt = t_seen - t0
            samples.append(dt)
            polls.append(n)
            apply.wait(timeout=120)
            reader.join(10)
            text = "".join(out_box)
            if apply.returncode == 0 or "rolled_back" not in text:
                log(f"run {run + 1}: WARNING: apply exited {apply.returncode} without 'rolled_back':\n{text[-2000:]}")
            log(f"detection run {run + 1}: restored {dt * 1000:.0f} ms after the endpoint turned bad "
                f"({n} polls; {old} 100 / {new} 0)")
        med = statistics.median(samples)
        native_ttl = 10 * 3 + a.ttl
        return {
            "region": region, "gate_interval_ms": 200, "failure_threshold": 3, "min_samples": a.min_samples,
            "ttl": a.ttl, "runs": a.runs, "poll_interval_ms": a.poll * 1000,
            "seconds": samples, "median_seconds": med, "min_seconds": min(samples), "max_seconds": max(samples),
            "polls_per_run": polls,
            "route53_native_seconds": native_ttl, "route53_native_without_ttl_seconds": 30,
            "ratio_native": native_ttl / med, "ratio_native_without_ttl": 30 / med,
        }

    # ------------------------------------------------------------------------------------------
    def calls(self) -> dict:
        a = self.args
        zone = rp.create_zone(self.moto_ep, f"{DOMAIN}")
        regions = [(name, wave, weight, self.region_server() + "/healthz") for name, wave, weight in FIVE]
        waves = five_waves()
        steps = [25, 50, 100]
        work = self.base / "calls"
        work.mkdir()
        journal = work / "journal"

        def write(version: str) -> None:
            (work / "main.tf").write_text(config(
                self.proxy_ep, f"file://{journal}", zone, version, regions, waves, steps, a.step_interval,
                "rollback_region", "200ms", 1, 3, 60))

        write("v1")
        self.tf.run(work, "init", "-no-color", "-input=false")
        self.tf.run(work, "apply", "-no-color", "-auto-approve")
        write("v2")
        n_before = len(journal_entries(journal))
        # Sample the proxy's counts and the journal every few ms: each ChangeResourceRecordSets is
        # attributed to the journal entries (written BEFORE each write) that appeared since.
        timeline: list[tuple[float, int, int]] = []
        stop = threading.Event()

        def sampler() -> None:
            while not stop.is_set():
                try:
                    c = rp.proxy_counts(self.proxy_ep).get("ChangeResourceRecordSets", 0)
                    timeline.append((time.perf_counter(), c, len(journal_entries(journal))))
                except OSError:
                    pass
                time.sleep(0.005)

        rp.proxy_reset(self.proxy_ep)
        thread = threading.Thread(target=sampler, daemon=True)
        thread.start()
        t0 = time.perf_counter()
        self.tf.run(work, "apply", "-no-color", "-auto-approve")
        elapsed = time.perf_counter() - t0
        stop.set()
        thread.join()
        counts = rp.proxy_counts(self.proxy_ep)
        entries = journal_entries(journal)[n_before:]
        kinds = [entry_kind(e) for e in entries]
        group_wave: dict[int, str] = {}
        for kind, f in kinds:
            if kind in ("GroupStarted", "group_started"):
                group_wave[f.get("group")] = f.get("wave")

        def label(i: int) -> str:
            kind, f = kinds[i]
            wave = group_wave.get(f.get("group"), f.get("wave", "?"))
            if kind in ("Step", "step"):
                return f"{wave} step {f.get('percent')}%"
            if "group" in f:
                return f"{wave} {kind}"
            return kind

        per_label: dict[str, int] = {}
        ambiguous = 0
        prev_c, prev_j = 0, 0
        for _, c, j in timeline:
            j -= n_before
            if c > prev_c:
                # the write belongs to the last entry that announces a write (the journal is
                # written before each write); gate verdicts, intent and promotion announce none
                new_entries = [i for i in range(prev_j, j) if 0 <= i < len(kinds)]
                writing = [i for i in new_entries if kinds[i][0] in WRITING]
                if len(writing) != 1 or c - prev_c != 1:
                    ambiguous += 1
                key = " + ".join(label(i) for i in writing) or "unannounced"
                per_label[key] = per_label.get(key, 0) + (c - prev_c)
                prev_j = j
            elif j > prev_j and c == prev_c:
                # entries without a write since (e.g. gate verdicts): advance only past non-writing kinds
                pass
            prev_c = c
        step_entries = [label(i) for i, (k, _) in enumerate(kinds) if k in ("Step", "step")]
        changes = counts.get("ChangeResourceRecordSets", 0)
        step_calls = {s: per_label.get(s) for s in step_entries}
        return {
            "regions": [r[0] for r in regions], "waves": waves, "steps": steps, "step_interval": a.step_interval,
            "apply_seconds": elapsed, "calls": counts, "total_calls": sum(counts.values()),
            "change_calls": changes, "wave_steps": len(step_entries),
            "change_calls_per_wave_step_overall": changes / len(step_entries) if step_entries else None,
            "change_calls_by_journal_entry": per_label, "step_calls": step_calls,
            "change_calls_per_step_per_wave_max": max((v or 0) for v in step_calls.values()) if step_calls else None,
            "ambiguous_samples": ambiguous,
            "journal_kinds": [k for k, _ in kinds],
        }


    def s3_journal(self) -> dict:
        """The five-region rollout journaled to file:// and to s3://, alternately, --runs times."""
        a = self.args
        bucket = "bench-journal"
        s3_http("PUT", f"{self.moto_ep}/{bucket}")
        regions = [(name, wave, weight, self.region_server() + "/healthz") for name, wave, weight in FIVE]
        waves = five_waves()
        steps = [25, 50, 100]
        seconds: dict[str, list[float]] = {"file": [], "s3": []}
        s3_runs: list[dict] = []
        for run in range(a.runs):
            for store in (("file", "s3") if run % 2 == 0 else ("s3", "file")):
                zone = rp.create_zone(self.moto_ep, DOMAIN)
                work = self.base / f"journal-{store}-{run}"
                work.mkdir()
                prefix = f"run{run}"
                journal = f"file://{work / 'journal'}" if store == "file" else f"s3://{bucket}/{prefix}"
                s3_endpoint = self.proxy_ep if store == "s3" else None

                def write(version: str) -> None:
                    (work / "main.tf").write_text(config(
                        self.moto_ep, journal, zone, version, regions, waves, steps, a.step_interval,
                        "rollback_region", "200ms", 1, 3, 60, s3_endpoint))

                write("v1")
                self.tf.run(work, "init", "-no-color", "-input=false")
                self.tf.run(work, "apply", "-no-color", "-auto-approve")
                write("v2")
                positions_before = len(s3_keys(self.moto_ep, bucket, f"{prefix}/api/journal/"))
                rp.proxy_reset(self.proxy_ep)
                t0 = time.perf_counter()
                self.tf.run(work, "apply", "-no-color", "-auto-approve")
                seconds[store].append(time.perf_counter() - t0)
                if store == "s3":
                    counts = rp.proxy_counts(self.proxy_ep)
                    keys = s3_keys(self.moto_ep, bucket, f"{prefix}/api/journal/")
                    steps_journaled = sum(
                        1 for key in keys[positions_before:]
                        if json.loads(s3_http("GET", f"{self.moto_ep}/{bucket}/{key}")).get("entry", {}).get("kind") == "step"
                    )
                    s3_runs.append({"calls": counts, "positions": len(keys) - positions_before,
                                    "wave_steps": steps_journaled})
                log(f"journal run {run + 1}/{a.runs} {store}: {seconds[store][-1]:.2f} s")
        median = {k: statistics.median(v) for k, v in seconds.items()}
        last = s3_runs[-1]
        requests = sum(last["calls"].values())
        return {
            "regions": [r[0] for r in regions], "steps": steps, "step_interval": a.step_interval,
            "apply_seconds": seconds, "median_apply_seconds": median,
            "ratio_s3_to_file": median["s3"] / median["file"],
            "s3_calls": last["calls"], "s3_requests": requests, "journal_positions": last["positions"],
            "wave_steps": last["wave_steps"],
            "s3_requests_per_position": requests / last["positions"] if last["positions"] else None,
            "s3_requests_per_wave_step": requests / last["wave_steps"] if last["wave_steps"] else None,
        }


def five_waves() -> list[tuple[str, list[str]]]:
    """The waves of FIVE, in order, with their regions."""
    waves: list[tuple[str, list[str]]] = []
    for name, wave, _ in FIVE:
        if not waves or waves[-1][0] != wave:
            waves.append((wave, []))
        waves[-1][1].append(name)
    return waves


def s3_http(method: str, url: str) -> bytes:
    """An unsigned request to moto's S3 (moto routes by the credential scope, never checks it)."""
    headers = {"Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request, "
                                "SignedHeaders=host, Signature=0"}
    req = urllib.request.Request(url, method=method, headers=headers)
    with urllib.request.urlopen(req, timeout=30) as resp:
        return resp.read()


def s3_keys(endpoint: str, bucket: str, prefix: str) -> list[str]:
    """Every key under `prefix`, in order (the bench's journals stay below one 1,000-key page)."""
    answer = ET.fromstring(s3_http("GET", f"{endpoint}/{bucket}?list-type=2&prefix={urllib.parse.quote(prefix)}"))
    return [e.text or "" for e in answer.iter() if e.tag.endswith("}Key") or e.tag == "Key"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="detection runs, and journal runs per store (default 5)")
    parser.add_argument("--ttl", type=int, default=60, help="record TTL, also in the native figure (default 60)")
    parser.add_argument("--min-samples", type=int, default=1, help="gate min_samples for detection (default 1)")
    parser.add_argument("--poll", type=float, default=0.02, help="weight poll interval, s (default 0.02)")
    parser.add_argument("--settle", type=float, default=0.5, help="s held at 50 %% before the fault (default 0.5)")
    parser.add_argument("--step-interval", default="500ms", help="step_interval of the call count rollout")
    parser.add_argument("--profile", default="debug", choices=["debug", "release"],
                        help="cargo profile of the provider, proxy and region server (default debug)")
    parser.add_argument("--only", choices=["detection", "calls", "journal"])
    parser.add_argument("--terraform")
    parser.add_argument("--moto")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--output", default=str(ROOT / "bench/results/rollout.json"))
    args = parser.parse_args()

    base = Path(tempfile.mkdtemp(prefix="globaldeploy-bench-rollout-"))
    bench = Bench(args, base)
    result: dict = {}
    try:
        if args.only in (None, "detection"):
            result["detection"] = bench.detection()
        if args.only in (None, "calls"):
            result["calls"] = bench.calls()
        if args.only in (None, "journal"):
            result["journal"] = bench.s3_journal()
        result["terraform"] = bench.tf.run(base, "version")[1].splitlines()[0]
        result["provider"] = str(bench.provider)
        result["machine"] = f"{platform.machine()} {os.cpu_count()} cpus"
    finally:
        bench.close()
        if args.keep:
            log(f"configurations kept in {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)

    if "detection" in result:
        d = result["detection"]
        print(f"detection -> restore (1 region held at 50 %, gate interval 200 ms, failure_threshold 3, "
              f"min_samples {d['min_samples']}, poll {d['poll_interval_ms']:.0f} ms)")
        print(f"  runs (s)                              : {', '.join(f'{s:.3f}' for s in d['seconds'])}")
        print(f"  median (min .. max)                   : {d['median_seconds']:.3f} s "
              f"({d['min_seconds']:.3f} .. {d['max_seconds']:.3f})")
        print(f"  Route 53 native, 10 s x 3 + TTL {d['ttl']:>3}  : {d['route53_native_seconds']} s -> "
              f"{d['ratio_native']:.0f}x faster")
        print(f"  Route 53 native, 10 s x 3 (no TTL)    : 30 s -> {d['ratio_native_without_ttl']:.0f}x faster")
    if "calls" in result:
        c = result["calls"]
        print(f"Route 53 calls, full v1 -> v2 rollout: {len(c['regions'])} regions, {len(c['waves'])} waves, "
              f"steps {c['steps']}, step_interval {c['step_interval']} ({c['apply_seconds']:.1f} s apply)")
        for step, n in c["step_calls"].items():
            print(f"  ChangeResourceRecordSets {step:<22}: {n if n is not None else '?'}")
        others = {k: v for k, v in c["change_calls_by_journal_entry"].items() if k not in c["step_calls"]}
        for k, v in others.items():
            print(f"  ChangeResourceRecordSets at {k:<19}: {v}")
        print(f"  ChangeResourceRecordSets total        : {c['change_calls']} for {c['wave_steps']} wave-steps "
              f"({c['change_calls_per_wave_step_overall']:.2f} per wave-step incl. non-step writes)")
        for op, n in sorted(c["calls"].items()):
            print(f"  {op:<38}: {n}")
        print(f"  all Route 53 calls                    : {c['total_calls']}")
    if "journal" in result:
        j = result["journal"]
        m = j["median_apply_seconds"]
        print(f"S3 journal vs file journal, the same v1 -> v2 rollout ({len(j['regions'])} regions, steps {j['steps']}, "
              f"step_interval {j['step_interval']}), median of {len(j['apply_seconds']['s3'])} applies each:")
        print(f"  apply seconds, file:// (reference)    : {m['file']:.2f}")
        print(f"  apply seconds, s3://                  : {m['s3']:.2f} ({j['ratio_s3_to_file']:.2f}x)")
        for op, n in sorted(j["s3_calls"].items()):
            print(f"  {op:<38}: {n}")
        print(f"  S3 requests (last run)                : {j['s3_requests']} for {j['journal_positions']} journal "
              f"positions, {j['wave_steps']} wave-steps")
        print(f"  S3 requests per position / wave-step  : {j['s3_requests_per_position']:.2f} / "
              f"{j['s3_requests_per_wave_step']:.2f}")
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    log(f"results in {out}")


if __name__ == "__main__":
    main()
