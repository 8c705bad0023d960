//! Which charts a workload gets, and their data, taken from its tables.
//!
//! Latency metrics become lines along each numeric parameter that varies (log axes, CIs), one
//! chart per set of the other parameters; the percentiles share one chart (lines along a numeric
//! parameter, else bars per percentile); the heap-over-time series is a line over time; the other
//! metrics are grouped bars, one group per parameter set.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{
    BarChart, BarSeries, Cell, Chart, ChartKind, LineChart, MetricTable, Point, Row, Series,
};
use crate::schema::{Category, Metric, Params, TIME_PARAM};

/// Parameters preferred as the x axis, in this order; other numeric parameters follow by name.
const AXIS_ORDER: [&str; 4] = ["n", "delete_fraction", "threads", TIME_PARAM];

/// The charts of `tables` (all from workload `workload`).
pub(crate) fn charts(workload: &str, tables: &[MetricTable]) -> Vec<Chart> {
    let mut charts = Vec::new();
    let percentiles: Vec<&MetricTable> = tables
        .iter()
        .filter(|t| Metric::PERCENTILES.contains(&t.metric))
        .collect();
    let percentile_axis = axes(&percentiles)
        .into_iter()
        .find(|a| a == "threads")
        .or_else(|| axes(&percentiles).into_iter().next());
    match &percentile_axis {
        Some(axis) => charts.extend(lines(workload, &percentiles, axis, true)),
        None => charts.extend(percentile_bars(workload, &percentiles)),
    }
    for table in tables
        .iter()
        .filter(|t| !Metric::PERCENTILES.contains(&t.metric))
    {
        let axes = axes(&[table]);
        match (table.metric, table.metric.category(), axes.first()) {
            (Metric::HeapBytes, _, _) if axes.iter().any(|a| a == TIME_PARAM) => {
                charts.extend(lines(workload, &[table], TIME_PARAM, false));
            }
            (_, Category::Latency, Some(_)) => {
                for axis in &axes {
                    charts.extend(lines(workload, &[table], axis, false));
                }
            }
            (_, _, axis) => charts.extend(bars(workload, table, axis.map(String::as_str))),
        }
    }
    charts
}

/// Numeric parameters with at least two values in `tables`, preferred axes first.
fn axes(tables: &[&MetricTable]) -> Vec<String> {
    let mut values: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for (name, value) in tables
        .iter()
        .flat_map(|t| &t.rows)
        .flat_map(|r| r.params.iter())
    {
        if let Some(v) = value.as_num() {
            let seen = values.entry(name).or_default();
            if !seen.contains(&v) {
                seen.push(v);
            }
        }
    }
    let mut axes: Vec<String> = values
        .into_iter()
        .filter(|(_, v)| v.len() > 1)
        .map(|(k, _)| k.to_owned())
        .collect();
    axes.sort_by_key(|a| {
        AXIS_ORDER
            .iter()
            .position(|p| p == a)
            .unwrap_or(AXIS_ORDER.len())
    });
    axes
}

/// Title suffix shared by every chart: parameters held fixed and the better direction.
fn title(workload: &str, what: &str, fixed: &Params, direction: &str) -> String {
    let fixed = if fixed.is_empty() {
        String::new()
    } else {
        format!(" | {fixed}")
    };
    format!("{workload}: {what}{fixed} | {direction}")
}

