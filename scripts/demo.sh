#!/usr/bin/env bash
# The demo: a three-region rollout with a health-gated automatic rollback, on this machine.
#
#   1. installs what it needs (scripts/setup.sh) and builds the provider, the `globaldeploy` CLI
#      and the region server (debug builds);
#   2. starts a local Route 53 (moto) and one region server per region, whose /healthz can be
#      switched between healthy and failing;
#   3. applies examples/quickstart at v1 (publishes every region), rolls v2 through the waves
#      with each journal entry printed as it is recorded, then rolls v3 while us-east-1 fails its
#      health checks: the gate trips and every region the rollout touched goes back to v2;
#   4. checks through the Route 53 API that every region serves v2, and draws each region's
#      traffic by version over time (SVG).
#
#   bash scripts/demo.sh
#
# Environment:
#   DEMO_FAST=1       a seconds-long schedule (CI) instead of the one a person can watch (~1 min)
#   DEMO_OUT=DIR      where the picture, the final status and the journal go (default:
#                     <cargo target dir>/demo)
#   DEMO_BIN_DIR=DIR  use the binaries already built in DIR instead of building them
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

REGIONS=(us-west-2 us-east-1 eu-west-1) # the quickstart's default canary comes first
BAD_REGION="${REGIONS[1]}"                # in the second wave
STARTED=$SECONDS

step() { printf '\n==> %s\n' "$*"; }
say() { printf '    %s\n' "$*"; }
# Copies stdin to stdout line by line as it arrives, each line after the prefix $1, leaving
# out terraform's warning that dev_overrides are in effect (they are how the demo runs this build).
prefixed() {
  local line skipping=0
  while IFS= read -r line || [[ -n "$line" ]]; do
    if [[ "$line" == "Warning: Provider development overrides"* ]]; then
      skipping=1
    elif ((skipping)); then
      [[ "$line" == *releases. ]] && skipping=0
    else
      printf '%s%s\n' "$1" "$line"
    fi
  done
}
die() {
  echo "demo.sh: error: $*" >&2
  exit 1
}

bash scripts/setup.sh
# shellcheck source=/dev/null
. .tools/env
PY="$ROOT/.venv/bin/python" # has boto3 (a moto dependency), used to talk to moto

target_dir() {
  cargo metadata --format-version 1 --no-deps | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])'
}

if [[ -n "${DEMO_BIN_DIR:-}" ]]; then
  BIN_DIR="$(cd "$DEMO_BIN_DIR" && pwd)"
else
  step "Building the provider, the globaldeploy CLI and the region server (cargo build, debug; the first build takes minutes)"
  # On a terminal cargo shows its progress (a cold build takes minutes and should not look hung);
  # in logs (CI) its per-crate lines would only bury the demo.
  quiet=(--quiet)
  [[ -t 2 ]] && quiet=()
  cargo build "${quiet[@]}" --bins -p terraform-provider-globaldeploy -p globaldeploy-cli -p globaldeploy-region-server
  BIN_DIR="$(target_dir)/debug"
fi
for bin in terraform-provider-globaldeploy globaldeploy region-server; do
  [[ -x "$BIN_DIR/$bin" ]] || die "$BIN_DIR/$bin is missing (build it: cargo build --bins)"
done
GLOBALDEPLOY="$BIN_DIR/globaldeploy"
OUT="${DEMO_OUT:-$(target_dir)/demo}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

if [[ "${DEMO_FAST:-0}" == "1" ]]; then
  SCHEDULE='{"steps": [25, 50, 100], "step_interval": "400ms", "bake_time": "400ms", "gate_interval": "400ms", "min_samples": 2, "failure_threshold": 5, "probe_timeout": "400ms"}'
else
  SCHEDULE='{"steps": [10, 50, 100], "step_interval": "3s", "bake_time": "3s", "gate_interval": "500ms", "min_samples": 4, "failure_threshold": 3, "probe_timeout": "500ms"}'
fi

# ---------------------------------------------------------------------------------------------
# Background processes, stopped on exit
# ---------------------------------------------------------------------------------------------
WORK="$(mktemp -d "${TMPDIR:-/tmp}/globaldeploy-demo.XXXXXX")"
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits until $1 answers HTTP (any status), for at most $2 seconds.
wait_http() {
  "$PY" - "$1" "$2" <<'PY'
import sys, time, urllib.error, urllib.request
url, deadline = sys.argv[1], time.monotonic() + float(sys.argv[2])
while True:
    try:
        urllib.request.urlopen(url, timeout=1)
        break
    except urllib.error.HTTPError:
        break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit(1)
        time.sleep(0.1)
PY
}

