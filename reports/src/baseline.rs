//! `--baseline`: every cell of the current run against the same cell of an earlier run.

use std::collections::BTreeMap;

use crate::grid::WorkloadGrid;
use crate::model::{Cell, Change, Comparison, Verdict};
use crate::schema::{Metric, Params};
use crate::summarize::is_series;
use crate::LoadedRun;

/// Smallest relative change that can count, whatever the confidence intervals.
pub(crate) const MIN_CHANGE: f64 = 0.05;

type Key = (String, Metric, Params, String);

fn cells(grids: &[WorkloadGrid]) -> BTreeMap<Key, &Cell> {
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
) -> Comparison {
    let now = cells(current);
    let before = cells(baseline_grids);
    let mut changes: Vec<Change> = now
        .iter()
        .filter_map(|(key, cur)| {
            let base = before.get(key)?;
            let (workload, metric, params, contender) = key.clone();
            let (verdict, change, threshold) = judge(metric, base, cur);
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

/// Applies the noise rule (stated in the report's rules) to one pair of cells.
fn judge(metric: Metric, base: &Cell, cur: &Cell) -> (Verdict, Option<f64>, Option<f64>) {
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
            if *b == 0.0 {
                let verdict = if *c == 0.0 {
                    Verdict::Unchanged
                } else {
                    worse_or_better(direction.better(*c, *b))
                };
                return (verdict, (*c == 0.0).then_some(0.0), None);
            }
            let change = (c - b) / b.abs();
            let threshold = MIN_CHANGE.max((base.ci_half_width() + cur.ci_half_width()) / b.abs());
            let verdict = if change.abs() <= threshold {
                Verdict::Unchanged
            } else {
                worse_or_better(direction.better(*c, *b))
            };
            (verdict, Some(change), Some(threshold))
        }
        (Cell::Ok { .. }, Cell::FailedVerification { .. }) => (Verdict::NewlyFailing, None, None),
        (Cell::FailedVerification { .. }, Cell::Ok { .. }) => (Verdict::Fixed, None, None),
        _ => (Verdict::NotComparable, None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(value: f64, ci: Option<(f64, f64)>) -> Cell {
        Cell::Ok {
            value,
            ci_low: ci.map(|c| c.0),
            ci_high: ci.map(|c| c.1),
            best: false,
        }
    }

    #[test]
    fn noise_rule_uses_the_larger_of_five_percent_and_the_intervals() {
        let ns = Metric::LatencyNsPerOp;
        assert_eq!(
            judge(ns, &ok(100.0, None), &ok(104.0, None)).0,
            Verdict::Unchanged
        );
        assert_eq!(
            judge(ns, &ok(100.0, None), &ok(106.0, None)).0,
            Verdict::Regression
        );
        assert_eq!(
            judge(ns, &ok(100.0, None), &ok(90.0, None)).0,
            Verdict::Improvement
        );
        // CIs of +-4 and +-4 widen the threshold to 8%.
        let wide = judge(
            ns,
            &ok(100.0, Some((96.0, 104.0))),
            &ok(107.0, Some((103.0, 111.0))),
        );
        assert_eq!(wide.0, Verdict::Unchanged);
        assert!((wide.2.unwrap() - 0.08).abs() < 1e-12);
        // Higher is better for entries per line.
        assert_eq!(
            judge(Metric::LiveEntriesPerLine, &ok(4.0, None), &ok(3.0, None)).0,
            Verdict::Regression
        );
        assert_eq!(
            judge(Metric::AllocsPerOp, &ok(0.0, None), &ok(1.0, None)).0,
            Verdict::Regression
        );
        let failed = Cell::FailedVerification { reason: "x".into() };
        assert_eq!(judge(ns, &ok(1.0, None), &failed).0, Verdict::NewlyFailing);
        assert_eq!(
            judge(ns, &Cell::Missing, &ok(1.0, None)).0,
            Verdict::NotComparable
        );
    }
}
