//! `--baseline`: every cell of the current run against the same cell of an earlier run.

use std::collections::BTreeMap;

use crate::grid::WorkloadGrid;
use crate::model::{Cell, Change, Comparison, Verdict};
use crate::noise::{mann_whitney_p, NoiseModel};
use crate::schema::{Interval, Metric, Params};
use crate::summarize::is_series;
use crate::LoadedRun;

/// (workload, metric, parameters, contender).
pub(crate) type Key = (String, Metric, Params, String);

/// Every comparable cell of a run's grids, by (workload, metric, params, contender).
pub(crate) fn cells(grids: &[WorkloadGrid]) -> BTreeMap<Key, &Cell> {
    let mut cells = BTreeMap::new();
    for grid in grids {
        for table in grid.tables.iter().filter(|t| !is_series(t.metric)) {
            for row in &table.rows {
                for (contender, cell) in table.contenders.iter().zip(&row.cells) {
                    let key = (
                        grid.name.clone(),
                        table.metric,
                        row.params.clone(),
                        contender.clone(),
                    );
                    cells.insert(key, cell);
                }
            }
        }
    }
    cells
}

/// Compares `current` with `baseline_grids` (built from `baseline`); regressions sort first.
pub(crate) fn compare(
    current: &[WorkloadGrid],
    baseline_grids: &[WorkloadGrid],
    baseline: &LoadedRun,
    noise: &NoiseModel,
) -> Comparison {
    let now = cells(current);
    let before = cells(baseline_grids);
    let profile = baseline.meta.environment.profile.as_str();
    let mut changes: Vec<Change> = now
        .iter()
        .filter_map(|(key, cur)| {
            let base = before.get(key)?;
            let (workload, metric, params, contender) = key.clone();
            let (verdict, change, threshold) =
                judge(metric, noise.floor(metric, &workload, profile), base, cur);
            Some(Change {
                workload,
                metric,
                params,
                contender,
                baseline: (*base).clone(),
                current: (*cur).clone(),
                change,
                threshold,
                verdict,
            })
        })
        .collect();
    changes.sort_by(|a, b| {
        let size = |c: &Change| c.change.map_or(f64::INFINITY, f64::abs);
        a.verdict.cmp(&b.verdict).then(size(b).total_cmp(&size(a)))
    });
    Comparison {
        baseline_dir: baseline.dir.display().to_string(),
        baseline_commit: baseline.meta.environment.git_commit.clone(),
        baseline_date: baseline.meta.environment.date.clone(),
        changes,
        only_in_current: now.keys().filter(|k| !before.contains_key(*k)).count(),
        only_in_baseline: before.keys().filter(|k| !now.contains_key(*k)).count(),
    }
}

/// How two runs compare, in numbers: what `scripts/aa-check.sh` prints.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ComparisonSummary {
    /// Pairs with a value on both sides.
    pub comparable: usize,
    /// Of those, flagged as a regression or an improvement.
    pub flagged: usize,
    /// Pairs of exact (deterministic) values.
    pub exact_comparable: usize,
    /// Of those, flagged (any difference).
    pub exact_flagged: usize,
    /// Per metric id: (comparable, flagged).
    pub by_metric: BTreeMap<String, (usize, usize)>,
    /// One line per flagged pair, largest change first.
    pub flagged_pairs: Vec<String>,
    /// Verification status changes (newly failing or fixed).
    pub status_changes: usize,
}

