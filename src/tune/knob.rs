//! The knobs `evacbench tune` sweeps, and what each one needs: its contender, its values'
//! rules, its default values and workloads, and the cells it runs on.
//!
//! A knob is a build setting of a contender ([`BuildSettings`]): evacmap's growth threshold
//! (`load-factor`) and shrink threshold (`shrink-below`), `tombstone`'s compaction threshold
//! (`compact-above`) and `sharded`'s shard count (`shards`). Every value is checked with the
//! contender's own rule and message before anything runs, and a workload the knob's contender
//! does not run, or on which the knob never acts, is refused with the list of those it applies
//! to.

use std::fmt;
use std::str::FromStr;

use reports::schema::PHASE_PARAM;
use reports::Metric;

use crate::workloads::{BuildSettings, Cell, Workload};

/// A build setting `evacbench tune` can sweep.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Knob {
    /// evacmap's growth threshold (entries per bucket before the table doubles).
    LoadFactor,
    /// evacmap's shrink threshold (a removal leaving fewer than `t * 2^B` entries halves it).
    ShrinkBelow,
    /// `tombstone`'s compaction threshold (dead fraction of the capacity after a sweep).
    CompactAbove,
    /// `sharded`'s shard count.
    Shards,
}

impl Knob {
    /// Every knob, in `--knob` order.
    pub const ALL: [Knob; 4] = [
        Knob::LoadFactor,
        Knob::ShrinkBelow,
        Knob::CompactAbove,
        Knob::Shards,
    ];

