//! Metric probes: what the runner measures besides wall time.
//!
//! * [`alloc`]: a counting global allocator (allocations, bytes, net and peak heap).
//! * [`latency`]: per-operation latency percentiles with hdrhistogram.
//! * [`heap_trace`]: the net heap sampled over time on a background thread.
//! * [`cache`]: simulated cache misses from valgrind's callgrind with a pinned cache geometry.

pub mod alloc;
pub mod cache;
pub mod heap_trace;
pub mod latency;