step "Starting a local Route 53 (moto) and a region server for each of ${REGIONS[*]}"
MOTO_PORT="$(free_port)"
MOTO="http://127.0.0.1:$MOTO_PORT"
"$MOTO_SERVER_BIN" -H 127.0.0.1 -p "$MOTO_PORT" >"$WORK/moto.log" 2>&1 &
PIDS+=($!)
wait_http "$MOTO/" 60 || die "moto_server did not answer on $MOTO within 60 s: $(tail -n 20 "$WORK/moto.log")"
say "moto:             $MOTO"

REGION_URLS=() # base URL of each region's server, in the order of REGIONS
for region in "${REGIONS[@]}"; do
  "$BIN_DIR/region-server" --port 0 >"$WORK/$region.url" 2>"$WORK/$region.log" &
  PIDS+=($!)
done
for region in "${REGIONS[@]}"; do
  for _ in $(seq 100); do
    [[ -s "$WORK/$region.url" ]] && break
    sleep 0.1
  done
  url="$(head -n 1 "$WORK/$region.url")"
  [[ -n "$url" ]] || die "the region server of $region did not start: $(cat "$WORK/$region.log")"
  REGION_URLS+=("$url")
  say "$(printf '%-17s %s/healthz' "$region:" "$url")"
done

export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_SESSION_TOKEN
ZONE_ID="$("$PY" - "$MOTO" <<'PY'
import sys, boto3
route53 = boto3.client("route53", endpoint_url=sys.argv[1], region_name="us-east-1")
zone = route53.create_hosted_zone(Name="example.com", CallerReference="globaldeploy-demo")
print(zone["HostedZone"]["Id"].rsplit("/", 1)[-1])
PY
)"
say "hosted zone:      example.com ($ZONE_ID)"

# ---------------------------------------------------------------------------------------------
# The quickstart, pointed at moto and the region servers
# ---------------------------------------------------------------------------------------------
cp -R examples/quickstart/. "$WORK/"
"$PY" - "$WORK/demo.auto.tfvars.json" "$ZONE_ID" "$MOTO" "$SCHEDULE" \
  "${REGIONS[0]}=${REGION_URLS[0]}" "${REGIONS[1]}=${REGION_URLS[1]}" "${REGIONS[2]}=${REGION_URLS[2]}" <<'PY'
import json, sys
path, zone_id, moto, schedule, *servers = sys.argv[1:]
weights = {"us-west-2": 20, "us-east-1": 50, "eu-west-1": 30}
regions = {}
for index, server in enumerate(servers):
    name, url = server.split("=", 1)
    # Documentation addresses, one per release, so the API shows which release a set serves.
    network = ["192.0.2", "198.51.100", "203.0.113"][index]
    targets = {f"v{n}": [f"{network}.{10 * n}"] for n in (1, 2, 3)}
    regions[name] = {"targets": targets, "health_url": f"{url}/healthz", "global_weight": weights[name]}
json.dump({
    "zone_id": zone_id,
    "route53_endpoint": moto,
    "skip_credentials_validation": True,
    "regions": regions,
    "schedule": json.loads(schedule),
}, open(path, "w"), indent=2)
PY
cat >"$WORK/.terraformrc" <<RC
provider_installation {
  dev_overrides {
    "registry.terraform.io/globaldeploy/globaldeploy" = "$BIN_DIR"
  }
  direct {}
}
RC
export TF_CLI_CONFIG_FILE="$WORK/.terraformrc" TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1
JOURNAL="file://$WORK/.globaldeploy"
cd "$WORK"

step "terraform init (examples/quickstart, $(terraform version | head -n 1))"
terraform init -no-color >"$WORK/init.log" 2>&1 || die "terraform init failed: $(cat "$WORK/init.log")"

# The journal, live: one line per entry as the provider records it.
"$GLOBALDEPLOY" timeline api --journal "$JOURNAL" --follow --interval 200ms \
  > >(prefixed '    journal   | ') 2>&1 &
PIDS+=($!)

