//! The tuning section: per knob, a trade-off table, memory against time with the Pareto
//! frontier, and the recommended and default values marked.
//!
//! Tune records (workload `tune`) name their knob in the `knob` parameter (none: the growth
//! threshold `load_factor`) and carry its value in the parameter of that name; a column
//! measured on a workload says which in `of` (and the readers' `phase`). Rows are the knob's
//! values, columns the (workload, phase, metric) triples. The pick is the one `evacbench tune`
//! recorded ([`KnobPick`]); a run without one (older load-factor runs) gets the same
//! computation, [`tune_pick::pick`], on bytes per entry against lookup-hit time, held against
//! the noise floor of lookup-hit times.

use std::collections::BTreeMap;

use crate::fmt;
use crate::grid::WorkloadGrid;
use crate::model::{
    Cell, Chart, ChartKind, ParetoChart, ParetoPoint, Recommendation, TuneColumn, TuneRow,
    TuneTable,
};
use crate::noise::NoiseModel;
use crate::schema::{
    Metric, ParamValue, Params, KNOB_PARAM, LOAD_FACTOR_PARAM, OF_PARAM, PHASE_PARAM, TUNE_WORKLOAD,
};
use crate::tune_pick::{self, column_id, Candidate, Goal, KnobPick, Threshold, Why};

/// Go's growth threshold, the default of the `load_factor` knob.
pub(crate) const DEFAULT_LOAD_FACTOR: f64 = 6.5;

/// Columns of a load-factor table, in `evacbench tune --format json` order.
const LOAD_FACTOR_COLUMNS: [Metric; 9] = [
    Metric::OverflowPct,
    Metric::BytesPerEntry,
    Metric::HitProbe,
    Metric::MissProbe,
    Metric::LookupHitNs,
    Metric::LookupMissNs,
    Metric::InsertNs,
    Metric::SweepNsPerEntry,
    Metric::LatencyNsPerOp,
];

/// A short name of a knob for point labels.
fn short(knob: &str) -> &str {
    match knob {
        LOAD_FACTOR_PARAM => "lf",
        "shrink_below" => "shrink",
        "compact_above" => "compact",
        other => other,
    }
}

fn text(params: &Params, name: &str) -> Option<String> {
    match params.get(name) {
        Some(ParamValue::Text(t)) => Some(t.clone()),
        _ => None,
    }
}

/// The knob, its value, the column and the fixed parameters of one record's parameter set.
fn classify(params: &Params, metric: Metric) -> Option<(String, f64, TuneColumn, Params)> {
    let knob = text(params, KNOB_PARAM).unwrap_or_else(|| LOAD_FACTOR_PARAM.to_owned());
    let value = params.num(&knob)?;
    let of = text(params, OF_PARAM);
    let phase = text(params, PHASE_PARAM);
    let column = TuneColumn {
        id: column_id(of.as_deref(), metric.id(), phase.as_deref()),
        metric,
    };
    let fixed = params.without(&[knob.as_str(), KNOB_PARAM, OF_PARAM, PHASE_PARAM, "cell"]);
    Some((knob, value, column, fixed))
}

/// One table per knob, contender and set of fixed parameters; `picks` are the recorded
/// choices (with the tune run they came from); `noise` gives the threshold of a pick computed
/// here.
pub(crate) fn tables(
    grid: &WorkloadGrid,
    picks: &[(KnobPick, String)],
    noise: &NoiseModel,
) -> Vec<TuneTable> {
    type Key = (String, String, Params);
    let mut sweeps: BTreeMap<Key, Vec<(f64, TuneColumn, Cell)>> = BTreeMap::new();
    for t in &grid.tables {
        for r in &t.rows {
            let Some((knob, value, column, fixed)) = classify(&r.params, t.metric) else {
                continue;
            };
            for (i, contender) in t.contenders.iter().enumerate() {
                let mut cell = r.cells[i].clone();
                if cell == Cell::Missing {
                    continue;
                }
                // "Best of its row" means nothing here: each value has one contender.
                if let Cell::Ok { best, .. } = &mut cell {
                    *best = false;
                }
                sweeps
                    .entry((knob.clone(), contender.clone(), fixed.clone()))
                    .or_default()
                    .push((value, column.clone(), cell));
            }
        }
    }
    let mut tables: Vec<TuneTable> = sweeps
        .into_iter()
        .map(|((knob, contender, fixed), cells)| {
            let pick = picks
                .iter()
                .find(|(p, _)| p.knob == knob && p.contender == contender);
            table(knob, contender, fixed, &cells, pick, noise)
        })
        .collect();
    // The growth threshold first (the knob every user has), then the others by name.
    tables.sort_by_key(|t| t.knob != LOAD_FACTOR_PARAM);
    tables
}

