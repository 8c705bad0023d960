//! One threshold's results: [`Row`], its [`Metrics`], and the [`Timing`] of a timed quantity.
//!
//! A time is only worth reporting if the map computed the right answer while it was taken, and
//! a single run of it says little on a shared machine. So every timed quantity is a [`Timing`]:
//! the median of the timed repetitions together with their fastest and slowest, and a row whose
//! map failed any check carries the reason instead of numbers ([`Row::failure`]).

/// A timed quantity: the median of the repetitions and their range.
#[derive(Clone, Debug, PartialEq)]
pub struct Timing {
    /// Median of the repetitions (the reported value).
    pub median: f64,
    /// Fastest repetition.
    pub min: f64,
    /// Slowest repetition.
    pub max: f64,
    /// How many repetitions.
    pub runs: u32,
    /// The repetitions in the order they ran (one per round of the interleaved schedule).
    pub samples: Vec<f64>,
}

impl Timing {
    /// The median and range of `samples`; `None` if there are none or one is not finite.
    pub fn of(samples: &[f64]) -> Option<Timing> {
        if samples.is_empty() || samples.iter().any(|s| !s.is_finite()) {
            return None;
        }
        let mut sorted = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        let mid = sorted.len() / 2;
        let median = if sorted.len() % 2 == 1 {
            sorted[mid]
        } else {
            (sorted[mid - 1] + sorted[mid]) / 2.0
        };
        Some(Timing {
            median,
            min: sorted[0],
            max: sorted[sorted.len() - 1],
            runs: sorted.len() as u32,
            samples: samples.to_vec(),
        })
    }
}

/// Everything measured for one threshold.
#[derive(Clone, Debug, PartialEq)]
pub struct Metrics {
    /// Percentage of buckets that have an overflow bucket, on the max-load table.
    pub overflow_pct: f64,
    /// Overhead bytes per entry on the max-load table: bucket memory in use per entry minus the
    /// key and value size (Go's `bytes/entry`).
    pub bytes_per_entry: f64,
    /// Mean entries examined by a lookup that hits (Go's `hitprobe`).
    pub hit_probe: f64,
    /// Mean entries examined by a lookup that misses (Go's `missprobe`).
    pub miss_probe: f64,
    /// ns per lookup of a present key.
    pub lookup_hit_ns: Timing,
    /// ns per lookup of an absent key.
    pub lookup_miss_ns: Timing,
    /// ns per insert, filling an empty map to the max-load count, growth included (from 4
    /// buckets above load factor 8, see `measure`).
    pub insert_ns: Timing,
    /// ns per entry visited by a `retain` that removes about half the entries.
    pub sweep_ns_per_entry: Timing,
    /// ns per operation of the mixed workload.
    pub mix_ns_per_op: Timing,
    /// Total heap bytes per entry (keys, values and overhead) averaged over the last doubling
    /// of a fill, i.e. over a map whose size is spread evenly in log scale between half and all
    /// of the max-load count.
    pub fill_bytes_per_entry: f64,
    /// Same-size grows evacmap started while filling (overflow chains too long); 0 at Go's
    /// thresholds.
    pub same_size_grows: u64,
    /// ns per operation of the mix in each paired round (every threshold once per round, back
    /// to back; round `r` of every row is the same stretch of time); empty when the rounds did
    /// not run.
    pub mix_rounds: Vec<f64>,
    /// For the reference threshold only (Go's 6.5, or the one nearest it): its second mix
    /// measurement in each round, the A/A control; empty for every other row.
    pub mix_control_rounds: Vec<f64>,
}

/// The result for one threshold.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The growth threshold.
    pub load_factor: f64,
    /// Entries of the max-load table: `floor(load_factor * 2^b)`.
    pub entries: usize,
    /// The measurements, or why there are none (a failed verification).
    pub result: Result<Metrics, String>,
}

impl Row {
    /// The metrics, if the row passed verification.
    pub fn metrics(&self) -> Option<&Metrics> {
        self.result.as_ref().ok()
    }

    /// The verification failure, if any.
    pub fn failure(&self) -> Option<&str> {
        self.result.as_ref().err().map(String::as_str)
    }

    /// True for Go's threshold, 6.5.
    pub fn is_default(&self) -> bool {
        self.load_factor == evacmap::GO_LOAD_FACTOR
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timing_is_the_median_and_range() {
        let t = Timing::of(&[5.0, 1.0, 3.0]).unwrap();
        assert_eq!((t.median, t.min, t.max), (3.0, 1.0, 5.0));
        let t = Timing::of(&[4.0, 1.0, 2.0, 3.0]).unwrap();
        assert_eq!(t.median, 2.5);
        assert_eq!(Timing::of(&[]), None);
        assert_eq!(Timing::of(&[1.0, f64::NAN]), None);
    }
}