/// One line chart per set of the other parameters with at least two x values.
fn lines(workload: &str, tables: &[&MetricTable], axis: &str, percentiles: bool) -> Vec<Chart> {
    let slices: BTreeSet<Params> = tables
        .iter()
        .flat_map(|t| &t.rows)
        .filter(|r| r.params.num(axis).is_some())
        .map(|r| r.params.without(&[axis]))
        .collect();
    let metric = tables[0].metric;
    slices
        .into_iter()
        .filter_map(|fixed| {
            let mut notes = Vec::new();
            let mut series = Vec::new();
            for table in tables {
                for (col, contender) in table.contenders.iter().enumerate() {
                    let mut s = Series {
                        contender: contender.clone(),
                        metric: table.metric,
                        failed: false,
                        points: Vec::new(),
                        gaps: Vec::new(),
                    };
                    for row in table
                        .rows
                        .iter()
                        .filter(|r| r.params.without(&[axis]) == fixed)
                    {
                        let Some(x) = row.params.num(axis) else {
                            continue;
                        };
                        match &row.cells[col] {
                            Cell::Ok {
                                value,
                                ci_low,
                                ci_high,
                                ..
                            } => {
                                s.points.push(Point {
                                    x,
                                    y: *value,
                                    ci_low: *ci_low,
                                    ci_high: *ci_high,
                                });
                            }
                            Cell::Missing => {
                                s.gaps.push(x);
                                notes.push(format!(
                                    "gap: no {} record for {contender} at {axis}={x}",
                                    table.metric
                                ));
                            }
                            Cell::FailedVerification { reason } => {
                                if !s.failed {
                                    notes
                                        .push(format!("{contender} FAILED verification: {reason}"));
                                }
                                s.failed = true;
                            }
                            Cell::NotMeasured { reason } => {
                                notes.push(format!(
                                    "{} not measured for {contender} at {axis}={x}: {reason}",
                                    table.metric
                                ));
                            }
                        }
                    }
                    s.points.sort_by(|a, b| a.x.total_cmp(&b.x));
                    series.push(s);
                }
            }
            let xs: Vec<f64> = series
                .iter()
                .flat_map(|s| s.points.iter().map(|p| p.x))
                .collect();
            if xs.iter().all(|x| *x == xs[0]) {
                return None;
            }
            let log_x = xs.iter().all(|x| *x > 0.0) && axis != TIME_PARAM;
            let log_y = axis != TIME_PARAM
                && series
                    .iter()
                    .flat_map(|s| &s.points)
                    .all(|p| p.y > 0.0 && p.ci_low.is_none_or(|lo| lo > 0.0));
            let what = if percentiles {
                format!(
                    "latency percentiles p50/p99/p99.9/max ({}) vs {axis}",
                    metric.unit()
                )
            } else {
                format!("{} ({}) vs {axis}", metric.name(), metric.unit())
            };
            let chart = LineChart {
                x_param: axis.to_owned(),
                y_unit: metric.unit(),
                log_x,
                log_y,
                series,
            };
            Some(Chart {
                title: title(workload, &what, &fixed, metric.direction().phrase()),
                notes,
                kind: if percentiles {
                    ChartKind::Percentiles(chart)
                } else {
                    ChartKind::Lines(chart)
                },
            })
        })
        .collect()
}

/// Most groups in one bar chart; a larger table is split along its first axis.
const MAX_GROUPS: usize = 12;

/// Group labels of the percentile bar chart, in [`Metric::PERCENTILES`] order.
const PERCENTILE_LABELS: [&str; 4] = ["p50", "p99", "p99.9", "max"];

/// Grouped bars of one table: one group per parameter set, split into one chart per set of the
/// other parameters along `axis` if there are more than [`MAX_GROUPS`].
fn bars(workload: &str, table: &MetricTable, axis: Option<&str>) -> Vec<Chart> {
    let slices: Vec<Vec<&Row>> = match axis {
        Some(axis) if table.rows.len() > MAX_GROUPS => {
            let mut slices: BTreeMap<Params, Vec<&Row>> = BTreeMap::new();
            for row in &table.rows {
                slices
                    .entry(row.params.without(&[axis]))
                    .or_default()
                    .push(row);
            }
            slices.into_values().collect()
        }
        _ => vec![table.rows.iter().collect()],
    };
    slices
        .into_iter()
        .filter_map(|rows| {
            // Parameters equal in every row go to the title; the others label the groups.
            let fixed = common_params(rows.iter().map(|r| &r.params));
            let fixed_names: Vec<&str> = fixed.iter().map(|(k, _)| k).collect();
            let varying: Vec<&str> = rows[0]
                .params
                .iter()
                .map(|(k, _)| k)
                .filter(|k| !fixed_names.contains(k))
                .collect();
            let groups = rows
                .iter()
                .map(|r| {
                    let values: Vec<String> = r
                        .params
                        .without(&fixed_names)
                        .iter()
                        .map(|(_, v)| v.to_string())
                        .collect();
                    (values.join(" / "), r.cells.clone())
                })
                .collect();
            let x_desc = if varying.is_empty() {
                "configuration".to_owned()
            } else {
                varying.join(" / ")
            };
            let what = format!("{} ({})", table.metric.name(), table.metric.unit());
            bar_chart(
                workload,
                &what,
                table.metric,
                &fixed,
                x_desc,
                &table.contenders,
                groups,
            )
        })
        .collect()
}