/// Compares `current` with `baseline` under `noise`, as `--baseline` does, and counts.
pub fn compare_runs(
    current: &LoadedRun,
    baseline: &LoadedRun,
    noise: &NoiseModel,
) -> ComparisonSummary {
    let comparison = compare(
        &crate::grid::build(current),
        &crate::grid::build(baseline),
        baseline,
        noise,
    );
    let mut s = ComparisonSummary::default();
    for ch in &comparison.changes {
        match ch.verdict {
            Verdict::NewlyFailing | Verdict::Fixed => {
                s.status_changes += 1;
                continue;
            }
            Verdict::NotComparable => continue,
            _ => {}
        }
        let flagged = matches!(ch.verdict, Verdict::Regression | Verdict::Improvement);
        s.comparable += 1;
        let entry = s.by_metric.entry(ch.metric.id().to_owned()).or_default();
        entry.0 += 1;
        if ch.baseline.interval() == Interval::Exact && ch.current.interval() == Interval::Exact {
            s.exact_comparable += 1;
            s.exact_flagged += usize::from(flagged);
        }
        if flagged {
            s.flagged += 1;
            entry.1 += 1;
            s.flagged_pairs.push(format!(
                "{:?} {}/{}/{} {}: {} -> {} ({:+.1}%, threshold {:.1}%)",
                ch.verdict,
                ch.workload,
                ch.contender,
                ch.params,
                ch.metric.id(),
                ch.baseline.value().unwrap_or(f64::NAN),
                ch.current.value().unwrap_or(f64::NAN),
                ch.change.unwrap_or(f64::NAN) * 100.0,
                ch.threshold.unwrap_or(0.0) * 100.0
            ));
        }
    }
    s
}

/// The value a comparison uses for a cell: the median of its samples when it kept at least 4
/// (robust to the one descheduled sample that moves a mean), else its value.
pub(crate) fn typical(cell: &Cell) -> Option<f64> {
    let samples = cell.samples();
    if samples.len() >= 4 {
        crate::schema::median(samples)
    } else {
        cell.value()
    }
}

/// The significance level of the rank test on two runs' samples.
pub(crate) const ALPHA: f64 = 0.05;