fn table(
    knob: String,
    contender: String,
    fixed: Params,
    cells: &[(f64, TuneColumn, Cell)],
    recorded: Option<&(KnobPick, String)>,
    noise: &NoiseModel,
) -> TuneTable {
    let mut values: Vec<f64> = cells.iter().map(|c| c.0).collect();
    values.sort_by(f64::total_cmp);
    values.dedup();
    let mut columns: Vec<TuneColumn> = Vec::new();
    for (_, c, _) in cells {
        if !columns.contains(c) {
            columns.push(c.clone());
        }
    }
    if knob == LOAD_FACTOR_PARAM {
        let rank = |c: &TuneColumn| {
            LOAD_FACTOR_COLUMNS
                .iter()
                .position(|m| *m == c.metric)
                .unwrap_or(usize::MAX)
        };
        columns.sort_by_key(rank);
    } else {
        columns.sort_by(|a, b| a.id.cmp(&b.id));
    }
    let find = |value: f64, column: &str| -> Cell {
        cells
            .iter()
            .find(|(v, c, _)| *v == value && c.id == column)
            .map(|(_, _, cell)| cell.clone())
            .unwrap_or(Cell::Missing)
    };
    let (memory, time, goal, default) = match recorded {
        Some((p, _)) => (p.memory.clone(), p.time.clone(), p.goal, p.default),
        None => (
            Metric::BytesPerEntry.id().to_owned(),
            Metric::LookupHitNs.id().to_owned(),
            Goal::Balanced,
            (knob == LOAD_FACTOR_PARAM).then_some(DEFAULT_LOAD_FACTOR),
        ),
    };
    let candidates: Vec<Candidate> = values
        .iter()
        .filter_map(|&v| {
            let m = find(v, &memory).value()?;
            let t = find(v, &time);
            let samples = match &t {
                Cell::Ok { samples, .. } => samples.clone(),
                _ => Vec::new(),
            };
            Some(Candidate {
                value: v,
                memory: m,
                time: t.value()?,
                samples,
            })
        })
        .collect();
    let front: Vec<f64> = tune_pick::frontier(&candidates)
        .into_iter()
        .map(|i| candidates[i].value)
        .collect();
    let (chosen, reason) = match recorded {
        Some((p, _)) => (p.pick.as_ref().map(|x| x.value), p.reason.clone()),
        None => match tune_pick::pick(
            &candidates,
            goal,
            &Threshold::calibrated(noise, Metric::LookupHitNs, TUNE_WORKLOAD),
            default,
        ) {
            Some(p) => (
                Some(p.value),
                computed_reason(&knob, &p, &candidates, default),
            ),
            None => (None, String::new()),
        },
    };
    let rows: Vec<TuneRow> = values
        .iter()
        .map(|&v| TuneRow {
            value: v,
            cells: columns.iter().map(|c| find(v, &c.id)).collect(),
            on_frontier: front.contains(&v),
            is_default: default == Some(v),
            is_recommended: chosen == Some(v),
        })
        .collect();
    let points: Vec<ParetoPoint> = candidates
        .iter()
        .map(|c| ParetoPoint {
            value: c.value,
            memory: c.memory,
            time: c.time,
            on_frontier: front.contains(&c.value),
        })
        .collect();
    let recommendation = chosen.map(|v| Recommendation {
        group: None,
        metric: None,
        value: None,
        runner_up: None,
        runner_up_value: None,
        choice: fmt::number(v),
        reason: reason.clone(),
    });
    let chart = (!points.is_empty()).then(|| {
        let fixed_text = if fixed.is_empty() {
            String::new()
        } else {
            format!(" | {fixed}")
        };
        Chart {
            id: format!("tune-{knob}-{contender}-{fixed}"),
            marks: points.len(),
            recommended: Vec::new(),
            title: format!(
                "tune {knob} ({contender}): {memory} vs {time}{fixed_text} | lower is better on \
                 both axes (down-left)"
            ),
            notes: values
                .iter()
                .filter(|v| !points.iter().any(|p| p.value == **v))
                .map(|v| {
                    format!(
                        "{knob} {} has no verified {memory} and {time}",
                        fmt::number(*v)
                    )
                })
                .collect(),
            kind: ChartKind::Pareto(ParetoChart {
                contender: contender.clone(),
                label: short(&knob).to_owned(),
                memory: memory.clone(),
                time: time.clone(),
                points,
                default,
                recommended: chosen,
            }),
        }
    });
    TuneTable {
        knob,
        contender,
        fixed,
        columns,
        rows,
        recommendation,
        source: recorded.map(|(_, dir)| dir.clone()),
        chart,
    }
}