/// Percentiles without a numeric axis: one chart per parameter set, one group per percentile.
fn percentile_bars(workload: &str, tables: &[&MetricTable]) -> Vec<Chart> {
    let param_sets: BTreeSet<&Params> = tables
        .iter()
        .flat_map(|t| &t.rows)
        .map(|r| &r.params)
        .collect();
    let mut contenders: Vec<String> = Vec::new();
    for c in tables.iter().flat_map(|t| &t.contenders) {
        if !contenders.contains(c) {
            contenders.push(c.clone());
        }
    }
    param_sets
        .into_iter()
        .filter_map(|params| {
            let groups = Metric::PERCENTILES
                .iter()
                .zip(PERCENTILE_LABELS)
                .filter_map(|(metric, label)| {
                    let table = tables.iter().find(|t| t.metric == *metric)?;
                    let row = table.rows.iter().find(|r| r.params == *params);
                    let cells = contenders
                        .iter()
                        .map(|c| {
                            let col = table.contenders.iter().position(|t| t == c);
                            row.zip(col)
                                .map_or(Cell::Missing, |(r, col)| r.cells[col].clone())
                        })
                        .collect();
                    Some((label.to_owned(), cells))
                })
                .collect();
            let what = format!("latency percentiles ({})", Metric::LatencyP50Ns.unit());
            bar_chart(
                workload,
                &what,
                Metric::LatencyP50Ns,
                params,
                "percentile".into(),
                &contenders,
                groups,
            )
        })
        .collect()
}

/// A grouped bar chart, or `None` if it would hold no value at all (the tables say why).
fn bar_chart(
    workload: &str,
    what: &str,
    metric: Metric,
    fixed: &Params,
    x_desc: String,
    contenders: &[String],
    groups: Vec<(String, Vec<Cell>)>,
) -> Option<Chart> {
    let values: Vec<f64> = groups
        .iter()
        .flat_map(|(_, cells)| cells.iter().filter_map(Cell::value))
        .collect();
    let (min, max) = values.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), v| {
        (lo.min(*v), hi.max(*v))
    });
    if values.is_empty() {
        return None;
    }
    let mut notes = Vec::new();
    let bars = contenders
        .iter()
        .enumerate()
        .map(|(col, contender)| {
            let cells: Vec<Cell> = groups.iter().map(|(_, cells)| cells[col].clone()).collect();
            for ((label, _), cell) in groups.iter().zip(&cells) {
                let at = if label.is_empty() {
                    String::new()
                } else {
                    format!(" at {x_desc}={label}")
                };
                match cell {
                    Cell::Missing => {
                        notes.push(format!("gap: no {metric} record for {contender}{at}"))
                    }
                    Cell::NotMeasured { reason } => notes.push(format!(
                        "{metric} not measured for {contender}{at}: {reason}"
                    )),
                    Cell::FailedVerification { reason } => {
                        notes.push(format!("{contender} FAILED verification{at}: {reason}"))
                    }
                    Cell::Ok { .. } => {}
                }
            }
            BarSeries {
                contender: contender.clone(),
                cells,
            }
        })
        .collect();
    Some(Chart {
        title: title(workload, what, fixed, metric.direction().phrase()),
        notes,
        kind: ChartKind::Bars(BarChart {
            y_unit: metric.unit(),
            x_desc,
            // Values spanning more than two decades would flatten the small bars on a linear axis.
            log_y: min > 0.0 && max / min > 100.0,
            groups: groups.into_iter().map(|(label, _)| label).collect(),
            bars,
        }),
    })
}

/// The parameters that have the same value in every set.
fn common_params<'a>(mut sets: impl Iterator<Item = &'a Params>) -> Params {
    let Some(first) = sets.next() else {
        return Params::new();
    };
    let rest: Vec<&Params> = sets.collect();
    first
        .iter()
        .filter(|(k, v)| rest.iter().all(|p| p.get(k) == Some(*v)))
        .fold(Params::new(), |acc, (k, v)| acc.with(k, v.clone()))
}
