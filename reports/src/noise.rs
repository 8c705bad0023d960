//! Run-to-run noise: the floors a change must pass to count, calibrated from A/A runs.
//!
//! Two runs of the same commit on one machine differ by more than either run's own interval
//! says (page placement, frequency, co-tenants: state drawn once per process moves all of a
//! run's samples together; see `reports/README.md`, "Telling a change from noise"). So a
//! baseline comparison needs, per metric, the size of difference that identical runs produce.
//! [`NoiseModel::calibrate`] learns it from two or more runs of one commit, the way rustc-perf
//! learns its significance thresholds from history: the upper fence Q3 + 3 x IQR of the absolute
//! relative differences of every comparable pair, per metric and workload.
//!
//! The shipped calibration (`reports/noise.json`, made on this project's 2-core machine by
//! `bash scripts/aa-check.sh default --calibrate`) is what `--baseline` uses unless
//! `EVACBENCH_NOISE` names another file.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::grid;
use crate::schema::{Interval, Metric};
use crate::{Error, LoadedRun};

/// The noise floor used for a metric nobody calibrated: a 10% change.
pub const DEFAULT_FLOOR: f64 = 0.10;

/// No calibrated floor is taken below this (a relative change of 1%, criterion's
/// `noise_threshold`): a few identical pairs must not make every tiny change count.
pub const MIN_FLOOR: f64 = 0.01;

/// Pairs a (metric, workload) needs before its own floor is trusted; fewer fall back to the
/// metric's floor over all workloads.
pub const MIN_PAIRS: usize = 8;

/// The environment variable naming a calibration file to use instead of the shipped one.
pub const NOISE_ENV: &str = "EVACBENCH_NOISE";

/// The shipped calibration.
const SHIPPED: &str = include_str!("../noise.json");

/// One calibrated floor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Floor {
    /// Metric id.
    pub metric: Metric,
    /// Workload, or `None` for the metric over all workloads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload: Option<String>,
    /// The profile of the runs it was learned from (a tiny profile's short timings are
    /// noisier than a default one's), or `None` for any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// The relative change (0.1 = 10%) below which a change is noise.
    pub floor: f64,
    /// How many A/A pairs it was learned from.
    pub pairs: usize,
    /// The largest A/A difference seen, for the record.
    pub max_seen: f64,
}

/// The noise floors of one machine, per metric and workload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoiseModel {
    /// Where the calibration came from (machine, date, runs, command).
    pub source: String,
    /// The calibrated floors.
    pub floors: Vec<Floor>,
    /// Deterministic values that differed between the calibration runs: nondeterminism bugs
    /// (should be empty).
    #[serde(default)]
    pub nondeterministic: Vec<String>,
    /// How much the tuner's paired ratios move between runs of one commit
    /// ([`crate::paired_rounds::between_runs`]), if calibrated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paired: Option<PairedFloor>,
}

/// The run-to-run floor of the tuner's paired ratios (a value's mix time over the reference's in
/// the same round, median over the rounds), learned from repeated `evacbench tune` runs of one
/// commit. Within one run the A/A control sees only round-to-round noise; what stays fixed for a
/// whole process (where the tables landed in memory, the other core's neighbour) moves a ratio
/// between runs, and this floor is that movement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairedFloor {
    /// The relative change (0.03 = 3%) two paired ratios must differ by to count.
    pub floor: f64,
    /// How many between-run differences it was learned from.
    pub pairs: usize,
    /// The largest between-run difference seen.
    pub max_seen: f64,
    /// The runs it came from (machine, date, commit, command to remake it).
    pub source: String,
}

impl NoiseModel {
    /// The calibration named by `EVACBENCH_NOISE`, else the shipped one.
    pub fn from_env() -> Result<NoiseModel, Error> {
        match std::env::var_os(NOISE_ENV) {
            Some(path) => NoiseModel::read(Path::new(&path)),
            None => Ok(NoiseModel::shipped()),
        }
    }

    /// The calibration shipped with this build (`reports/noise.json`).
    pub fn shipped() -> NoiseModel {
        serde_json::from_str(SHIPPED).expect("reports/noise.json is valid (checked by a test)")
    }