# Plans release $1, shows its schedule as `globaldeploy plan` renders it for a pull request, and
# applies it with terraform's output and the journal interleaved. Returns terraform's status.
roll_out() {
  local release="$1" rc=0
  terraform plan -no-color -var "release=$release" -out=tfplan >"$WORK/plan-$release.log" 2>&1 ||
    die "terraform plan of $release failed: $(cat "$WORK/plan-$release.log")"
  terraform show -json tfplan >"$WORK/plan-$release.json"
  say "the schedule, as \`globaldeploy plan --terraform-plan\` posts it on a pull request (abridged):"
  "$GLOBALDEPLOY" plan --terraform-plan "$WORK/plan-$release.json" >"$WORK/schedule-$release.txt"
  sed -e '/^  Settings$/,$d' -e 's/^/      /' "$WORK/schedule-$release.txt"
  say "terraform apply:"
  terraform apply -no-color tfplan 2>&1 | prefixed '    terraform | ' || rc=$?
  sleep 0.6 # the journal follower prints its last lines
  return "$rc"
}

step "Release v1: publish every region (terraform apply creates the deployment)"
roll_out v1 || die "the v1 apply failed"

step "Release v2: roll through the waves (canary ${REGIONS[0]}, then the rest), health-gated at every step"
roll_out v2 || die "the v2 apply failed"

step "Release v3 goes bad in $BAD_REGION: its region server now answers /healthz with 503"
"$PY" - "${REGION_URLS[1]}/__mode" <<'PY'
import sys, urllib.request
urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=b"failing", method="POST"), timeout=5)
PY
if roll_out v3; then
  die "the v3 apply succeeded, but $BAD_REGION was failing: expected the gate to roll it back"
fi
say "terraform apply failed, as it should: the gate tripped in $BAD_REGION and the rollout was rolled back"

# ---------------------------------------------------------------------------------------------
# Where everything is now
# ---------------------------------------------------------------------------------------------
step "globaldeploy status api (from the journal)"
"$GLOBALDEPLOY" status api --journal "$JOURNAL" | sed 's/^/    /'
"$GLOBALDEPLOY" status api --journal "$JOURNAL" --output json >"$OUT/status.json"

step "Weights through the Route 53 API (moto): every region serves v2 again"
"$PY" - "$MOTO" "$ZONE_ID" "$OUT/route53.json" "$WORK/demo.auto.tfvars.json" <<'PY'
import json, sys, boto3
moto, zone_id, out, tfvars = sys.argv[1:]
regions = json.load(open(tfvars))["regions"]
release_of = {ip: release for r in regions.values() for release, ips in r["targets"].items() for ip in ips}
route53 = boto3.client("route53", endpoint_url=moto, region_name="us-east-1")
sets = route53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
report, wrong = {}, []
for region in regions:
    slots = {}
    for s in sets:
        if s["Name"].rstrip(".") == f"{region}.api.example.com" and "Weight" in s:
            values = [r["Value"] for r in s.get("ResourceRecords", [])]
            slot = s["SetIdentifier"].rsplit("-", 1)[-1]
            slots[slot] = {"weight": s["Weight"], "values": values, "release": release_of.get(values[0]) if values else None}
    serving = {s["release"] for s in slots.values() if s["weight"] > 0}
    report[region] = {"slots": slots, "serving": sorted(serving)}
    cells = "   ".join(f"{slot} {s['weight']:>3} -> {','.join(s['values'])} ({s['release']})" for slot, s in sorted(slots.items()))
    print(f"    {region:<10} {cells}")
    if serving != {"v2"}:
        wrong.append(f"{region} serves {sorted(serving)}")
json.dump(report, open(out, "w"), indent=2)
if wrong:
    sys.exit("demo.sh: error: expected every region on v2 after the rollback: " + "; ".join(wrong))
PY

step "Drawing each region's traffic by version over time"
"$GLOBALDEPLOY" timeline api --journal "$JOURNAL" --svg "$OUT/weights.svg" | sed 's/^/    /'
rm -rf "$OUT/journal"
cp -R "$WORK/.globaldeploy" "$OUT/journal"

step "Done in $((SECONDS - STARTED)) s"
say "v1 was published in every region, v2 rolled through both waves, and v3 was rolled back"
say "automatically when its gate failed in $BAD_REGION: every region serves v2."
say "picture:  $OUT/weights.svg"
say "journal:  $OUT/journal   (globaldeploy timeline api --journal file://$OUT/journal)"
say "status:   $OUT/status.json, weights through the API: $OUT/route53.json"
