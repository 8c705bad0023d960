//! evacbench: what is the best way to delete entries from a hash map while it is being iterated,
//! alone or with other threads reading?
//!
//! This crate is the measuring side:
//! * [`workloads`]: the named workloads, their validated parameter sets and the profiles.
//! * [`keys`]: every workload's keys and doom decisions, derived from a seed.
//! * [`key_sequence`]: the golden key/doom file that checks the Go port of [`keys`].
//! * [`oracle`]: the verification every measured run passes before it counts.
//! * [`probes`]: counting allocator, latency percentiles, heap trace, callgrind cache misses.
//! * [`readme`]: README's workload and metric tables, generated and checked.
//! * [`report`]: `evacbench report` (a run, the newest tune run, an optional baseline).
//! * [`runner`]: drives every contender of [`strategies`] through criterion and the probes
//!   and writes records in the schema of the `reports` crate.
//! * [`suite`]: the `cargo bench` entry point (run directory, criterion, report).
//! * [`tune`]: the load-factor tuner (`evacbench tune`).
//! * [`contenders`]: each contender's declared properties and modes, written into `meta.json`.
//! * [`environment`]: the machine and toolchain facts written into every run's `meta.json`.
//! * [`extending`]: how to add a contender (in-tree or from your own crate), a workload, a
//!   metric: the places to touch.
//!
//! # Your own contender
//! A crate outside this workspace benchmarks its own map beside the built-in contenders with
//! [`bench_main!`] and a [`ContenderList`](strategies::registry::ContenderList) of its own,
//! and runs the conformance suite on it with `strategies::conformance` (cargo feature
//! `conformance`); `examples/byo-map/` is a complete one.

pub use evacmap;
pub use strategies;

pub mod contenders;
pub mod environment;
pub mod extending;
pub mod key_sequence;
pub mod keys;
pub mod noise_check;
pub mod oracle;
pub mod probes;
pub mod readme;
pub mod report;
pub mod runner;
pub mod suite;
pub mod tune;
pub mod workloads;
