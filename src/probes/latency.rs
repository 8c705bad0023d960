//! Per-operation latency percentiles: each operation timed with [`Instant`] and recorded in an
//! HDR histogram (3 significant digits, 1 ns to 60 s).
//!
//! Timing single operations includes the cost of reading the clock twice (tens of ns on a VM);
//! [`clock_overhead_ns`] measures it; the runner prints it when a run starts. Percentiles are for comparing
//! contenders under the same probe, not absolute truths about a single lookup.

use std::time::Instant;

use hdrhistogram::Histogram;

/// A latency histogram for one thread; merge them with [`Recorder::merge`].
#[derive(Debug)]
pub struct Recorder {
    hist: Histogram<u64>,
}

/// Percentiles of a recorded distribution, in nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Percentiles {
    /// Operations recorded.
    pub count: u64,
    /// Median.
    pub p50: f64,
    /// 99th percentile.
    pub p99: f64,
    /// 99.9th percentile.
    pub p999: f64,
    /// Slowest operation.
    pub max: f64,
}

impl Default for Recorder {
    fn default() -> Self {
        Recorder::new()
    }
}

impl Recorder {
    /// An empty recorder.
    pub fn new() -> Recorder {
        Recorder {
            hist: Histogram::new_with_bounds(1, 60_000_000_000, 3)
                .expect("static histogram bounds are valid"),
        }
    }

    /// Records one latency in nanoseconds (clamped into the histogram's range).
    #[inline]
    pub fn record(&mut self, ns: u64) {
        self.hist.saturating_record(ns.max(1));
    }

    /// Times `op` and records it; returns its result.
    #[inline]
    pub fn time<R>(&mut self, op: impl FnOnce() -> R) -> R {
        let start = Instant::now();
        let r = op();
        self.record(start.elapsed().as_nanos() as u64);
        r
    }

    /// Adds another recorder's samples.
    pub fn merge(&mut self, other: &Recorder) {
        self.hist
            .add(&other.hist)
            .expect("recorders share the same bounds");
    }

    /// Samples recorded.
    pub fn count(&self) -> u64 {
        self.hist.len()
    }

    /// The percentiles, or `None` if nothing was recorded.
    pub fn percentiles(&self) -> Option<Percentiles> {
        if self.hist.is_empty() {
            return None;
        }
        Some(Percentiles {
            count: self.hist.len(),
            p50: self.hist.value_at_quantile(0.50) as f64,
            p99: self.hist.value_at_quantile(0.99) as f64,
            p999: self.hist.value_at_quantile(0.999) as f64,
            max: self.hist.max() as f64,
        })
    }
}

/// The median cost of an empty timed operation (two clock reads), in nanoseconds.
pub fn clock_overhead_ns() -> f64 {
    let mut r = Recorder::new();
    for _ in 0..10_000 {
        r.time(|| ());
    }
    r.percentiles().map_or(0.0, |p| p.p50)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_follow_the_samples() {
        let mut r = Recorder::new();
        assert!(r.percentiles().is_none());
        for ns in 1..=1000 {
            r.record(ns);
        }
        let mut other = Recorder::new();
        other.record(1_000_000);
        r.merge(&other);
        let p = r.percentiles().unwrap();
        assert_eq!(p.count, 1001);
        assert!((p.p50 - 500.0).abs() <= 1.0, "{p:?}");
        assert!((p.p99 - 990.0).abs() <= 2.0, "{p:?}");
        assert!(p.max >= 999_000.0, "{p:?}");
    }
}