    /// Reads a calibration file written by [`NoiseModel::write`].
    pub fn read(path: &Path) -> Result<NoiseModel, Error> {
        let text = std::fs::read_to_string(path).map_err(Error::io(path))?;
        let model: NoiseModel = serde_json::from_str(&text).map_err(|e| Error::Corrupt {
            path: path.to_path_buf(),
            line: e.line().max(1),
            message: format!("{e} (a noise calibration written by `evacbench calibrate`)"),
        })?;
        if let Some(f) = model
            .floors
            .iter()
            .find(|f| !f.floor.is_finite() || f.floor < 0.0)
        {
            return Err(Error::Corrupt {
                path: path.to_path_buf(),
                line: 1,
                message: format!(
                    "floor {} of {} is not a non-negative number",
                    f.floor, f.metric
                ),
            });
        }
        Ok(model)
    }

    /// Writes the calibration atomically (nothing partial is left where a good file was).
    pub fn write(&self, path: &Path) -> Result<(), Error> {
        crate::write_atomic(path, |out| {
            serde_json::to_writer_pretty(&mut *out, self)?;
            std::io::Write::write_all(out, b"\n")
        })
    }

    /// The floor of `metric` on `workload` for runs of `profile`: the first calibrated one of
    /// (this workload, this profile) if learned from at least [`MIN_PAIRS`] pairs, (all
    /// workloads, this profile), (this workload, any profile), (all workloads, any profile);
    /// else [`DEFAULT_FLOOR`]; never below the metric's [`Metric::layout_floor`].
    pub fn floor(&self, metric: Metric, workload: &str, profile: &str) -> f64 {
        self.calibrated_floor(metric, workload, profile)
            .max(metric.layout_floor().unwrap_or(0.0))
    }

    fn calibrated_floor(&self, metric: Metric, workload: &str, profile: &str) -> f64 {
        let find = |w: Option<&str>, p: Option<&str>, min_pairs: usize| {
            self.floors.iter().find(|f| {
                f.metric == metric
                    && f.workload.as_deref() == w
                    && p.is_none_or(|p| f.profile.as_deref() == Some(p))
                    && f.pairs >= min_pairs
            })
        };
        find(Some(workload), Some(profile), MIN_PAIRS)
            .or_else(|| find(None, Some(profile), 1))
            .or_else(|| find(Some(workload), None, MIN_PAIRS))
            .or_else(|| find(None, None, 1))
            .map_or(DEFAULT_FLOOR, |f| f.floor)
    }

    /// This model with its paired-ratio floor replaced by `paired` (the other floors stay).
    pub fn with_paired(mut self, paired: PairedFloor) -> NoiseModel {
        self.paired = Some(paired);
        self
    }

    /// This model with the floors of `other`'s profiles replaced by `other`'s (a calibration of
    /// one profile added to a file that holds others).
    pub fn merged_with(mut self, other: NoiseModel) -> NoiseModel {
        let profiles: Vec<Option<String>> =
            other.floors.iter().map(|f| f.profile.clone()).collect();
        self.floors.retain(|f| !profiles.contains(&f.profile));
        self.floors.extend(other.floors);
        let keep: Vec<&str> = self
            .source
            .split("\n")
            .filter(|line| {
                !profiles
                    .iter()
                    .flatten()
                    .any(|p| line.starts_with(&format!("{p}: ")))
            })
            .filter(|l| !l.is_empty() && l.contains(": "))
            .collect();
        let mut source = keep.join("\n");
        if !source.is_empty() {
            source.push('\n');
        }
        source.push_str(&other.source);
        self.source = source;
        self.nondeterministic = other.nondeterministic;
        self.paired = other.paired.or(self.paired);
        self
    }

