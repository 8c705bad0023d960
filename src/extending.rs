//! How to extend the suite: a contender, a workload, a metric. Each is a short list of the
//! places to touch, in the order to touch them; a test fails until the generated tables are
//! current.
//!
//! # A contender
//! See `strategies/README.md`: in-tree, one type plus one line in
//! [`registry::visit`](strategies::registry::visit); out-of-tree (your own crate), one type
//! plus your own [`ContenderList`](strategies::registry::ContenderList), benchmarked with
//! [`bench_main!`](crate::bench_main) and checked with `strategies::conformance`
//! (`examples/byo-map/` does both).
//!
//! # A workload
//! A workload is a declaration (its id, what it models, its unit of work, its objective and
//! its cells in each profile) plus a scenario (what one measured run does and how it is
//! verified). The runner's passes (verify, criterion, allocations, cache) are generic over
//! scenarios and need no change. The places, honestly:
//!
//! 1. **Declaration**, `src/workloads.rs`: a variant of [`Workload`](crate::workloads::Workload)
//!    and its arms in `ALL`, `id`, `models`, `op` and `objective` (the metrics the decision
//!    guide judges it by); a constructor of [`Cell`](crate::workloads::Cell) validating its
//!    parameters and its arms in `Cell::params` and `Cell::label`; its cells in
//!    `Profile::cells` for the tiny, default and full profiles.
//! 2. **Scenario**, a new file `src/runner/scenario/<workload>.rs`: a struct implementing
//!    `Scenario` (`src/runner/scenario/mod.rs`: `setup` untimed, `run` timed and checking its
//!    counts, `verify` checking the state with [`oracle`](crate::oracle)); scenario loops
//!    report progress through a `budget::Meter` so the time budget can stop them.
//! 3. **Dispatch**, `src/runner/dispatch.rs`: one arm in `dispatch_single` (and in
//!    `dispatch_shared` if shared contenders run it differently, with other threads).
//! 4. Only if the workload needs it: extra keys in [`runner::keys_for`](crate::runner::keys_for)
//!    (keys beyond the prefill, as `sweep-during-growth` and `churn` insert);
//!    `src/runner/allocation_pass.rs` to record a heap trace or lookup percentiles for it;
//!    `src/runner/cache_pass.rs` to simulate its cache misses (only `sweep` today); a
//!    `not_applicable` reason in `src/runner/driver.rs` if some contenders cannot run it
//!    (single-threaded ones in `readers-during-sweep`).
//! 5. **Tables**: README's workload table is generated from the declaration
//!    ([`readme::workloads`](crate::readme::workloads)); `cargo run -q --example
//!    readme_tables` prints it and `readme_workload_table_is_current` fails until README has it.
//! 6. **Go reference** (optional): `scripts/go-reference/` runs the same cells on Go's map;
//!    a workload it does not port is simply absent from Go's records.
//!
//! # A metric
//! 1. **Schema**, `reports/src/schema/metric.rs`: a variant of `Metric`, its place in
//!    `Metric::ALL`, and its row in `Metric::info` (id, name, unit, better direction, category,
//!    definition); if it is a function of the seed alone on one thread, list it in
//!    `Metric::deterministic` (baseline comparisons then require it to be identical).
//! 2. **Measurement**: record it where it is measured, with `Recs::make` (which marks a
//!    deterministic value exact); a new probe goes in `src/probes/`. The record emission of
//!    the runner is `src/runner/records.rs`: the not-measured reasons live there too (a metric
//!    a pass cannot measure for a contender is recorded as not measured, with the reason, never
//!    left out), for example `ALLOCATION_PASS_METRICS` when the allocation pass is skipped.
//! 3. **Report**: metrics appear in the report's tables and charts from the schema alone; to
//!    judge a workload by it, name it in that workload's `objective` (`src/workloads.rs`).
//! 4. **Tables**: README's metric table is generated ([`readme::metrics`](crate::readme::metrics));
//!    `readme_metric_table_is_current` fails until README has it.