    /// The name on the command line.
    pub fn id(self) -> &'static str {
        match self {
            Knob::LoadFactor => "load-factor",
            Knob::ShrinkBelow => "shrink-below",
            Knob::CompactAbove => "compact-above",
            Knob::Shards => "shards",
        }
    }

    /// The record parameter holding its value (and the JSON field `knob`).
    pub fn param(self) -> &'static str {
        match self {
            Knob::LoadFactor => "load_factor",
            Knob::ShrinkBelow => "shrink_below",
            Knob::CompactAbove => "compact_above",
            Knob::Shards => "shards",
        }
    }

    /// The contender whose setting it is.
    pub fn contender(self) -> &'static str {
        match self {
            Knob::LoadFactor | Knob::ShrinkBelow => "evacmap-cursor",
            Knob::CompactAbove => "tombstone",
            Knob::Shards => "sharded",
        }
    }

    /// Values swept when `--values` is not given.
    pub fn default_values(self) -> Vec<f64> {
        match self {
            Knob::LoadFactor => super::config::DEFAULT_LOAD_FACTORS.to_vec(),
            Knob::ShrinkBelow => vec![0.25, 1.0, 1.625, 3.0],
            Knob::CompactAbove => vec![0.25, 0.5, 0.75, 1.0],
            Knob::Shards => vec![1.0, 2.0, 4.0, 8.0, 16.0],
        }
    }

    /// The contender's value when the setting is not given, if it is a value of the knob
    /// (evacmap never shrinks by default: no value of `shrink-below` is its default).
    pub fn default_value(self) -> Option<f64> {
        match self {
            Knob::LoadFactor => Some(evacmap::GO_LOAD_FACTOR),
            Knob::ShrinkBelow => None,
            Knob::CompactAbove => Some(strategies::DEFAULT_COMPACT_ABOVE),
            Knob::Shards => Some(strategies::Build::default_shards() as f64),
        }
    }

    /// Workloads measured when `--workload` is not given: where the knob matters.
    pub fn default_workloads(self) -> Vec<Workload> {
        match self {
            Knob::LoadFactor => Vec::new(),
            Knob::ShrinkBelow => vec![Workload::SparseScan, Workload::Churn],
            Knob::CompactAbove => vec![
                Workload::Sweep,
                Workload::SparseScan,
                Workload::ReadersDuringSweep,
            ],
            Knob::Shards => vec![Workload::ReadersDuringSweep, Workload::Churn],
        }
    }

    /// Workloads the knob applies to: its contender runs them and the setting acts in them.
    pub fn applies_to(self) -> Vec<Workload> {
        match self {
            // Measured on max-load tables of its own (sizes of key and value vary).
            Knob::LoadFactor => Vec::new(),
            // evacmap-cursor is single-threaded: no readers during its sweep.
            Knob::ShrinkBelow => vec![
                Workload::Sweep,
                Workload::SweepDuringGrowth,
                Workload::Churn,
                Workload::SparseScan,
            ],
            // tombstone compacts after a sweep; churn never sweeps.
            Knob::CompactAbove => vec![
                Workload::Sweep,
                Workload::SweepDuringGrowth,
                Workload::ReadersDuringSweep,
                Workload::SparseScan,
            ],
            Knob::Shards => Workload::ALL.to_vec(),
        }
    }

    /// The build settings of value `v` (checked by [`Knob::check`] first).
    pub fn settings(self, v: f64) -> BuildSettings {
        let mut s = BuildSettings::default();
        match self {
            Knob::LoadFactor => s.load_factor = Some(v),
            Knob::ShrinkBelow => s.shrink_below = Some(v),
            Knob::CompactAbove => s.compact_above = Some(v),
            Knob::Shards => s.shards = Some(v as usize),
        }
        s
    }

    /// Checks one value with the contender's own rule; the error says what is accepted.
    pub fn check(self, v: f64) -> Result<(), String> {
        if self == Knob::Shards && (!v.is_finite() || v < 0.0 || v.fract() != 0.0) {
            return Err(format!(
                "shards must be a whole number of at least 1 (got {v}), e.g. 1,2,8"
            ));
        }
        self.settings(v).validate().map_err(|e| e.to_string())
    }

    /// The cell of `workload` the knob's sweep measures (before its settings).
    pub fn cell(self, workload: Workload) -> Cell {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as u32;
        let ok = |c: Result<Cell, crate::workloads::CellError>| c.expect("tune cells are valid");
        match workload {
            Workload::Sweep => ok(Cell::sweep(65_536, 0.5)),
            // 6.5 x 2^13: evacmap at its max load, so the first insert grows it.
            Workload::SweepDuringGrowth => ok(Cell::sweep_during_growth(53_248, 0.5, 26_624)),
            Workload::ReadersDuringSweep => {
                ok(Cell::readers_during_sweep(65_536, 0.5, cores.clamp(1, 4)))
            }
            Workload::Churn => ok(Cell::churn(16_384, 1_024)),
            // A table that held 2^18 entries, 99% deleted, not shrunk by hand: whatever memory
            // comes back is the threshold's doing. evacmap halves a table only as writes go on;
            // the shrink threshold is measured with the 99% removed key by key (expiry by key),
            // as in the figures of docs/tuning.md (taken when a sweep's own removals did not
            // advance a halving); the compaction threshold acts after a sweep, so it keeps the
            // suite's sweep.
            Workload::SparseScan => {
                let cell = ok(Cell::sparse_scan(1 << 18, false));
                if self == Knob::ShrinkBelow {
                    cell.with_removal(crate::workloads::Removal::ByKey)
                } else {
                    cell
                }
            }
        }
    }
}

impl fmt::Display for Knob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl FromStr for Knob {
    type Err = String;

    fn from_str(s: &str) -> Result<Knob, String> {
        Knob::ALL.into_iter().find(|k| k.id() == s).ok_or_else(|| {
            format!(
                "unknown knob `{s}`: expected one of {}",
                Knob::ALL.map(Knob::id).join(", ")
            )
        })
    }
}

/// Parses `--workload`: a workload id.
pub fn parse_workload(text: &str) -> Result<Workload, String> {
    Workload::ALL
        .into_iter()
        .find(|w| w.id() == text.trim())
        .ok_or_else(|| {
            format!(
                "unknown workload `{text}`: expected one of {}",
                Workload::ALL.map(Workload::id).join(", ")
            )
        })
}