    /// Learns the floors from `runs`, all of one commit on one machine: every pair of runs,
    /// every value both measured. Exact values are not given floors (they must be equal); any
    /// that differ are listed in [`NoiseModel::nondeterministic`].
    pub fn calibrate(runs: &[LoadedRun], source: String) -> NoiseModel {
        let profile = runs.first().map(|r| r.meta.environment.profile.clone());
        let grids: Vec<_> = runs.iter().map(grid::build).collect();
        let cells: Vec<_> = grids.iter().map(|g| crate::baseline::cells(g)).collect();
        let mut diffs: BTreeMap<(Metric, String), Vec<f64>> = BTreeMap::new();
        let mut nondeterministic = Vec::new();
        for (i, a) in cells.iter().enumerate() {
            for b in &cells[i + 1..] {
                for (key, ca) in a {
                    let Some(cb) = b.get(key) else { continue };
                    let (Some(va), Some(vb)) = (ca.value(), cb.value()) else {
                        continue;
                    };
                    let (workload, metric, params, contender) = key;
                    let exact =
                        ca.interval() == Interval::Exact && cb.interval() == Interval::Exact;
                    // Differences as the baseline rule measures them (medians of samples).
                    let (va, vb) = if exact {
                        (va, vb)
                    } else {
                        (
                            crate::baseline::typical(ca).unwrap_or(va),
                            crate::baseline::typical(cb).unwrap_or(vb),
                        )
                    };
                    if exact {
                        if va != vb {
                            nondeterministic.push(format!(
                                "{workload}/{contender}/{params}: {metric} {va} vs {vb}"
                            ));
                        }
                        continue;
                    }
                    let d = if va == 0.0 && vb == 0.0 {
                        0.0
                    } else {
                        (vb - va).abs() / va.abs().max(vb.abs())
                    };
                    diffs
                        .entry((*metric, workload.clone()))
                        .or_default()
                        .push(d);
                }
            }
        }
        let mut by_metric: BTreeMap<Metric, Vec<f64>> = BTreeMap::new();
        let mut floors = Vec::new();
        for ((metric, workload), d) in &diffs {
            by_metric.entry(*metric).or_default().extend(d);
            floors.push(floor_of(*metric, Some(workload.clone()), d));
        }
        for (metric, d) in &by_metric {
            floors.push(floor_of(*metric, None, d));
        }
        for f in &mut floors {
            f.profile.clone_from(&profile);
        }
        nondeterministic.sort();
        nondeterministic.dedup();
        NoiseModel {
            source,
            floors,
            nondeterministic,
            paired: None,
        }
    }
}

fn floor_of(metric: Metric, workload: Option<String>, diffs: &[f64]) -> Floor {
    let mut d = diffs.to_vec();
    d.sort_by(f64::total_cmp);
    let (q1, q3) = quartiles(&d);
    let fence = q3 + 3.0 * (q3 - q1);
    // With few or lumpy differences (quantized percentiles: mostly 0, a few large) the fence
    // can sit below most of the tail; never below the 95th percentile of what identical runs
    // did, so an A/A pair like the calibration ones flags at most about 5%.
    let p95 = d
        .get(((d.len() as f64 * 0.95).ceil() as usize).saturating_sub(1))
        .copied()
        .unwrap_or(0.0);
    Floor {
        metric,
        workload,
        profile: None,
        floor: round4(fence.max(p95).max(MIN_FLOOR)),
        pairs: d.len(),
        max_seen: round4(d.last().copied().unwrap_or(0.0)),
    }
}

fn round4(v: f64) -> f64 {
    (v * 1e4).round() / 1e4
}

/// rustc-perf's quartiles: medians of the lower and upper halves (middle element left out).
fn quartiles(sorted: &[f64]) -> (f64, f64) {
    let n = sorted.len();
    if n == 0 {
        return (0.0, 0.0);
    }
    if n == 1 {
        return (sorted[0], sorted[0]);
    }
    let half = n / 2;
    let lower = &sorted[..half];
    let upper = &sorted[n - half..];
    let med = |s: &[f64]| crate::schema::median(s).unwrap_or(0.0);
    (med(lower), med(upper))
}

