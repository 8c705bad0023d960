//! The records schema: what `cargo bench` and `evacbench tune` write and the report reads.
//!
//! A run directory holds `meta.json` (one [`RunMeta`]) and `records.jsonl` (one [`Record`] per
//! line). Both carry [`SCHEMA_VERSION`]; readers refuse versions newer than their own.

mod meta;
mod metric;
mod record;

pub use meta::{ContenderInfo, Environment, Objective, RunMeta, Target};
pub use metric::{Category, Direction, Metric, UnknownMetric};
pub use record::{median, BeyondBudget, Interval, Outcome, ParamValue, Params, Record};

/// Version of the records schema written by this build; bump it on any incompatible change.
///
/// Version 2 added the interval kind (`interval`, `runs`) and per-sample values (`samples`) to
/// measured outcomes, the metric `reader-p99-slowdown`, the `phase` parameter of
/// `readers-during-sweep` percentiles, and `contenders` and `objectives` in `meta.json`; it no
/// longer writes `live-entries-per-line`. Version-1 runs are still read (see
/// [`Record::upgraded`]).
pub const SCHEMA_VERSION: u32 = 2;

/// Workload name of the records written by `evacbench tune`.
pub const TUNE_WORKLOAD: &str = "tune";

/// Parameter of `readers-during-sweep` percentile records: `idle` (the same readers with no
/// sweep running) or `sweep` (while the sweep runs).
pub const PHASE_PARAM: &str = "phase";

/// Parameter holding the growth threshold (entries per 8-slot bucket) in tune records.
pub const LOAD_FACTOR_PARAM: &str = "load_factor";

/// Parameter of tune records naming the knob they sweep (`shrink_below`, `compact_above`,
/// `shards`); the knob's value is the parameter of that name. Records without it sweep
/// [`LOAD_FACTOR_PARAM`].
pub const KNOB_PARAM: &str = "knob";

/// Parameter of tune records naming the workload a column was measured on.
pub const OF_PARAM: &str = "of";

/// Parameter holding the sample time, in milliseconds since the phase began, of
/// [`Metric::HeapBytes`] records (the heap-over-time series).
pub const TIME_PARAM: &str = "t_ms";
