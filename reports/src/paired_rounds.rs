//! Paired rounds: ranking values of a knob by their time relative to a reference measured in
//! the same round, so that the machine's speed drifting between rounds cancels.
//!
//! The runner measures every value once per round, back to back, in an order shuffled per
//! round, and the reference (the knob's default) twice: the second measurement is an A/A
//! control. A value's time in round `r` divided by the reference's time in round `r` is its
//! *paired ratio*; a slower or faster machine in that round multiplies both and drops out.
//! Each value is summarized by the median of its paired ratios over the rounds, with their
//! interquartile range ([`RatioSummary`]).
//!
//! Two medians are compared against a threshold derived from the A/A control
//! ([`control_threshold`]): the control's per-round log ratios (the reference against itself)
//! show how much one paired ratio varies from round to round when nothing differs (their
//! robust standard deviation `s`, 1.4826 x the median absolute deviation); the median of `R`
//! such ratios varies by about `1.2533 s / sqrt(R)` (the standard error of a median), and the
//! difference of two values' medians, which share the reference, about as much. A difference
//! counts when it is more than [`Z`] of those standard errors: an A/A pair crosses it by chance
//! in about 3 of 1,000 comparisons. The calibrated noise floor of `evacbench compare` is the
//! run-to-run variation of *unpaired* times, drift included; applied to a paired ratio it would
//! count the drift that pairing removed.
//!
//! The control sees only what varies from round to round. What stays fixed for a whole process
//! (where each table landed in memory, what the other core was doing) moves a paired ratio
//! between runs by more than the control shows: on this project's machine, four calm runs of
//! one commit gave ratios 2.5% apart where their controls' thresholds were 1.3-2.1%. So the
//! threshold is the larger of the control's and the run-to-run floor calibrated from repeated
//! tune runs ([`between_runs`], `bash scripts/aa-check.sh tune --calibrate`).

use serde::{Deserialize, Serialize};

use crate::noise::PairedFloor;
use crate::tune_pick::{Candidate, Threshold};

/// Standard errors of the median a paired difference must exceed to count.
pub const Z: f64 = 3.0;

/// The fewest rounds a paired ranking is made from; with fewer, the caller falls back on the
/// unpaired times and the calibrated floor.
pub const MIN_ROUNDS: usize = 5;

/// A value's paired ratios to the reference, summarized.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RatioSummary {
    /// The median of the per-round ratios.
    pub median: f64,
    /// Their first quartile.
    pub q1: f64,
    /// Their third quartile.
    pub q3: f64,
    /// How many rounds.
    pub rounds: usize,
}

/// The per-round ratios `times[r] / reference[r]`; `None` unless both have the same number of
/// rounds (at least one) and every time is finite and positive.
pub fn ratios(times: &[f64], reference: &[f64]) -> Option<Vec<f64>> {
    let ok = |v: &[f64]| v.iter().all(|x| x.is_finite() && *x > 0.0);
    (times.len() == reference.len() && !times.is_empty() && ok(times) && ok(reference))
        .then(|| times.iter().zip(reference).map(|(t, r)| t / r).collect())
}

