#!/usr/bin/env bash
# The main job: runs the whole suite on the default profile (`cargo bench`: the evacbench suite,
# then the evacmap-vs-hashbrown core bench), shows progress, and prints where the report is.
#
#   bash scripts/bench.sh                          # default profile (9 min 51 s on a fresh clone, 2 cores, build included)
#   EVACBENCH_PROFILE=full bash scripts/bench.sh   # the whole matrix (53.5 minutes on a fresh clone, build included, shared 2-core machine)
#   EVACBENCH_PROFILE=tiny bash scripts/bench.sh   # a quick end-to-end check
#
# Progress lines (`[done/total elapsed] workload/contender/params: ...`) come from the suite on
# stderr; criterion's own per-benchmark output is kept in target/evacbench/bench.log.
set -euo pipefail
cd "$(dirname "$0")/.."

target="${CARGO_TARGET_DIR:-target}"
mkdir -p "$target/evacbench"
log="$target/evacbench/bench.log"
profile="${EVACBENCH_PROFILE:-default}"

echo "evacbench: building the benches (release; the first build takes several minutes)..." >&2
cargo bench --no-run --bench evacbench --bench core 2>&1 | grep -E '^ *(Compiling|Finished)|^error' >&2 || true

echo "evacbench: running the suite, profile '$profile' (criterion's output: $log)" >&2
progress() {
    while IFS= read -r line; do
        case "$line" in
            \[*|evacbench:*|error*|*panicked*) printf '%s\n' "$line" >&2 ;;
        esac
    done
}
# stderr (progress) through the filter, stdout (criterion) to the log; pipefail keeps cargo's status.
if ! cargo bench --bench evacbench 2>&1 >"$log" | progress; then
    echo "evacbench: the suite failed; see $log and rerun 'cargo bench --bench evacbench' for the full output" >&2
    exit 1
fi

# Go's own map on the same cells (companion files in the run; not measured, with the reason,
# when Go is missing or its map is a Swiss table), then the report again so it includes Go.
run_dir="$target/evacbench/runs/$(cat "$target/evacbench/runs/latest")"
echo "evacbench: Go's runtime map on the same cells (scripts/go-reference.sh)..." >&2
if ! bash scripts/go-reference.sh "$run_dir"; then
    echo "evacbench: the Go reference reported failures; see $run_dir/go-reference/records.jsonl" >&2
fi
# `--profile bench`: the CLI built by `cargo bench` above, not a second (release) build.
cargo run --profile bench -q -p evacbench -- report "$run_dir" >/dev/null

echo "evacbench: running the core bench (evacmap against hashbrown)..." >&2
if ! cargo bench --bench core >>"$log" 2>&1; then
    echo "evacbench: the core bench failed; see $log" >&2
    exit 1
fi
grep -E '^core/[0-9]+/|time:|^max-load' "$log" | tail -n 40 >&2 || true

report="$(cd "$target" && pwd)/evacbench/report/index.html"
if [ ! -s "$report" ]; then
    echo "evacbench: no report was written at $report" >&2
    exit 1
fi
echo "evacbench: run: $(cd "$target" && pwd)/evacbench/runs/$(cat "$target/evacbench/runs/latest")" >&2
echo "evacbench: report: $report"
