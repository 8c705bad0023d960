//! The load-factor tuning section: trade-off tables, Pareto frontier and recommended threshold.

use std::collections::BTreeSet;

use crate::fmt;
use crate::grid::WorkloadGrid;
use crate::model::{
    Cell, Chart, ChartKind, ParetoChart, ParetoPoint, Recommendation, TuneRow, TuneTable,
};
use crate::schema::{Metric, Params, LOAD_FACTOR_PARAM};

/// Go's growth threshold, marked on every Pareto plot.
pub(crate) const DEFAULT_LOAD_FACTOR: f64 = 6.5;

/// Columns of the trade-off table, in `evacbench tune --format json` order.
const COLUMNS: [Metric; 8] = [
    Metric::OverflowPct,
    Metric::BytesPerEntry,
    Metric::HitProbe,
    Metric::MissProbe,
    Metric::LookupHitNs,
    Metric::LookupMissNs,
    Metric::InsertNs,
    Metric::SweepNsPerEntry,
];

fn column(metric: Metric) -> usize {
    COLUMNS
        .iter()
        .position(|m| *m == metric)
        .expect("a tune column")
}

/// One trade-off table per contender and set of the other parameters (key and value sizes, mix).
pub(crate) fn tables(grid: &WorkloadGrid) -> Vec<TuneTable> {
    let sweeps: BTreeSet<(String, Params)> = grid
        .tables
        .iter()
        .flat_map(|t| t.rows.iter().map(move |r| (t, r)))
        .filter(|(_, r)| r.params.num(LOAD_FACTOR_PARAM).is_some())
        .flat_map(|(t, r)| {
            t.contenders
                .iter()
                .map(|c| (c.clone(), r.params.without(&[LOAD_FACTOR_PARAM])))
        })
        .collect();
    sweeps
        .into_iter()
        .map(|(contender, fixed)| table(grid, contender, fixed))
        .collect()
}

fn table(grid: &WorkloadGrid, contender: String, fixed: Params) -> TuneTable {
    let mut load_factors: Vec<f64> = grid
        .tables
        .iter()
        .flat_map(|t| &t.rows)
        .filter(|r| r.params.without(&[LOAD_FACTOR_PARAM]) == fixed)
        .filter_map(|r| r.params.num(LOAD_FACTOR_PARAM))
        .collect();
    load_factors.sort_by(f64::total_cmp);
    load_factors.dedup();
    let cell = |metric: Metric, lf: f64| -> Cell {
        let params = fixed.clone().with(LOAD_FACTOR_PARAM, lf);
        let mut cell = grid
            .table(metric)
            .and_then(|t| {
                let col = t.contenders.iter().position(|c| *c == contender)?;
                t.rows
                    .iter()
                    .find(|r| r.params == params)
                    .map(|r| r.cells[col].clone())
            })
            .unwrap_or(Cell::Missing);
        // "Best of its row" means nothing here: each load factor has one contender.
        if let Cell::Ok { best, .. } = &mut cell {
            *best = false;
        }
        cell
    };
    let mut rows: Vec<TuneRow> = load_factors
        .iter()
        .map(|&lf| TuneRow {
            load_factor: lf,
            cells: COLUMNS.iter().map(|m| cell(*m, lf)).collect(),
            on_frontier: false,
            is_default: lf == DEFAULT_LOAD_FACTOR,
            is_recommended: false,
        })
        .collect();
    let mut points: Vec<ParetoPoint> = rows
        .iter()
        .filter_map(|r| {
            Some(ParetoPoint {
                load_factor: r.load_factor,
                bytes_per_entry: r.cells[column(Metric::BytesPerEntry)].value()?,
                lookup_hit_ns: r.cells[column(Metric::LookupHitNs)].value()?,
                on_frontier: false,
            })
        })
        .collect();
    mark_frontier(&mut points);
    let recommended = recommend(&points);
    for row in &mut rows {
        row.on_frontier = points
            .iter()
            .any(|p| p.on_frontier && p.load_factor == row.load_factor);
        row.is_recommended = recommended.is_some_and(|p| p.load_factor == row.load_factor);
    }
    let recommendation = recommended.map(|p| Recommendation {
        group: None,
        metric: None,
        value: None,
        runner_up: None,
        runner_up_value: None,
        choice: fmt::number(p.load_factor),
        reason: reason(
            &p,
            points.iter().find(|d| d.load_factor == DEFAULT_LOAD_FACTOR),
        ),
    });
    let chart = (!points.is_empty()).then(|| {
        let fixed_text = if fixed.is_empty() { String::new() } else { format!(" | {fixed}") };
        Chart {
            id: format!("tune-{contender}-{fixed}"),
            marks: points.len(),
            recommended: Vec::new(),
            title: format!(
                "tune ({contender}): bytes per entry vs lookup hit ns by load factor{fixed_text} | lower is better on both axes (down-left)"
            ),
            notes: rows
                .iter()
                .filter(|r| !points.iter().any(|p| p.load_factor == r.load_factor))
                .map(|r| format!("load factor {} has no verified bytes_per_entry and lookup_hit_ns", fmt::number(r.load_factor)))
                .collect(),
            kind: ChartKind::Pareto(ParetoChart {
                contender: contender.clone(),
                points: points.clone(),
                default_load_factor: DEFAULT_LOAD_FACTOR,
                recommended: recommended.map(|p| p.load_factor),
            }),
        }
    });
    TuneTable {
        contender,
        fixed,
        columns: COLUMNS.to_vec(),
        rows,
        recommendation,
        chart,
    }
}

