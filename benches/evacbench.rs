//! The evacbench suite: every contender on every workload of the profile chosen with
//! `EVACBENCH_PROFILE` (tiny, default, full), verified, timed with criterion and measured for
//! allocations, latency percentiles and simulated cache misses; writes a run directory and
//! the HTML report under `target/evacbench/`. See `evacbench::suite`.
//!
//! The built-in contenders through the same entry point a crate outside this workspace uses
//! for its own (`examples/byo-map/benches/suite.rs`).

evacbench::bench_main!(evacbench::strategies::registry::BuiltIn);
