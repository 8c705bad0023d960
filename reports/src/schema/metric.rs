//! The closed set of metrics, with stable ids, units and the direction that is better.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Which way a metric improves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// Smaller values are better (time, bytes, misses).
    Lower,
    /// Larger values are better (entries per cache line).
    Higher,
}

impl Direction {
    /// The phrase every plot and table uses: "lower is better" or "higher is better".
    pub fn phrase(self) -> &'static str {
        match self {
            Direction::Lower => "lower is better",
            Direction::Higher => "higher is better",
        }
    }

    /// True if `a` is strictly better than `b`.
    pub fn better(self, a: f64, b: f64) -> bool {
        match self {
            Direction::Lower => a < b,
            Direction::Higher => a > b,
        }
    }
}

/// The report section a metric belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Time per operation and its tail.
    Latency,
    /// Allocation counts, heap growth, retained and deferred memory ("GC pressure").
    GcPressure,
    /// Simulated cache misses, probe lengths, overflow and entry density.
    Locality,
}

/// One measured quantity. Serialized as its kebab-case [`id`](Metric::id), which never changes
/// for a given schema version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Metric {
    /// Wall time per operation from criterion: the fastest of the timing rounds, or one
    /// window's mean with its confidence interval.
    LatencyNsPerOp,
    /// Median per-operation latency from an HDR histogram.
    LatencyP50Ns,
    /// 99th percentile per-operation latency.
    LatencyP99Ns,
    /// 99.9th percentile per-operation latency.
    LatencyP999Ns,
    /// Slowest single operation.
    LatencyMaxNs,
    /// Heap allocations per operation.
    AllocsPerOp,
    /// Bytes allocated per operation.
    AllocBytesPerOp,
    /// Peak heap above the level at the start of the phase.
    PeakExtraHeapBytes,
    /// Heap still held after the phase, per live entry.
    RetainedBytesPerEntry,
    /// Bytes of removed entries not yet freed (tombstones, pinned snapshots, epoch garbage).
    DeferredGarbageBytes,
    /// Live heap sampled over time; one record per sample, its time in the
    /// [`TIME_PARAM`](crate::schema::TIME_PARAM) parameter.
    HeapBytes,
    /// Simulated L1 data-cache misses per operation.
    D1MissesPerOp,
    /// Simulated last-level cache misses per operation.
    LlMissesPerOp,
    /// Mean entries examined by a successful lookup.
    HitProbe,
    /// Mean entries examined by an unsuccessful lookup.
    MissProbe,
    /// Percentage of buckets that have an overflow bucket.
    OverflowPct,
    /// Live entries per cache line touched during a sweep: `n / D1 misses`, the reciprocal of
    /// [`Metric::D1MissesPerOp`] on one cell. Read from schema-1 runs only; no longer measured.
    LiveEntriesPerLine,
    /// Table bytes per stored entry, overhead included.
    BytesPerEntry,
    /// Mean time of a lookup that finds its key.
    LookupHitNs,
    /// Mean time of a lookup that does not find its key.
    LookupMissNs,
    /// Amortized insert time, growth included.
    InsertNs,
    /// Time of a full sweep divided by the entries visited.
    SweepNsPerEntry,
    /// Go reference contenders: automatic GC cycles completed during the timed phase.
    GcCyclesPerPhase,
    /// Go reference contenders: total stop-the-world GC pause during the timed phase.
    GcPauseNsPerPhase,
    /// Go reference contenders: heap allocated (garbage not yet collected included) right after
    /// the timed phase, above the level before the map was built.
    GcHeapAfterBytes,
    /// Readers' p99 latency while a sweep runs divided by the same readers' p99 with no sweep
    /// (median over repetitions).
    ReaderP99Slowdown,
}

/// Static facts about one metric.
struct Info {
    id: &'static str,
    name: &'static str,
    unit: &'static str,
    direction: Direction,
    category: Category,
    description: &'static str,
}

impl Metric {
    /// Every metric, in the order the report lists them.
    pub const ALL: [Metric; 26] = [
        Metric::LatencyNsPerOp,
        Metric::LatencyP50Ns,
        Metric::LatencyP99Ns,
        Metric::LatencyP999Ns,
        Metric::LatencyMaxNs,
        Metric::ReaderP99Slowdown,
        Metric::LookupHitNs,
        Metric::LookupMissNs,
        Metric::InsertNs,
        Metric::SweepNsPerEntry,
        Metric::AllocsPerOp,
        Metric::AllocBytesPerOp,
        Metric::PeakExtraHeapBytes,
        Metric::RetainedBytesPerEntry,
        Metric::DeferredGarbageBytes,
        Metric::HeapBytes,
        Metric::BytesPerEntry,
        Metric::D1MissesPerOp,
        Metric::LlMissesPerOp,
        Metric::HitProbe,
        Metric::MissProbe,
        Metric::OverflowPct,
        Metric::LiveEntriesPerLine,
        Metric::GcCyclesPerPhase,
        Metric::GcPauseNsPerPhase,
        Metric::GcHeapAfterBytes,
    ];

