#!/usr/bin/env bash
# A/A check: runs one profile twice on this commit and compares the two runs by the baseline
# rule. Every flag is a false alarm, so the printed rate is the rule's error rate on this machine.
#
#   bash scripts/aa-check.sh [PROFILE] [--calibrate] [--slowdown CONTENDER=FACTOR]
#
#   PROFILE        tiny (default), default or full
#   --calibrate    make two more runs first and learn this machine's noise floors from them
#                  (writes reports/noise.json, the calibration --baseline uses); the A/A pair
#                  is then judged with floors it was not learned from
#   --slowdown     also check that a real slowdown is caught (default: evacmap-retain=1.2,
#                  every timed value of that contender 20% slower in the second run)
#
# Prints `A/A: X of Y comparisons flagged (Z%)` and exits 1 if more than 5% are flagged, if any
# exact (deterministic) value differs, or if the slowdown is not caught. The runs are written
# under target/evacbench/runs/ like any other (named <date>-<commit>[-k]), with one seed.
set -euo pipefail
cd "$(dirname "$0")/.."

profile=tiny
calibrate=0
slowdown="evacmap-retain=1.2"
while [ $# -gt 0 ]; do
    case "$1" in
        --calibrate) calibrate=1 ;;
        --slowdown) slowdown="$2"; shift ;;
        tiny|default|full) profile="$1" ;;
        *) echo "aa-check: unknown argument '$1' (expected tiny|default|full, --calibrate, --slowdown C=F)" >&2; exit 2 ;;
    esac
    shift
done

target="${CARGO_TARGET_DIR:-target}"
runs="$target/evacbench/runs"
export EVACBENCH_PROFILE="$profile"
export EVACBENCH_SEED="${EVACBENCH_SEED:-20261205}"

echo "aa-check: building (release)..." >&2
cargo bench --no-run --bench evacbench 2>&1 | grep -E '^error' >&2 || true
cargo build --release -q -p evacbench

one_run() {
    local log
    log=$(mktemp)
    if ! cargo bench -q --bench evacbench >"$log" 2>&1; then
        tail -n 30 "$log" >&2
        rm -f "$log"
        echo "aa-check: the $profile run failed" >&2
        exit 1
    fi
    rm -f "$log"
    echo "$runs/$(cat "$runs/latest")"
}

started=$(date +%s)
if [ "$calibrate" = 1 ]; then
    echo "aa-check: calibration runs 1 and 2 of profile '$profile'..." >&2
    c1=$(one_run); echo "aa-check: calibration run 1: $c1" >&2
    c2=$(one_run); echo "aa-check: calibration run 2: $c2" >&2
    cargo run --release -q -p evacbench -- calibrate "$c1" "$c2" --out reports/noise.json
    echo "aa-check: rebuilding with the new calibration..." >&2
    cargo build --release -q -p evacbench
fi

echo "aa-check: A/A run 1 of profile '$profile'..." >&2
a=$(one_run); echo "aa-check: run A: $a" >&2
echo "aa-check: A/A run 2 of profile '$profile'..." >&2
b=$(one_run); echo "aa-check: run B: $b" >&2
echo "aa-check: $(( $(date +%s) - started )) s of runs" >&2

cargo run --release -q -p evacbench -- compare "$a" "$b" --slowdown "$slowdown"
