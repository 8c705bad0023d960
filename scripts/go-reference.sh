#!/usr/bin/env bash
# Go's own map beside its reimplementation: runs the workloads of an evacbench run on Go's runtime
# map (go-range-delete, go-collect-keys, go-rwmutex, go-sharded, go-sync-map), on the same keys,
# doomed sets and seeds as the run's Rust cells, and writes companion files into the run:
#   RUN_DIR/go-reference/records.jsonl   records in the run's schema (contenders go-*)
#   RUN_DIR/go-reference/meta.json       Go version, GOGC, GOEXPERIMENT, map, hash, contenders
# The Rust run is never modified; a re-run replaces the companion atomically. Without a Go
# toolchain, or with a Go whose map is a Swiss table (go1.24+), every Go contender is recorded
# as not measured with the reason. `evacbench report` (and cargo bench's report) include them.
#
#   bash scripts/go-reference.sh                 # the latest run (target/evacbench/runs/latest)
#   bash scripts/go-reference.sh RUN_DIR [-filter TEXT]
#
# The Go module (scripts/go-reference) uses the standard library only; nothing is downloaded.
set -euo pipefail
cd "$(dirname "$0")/.."

target="${CARGO_TARGET_DIR:-target}"
runs="$target/evacbench/runs"
run="${1:-}"
[ $# -gt 0 ] && shift
if [ -z "$run" ]; then
    if [ ! -s "$runs/latest" ]; then
        echo "go-reference: no run given and no $runs/latest; run the suite first (bash scripts/bench.sh)" >&2
        exit 2
    fi
    run="$runs/$(cat "$runs/latest")"
fi
if [ ! -s "$run/meta.json" ] || [ ! -f "$run/records.jsonl" ]; then
    echo "go-reference: $run is not a run directory (no meta.json / records.jsonl)" >&2
    exit 2
fi
out="$run/go-reference"
module=scripts/go-reference
go="${GO_REFERENCE_GO:-go}" # the Go command (tests point it elsewhere)

# Which map this Go runs: classic buckets for go1.19..go1.23 (and go1.24/1.25 built with
# GOEXPERIMENT=noswissmap), a Swiss table otherwise.
reason=""
goversion=""
goexperiment="${GOEXPERIMENT:-}"
if ! command -v "$go" >/dev/null 2>&1; then
    reason="no Go toolchain (go is not on PATH)"
else
    goversion="$("$go" env GOVERSION 2>/dev/null || true)"
    goexperiment="$("$go" env GOEXPERIMENT 2>/dev/null || true)"
    minor="$(printf '%s' "$goversion" | sed -n 's/^go1\.\([0-9]*\).*/\1/p')"
    if [ -z "$minor" ]; then
        reason="cannot read the Go version ('$goversion')"
    elif [ "$minor" -lt 19 ]; then
        reason="$goversion is older than go1.19"
    elif [ "$minor" -ge 26 ] || { [ "$minor" -ge 24 ] && [[ "$goexperiment" != *noswissmap* ]]; }; then
        reason="Go's map is a Swiss table since go1.24 ($goversion), not the classic map evacmap reimplements"
    fi
fi

if [ -n "$reason" ]; then
    echo "go-reference: $reason" >&2
    mkdir -p "$out"
    esc() { printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g'; }
    r="$(esc "$reason")"
    # One not-measured time record per Go contender and Rust cell (workload, params, seed).
    names="$(sed -n 's/^ *"name": *"\(go-[^"]*\)".*/\1/p' "$module/contenders.json")"
    sed -n 's/.*"workload":"\([^"]*\)","params":\({[^}]*}\),"metric":"latency-ns-per-op","unit":"[^"]*","seed":\([0-9]*\).*/\1\t\2\t\3/p' \
        "$run/records.jsonl" | awk -F'\t' '$1 != "tune" && !seen[$0]++' >"$out/cells.tmp"
    : >"$out/records.jsonl.tmp"
    while IFS=$'\t' read -r workload params seed; do
        for name in $names; do
            printf '{"schema":2,"contender":"%s","workload":"%s","params":%s,"metric":"latency-ns-per-op","unit":"ns/op","seed":%s,"status":"not-measured","reason":"%s"}\n' \
                "$name" "$workload" "$params" "$seed" "$r" >>"$out/records.jsonl.tmp"
        done
    done <"$out/cells.tmp"
    rm -f "$out/cells.tmp"
    mapimpl=none
    [ -n "$goversion" ] && mapimpl=swiss
    {
        printf '{\n  "schema": 2,\n  "complete": true,\n  "measured": false,\n  "reason": "%s",\n' "$r"
        printf '  "date": "%s",\n  "go_version": "%s",\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(esc "$goversion")"
        printf '  "gogc": "%s",\n  "goexperiment": "%s",\n' "$(esc "${GOGC:-100 (default)}")" "$(esc "$goexperiment")"
        printf '  "map_implementation": "%s",\n' "$mapimpl"
        printf '  "hash": "Go runtime'"'"'s seeded aeshash/memhash (per-process AES key, per-map hash0), not foldhash",\n'
        printf '  "contenders": '
        cat "$module/contenders.json"
        printf '}\n'
    } >"$out/meta.json.tmp"
    mv "$out/records.jsonl.tmp" "$out/records.jsonl"
    mv "$out/meta.json.tmp" "$out/meta.json"
    echo "go-reference: wrote $(wc -l <"$out/records.jsonl") not-measured records to $out" >&2
    exit 0
fi

mkdir -p "$target/evacbench"
bin="$(cd "$target/evacbench" && pwd)/go-reference"
echo "go-reference: building $module with $goversion (standard library only, no downloads)" >&2
(cd "$module" && GOPROXY=off GOFLAGS=-mod=mod GOTOOLCHAIN=local "$go" build -o "$bin" .)
# Every phase has its own budget inside the program; this bounds the whole run.
timeout "${GO_REFERENCE_TIMEOUT:-3600}" "$bin" -run "$run" "$@"