    /// The per-operation latency percentiles, drawn together as one chart.
    pub const PERCENTILES: [Metric; 4] = [
        Metric::LatencyP50Ns,
        Metric::LatencyP99Ns,
        Metric::LatencyP999Ns,
        Metric::LatencyMaxNs,
    ];

    fn info(self) -> Info {
        use Category::{GcPressure, Latency, Locality};
        use Direction::{Higher, Lower};
        let (id, name, unit, direction, category, description) = match self {
            Metric::LatencyNsPerOp => ("latency-ns-per-op", "time per operation", "ns/op", Lower, Latency,
                "Wall time per operation measured by criterion: in the tiny and default profiles the median sample of the fastest of 4 timing rounds spread over the run, with the rounds' min..max (a measurement whose fresh state takes 100 ms or more per run: one round, its median sample with the samples' min..max); in the full profile the mean of one window's samples, with its bootstrap 95% CI."),
            Metric::LatencyP50Ns => ("latency-p50-ns", "p50 latency", "ns", Lower, Latency,
                "Median latency of single operations (HDR histogram)."),
            Metric::LatencyP99Ns => ("latency-p99-ns", "p99 latency", "ns", Lower, Latency,
                "99th percentile latency of single operations (HDR histogram)."),
            Metric::LatencyP999Ns => ("latency-p999-ns", "p99.9 latency", "ns", Lower, Latency,
                "99.9th percentile latency of single operations (HDR histogram)."),
            Metric::LatencyMaxNs => ("latency-max-ns", "max latency", "ns", Lower, Latency,
                "Slowest single operation observed (HDR histogram)."),
            Metric::LookupHitNs => ("lookup-hit-ns", "lookup hit time", "ns/op", Lower, Latency,
                "Mean time of a lookup that finds its key; on sparse-scan in the tiny and default profiles the fastest timing round's, with the rounds' min..max."),
            Metric::LookupMissNs => ("lookup-miss-ns", "lookup miss time", "ns/op", Lower, Latency,
                "Mean time of a lookup that does not find its key; on sparse-scan in the tiny and default profiles the fastest timing round's, with the rounds' min..max."),
            Metric::InsertNs => ("insert-ns", "insert time", "ns/op", Lower, Latency,
                "Amortized time of an insert, growth included."),
            Metric::SweepNsPerEntry => ("sweep-ns-per-entry", "sweep time per entry", "ns/entry", Lower, Latency,
                "Time of a full sweep divided by the number of entries visited."),
            Metric::AllocsPerOp => ("allocs-per-op", "allocations per operation", "allocations/op", Lower, GcPressure,
                "Heap allocations per operation (counting global allocator)."),
            Metric::AllocBytesPerOp => ("alloc-bytes-per-op", "bytes allocated per operation", "bytes/op", Lower, GcPressure,
                "Bytes allocated per operation (counting global allocator)."),
            Metric::PeakExtraHeapBytes => ("peak-extra-heap-bytes", "peak extra heap", "bytes", Lower, GcPressure,
                "Highest heap level during the phase minus the level when it began."),
            Metric::RetainedBytesPerEntry => ("retained-bytes-per-entry", "retained heap per live entry", "bytes/entry", Lower, GcPressure,
                "Heap still held after the phase, divided by the live entries."),
            Metric::DeferredGarbageBytes => ("deferred-garbage-bytes", "deferred garbage", "bytes", Lower, GcPressure,
                "Bytes of removed entries not yet freed: unswept tombstones, pinned snapshots, epoch garbage."),
            Metric::HeapBytes => ("heap-bytes", "heap over time", "bytes", Lower, GcPressure,
                "Live heap sampled during the phase; the sample time is the t_ms parameter."),
            Metric::BytesPerEntry => ("bytes-per-entry", "bytes per entry", "bytes/entry", Lower, GcPressure,
                "Table bytes per stored entry, overhead included."),
            Metric::D1MissesPerOp => ("d1-misses-per-op", "D1 misses per operation", "misses/op", Lower, Locality,
                "Simulated L1 data-cache misses per operation, per visited entry for sweeps (callgrind, pinned cache geometry)."),
            Metric::LlMissesPerOp => ("ll-misses-per-op", "LL misses per operation", "misses/op", Lower, Locality,
                "Simulated last-level cache misses per operation, per visited entry for sweeps (callgrind, pinned cache geometry)."),
            Metric::HitProbe => ("hit-probe", "probe length (hit)", "entries", Lower, Locality,
                "Mean entries examined by a lookup that finds its key."),
            Metric::MissProbe => ("miss-probe", "probe length (miss)", "entries", Lower, Locality,
                "Mean entries examined by a lookup that does not find its key."),
            Metric::OverflowPct => ("overflow-pct", "buckets with overflow", "%", Lower, Locality,
                "Percentage of buckets that have an overflow bucket."),
            Metric::LiveEntriesPerLine => ("live-entries-per-line", "live entries per cache line", "entries/line", Higher, Locality,
                "n / D1 misses on one sweep cell, a reciprocal of D1 misses per operation; only in runs of schema version 1, no longer measured."),
            Metric::ReaderP99Slowdown => ("reader-p99-slowdown", "readers' p99 slowdown", "x", Lower, Latency,
                "Readers' p99 lookup latency during a sweep divided by the same readers' p99 over the same time with no sweep; median over repetitions, with their range."),
            Metric::GcCyclesPerPhase => ("gc-cycles-per-phase", "GC cycles per phase", "cycles/phase", Lower, GcPressure,
                "Go reference only: automatic GC cycles completed during the timed phase (runtime.MemStats NumGC - NumForcedGC, read before and after the phase)."),
            Metric::GcPauseNsPerPhase => ("gc-pause-ns-per-phase", "GC pause per phase", "ns/phase", Lower, GcPressure,
                "Go reference only: total stop-the-world GC pause during the timed phase (runtime.MemStats PauseTotalNs)."),
            Metric::GcHeapAfterBytes => ("gc-heap-after-bytes", "heap right after the phase", "bytes", Lower, GcPressure,
                "Go reference only: HeapAlloc right after the timed phase, uncollected garbage included, above the level before the map was built."),
        };
        Info {
            id,
            name,
            unit,
            direction,
            category,
            description,
        }
    }