/// Applies the noise rule (stated in the report's rules) to one pair of cells:
/// - exact values (deterministic for the seed) on both sides: any difference counts;
/// - otherwise the relative change must exceed `floor` (the metric's calibrated A/A noise), and
///   where both sides kept at least 4 samples, a Mann-Whitney U test of the samples must also
///   reject "same distribution" at [`ALPHA`].
///
/// Returns the verdict, the relative change and the threshold it was held against.
pub(crate) fn judge(
    metric: Metric,
    floor: f64,
    base: &Cell,
    cur: &Cell,
) -> (Verdict, Option<f64>, Option<f64>) {
    let direction = metric.direction();
    match (base, cur) {
        (Cell::Ok { value: b, .. }, Cell::Ok { value: c, .. }) => {
            let worse_or_better = |better| {
                if better {
                    Verdict::Improvement
                } else {
                    Verdict::Regression
                }
            };
            let exact = base.interval() == Interval::Exact && cur.interval() == Interval::Exact;
            if *b == 0.0 {
                let verdict = if *c == 0.0 || (!exact && c.abs() <= floor * b.abs().max(1e-9)) {
                    Verdict::Unchanged
                } else {
                    worse_or_better(direction.better(*c, *b))
                };
                return (verdict, (*c == 0.0).then_some(0.0), None);
            }
            if exact {
                let change = (c - b) / b.abs();
                let verdict = if c == b {
                    Verdict::Unchanged
                } else {
                    worse_or_better(direction.better(*c, *b))
                };
                return (verdict, Some(change), Some(0.0));
            }
            // Both sides' samples, if kept, give a robust change (medians) and a rank test.
            let (tb, tc) = match (typical(base), typical(cur)) {
                (Some(tb), Some(tc)) if tb != 0.0 => (tb, tc),
                _ => (*b, *c),
            };
            let change = (tc - tb) / tb.abs();
            let beyond_floor = change.abs() > floor;
            let tested = match mann_whitney_p(base.samples(), cur.samples()) {
                Some(p) => p < ALPHA,
                None => true,
            };
            let verdict = if beyond_floor && tested {
                worse_or_better(direction.better(tc, tb))
            } else {
                Verdict::Unchanged
            };
            (verdict, Some(change), Some(floor))
        }
        (Cell::Ok { .. }, Cell::FailedVerification { .. }) => (Verdict::NewlyFailing, None, None),
        (Cell::FailedVerification { .. }, Cell::Ok { .. }) => (Verdict::Fixed, None, None),
        _ => (Verdict::NotComparable, None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(value: f64, interval: Interval, samples: Vec<f64>) -> Cell {
        let (lo, hi) = match interval {
            Interval::Range | Interval::Ci95 => (
                samples.iter().copied().reduce(f64::min),
                samples.iter().copied().reduce(f64::max),
            ),
            _ => (None, None),
        };
        Cell::Ok {
            value,
            ci_low: lo,
            ci_high: hi,
            interval,
            runs: None,
            samples,
            best: false,
        }
    }

    fn timed(scale: f64, jitter: &[f64]) -> Cell {
        let samples: Vec<f64> = jitter.iter().map(|j| 100.0 * scale * (1.0 + j)).collect();
        let mean = samples.iter().sum::<f64>() / samples.len() as f64;
        ok(mean, Interval::Ci95, samples)
    }

    const A: [f64; 10] = [
        0.01, -0.02, 0.005, 0.0, -0.01, 0.015, -0.005, 0.02, -0.015, 0.01,
    ];
    const B: [f64; 10] = [
        -0.01, 0.02, 0.0, 0.01, -0.005, -0.02, 0.015, 0.005, -0.015, 0.0,
    ];

    #[test]
    fn a_shift_within_the_floor_is_noise_even_when_the_samples_differ() {
        let ns = Metric::LatencyNsPerOp;
        // 8% slower, clearly separated samples, but the machine's A/A floor is 12%.
        let (v, change, threshold) = judge(ns, 0.12, &timed(1.0, &A), &timed(1.08, &B));
        assert_eq!(v, Verdict::Unchanged);
        assert!((change.unwrap() - 0.08).abs() < 0.01);
        assert_eq!(threshold, Some(0.12));
    }

    #[test]
    fn a_twenty_percent_slowdown_is_flagged_and_a_speedup_is_an_improvement() {
        let ns = Metric::LatencyNsPerOp;
        assert_eq!(
            judge(ns, 0.12, &timed(1.0, &A), &timed(1.2, &B)).0,
            Verdict::Regression
        );
        assert_eq!(
            judge(ns, 0.12, &timed(1.0, &A), &timed(0.8, &B)).0,
            Verdict::Improvement
        );
    }

    #[test]
    fn a_large_change_the_samples_do_not_support_is_noise() {
        // Same mean shift but the samples overlap completely (one outlier moved the mean).
        let base = ok(100.0, Interval::Ci95, vec![100.0; 10]);
        let mut s = vec![100.0; 9];
        s.push(400.0);
        let cur = ok(130.0, Interval::Ci95, s);
        assert_eq!(
            judge(Metric::LatencyNsPerOp, 0.12, &base, &cur).0,
            Verdict::Unchanged
        );
    }

    #[test]
    fn exact_values_change_on_any_difference_and_never_by_noise() {
        let m = Metric::AllocsPerOp;
        let e = |v| ok(v, Interval::Exact, vec![]);
        assert_eq!(judge(m, 0.5, &e(10.0), &e(10.0)).0, Verdict::Unchanged);
        assert_eq!(judge(m, 0.5, &e(10.0), &e(10.01)).0, Verdict::Regression);
        assert_eq!(judge(m, 0.5, &e(0.0), &e(1.0)).0, Verdict::Regression);
        assert_eq!(judge(m, 0.5, &e(2.0), &e(1.0)).0, Verdict::Improvement);
    }

    #[test]
    fn values_without_samples_are_judged_by_the_floor_alone() {
        let ns = Metric::LookupHitNs;
        let v = |x| ok(x, Interval::None, vec![]);
        assert_eq!(judge(ns, 0.1, &v(100.0), &v(109.0)).0, Verdict::Unchanged);
        assert_eq!(judge(ns, 0.1, &v(100.0), &v(111.0)).0, Verdict::Regression);
        // Higher is better for a higher-is-better metric... and failures are loud.
        let failed = Cell::FailedVerification { reason: "x".into() };
        assert_eq!(judge(ns, 0.1, &v(1.0), &failed).0, Verdict::NewlyFailing);
        assert_eq!(
            judge(ns, 0.1, &Cell::Missing, &v(1.0)).0,
            Verdict::NotComparable
        );
    }
}