/// Two-sided p-value of the Mann-Whitney U test of `a` against `b` (normal approximation with
/// tie and continuity corrections), as benchstat and Google Benchmark's `compare.py` decide
/// whether two sets of repetitions differ. `None` with fewer than 4 values on a side (no
/// 5%-level difference is detectable then).
pub fn mann_whitney_p(a: &[f64], b: &[f64]) -> Option<f64> {
    let (n1, n2) = (a.len(), b.len());
    if n1 < 4 || n2 < 4 {
        return None;
    }
    let mut all: Vec<(f64, bool)> = a
        .iter()
        .map(|&v| (v, true))
        .chain(b.iter().map(|&v| (v, false)))
        .collect();
    all.sort_by(|x, y| x.0.total_cmp(&y.0));
    let n = all.len();
    let mut rank_sum_a = 0.0;
    let mut tie_term = 0.0;
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && all[j + 1].0 == all[i].0 {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        let t = (j - i + 1) as f64;
        tie_term += t * t * t - t;
        for item in &all[i..=j] {
            if item.1 {
                rank_sum_a += rank;
            }
        }
        i = j + 1;
    }
    let (n1f, n2f, nf) = (n1 as f64, n2 as f64, n as f64);
    let u = rank_sum_a - n1f * (n1f + 1.0) / 2.0;
    let mean = n1f * n2f / 2.0;
    let var = n1f * n2f / 12.0 * ((nf + 1.0) - tie_term / (nf * (nf - 1.0)));
    if var <= 0.0 {
        return Some(1.0);
    }
    let z = ((u - mean).abs() - 0.5).max(0.0) / var.sqrt();
    Some((2.0 * normal_upper_tail(z)).min(1.0))
}