/// The `p`-quantile of `sorted` (linear between the two nearest ranks).
fn quantile(sorted: &[f64], p: f64) -> f64 {
    let pos = (sorted.len() - 1) as f64 * p;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

fn sorted(v: &[f64]) -> Vec<f64> {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s
}

/// The median and interquartile range of `ratios` (not empty).
pub fn summarize(ratios: &[f64]) -> RatioSummary {
    let s = sorted(ratios);
    RatioSummary {
        median: quantile(&s, 0.5),
        q1: quantile(&s, 0.25),
        q3: quantile(&s, 0.75),
        rounds: s.len(),
    }
}

/// The A/A control: the reference against itself, and the tie threshold it gives.
#[derive(Clone, Debug, PartialEq)]
pub struct Control {
    /// The control's paired ratios, summarized (the median should be near 1).
    pub summary: RatioSummary,
    /// The robust standard deviation of one round's log ratio (1.4826 x its median absolute
    /// deviation).
    pub sigma: f64,
    /// The tie threshold as a relative change: `exp(Z x 1.2533 x sigma / sqrt(rounds)) - 1`.
    pub floor: f64,
}

/// The A/A control of `reference` (its first measurement per round) against `control` (its
/// second); `None` unless they have the same number of rounds, at least [`MIN_ROUNDS`], all
/// finite and positive.
pub fn control_threshold(reference: &[f64], control: &[f64]) -> Option<Control> {
    let r = ratios(control, reference)?;
    if r.len() < MIN_ROUNDS {
        return None;
    }
    let logs: Vec<f64> = r.iter().map(|x| x.ln()).collect();
    let center = quantile(&sorted(&logs), 0.5);
    let deviations: Vec<f64> = logs.iter().map(|x| (x - center).abs()).collect();
    let sigma = 1.4826 * quantile(&sorted(&deviations), 0.5);
    let se = 1.2533 * sigma / (r.len() as f64).sqrt();
    Some(Control {
        summary: summarize(&r),
        sigma,
        floor: (Z * se).exp() - 1.0,
    })
}

impl Control {
    /// The recommender's threshold: ties unless a paired difference is beyond
    /// [`Control::floor`] and beyond `between_runs`, the calibrated run-to-run floor of paired
    /// ratios on this machine (if there is one).
    pub fn threshold(&self, between_runs: Option<&PairedFloor>) -> Threshold {
        let control = format!(
            "{Z} standard errors of a median of {} paired ratios, from the A/A control: the \
             default against itself in the same rounds",
            self.summary.rounds
        );
        match between_runs {
            Some(b) if b.floor > self.floor => Threshold {
                floor: b.floor,
                of: format!(
                    "the run-to-run floor of paired ratios calibrated on this machine, above the \
                     {:.1}% of {control}",
                    self.floor * 100.0
                ),
                memory_floor: 0.0,
                paired: true,
            },
            _ => Threshold {
                floor: self.floor,
                of: control,
                memory_floor: 0.0,
                paired: true,
            },
        }
    }
}

/// A value of a knob with its paired ratio to the reference, as a tune run records it (in
/// [`crate::tune_pick::KnobPick::paired`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PairedValue {
    /// The knob's value.
    pub value: f64,
    /// Its paired ratios to the reference, summarized.
    pub ratio: RatioSummary,
}

/// How far apart two runs' paired ratios of one value are, relative to the larger: the measure
/// [`between_runs`] calibrates its floor on and the tuner's A/A check compares against it.
pub fn relative_difference(a: f64, b: f64) -> f64 {
    (a - b).abs() / a.max(b)
}

/// The run-to-run floor of paired ratios from repeated runs of one commit (each a list of
/// values with their median ratios to the same reference): every pair of runs, every value both
/// measured other than the reference, the relative difference of the two medians. The floor is
/// the upper fence (third quartile plus three interquartile ranges) or the 95th percentile,
/// whichever is larger, and at least 1%, as [`crate::NoiseModel::calibrate`] does for unpaired
/// times. `None` with fewer than two runs or no value measured twice.
pub fn between_runs(runs: &[Vec<PairedValue>], source: String) -> Option<PairedFloor> {
    let mut diffs = Vec::new();
    for (i, a) in runs.iter().enumerate() {
        for b in &runs[i + 1..] {
            for x in a {
                let Some(y) = b.iter().find(|y| y.value == x.value) else {
                    continue;
                };
                let (p, q) = (x.ratio.median, y.ratio.median);
                // The reference against itself is 1 by construction in every run.
                if p == 1.0 && q == 1.0 {
                    continue;
                }
                if p.is_finite() && q.is_finite() && p > 0.0 && q > 0.0 {
                    diffs.push(relative_difference(p, q));
                }
            }
        }
    }
    if diffs.is_empty() {
        return None;
    }
    let d = sorted(&diffs);
    let half = d.len() / 2;
    let (q1, q3) = if d.len() == 1 {
        (d[0], d[0])
    } else {
        (median(&d[..half]), median(&d[d.len() - half..]))
    };
    let fence = q3 + 3.0 * (q3 - q1);
    let p95 = d[((d.len() as f64 * 0.95).ceil() as usize).saturating_sub(1)];
    let round4 = |v: f64| (v * 1e4).round() / 1e4;
    Some(PairedFloor {
        floor: round4(fence.max(p95).max(crate::MIN_FLOOR)),
        pairs: d.len(),
        max_seen: round4(*d.last().expect("not empty")),
        source,
    })
}