/// The reason for a pick computed here (no recorded one).
fn computed_reason(
    knob: &str,
    p: &tune_pick::Pick,
    candidates: &[Candidate],
    default: Option<f64>,
) -> String {
    let c = candidates
        .iter()
        .find(|c| c.value == p.value)
        .expect("the pick is a candidate");
    let mut reason = format!(
        "{knob} {} is Pareto-optimal and balances memory and time best ({}): {} and {}",
        fmt::number(p.value),
        match &p.why {
            Why::Beats { over, .. } => format!(
                "it beats {} beyond {} on the sum of both as ratios to the best",
                fmt::number(*over),
                p.threshold
                    .as_ref()
                    .map_or_else(String::new, Threshold::describe)
            ),
            _ => format!(
                "no value beats it beyond {} on the sum of both as ratios to the best",
                p.threshold
                    .as_ref()
                    .map_or_else(String::new, Threshold::describe)
            ),
        },
        fmt::number(c.memory),
        fmt::number(c.time)
    );
    match default.and_then(|d| candidates.iter().find(|c| c.value == d)) {
        Some(d) if d.value != p.value => reason.push_str(&format!(
            ", against {} and {} for the default {}.",
            fmt::number(d.memory),
            fmt::number(d.time),
            fmt::number(d.value)
        )),
        Some(_) => reason.push_str("; it is the default."),
        None => reason.push('.'),
    }
    reason
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Interval;

    fn ok(value: f64) -> Cell {
        Cell::Ok {
            value,
            ci_low: None,
            ci_high: None,
            interval: Interval::None,
            runs: None,
            samples: Vec::new(),
            best: false,
        }
    }

    fn lf_cells(points: &[(f64, f64, f64)]) -> Vec<(f64, TuneColumn, Cell)> {
        let col = |m: Metric| TuneColumn {
            id: m.id().to_owned(),
            metric: m,
        };
        points
            .iter()
            .flat_map(|&(lf, bytes, ns)| {
                [
                    (lf, col(Metric::BytesPerEntry), ok(bytes)),
                    (lf, col(Metric::LookupHitNs), ok(ns)),
                ]
            })
            .collect()
    }

    #[test]
    fn without_a_recorded_pick_the_same_recommender_decides() {
        let cells = lf_cells(&[
            (4.0, 30.0, 10.0),
            (5.0, 25.0, 12.0),
            (6.0, 26.0, 13.0),
            (8.0, 18.0, 20.0),
        ]);
        let t = table(
            LOAD_FACTOR_PARAM.into(),
            "evacmap".into(),
            Params::new(),
            &cells,
            None,
            &NoiseModel::shipped(),
        );
        let frontier: Vec<f64> = t
            .rows
            .iter()
            .filter(|r| r.on_frontier)
            .map(|r| r.value)
            .collect();
        assert_eq!(frontier, [4.0, 5.0, 8.0]);
        // costs: 4.0 -> 30/18 + 1 = 2.67, 5.0 -> 25/18 + 1.2 = 2.59, 8.0 -> 1 + 2 = 3.
        assert_eq!(t.recommendation.unwrap().choice, "5");
        assert_eq!(t.columns[0].metric, Metric::BytesPerEntry);
    }

    #[test]
    fn a_recorded_pick_is_shown_as_recorded() {
        let cells = lf_cells(&[(4.0, 30.0, 10.0), (8.0, 18.0, 20.0)]);
        let recorded = KnobPick {
            knob: LOAD_FACTOR_PARAM.into(),
            contender: "evacmap".into(),
            memory: Metric::BytesPerEntry.id().into(),
            time: Metric::LookupHitNs.id().into(),
            goal: Goal::Memory,
            default: Some(6.5),
            pick: tune_pick::pick(
                &[
                    Candidate {
                        value: 4.0,
                        memory: 30.0,
                        time: 10.0,
                        samples: vec![],
                    },
                    Candidate {
                        value: 8.0,
                        memory: 18.0,
                        time: 20.0,
                        samples: vec![],
                    },
                ],
                Goal::Memory,
                &Threshold::calibrated(&NoiseModel::shipped(), Metric::LookupHitNs, "tune"),
                Some(6.5),
            ),
            reason: "the CLI said so".into(),
            paired: Vec::new(),
        };
        let t = table(
            LOAD_FACTOR_PARAM.into(),
            "evacmap".into(),
            Params::new(),
            &cells,
            Some(&(recorded, "runs/x".into())),
            &NoiseModel::shipped(),
        );
        let r = t.recommendation.unwrap();
        assert_eq!(
            (r.choice.as_str(), r.reason.as_str()),
            ("8", "the CLI said so")
        );
        assert_eq!(t.source.as_deref(), Some("runs/x"));
    }
}