/// P(Z > z) for a standard normal (Abramowitz and Stegun 7.1.26 via erfc; error < 1.5e-7).
fn normal_upper_tail(z: f64) -> f64 {
    let x = z / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    0.5 * poly * (-x * x).exp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_calibration_parses_and_covers_the_timed_metrics() {
        let m = NoiseModel::shipped();
        assert!(!m.source.is_empty());
        for metric in [Metric::LatencyNsPerOp, Metric::LatencyP99Ns] {
            assert!(
                m.floors
                    .iter()
                    .any(|f| f.metric == metric && f.workload.is_none()),
                "{metric} has no floor"
            );
        }
        assert!(m.floors.iter().all(|f| f.floor >= MIN_FLOOR));
    }

    #[test]
    fn layout_sensitive_metrics_never_get_a_floor_below_their_layout_floor() {
        let floor = |metric, floor| Floor {
            metric,
            workload: None,
            profile: None,
            floor,
            pairs: 20,
            max_seen: floor,
        };
        let m = NoiseModel {
            source: "test".into(),
            floors: vec![
                floor(Metric::D1MissesPerOp, MIN_FLOOR),
                floor(Metric::LatencyNsPerOp, 0.02),
            ],
            nondeterministic: Vec::new(),
            paired: None,
        };
        assert_eq!(m.floor(Metric::D1MissesPerOp, "sweep", "tiny"), 0.05);
        assert_eq!(m.floor(Metric::LatencyNsPerOp, "sweep", "tiny"), 0.02);
        assert!(!Metric::D1MissesPerOp.deterministic() && !Metric::LlMissesPerOp.deterministic());
        assert!(Metric::AllocsPerOp.deterministic());
    }

    #[test]
    fn u_test_separates_shifted_samples_and_not_equal_ones() {
        let a = [
            100.0, 101.0, 99.5, 100.5, 98.9, 101.2, 100.1, 99.7, 100.3, 100.8,
        ];
        let same = [
            100.2, 99.1, 100.9, 101.1, 99.8, 100.0, 100.4, 99.3, 100.6, 100.7,
        ];
        let slower: Vec<f64> = a.iter().map(|v| v * 1.2).collect();
        let p_same = mann_whitney_p(&a, &same).unwrap();
        let p_slow = mann_whitney_p(&a, &slower).unwrap();
        assert!(p_same > 0.3, "{p_same}");
        assert!(p_slow < 0.001, "{p_slow}");
        assert_eq!(mann_whitney_p(&a[..3], &same), None);
        // Identical constant samples: no evidence of a difference.
        assert_eq!(mann_whitney_p(&[1.0; 5], &[1.0; 5]), Some(1.0));
    }

    #[test]
    fn normal_tail_matches_known_values() {
        assert!((normal_upper_tail(0.0) - 0.5).abs() < 1e-6);
        assert!((normal_upper_tail(1.959_964) - 0.025).abs() < 1e-5);
        assert!((normal_upper_tail(3.0) - 0.001_35).abs() < 1e-5);
    }

    #[test]
    fn floors_are_the_upper_fence_of_the_differences() {
        let d: Vec<f64> = (1..=20).map(|i| i as f64 / 100.0).collect();
        let f = floor_of(Metric::LatencyNsPerOp, None, &d);
        // Lower half 0.01..0.10 (Q1 0.055), upper half 0.11..0.20 (Q3 0.155): 0.155 + 3 x 0.1,
        // above the 95th percentile (0.19).
        assert!((f.floor - 0.455).abs() < 1e-9, "{f:?}");
        // Mostly identical with a tail: the fence is 0, the 95th percentile is not.
        let mut lumpy = vec![0.0; 18];
        lumpy.extend([0.2, 0.3]);
        let f = floor_of(Metric::LatencyP50Ns, None, &lumpy);
        assert!((f.floor - 0.2).abs() < 1e-9, "{f:?}");
        assert_eq!(f.pairs, 20);
        let tiny = floor_of(Metric::LatencyNsPerOp, None, &[0.0, 0.0, 0.0]);
        assert_eq!(tiny.floor, MIN_FLOOR);
    }

    #[test]
    fn unknown_metrics_fall_back_to_the_metric_then_the_default() {
        let m = NoiseModel {
            source: "test".into(),
            floors: vec![
                Floor {
                    metric: Metric::LatencyNsPerOp,
                    workload: Some("sweep".into()),
                    profile: Some("default".into()),
                    floor: 0.05,
                    pairs: 50,
                    max_seen: 0.06,
                },
                Floor {
                    metric: Metric::LatencyNsPerOp,
                    workload: Some("churn".into()),
                    profile: Some("default".into()),
                    floor: 0.5,
                    pairs: 2,
                    max_seen: 0.6,
                },
                Floor {
                    metric: Metric::LatencyNsPerOp,
                    workload: None,
                    profile: Some("default".into()),
                    floor: 0.08,
                    pairs: 52,
                    max_seen: 0.6,
                },
            ],
            nondeterministic: vec![],
            paired: None,
        };
        assert_eq!(m.floor(Metric::LatencyNsPerOp, "sweep", "default"), 0.05);
        assert_eq!(
            m.floor(Metric::LatencyNsPerOp, "churn", "default"),
            0.08,
            "too few pairs"
        );
        assert_eq!(
            m.floor(Metric::LatencyNsPerOp, "sweep", "tiny"),
            0.05,
            "another profile's floor when this one has none"
        );
        assert_eq!(
            m.floor(Metric::LatencyP99Ns, "sweep", "default"),
            DEFAULT_FLOOR
        );
        let tiny = NoiseModel {
            source: "tiny: two tiny runs".into(),
            floors: vec![Floor {
                metric: Metric::LatencyNsPerOp,
                workload: None,
                profile: Some("tiny".into()),
                floor: 0.3,
                pairs: 100,
                max_seen: 0.4,
            }],
            nondeterministic: vec![],
            paired: None,
        };
        let both = NoiseModel {
            source: "default: two default runs".into(),
            ..m
        }
        .merged_with(tiny);
        assert_eq!(both.floor(Metric::LatencyNsPerOp, "churn", "tiny"), 0.3);
        assert_eq!(both.floor(Metric::LatencyNsPerOp, "sweep", "default"), 0.05);
        assert!(both.source.contains("default: two") && both.source.contains("tiny: two"));
    }

    #[test]
    fn the_paired_floor_survives_a_profile_calibration_and_a_round_trip() {
        let paired = PairedFloor {
            floor: 0.03,
            pairs: 24,
            max_seen: 0.025,
            source: "tune: 4 runs".into(),
        };
        let empty = |source: &str| NoiseModel {
            source: source.into(),
            floors: Vec::new(),
            nondeterministic: Vec::new(),
            paired: None,
        };
        let m = empty("default: old")
            .with_paired(paired.clone())
            .merged_with(empty("tiny: new"));
        assert_eq!(m.paired.as_ref(), Some(&paired));
        let text = serde_json::to_string(&m).unwrap();
        let back: NoiseModel = serde_json::from_str(&text).unwrap();
        assert_eq!(back, m);
        // A file without one reads as uncalibrated.
        let old: NoiseModel = serde_json::from_str(r#"{"source": "x", "floors": []}"#).unwrap();
        assert_eq!(old.paired, None);
    }
}
