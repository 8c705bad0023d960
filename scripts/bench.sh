#!/usr/bin/env bash
# The main job: runs the criterion benches on the default profile and prints where the report is.
#
# Today the suite is the evacmap core bench (evacmap against hashbrown, same hasher, 1K/64K/1M
# entries); criterion writes its HTML report to target/criterion/report/index.html. The workload
# suite and evacbench's own report come with the benches and reports issues.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "evacbench: building and running the core bench (about 15 minutes on 2 cores, build included)..." >&2
cargo bench --bench core 2>&1 | while IFS= read -r line; do
    case "$line" in
        core/*:*) printf '%s\n' "$line" ;;                       # probe statistics per size
        Benchmarking*Analyzing) printf '  done: %s\n' "${line#Benchmarking }" | sed 's/: Analyzing$//' ;;
        *time:*) printf '  %s\n' "$line" ;;
        *error*|*panicked*) printf '%s\n' "$line" ;;
    esac
done
status=${PIPESTATUS[0]}
if [ "$status" -ne 0 ]; then
    echo "evacbench: the bench failed (exit $status); rerun 'cargo bench --bench core' to see the full output" >&2
    exit "$status"
fi
report="$(pwd)/target/criterion/report/index.html"
echo "evacbench: report written to $report" >&2