/// A point is on the frontier if no other point is at least as good on both axes and better on one.
fn mark_frontier(points: &mut [ParetoPoint]) {
    let snapshot = points.to_vec();
    for p in points.iter_mut() {
        p.on_frontier = !snapshot.iter().any(|q| {
            q.bytes_per_entry <= p.bytes_per_entry
                && q.lookup_hit_ns <= p.lookup_hit_ns
                && (q.bytes_per_entry < p.bytes_per_entry || q.lookup_hit_ns < p.lookup_hit_ns)
        });
    }
}

/// Balanced objective over the frontier (see `Rules::tuning`).
fn recommend(points: &[ParetoPoint]) -> Option<ParetoPoint> {
    let min_bytes = points.iter().map(|p| p.bytes_per_entry).reduce(f64::min)?;
    let min_ns = points.iter().map(|p| p.lookup_hit_ns).reduce(f64::min)?;
    if min_bytes <= 0.0 || min_ns <= 0.0 {
        return None;
    }
    let cost = |p: &ParetoPoint| p.bytes_per_entry / min_bytes + p.lookup_hit_ns / min_ns;
    points
        .iter()
        .filter(|p| p.on_frontier)
        .min_by(|a, b| cost(a).total_cmp(&cost(b)))
        .copied()
}

fn reason(p: &ParetoPoint, default: Option<&ParetoPoint>) -> String {
    let mut reason = format!(
        "Load factor {} is Pareto-optimal and balances memory and lookup time best: {} bytes/entry and {} ns per lookup hit",
        fmt::number(p.load_factor),
        fmt::number(p.bytes_per_entry),
        fmt::number(p.lookup_hit_ns)
    );
    match default {
        Some(d) if d.load_factor != p.load_factor => reason.push_str(&format!(
            ", against {} bytes/entry and {} ns for the default {}.",
            fmt::number(d.bytes_per_entry),
            fmt::number(d.lookup_hit_ns),
            fmt::number(DEFAULT_LOAD_FACTOR)
        )),
        Some(_) => reason.push_str("; it is the default."),
        None => reason.push_str(&format!(
            "; the default {} was not measured.",
            fmt::number(DEFAULT_LOAD_FACTOR)
        )),
    }
    reason
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(load_factor: f64, bytes_per_entry: f64, lookup_hit_ns: f64) -> ParetoPoint {
        ParetoPoint {
            load_factor,
            bytes_per_entry,
            lookup_hit_ns,
            on_frontier: false,
        }
    }

    #[test]
    fn frontier_excludes_dominated_points_and_recommendation_is_on_it() {
        let mut points = vec![
            point(4.0, 30.0, 10.0),
            point(5.0, 25.0, 12.0),
            point(6.0, 26.0, 13.0),
            point(8.0, 18.0, 20.0),
        ];
        mark_frontier(&mut points);
        let frontier: Vec<f64> = points
            .iter()
            .filter(|p| p.on_frontier)
            .map(|p| p.load_factor)
            .collect();
        assert_eq!(frontier, [4.0, 5.0, 8.0]);
        // costs: 4.0 -> 30/18 + 1 = 2.67, 5.0 -> 25/18 + 1.2 = 2.59, 8.0 -> 1 + 2 = 3.
        assert_eq!(recommend(&points).map(|p| p.load_factor), Some(5.0));
    }
}
