#!/usr/bin/env bash
# A/A check: runs one profile twice on this commit and compares the two runs by the baseline
# rule. Every flag is a false alarm, so the printed rate is the rule's error rate on this machine.
#
#   bash scripts/aa-check.sh [PROFILE] [--calibrate] [--slowdown CONTENDER=FACTOR]
#
#   PROFILE        tiny (default), default or full; or tune: the load-factor tuner
#   --calibrate    make two more runs first and learn this machine's noise floors from them
#                  (writes reports/noise.json, the calibration --baseline uses); the A/A pair
#                  is then judged with floors it was not learned from. For tune: four more
#                  runs, whose paired ratios give the run-to-run floor the recommender holds
#                  a load factor's advantage over the default against
#   --slowdown     also check that a real slowdown is caught (default: evacmap-retain=1.2,
#                  every timed value of that contender 20% slower in the second run; for
#                  tune, 8=1.5: load factor 8's paired ratio 50% higher, since the tuner's
#                  run-to-run floor was 23.4% on this project's machine and a 20% change
#                  within it is not flagged, by design; pass --slowdown 8=1.2 to see that)
#
# Prints `A/A: X of Y comparisons flagged (Z%)` and exits 1 if more than 5% are flagged, if any
# exact (deterministic) value differs, or if the slowdown is not caught. For tune it prints both
# runs' picks and paired ratios and exits 1 if the picks differ or the slowdown is not flagged.
# The runs are written under target/evacbench/runs/ like any other (named <date>-<commit>[-k],
# tune runs <date>-<commit>-tune[-k]), with one seed.
set -euo pipefail
cd "$(dirname "$0")/.."

profile=tiny
calibrate=0
slowdown="evacmap-retain=1.2"
while [ $# -gt 0 ]; do
    case "$1" in
        --calibrate) calibrate=1 ;;
        --slowdown) slowdown="$2"; shift ;;
        tiny|default|full|tune) profile="$1" ;;
        *) echo "aa-check: unknown argument '$1' (expected tiny|default|full|tune, --calibrate, --slowdown C=F)" >&2; exit 2 ;;
    esac
    shift
done

target="${CARGO_TARGET_DIR:-target}"
runs="$target/evacbench/runs"
if [ "$profile" != tune ]; then
    export EVACBENCH_PROFILE="$profile"
fi
export EVACBENCH_SEED="${EVACBENCH_SEED:-20261205}"

echo "aa-check: building (the bench profile: release settings)..." >&2
cargo bench --no-run --bench evacbench 2>&1 | grep -E '^error' >&2 || true
cargo build --profile bench -q -p evacbench

if [ "$profile" = tune ] && [ "$slowdown" = "evacmap-retain=1.2" ]; then
    slowdown="8=1.5"
fi

one_run() {
    local log
    log=$(mktemp)
    if [ "$profile" = tune ]; then
        # The default sweep; its run directory (named by the tuner) holds the pick in tune.json.
        local dir
        if ! cargo run --profile bench -q -p evacbench -- tune >/dev/null 2>"$log"; then
            tail -n 30 "$log" >&2
            rm -f "$log"
            echo "aa-check: the tune run failed" >&2
            exit 1
        fi
        dir=$(sed -n 's/^tune: records written to //p' "$log" | tail -n 1)
        rm -f "$log"
        if [ -z "$dir" ]; then
            echo "aa-check: the tune run did not say where its records went" >&2
            exit 1
        fi
        echo "$dir"
        return
    fi
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
    calibration_runs=2
    [ "$profile" = tune ] && calibration_runs=4
    cal=()
    for i in $(seq 1 "$calibration_runs"); do
        echo "aa-check: calibration run $i of $calibration_runs, profile '$profile'..." >&2
        c=$(one_run); echo "aa-check: calibration run $i: $c" >&2
        cal+=("$c")
    done
    cargo run --profile bench -q -p evacbench -- calibrate "${cal[@]}" --out reports/noise.json
    echo "aa-check: rebuilding with the new calibration..." >&2
    cargo build --profile bench -q -p evacbench
fi

echo "aa-check: A/A run 1 of profile '$profile'..." >&2
a=$(one_run); echo "aa-check: run A: $a" >&2
echo "aa-check: A/A run 2 of profile '$profile'..." >&2
b=$(one_run); echo "aa-check: run B: $b" >&2
echo "aa-check: $(( $(date +%s) - started )) s of runs" >&2

cargo run --profile bench -q -p evacbench -- compare "$a" "$b" --slowdown "$slowdown"
