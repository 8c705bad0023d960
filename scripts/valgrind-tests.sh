#!/usr/bin/env bash
# Runs every evacmap test binary (unit tests and integration tests) under valgrind memcheck, at a
# reduced test scale (EVACMAP_TEST_SCALE, PROPTEST_CASES), and fails if any run reports a memory
# error, a definite leak, or a failing test.
#
# Needs: cargo, valgrind (Debian: apt-get install valgrind). Environment knobs:
#   EVACMAP_TEST_SCALE  test scale inside valgrind (default 0.05)
#   PROPTEST_CASES      proptest cases per property (default 2)
#   VALGRIND_JOBS       test binaries run at once (default: number of CPUs, at most 2)
#   CARGO_TARGET_DIR    honoured as usual
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v valgrind >/dev/null 2>&1; then
    echo "valgrind-tests: valgrind not found; install it (Debian: apt-get install valgrind)" >&2
    exit 1
fi

export EVACMAP_TEST_SCALE="${EVACMAP_TEST_SCALE:-0.05}"
export PROPTEST_CASES="${PROPTEST_CASES:-2}"
jobs="${VALGRIND_JOBS:-$(nproc 2>/dev/null || echo 1)}"
[ "$jobs" -gt 2 ] && jobs=2

start=$(date +%s)
echo "valgrind-tests: building the evacmap test binaries..." >&2
# Every line of cargo's JSON output that names a test executable (profile "test": true; the
# examples cargo builds alongside are not tests); the path is the value of "executable".
if ! build_json=$(cargo test -p evacmap --no-run --message-format=json 2>/dev/null); then
    echo "valgrind-tests: the build failed; rerun 'cargo test -p evacmap --no-run' to see why" >&2
    exit 1
fi
mapfile -t binaries < <(printf '%s\n' "$build_json" | grep '"test":true' | grep -o '"executable":"[^"]*"' | sed 's/^"executable":"//; s/"$//' | sort -u)
if [ ${#binaries[@]} -eq 0 ]; then
    echo "valgrind-tests: found no test executables in cargo's output" >&2
    exit 1
fi

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
echo "valgrind-tests: ${#binaries[@]} binaries, $jobs at a time, EVACMAP_TEST_SCALE=$EVACMAP_TEST_SCALE PROPTEST_CASES=$PROPTEST_CASES" >&2

# Runs one binary under memcheck; writes its output to a log and its status to a file.
run_one() {
    local bin="$1" name log t0
    name=$(basename "$bin")
    log="$logs/$name.log"
    t0=$(date +%s)
    if valgrind --tool=memcheck --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \
        --quiet "$bin" --test-threads=2 >"$log" 2>&1; then
        echo "  ok    $name ($(($(date +%s) - t0))s)" >&2
        echo 0 >"$log.status"
    else
        echo "  FAIL  $name ($(($(date +%s) - t0))s)" >&2
        echo 1 >"$log.status"
    fi
}

pids=()
for bin in "${binaries[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
        sleep 1
    done
    echo "  run   $(basename "$bin")" >&2
    run_one "$bin" &
    pids+=($!)
done
wait "${pids[@]}" || true

failed=0
for bin in "${binaries[@]}"; do
    log="$logs/$(basename "$bin").log"
    if [ "$(cat "$log.status" 2>/dev/null || echo 1)" != 0 ]; then
        failed=$((failed + 1))
        echo "=== $(basename "$bin") failed under valgrind; its output:" >&2
        tail -n 80 "$log" >&2
    fi
done

elapsed=$(($(date +%s) - start))
if [ "$failed" -ne 0 ]; then
    echo "valgrind-tests: $failed of ${#binaries[@]} binaries failed (${elapsed}s)" >&2
    exit 1
fi
echo "valgrind-tests: all ${#binaries[@]} binaries clean (${elapsed}s)" >&2
