#!/usr/bin/env bash
# The out-of-tree check of examples/byo-map: copies it outside the repository, points its two
# relative `path` dependencies at this checkout with absolute paths, then, as its user would,
# runs its tests (the conformance suite on its map, and the broken variant caught) and a tiny
# bench run, and checks that the run and the report list its contender as the user's.
#
# Usage: bash scripts/byo-map-check.sh [DEST]   (default: $TMPDIR/evacbench-byo-map; a fixed
# place, so a second run rebuilds incrementally). Needs no network once this workspace has
# fetched its dependencies: byo-map's Cargo.lock holds the workspace's versions.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
dest=${1:-${TMPDIR:-/tmp}/evacbench-byo-map}
case "$dest" in
    "$repo"/*) echo "byo-map-check: DEST must be outside the repository ($repo)" >&2; exit 2 ;;
esac
name=byo-rwlock-btree

mkdir -p "$dest"
# Keep the copy's target/ (incremental builds); replace everything else.
find "$dest" -mindepth 1 -maxdepth 1 ! -name target -exec rm -rf {} +
(cd "$repo/examples/byo-map" && tar --exclude=./target -cf - .) | (cd "$dest" && tar -xf -)
sed -i -e "s|path = \"\.\./\.\./strategies\"|path = \"$repo/strategies\"|" \
    -e "s|path = \"\.\./\.\.\"|path = \"$repo\"|" "$dest/Cargo.toml"
if grep -q 'path = "\.\.' "$dest/Cargo.toml"; then
    echo "byo-map-check: a relative path is left in $dest/Cargo.toml" >&2
    exit 1
fi
echo "byo-map-check: copied to $dest (dependencies on $repo)"

cd "$dest"
cargo test --offline --locked
EVACBENCH_PROFILE=tiny cargo bench --offline --locked

target=${CARGO_TARGET_DIR:-target}
runs="$target/evacbench/runs"
latest="$runs/$(cat "$runs/latest")"
fail() { echo "byo-map-check: $1" >&2; exit 1; }
grep -q '"complete": *true' "$latest/meta.json" || fail "$latest is not complete"
python3 - "$latest/meta.json" "$name" <<'PY' || fail "meta.json does not declare $name as kind user"
import json, sys
meta = json.load(open(sys.argv[1]))
kinds = {c["name"]: c["kind"] for c in meta["contenders"]}
assert kinds.get(sys.argv[2]) == "user", kinds
assert kinds.get("evacmap-cursor") == "evacmap", "the built-in contenders ran beside it"
PY
grep -q "\"contender\":\"$name\".*\"status\":\"ok\"" "$latest/records.jsonl" ||
    fail "no measured record of $name in $latest/records.jsonl"
grep -q "$name" "$target/evacbench/report/index.html" ||
    fail "the report $target/evacbench/report/index.html does not list $name"
echo "byo-map-check: $name measured ($(grep -c "\"contender\":\"$name\"" "$latest/records.jsonl") records) in $latest; report lists it"