    /// Stable kebab-case id used in records, e.g. `latency-ns-per-op`.
    pub fn id(self) -> &'static str {
        self.info().id
    }

    /// Short human name for titles, e.g. "time per operation".
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// Unit of [`Outcome::Ok`](crate::schema::Outcome::Ok) values, e.g. `ns/op`.
    pub fn unit(self) -> &'static str {
        self.info().unit
    }

    /// Which way is better.
    pub fn direction(self) -> Direction {
        self.info().direction
    }

    /// The report section the metric is shown in.
    pub fn category(self) -> Category {
        self.info().category
    }

    /// True if a single-threaded run with a fixed seed always measures the same value: counts,
    /// bytes and chain statistics, but not times, not the heap sampled over time, and not
    /// simulated cache misses (see [`Metric::layout_floor`]). Producers record such values as
    /// exact on single-threaded cells.
    pub fn deterministic(self) -> bool {
        self.category() != Category::Latency
            && self.layout_floor().is_none()
            && !matches!(
                self,
                Metric::HeapBytes
                    | Metric::GcCyclesPerPhase
                    | Metric::GcPauseNsPerPhase
                    | Metric::GcHeapAfterBytes
            )
    }

    /// The smallest relative change that counts for a metric that moves with memory layout:
    /// callgrind's simulated cache misses repeat exactly for one binary in one environment,
    /// but move with where code, data and the stack land. Measured on this project's machine
    /// (tiny profile): the same binary run with only the size of an unused environment
    /// variable changed moved `d1-misses-per-op` by up to 3.4%, and a commit that only moved
    /// code between files (the runner split) by up to 3.7%; so a 5% floor. `None` for every
    /// other metric.
    pub fn layout_floor(self) -> Option<f64> {
        match self {
            Metric::D1MissesPerOp | Metric::LlMissesPerOp => Some(0.05),
            _ => None,
        }
    }

    /// One-sentence definition, shown in the report's glossary.
    pub fn description(self) -> &'static str {
        self.info().description
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// Error of parsing an unknown metric id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownMetric(pub String);

impl fmt::Display for UnknownMetric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown metric `{}`", self.0)
    }
}

impl std::error::Error for UnknownMetric {}

impl FromStr for Metric {
    type Err = UnknownMetric;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Metric::ALL
            .into_iter()
            .find(|m| m.id() == s)
            .ok_or_else(|| UnknownMetric(s.to_owned()))
    }
}

impl Serialize for Metric {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.id())
    }
}

impl<'de> Deserialize<'de> for Metric {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let id = String::deserialize(deserializer)?;
        id.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_kebab_case_and_round_trip() {
        let mut ids: Vec<&str> = Metric::ALL.iter().map(|m| m.id()).collect();
        for id in &ids {
            assert!(
                id.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{id}"
            );
        }
        for m in Metric::ALL {
            let json = serde_json::to_string(&m).unwrap();
            assert_eq!(json, format!("\"{}\"", m.id()));
            assert_eq!(serde_json::from_str::<Metric>(&json).unwrap(), m);
        }
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), Metric::ALL.len());
    }

    #[test]
    fn unknown_id_is_rejected() {
        assert_eq!(
            "latency".parse::<Metric>(),
            Err(UnknownMetric("latency".into()))
        );
        assert!(serde_json::from_str::<Metric>("\"nope\"").is_err());
    }
}
