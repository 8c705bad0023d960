//! The records schema: what `cargo bench` and `evacbench tune` write and the report reads.
//!
//! A run directory holds `meta.json` (one [`RunMeta`]) and `records.jsonl` (one [`Record`] per
//! line). Both carry [`SCHEMA_VERSION`]; readers refuse versions newer than their own.

mod meta;
mod metric;
mod record;

pub use meta::{Environment, RunMeta};
pub use metric::{Category, Direction, Metric, UnknownMetric};
pub use record::{BeyondBudget, Outcome, ParamValue, Params, Record};

/// Version of the records schema written by this build; bump it on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// Workload name of the records written by `evacbench tune`.
pub const TUNE_WORKLOAD: &str = "tune";

/// Parameter holding the growth threshold (entries per 8-slot bucket) in tune records.
pub const LOAD_FACTOR_PARAM: &str = "load_factor";

/// Parameter holding the sample time, in milliseconds since the phase began, of
/// [`Metric::HeapBytes`] records (the heap-over-time series).
pub const TIME_PARAM: &str = "t_ms";
