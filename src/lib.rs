//! evacbench: what is the best way to delete entries from a hash map while it is being iterated?
//!
//! This root crate will hold the workloads, metric probes, runner and the `evacbench` CLI (the
//! benches issue). Today it re-exports the evacuating core so the criterion benches in `benches/`
//! can build against it.

pub use evacmap;
