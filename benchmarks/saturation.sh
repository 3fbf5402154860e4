#!/usr/bin/env bash
# Issue #10's "both cores" target at the Node peer's saturation (1,000 x 200, not pinned), with the
# one control this box allows: each run measures, back to back with the same load generator,
#   peer   the Node peer of ../shared/perf as shipped,
#   ours   our two processes on Redis with PostgreSQL (ours.sh --db pg --procs 2),
#   spec   the same Node peer sending our payload (benchmarks/spec_payload_peer.sh),
# and prints each side's deliveries/s, messages lost, the generator's CPU and its CPU per delivery,
# then ours/peer and ours/spec. At this load the generator is saturated too, so a side's rate is about
# the generator's CPU share over its CPU per delivery (see docs/benchmarks.md).
#
#   benchmarks/saturation.sh [RUNS]          # default 3; commit first (ours.sh clones the checkout)
#
# Extra compare.sh arguments can follow RUNS (e.g. --duration 20).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
PERF="${PERF:-$(cd "$ROOT/../shared/perf" && pwd)}"
RUNS="${1:-3}"
shift || true
LOAD=(--clients 1000 --rate 200 --duration 15 "$@")
WORK="$(mktemp -d "${TMPDIR:-/tmp}/saturation.XXXXXX")"  # kept: each side's log and JSON

summary() { # run side json
  python3 - "$@" <<'PY'
import json, sys
run, side, path = sys.argv[1:]
try:
    d = json.load(open(path))
except (OSError, ValueError):
    print(f"{run:>3}  {side:<5}  (no result)")
    sys.exit()
gen = d["generator"]["windowCpuPercent"]
rate = d["deliveriesPerSec"]
print(f"{run:>3}  {side:<5}  {rate:>10.0f}  {d['lost']:>6}  {d['messagesAcked']:>5}/{d['messagesPlanned']:<5}"
      f"  {gen:>5.1f}  {gen * 1e4 / rate:>6.2f}  {d['server']['windowCpuPercent']:>5.1f}")
PY
}

ratio() { # label numerator.json denominator.json
  python3 - "$@" <<'PY'
import json, sys
label, a, b = sys.argv[1:]
try:
    x, y = (json.load(open(p))["deliveriesPerSec"] for p in (a, b))
    print(f"{label} {x / y:.3f}")
except (OSError, ValueError, ZeroDivisionError):
    print(f"{label} -")
PY
}

for run in $(seq 1 "$RUNS"); do
  "$PERF/ours.sh" "$ROOT" --db pg --procs 2 "${LOAD[@]}" --out "$WORK/$run/ours" >"$WORK/$run.ours.log" 2>&1 || true
  PERF="$PERF" "$HERE/spec_payload_peer.sh" "${LOAD[@]}" --skip-node --out "$WORK/$run/spec" \
    >"$WORK/$run.spec.log" 2>&1 || true
done

echo "results and logs: $WORK"
echo "run  side   deliv/s      lost  acked        gen%   gen µs/deliv  server%"
for run in $(seq 1 "$RUNS"); do
  summary "$run" peer "$WORK/$run/ours/node.json"
  summary "$run" ours "$WORK/$run/ours/target.json"
  summary "$run" spec "$WORK/$run/spec/target.json"
done
for run in $(seq 1 "$RUNS"); do
  ratio "run $run: ours/peer" "$WORK/$run/ours/target.json" "$WORK/$run/ours/node.json"
  ratio "run $run: ours/spec" "$WORK/$run/ours/target.json" "$WORK/$run/spec/target.json"
  ratio "run $run: spec/peer" "$WORK/$run/spec/target.json" "$WORK/$run/ours/node.json"
done