/// The median of `v` (not empty).
pub fn median(v: &[f64]) -> f64 {
    quantile(&sorted(v), 0.5)
}

/// The recommender's view of a value measured in paired rounds: its time is the reference's
/// median time multiplied by the value's median paired ratio, and its repetitions the
/// reference's median time multiplied by each round's ratio (so their middle half is the
/// ratios' interquartile range). `None` if the rounds do not pair up.
pub fn candidate(value: f64, memory: f64, times: &[f64], reference: &[f64]) -> Option<Candidate> {
    let r = ratios(times, reference)?;
    let base = median(reference);
    Some(Candidate {
        value,
        memory,
        time: base * summarize(&r).median,
        samples: r.iter().map(|x| base * x).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tune_pick::{pick, Goal};

    /// A tiny deterministic generator (splitmix64) for per-round noise and drift.
    struct Rng(u64);

    impl Rng {
        fn unit(&mut self) -> f64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    /// Load factors with their memory and true time (the shape of the growth threshold's sweep:
    /// memory falls, time rises). Balanced costs (memory / 9.4 + time / 12): 5: 2.57, 6: 2.32,
    /// 6.5: 2.32, 7: 2.38, 8: 2.58; 6 and the default 6.5 cost the same.
    const VALUES: [(f64, f64, f64); 5] = [
        (5.0, 14.8, 12.0),
        (6.0, 11.7, 12.85),
        (6.5, 10.8, 14.0),
        (7.0, 10.2, 15.5),
        (8.0, 9.4, 19.0),
    ];
    const REFERENCE: usize = 2;

    /// `rounds` rounds of every value's time with 2% noise per measurement, each round's times
    /// multiplied by `drift(r)`; returns the times per value and the control.
    fn rounds(
        rounds: usize,
        slower: Option<(usize, f64)>,
        drift: impl Fn(usize) -> f64,
    ) -> (Vec<Vec<f64>>, Vec<f64>) {
        let mut rng = Rng(7);
        let mut noise = move || 1.0 + 0.04 * (rng.unit() - 0.5);
        let mut times = vec![Vec::new(); VALUES.len()];
        let mut control = Vec::new();
        for r in 0..rounds {
            for (i, (_, _, t)) in VALUES.iter().enumerate() {
                let k = match slower {
                    Some((j, k)) if j == i => k,
                    _ => 1.0,
                };
                times[i].push(t * k * drift(r) * noise());
            }
            control.push(VALUES[REFERENCE].2 * drift(r) * noise());
        }
        (times, control)
    }

    fn pick_of(times: &[Vec<f64>], control: &[f64], goal: Goal) -> (f64, Threshold) {
        let th = control_threshold(&times[REFERENCE], control)
            .unwrap()
            .threshold(None);
        let cands: Vec<Candidate> = VALUES
            .iter()
            .zip(times)
            .map(|(&(v, m, _), t)| candidate(v, m, t, &times[REFERENCE]).unwrap())
            .collect();
        (pick(&cands, goal, &th, Some(6.5)).unwrap().value, th)
    }

    #[test]
    fn a_uniform_drift_of_a_round_never_changes_the_pick() {
        for goal in [Goal::Balanced, Goal::Latency, Goal::Memory] {
            let (calm, calm_th) = pick_of(
                &rounds(12, None, |_| 1.0).0,
                &rounds(12, None, |_| 1.0).1,
                goal,
            );
            // Every round's times multiplied by a factor from 0.5 to 2.5, e.g. the machine
            // loaded by another build in some rounds.
            let mut rng = Rng(99);
            let factors: Vec<f64> = (0..12).map(|_| 0.5 + 2.0 * rng.unit()).collect();
            let (times, control) = rounds(12, None, |r| factors[r]);
            let (drifted, th) = pick_of(&times, &control, goal);
            assert_eq!(drifted, calm, "{goal:?}");
            assert!(
                (th.floor - calm_th.floor).abs() < 1e-9,
                "{th:?} {calm_th:?}"
            );
            // A steady slowdown over the run (each round 10% slower than the one before).
            let (times, control) = rounds(12, None, |r| 1.1f64.powi(r as i32));
            assert_eq!(pick_of(&times, &control, goal).0, calm, "{goal:?}");
        }
    }

    #[test]
    fn a_real_difference_of_twice_the_threshold_changes_the_pick() {
        let (times, control) = rounds(12, None, |_| 1.0);
        let (calm, th) = pick_of(&times, &control, Goal::Balanced);
        assert_eq!(calm, 6.5, "the default, unbeaten");
        assert!(th.paired && th.floor > 0.0 && th.floor < 0.05, "{th:?}");
        // 6 faster by twice the threshold (in drifting rounds): its cost, even with its time
        // taken a threshold slower, is now below the default's, so it wins.
        let faster = |k: f64| Some((1, 1.0 / k));
        let (times, control) = rounds(12, faster(1.0 + 2.0 * th.floor), |r| {
            1.0 + 0.3 * (r % 3) as f64
        });
        assert_eq!(pick_of(&times, &control, Goal::Balanced).0, 6.0);
        // Half the threshold does not move it.
        let (times, control) = rounds(12, faster(1.0 + th.floor / 2.0), |_| 1.0);
        assert_eq!(pick_of(&times, &control, Goal::Balanced).0, 6.5);
    }

    #[test]
    fn the_control_gives_the_standard_error_of_a_median() {
        // Log ratios alternating +-0.02: median absolute deviation 0.02.
        let reference = vec![10.0; 16];
        let control: Vec<f64> = (0..16)
            .map(|i| {
                10.0 * if i % 2 == 0 {
                    0.02f64.exp()
                } else {
                    (-0.02f64).exp()
                }
            })
            .collect();
        let c = control_threshold(&reference, &control).unwrap();
        assert!((c.sigma - 1.4826 * 0.02).abs() < 1e-9, "{c:?}");
        let expected = (Z * 1.2533 * 1.4826 * 0.02 / 4.0).exp() - 1.0;
        assert!((c.floor - expected).abs() < 1e-9, "{c:?}");
        assert!((c.summary.median - 1.0).abs() < 0.03);
        assert!(c.threshold(None).describe().contains("A/A control"));
        // Too few rounds, mismatched or broken rounds: no paired threshold.
        assert!(control_threshold(&reference[..4], &control[..4]).is_none());
        assert!(control_threshold(&reference, &control[..8]).is_none());
        assert!(ratios(&[1.0, f64::NAN], &[1.0, 1.0]).is_none());
        assert!(ratios(&[1.0, 2.0], &[1.0, 0.0]).is_none());
    }

    fn run(ratios: &[(f64, f64)]) -> Vec<PairedValue> {
        ratios
            .iter()
            .map(|&(value, median)| PairedValue {
                value,
                ratio: summarize(&[median]),
            })
            .collect()
    }

    #[test]
    fn the_run_to_run_floor_is_the_fence_of_ratio_differences_between_runs() {
        // Three runs of 5, 6 and the reference 6.5: differences of 1%, 2% and 3% (relative to
        // the larger) for 5 and 6, never the reference's 1 against 1.
        let runs = [
            run(&[(5.0, 0.90), (6.0, 0.95), (6.5, 1.0)]),
            run(&[(5.0, 0.90 * 0.99), (6.0, 0.95 * 0.98), (6.5, 1.0)]),
            run(&[(5.0, 0.90 * 0.97), (6.0, 0.95 * 0.98), (6.5, 1.0)]),
        ];
        let f = between_runs(&runs, "test".into()).unwrap();
        assert_eq!(f.pairs, 6);
        // Differences (sorted): 0, 0.0101, 0.0102, 0.0200, 0.0200, 0.0300.
        assert!((f.max_seen - 0.03).abs() < 1e-4, "{f:?}");
        assert!(f.floor >= f.max_seen, "{f:?}");
        // One run, or nothing measured twice: no floor.
        assert!(between_runs(&runs[..1], String::new()).is_none());
        assert!(between_runs(&[run(&[(5.0, 0.9)]), run(&[(6.0, 0.9)])], String::new()).is_none());
        // Identical runs: the 1% minimum.
        let same = [runs[0].clone(), runs[0].clone()];
        assert_eq!(
            between_runs(&same, String::new()).unwrap().floor,
            crate::MIN_FLOOR
        );
    }

    #[test]
    fn the_threshold_is_the_larger_of_the_control_and_the_run_to_run_floor() {
        let reference = vec![10.0; 16];
        let control: Vec<f64> = (0..16)
            .map(|i| 10.0 * if i % 2 == 0 { 1.01 } else { 0.99 })
            .collect();
        let c = control_threshold(&reference, &control).unwrap();
        let floor = |f: f64| PairedFloor {
            floor: f,
            pairs: 6,
            max_seen: f,
            source: String::new(),
        };
        let wide = c.threshold(Some(&floor(c.floor * 2.0)));
        assert_eq!(wide.floor, c.floor * 2.0);
        assert!(
            wide.paired && wide.describe().contains("run-to-run"),
            "{wide:?}"
        );
        let narrow = c.threshold(Some(&floor(c.floor / 2.0)));
        assert_eq!(narrow, c.threshold(None));
    }

    #[test]
    fn a_difference_inside_the_run_to_run_floor_keeps_the_default() {
        // 6 made 8% faster costs 2.24 against the default's 2.33: beyond the control's
        // threshold (3% in these rounds), so it wins; with a 10% run-to-run floor calibrated,
        // its time taken 10% slower (2.34) no longer beats the default, which stays.
        let (times, control) = rounds(12, Some((1, 1.0 / 1.08)), |_| 1.0);
        let c = control_threshold(&times[REFERENCE], &control).unwrap();
        assert!(c.floor < 0.05, "{c:?}");
        let cands: Vec<Candidate> = VALUES
            .iter()
            .zip(&times)
            .map(|(&(v, m, _), t)| candidate(v, m, t, &times[REFERENCE]).unwrap())
            .collect();
        let with = |th: Threshold| pick(&cands, Goal::Balanced, &th, Some(6.5)).unwrap().value;
        assert_eq!(with(c.threshold(None)), 6.0);
        let calibrated = PairedFloor {
            floor: 0.10,
            pairs: 12,
            max_seen: 0.08,
            source: String::new(),
        };
        assert_eq!(with(c.threshold(Some(&calibrated))), 6.5);
    }

    #[test]
    fn summaries_are_median_and_quartiles() {
        let s = summarize(&[1.0, 4.0, 2.0, 3.0, 5.0]);
        assert_eq!((s.median, s.q1, s.q3, s.rounds), (3.0, 2.0, 4.0, 5));
        let c = candidate(7.0, 10.0, &[2.0, 4.0, 6.0], &[1.0, 2.0, 2.0]).unwrap();
        // Ratios 2, 2, 3; the reference's median time is 2.
        assert_eq!((c.time, c.samples.clone()), (4.0, vec![4.0, 4.0, 6.0]));
    }
}