/// Parses `--values`: comma-separated numbers (checked against the knob later, when it is
/// known); no empty entries, no duplicates; returned ascending.
pub fn parse_values(text: &str) -> Result<Vec<f64>, String> {
    let mut out: Vec<f64> = Vec::new();
    for part in text.split(',').map(str::trim) {
        let v: f64 = part.parse().map_err(|_| {
            format!("`{part}` in `{text}` is not a number: expected comma-separated numbers, e.g. 0.25,1,3")
        })?;
        if out.iter().any(|x| x.total_cmp(&v).is_eq()) {
            return Err(format!("{v} is listed twice in `{text}`"));
        }
        out.push(v);
    }
    out.sort_by(f64::total_cmp);
    Ok(out)
}

/// One column of a knob's rows: a metric measured on a workload (in a readers' phase).
#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    /// The workload.
    pub workload: Workload,
    /// The metric.
    pub metric: Metric,
    /// The readers' phase (`sweep`, `idle`) of a `readers-during-sweep` percentile.
    pub phase: Option<String>,
}

impl Column {
    /// The JSON and CSV field: `<workload>_<phase>_<metric>` in snake case, e.g.
    /// `sparse_scan_latency_ns_per_op` or `readers_during_sweep_sweep_latency_p99_ns`.
    pub fn field(&self) -> String {
        let mut parts = vec![self.workload.id()];
        if let Some(p) = &self.phase {
            parts.push(p);
        }
        parts.push(self.metric.id());
        parts.join("_").replace('-', "_")
    }

    /// The report's column id (see `reports::tune_pick::column_id`).
    pub fn id(&self) -> String {
        reports::tune_pick::column_id(
            Some(self.workload.id()),
            self.metric.id(),
            self.phase.as_deref(),
        )
    }

    /// True for a time (`_ns`, `_ns_per_op`, `_ns_per_entry`) and false for memory (`bytes`).
    pub fn is_time(&self) -> bool {
        !self.metric.id().contains("bytes")
    }
}

/// True for a metric that is a time or a memory size (the objective metrics a row shows).
fn time_or_memory(metric: Metric) -> bool {
    let id = metric.id();
    id.ends_with("-ns")
        || id.ends_with("-ns-per-op")
        || id.ends_with("-ns-per-entry")
        || id.contains("bytes")
}

/// The columns of a sweep over `workloads`: each workload's objective metrics that are times or
/// memory, then its retained heap per live entry; and which columns the recommendation weighs
/// (time, memory): the first workload's primary metric and its retained heap.
pub fn columns(workloads: &[Workload]) -> (Vec<Column>, usize, usize) {
    let mut cols: Vec<Column> = Vec::new();
    for &w in workloads {
        let o = w.objective();
        for t in o.primary.iter().chain(&o.tie_breakers) {
            if !time_or_memory(t.metric) {
                continue;
            }
            let c = Column {
                workload: w,
                metric: t.metric,
                phase: t.params.get(PHASE_PARAM).map(ToString::to_string),
            };
            if !cols.contains(&c) {
                cols.push(c);
            }
        }
        let retained = Column {
            workload: w,
            metric: Metric::RetainedBytesPerEntry,
            phase: None,
        };
        if !cols.contains(&retained) {
            cols.push(retained);
        }
    }
    let first = workloads[0];
    let primary = &first.objective().primary[0];
    let time = cols
        .iter()
        .position(|c| {
            c.workload == first
                && c.metric == primary.metric
                && c.phase.as_deref()
                    == primary
                        .params
                        .get(PHASE_PARAM)
                        .map(|p| p.to_string())
                        .as_deref()
        })
        .expect("the primary metric is a time");
    let memory = cols
        .iter()
        .position(|c| c.workload == first && c.metric == Metric::RetainedBytesPerEntry)
        .expect("every workload has its retained heap");
    (cols, time, memory)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knobs_parse_and_unknown_ones_list_the_known() {
        assert_eq!("shrink-below".parse(), Ok(Knob::ShrinkBelow));
        let e = "growth".parse::<Knob>().unwrap_err();
        assert!(
            e.contains("unknown knob `growth`")
                && e.contains("load-factor, shrink-below, compact-above, shards"),
            "{e}"
        );
    }

    #[test]
    fn values_are_checked_with_the_contenders_rules() {
        assert_eq!(Knob::ShrinkBelow.check(3.0), Ok(()));
        // Not below half of Go's load factor 6.5.
        let e = Knob::ShrinkBelow.check(3.25).unwrap_err();
        assert!(
            e.contains("invalid shrink threshold 3.25") && e.contains("(0, 3.25)"),
            "{e}"
        );
        let e = Knob::ShrinkBelow.check(f64::NAN).unwrap_err();
        assert!(e.contains("NaN"), "{e}");
        let e = Knob::Shards.check(0.0).unwrap_err();
        assert!(e.contains("shards must be at least 1"), "{e}");
        assert!(Knob::Shards
            .check(1.5)
            .unwrap_err()
            .contains("whole number"));
        assert!(Knob::Shards
            .check(f64::NAN)
            .unwrap_err()
            .contains("whole number"));
        let e = Knob::CompactAbove.check(1.5).unwrap_err();
        assert!(e.contains("(0, 1]"), "{e}");
        assert!(Knob::CompactAbove.check(f64::NAN).is_err());
        assert_eq!(Knob::LoadFactor.check(8.0), Ok(()));
        assert!(Knob::LoadFactor
            .check(17.0)
            .unwrap_err()
            .contains("invalid load factor 17"));
        for k in Knob::ALL {
            for v in k.default_values() {
                assert_eq!(k.check(v), Ok(()), "{k} {v}");
            }
            for w in k.default_workloads() {
                assert!(k.applies_to().contains(&w), "{k} {w}");
            }
        }
    }

    #[test]
    fn values_lists_parse_with_clear_errors() {
        assert_eq!(parse_values("3, 0.25,1"), Ok(vec![0.25, 1.0, 3.0]));
        assert!(parse_values("1,,2").unwrap_err().contains("not a number"));
        assert!(parse_values("1,1.0").unwrap_err().contains("listed twice"));
        assert!(parse_values("nan").unwrap()[0].is_nan());
        assert!(parse_workload("sparse")
            .unwrap_err()
            .contains("sparse-scan"));
        assert_eq!(parse_workload("churn"), Ok(Workload::Churn));
    }

    #[test]
    fn columns_are_times_and_memory_with_the_first_workload_weighed() {
        let (cols, time, memory) = columns(&[Workload::ReadersDuringSweep, Workload::Churn]);
        assert_eq!(
            cols[time].field(),
            "readers_during_sweep_sweep_latency_p99_ns"
        );
        assert_eq!(
            cols[memory].field(),
            "readers_during_sweep_retained_bytes_per_entry"
        );
        for c in &cols {
            let f = c.field();
            assert!(
                f.ends_with("_ns")
                    || f.ends_with("_ns_per_op")
                    || f.ends_with("_ns_per_entry")
                    || f.contains("bytes"),
                "{f}"
            );
            assert_eq!(c.is_time(), !f.contains("bytes"));
        }
        let (cols, time, memory) = columns(&[Workload::SparseScan]);
        assert_eq!(cols[time].field(), "sparse_scan_latency_ns_per_op");
        assert_eq!(cols[memory].id(), "sparse-scan/retained-bytes-per-entry");
    }

    #[test]
    fn cells_carry_the_knobs_settings() {
        for k in [Knob::ShrinkBelow, Knob::CompactAbove, Knob::Shards] {
            for w in k.applies_to() {
                let v = k.default_values()[0];
                let c = k.cell(w).with_settings(k.settings(v)).unwrap();
                assert_eq!(c.params().num(k.param()), Some(v), "{k} {w}");
            }
        }
    }
}
