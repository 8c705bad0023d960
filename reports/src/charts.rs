//! Which charts a workload gets, and their data, taken from its tables.
//!
//! The problem: a workload has up to twenty metrics over a handful of configurations and up to
//! twenty contenders, and one chart per metric with every configuration in it is unreadable.
//! So each chart varies one thing:
//! - a numeric parameter with three or more values (`n`, `delete_fraction`) gives line charts,
//!   one line per contender, log axes where the values allow, confidence intervals as whiskers;
//! - any other varying parameter (`keys`, `shrink`, `readers`) gives horizontal bar charts, one
//!   row per contender and one bar per value (for time metrics, or when no line chart exists);
//! - a single configuration gives one bar per contender;
//! - the latency percentiles (p50, p99, p99.9, max) give one ladder chart per configuration, so
//!   reader latency during sweeps gets one chart per reader-thread count;
//! - the heap-over-time samples give a line per contender over `t_ms`.
//!
//! Contenders with nothing to draw are left out of a chart and named, with the reason, in its
//! notes; so are failures and missing records.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{
    BarChart, BarRow, Cell, Chart, ChartKind, LadderChart, LadderRow, LineChart, MetricTable,
    Point, Row, Series,
};
use crate::schema::{Category, Metric, ParamValue, Params, TIME_PARAM};

/// Parameters preferred as the x axis, in this order; other parameters follow by name.
const AXIS_ORDER: [&str; 5] = ["n", "delete_fraction", "readers", "threads", TIME_PARAM];

/// Fewest distinct values of a numeric parameter that make a line chart.
const LINE_MIN_VALUES: usize = 3;

/// Makes chart ids unique within a page.
#[derive(Debug, Default)]
pub(crate) struct Ids(BTreeMap<String, usize>);

impl Ids {
    /// `base` reduced to `[a-z0-9-]`, with `-2`, `-3`, ... on repeats.
    pub(crate) fn make(&mut self, base: &str) -> String {
        let mut slug = String::new();
        for c in base.chars() {
            if c.is_ascii_alphanumeric() {
                slug.push(c.to_ascii_lowercase());
            } else if !slug.ends_with('-') {
                slug.push('-');
            }
        }
        let slug = slug.trim_matches('-').to_owned();
        let n = self.0.entry(slug.clone()).or_insert(0);
        *n += 1;
        if *n == 1 {
            format!("plot-{slug}")
        } else {
            format!("plot-{slug}-{n}")
        }
    }
}

/// Short labels for a list of parameter sets.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Labels {
    /// Parameters with the same value in every set.
    pub(crate) fixed: Params,
    /// With two or more varying parameters: the most common value of each, which the labels
    /// are relative to.
    pub(crate) base: Option<Params>,
    /// One label per set: `readers=2`, or what differs from `base` (`base` if nothing).
    pub(crate) labels: Vec<String>,
}

/// Labels `sets` by what varies between them.
pub(crate) fn labels(sets: &[&Params]) -> Labels {
    let fixed = common_params(sets.iter().copied());
    let fixed_names: Vec<&str> = fixed.iter().map(|(k, _)| k).collect();
    let mut varying: Vec<&str> = Vec::new();
    for set in sets {
        for (k, _) in set.iter() {
            if !fixed_names.contains(&k) && !varying.contains(&k) {
                varying.push(k);
            }
        }
    }
    varying.sort_unstable();
    if varying.len() <= 1 {
        let labels = sets
            .iter()
            .map(|s| {
                varying
                    .iter()
                    .map(|k| format!("{k}={}", value_text(s.get(k))))
                    .collect::<String>()
            })
            .collect();
        return Labels {
            fixed,
            base: None,
            labels,
        };
    }
    let mut base = Params::new();
    for k in &varying {
        let mut counts: Vec<(Option<&ParamValue>, usize)> = Vec::new();
        for s in sets {
            let v = s.get(k);
            match counts.iter_mut().find(|(c, _)| *c == v) {
                Some((_, n)) => *n += 1,
                None => counts.push((v, 1)),
            }
        }
        let top = counts.iter().map(|c| c.1).max().unwrap_or(0);
        if let Some((Some(v), _)) = counts.into_iter().find(|c| c.1 == top) {
            base = base.with(*k, v.clone());
        }
    }
    let labels = sets
        .iter()
        .map(|s| {
            let diff: Vec<String> = varying
                .iter()
                .filter(|k| s.get(k) != base.get(k))
                .map(|k| format!("{k}={}", value_text(s.get(k))))
                .collect();
            if diff.is_empty() {
                "base".to_owned()
            } else {
                diff.join(", ")
            }
        })
        .collect();
    Labels {
        fixed,
        base: Some(base),
        labels,
    }
}

fn value_text(v: Option<&ParamValue>) -> String {
    v.map_or_else(|| "(none)".to_owned(), ParamValue::to_string)
}

/// Failures, unmeasured contenders and missing records behind one chart, grouped for reading.
struct Notes {
    partial: bool,
    /// How many configurations (bars per row, x values) the chart has; a contender lacking all
    /// of them is named without listing them.
    configurations: usize,
    failed: Vec<(String, String)>,
    /// Per reason, who lacks a value where.
    not_measured: Vec<(String, Where)>,
    missing: Where,
}

/// Contenders and, for each, the configurations (labels) where it lacks a value.
type Where = Vec<(String, Vec<String>)>;

/// Adds `at` to `contender`'s list in `list`.
fn add(list: &mut Where, contender: &str, at: &str) {
    match list.iter_mut().find(|(c, _)| c == contender) {
        Some((_, ats)) => {
            if !ats.iter().any(|a| a == at) {
                ats.push(at.to_owned());
            }
        }
        None => list.push((contender.to_owned(), vec![at.to_owned()])),
    }
}

impl Notes {
    fn new(partial: bool, configurations: usize) -> Notes {
        Notes {
            partial,
            configurations,
            failed: Vec::new(),
            not_measured: Vec::new(),
            missing: Vec::new(),
        }
    }

    /// Notes what `cell` of `contender` lacks; `at` says where (`readers=1`), may be empty.
    fn cell(&mut self, contender: &str, at: &str, cell: &Cell) {
        match cell {
            Cell::Ok { .. } => {}
            Cell::FailedVerification { reason } => {
                if !self.failed.iter().any(|(c, _)| c == contender) {
                    self.failed.push((contender.to_owned(), reason.clone()));
                }
            }
            Cell::NotMeasured { reason } => {
                match self.not_measured.iter_mut().find(|(r, _)| r == reason) {
                    Some((_, list)) => add(list, contender, at),
                    None => {
                        let mut list = Vec::new();
                        add(&mut list, contender, at);
                        self.not_measured.push((reason.clone(), list));
                    }
                }
            }
            Cell::Missing => add(&mut self.missing, contender, at),
        }
    }

    /// `a, b at n=1024, c`: contenders lacking every configuration are named alone.
    fn who(&self, list: &Where) -> String {
        list.iter()
            .map(|(c, ats)| {
                let ats: Vec<&str> = ats
                    .iter()
                    .map(String::as_str)
                    .filter(|a| !a.is_empty())
                    .collect();
                if ats.is_empty() || ats.len() >= self.configurations {
                    c.clone()
                } else {
                    format!("{c} at {}", ats.join(" and "))
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn into_vec(self) -> Vec<String> {
        let mut out = Vec::new();
        for (contender, reason) in &self.failed {
            out.push(format!("{contender}: FAILED verification: {reason}"));
        }
        for (reason, list) in &self.not_measured {
            out.push(format!("not measured: {}: {reason}", self.who(list)));
        }
        if !self.missing.is_empty() {
            let what = if self.partial {
                "gap: no record yet (the run was interrupted)"
            } else {
                "no record (the run wrote neither a value nor a reason)"
            };
            out.push(format!("{what}: {}", self.who(&self.missing)));
        }
        out
    }
}

/// The charts of `tables` (all from workload `workload`); `partial` words missing records.
pub(crate) fn charts(workload: &str, tables: &[MetricTable], partial: bool) -> Vec<Chart> {
    let mut charts = Vec::new();
    let percentiles: Vec<&MetricTable> = tables
        .iter()
        .filter(|t| Metric::PERCENTILES.contains(&t.metric))
        .collect();
    charts.extend(ladders(workload, &percentiles, partial));
    for table in tables
        .iter()
        .filter(|t| !Metric::PERCENTILES.contains(&t.metric))
    {
        if table.metric == Metric::HeapBytes {
            charts.extend(heap(workload, table, partial));
            continue;
        }
        let before = charts.len();
        let axes = axes(table);
        let line_axes: Vec<&String> = axes
            .iter()
            .filter(|a| numeric_values(table, a) >= LINE_MIN_VALUES)
            .collect();
        for axis in &line_axes {
            charts.extend(lines(workload, table, axis, partial));
        }
        if table.metric.category() == Category::Latency || line_axes.is_empty() {
            for axis in axes.iter().filter(|a| !line_axes.contains(a)) {
                charts.extend(bars_along(workload, table, axis, partial));
            }
        }
        if charts.len() == before {
            // A single configuration, or parameters that never vary one at a time.
            let rows: Vec<&Row> = table.rows.iter().collect();
            charts.extend(bar_chart(workload, table, &rows, partial));
        }
    }
    charts
}

/// Parameters with at least two values in `table`, preferred axes first.
fn axes(table: &MetricTable) -> Vec<String> {
    let mut values: BTreeMap<&str, BTreeSet<&ParamValue>> = BTreeMap::new();
    for (name, value) in table.rows.iter().flat_map(|r| r.params.iter()) {
        values.entry(name).or_default().insert(value);
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

/// Distinct numeric values of `axis` in `table`; 0 if any value is not a number.
fn numeric_values(table: &MetricTable, axis: &str) -> usize {
    let mut seen: Vec<f64> = Vec::new();
    for row in &table.rows {
        match row.params.get(axis) {
            Some(ParamValue::Num(v)) if !seen.contains(v) => seen.push(*v),
            Some(ParamValue::Text(_)) => return 0,
            _ => {}
        }
    }
    seen.len()
}

/// Title shared by every chart: what, the parameters held fixed and the better direction.
fn title(workload: &str, what: &str, fixed: &Params, direction: &str) -> String {
    let fixed = if fixed.is_empty() {
        String::new()
    } else {
        format!(" | {fixed}")
    };
    format!("{workload}: {what}{fixed} | {direction}")
}

/// True if a log axis suits `values` (all positive) of `metric`: always for time, else only
/// when they span more than two decades.
fn log_suits(metric: Metric, values: &[f64]) -> bool {
    let (min, max) = values.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), v| {
        (lo.min(*v), hi.max(*v))
    });
    !values.is_empty() && min > 0.0 && (metric.category() == Category::Latency || max / min > 100.0)
}

/// One line chart per set of the other parameters with at least two x values.
fn lines(workload: &str, table: &MetricTable, axis: &str, partial: bool) -> Vec<Chart> {
    let slices: BTreeSet<Params> = table
        .rows
        .iter()
        .filter(|r| r.params.num(axis).is_some())
        .map(|r| r.params.without(&[axis]))
        .collect();
    let metric = table.metric;
    slices
        .into_iter()
        .filter_map(|fixed| {
            let rows: Vec<&Row> = table
                .rows
                .iter()
                .filter(|r| r.params.without(&[axis]) == fixed)
                .collect();
            let xs: BTreeSet<u64> = rows
                .iter()
                .filter_map(|r| r.params.num(axis).map(f64::to_bits))
                .collect();
            if xs.len() < 2 {
                return None;
            }
            let mut notes = Notes::new(partial, xs.len());
            let mut series = Vec::new();
            for (col, contender) in table.contenders.iter().enumerate() {
                let mut s = Series {
                    contender: contender.clone(),
                    metric,
                    failed: false,
                    points: Vec::new(),
                    gaps: Vec::new(),
                };
                for row in &rows {
                    let Some(x) = row.params.num(axis) else {
                        continue;
                    };
                    let at = format!("{axis}={x}");
                    match &row.cells[col] {
                        Cell::Ok {
                            value,
                            ci_low,
                            ci_high,
                            ..
                        } => s.points.push(Point {
                            x,
                            y: *value,
                            ci_low: *ci_low,
                            ci_high: *ci_high,
                        }),
                        Cell::Missing => s.gaps.push(x),
                        Cell::FailedVerification { .. } => s.failed = true,
                        Cell::NotMeasured { .. } => {}
                    }
                    notes.cell(contender, &at, &row.cells[col]);
                }
                s.points.sort_by(|a, b| a.x.total_cmp(&b.x));
                if !s.points.is_empty() || s.failed {
                    series.push(s);
                }
            }
            let marks: usize = series.iter().map(|s| s.points.len()).sum();
            if marks == 0 {
                return None;
            }
            let xs: Vec<f64> = series
                .iter()
                .flat_map(|s| s.points.iter().map(|p| p.x))
                .collect();
            let ys: Vec<f64> = series
                .iter()
                .flat_map(|s| &s.points)
                .flat_map(|p| [Some(p.y), p.ci_low, p.ci_high])
                .flatten()
                .collect();
            let what = format!("{} ({}) vs {axis}", metric.name(), metric.unit());
            Some(Chart {
                id: format!("{workload}-{metric}-vs-{axis}"),
                title: title(workload, &what, &fixed, metric.direction().phrase()),
                notes: notes.into_vec(),
                marks,
                recommended: Vec::new(),
                kind: ChartKind::Lines(LineChart {
                    x_param: axis.to_owned(),
                    y_unit: metric.unit(),
                    log_x: xs.iter().all(|x| *x > 0.0),
                    log_y: log_suits(metric, &ys),
                    series,
                }),
            })
        })
        .collect()
}

/// Horizontal bar charts along `axis`: one per set of the other parameters with two or more
/// values of `axis`, one bar per value.
fn bars_along(workload: &str, table: &MetricTable, axis: &str, partial: bool) -> Vec<Chart> {
    let mut slices: BTreeMap<Params, Vec<&Row>> = BTreeMap::new();
    for row in table.rows.iter().filter(|r| r.params.get(axis).is_some()) {
        slices
            .entry(row.params.without(&[axis]))
            .or_default()
            .push(row);
    }
    // Named values by how often they occur, so the common (base) value comes first: the bar
    // in full colour. Numbers stay in numeric order.
    let count = |v: Option<&ParamValue>| {
        table
            .rows
            .iter()
            .filter(|r| r.params.get(axis) == v)
            .count()
    };
    slices
        .into_values()
        .filter(|rows| rows.len() > 1)
        .filter_map(|mut rows| {
            rows.sort_by(|a, b| {
                let (va, vb) = (a.params.get(axis), b.params.get(axis));
                match (va, vb) {
                    (Some(ParamValue::Text(_)), Some(ParamValue::Text(_))) => {
                        count(vb).cmp(&count(va)).then(va.cmp(&vb))
                    }
                    _ => va.cmp(&vb),
                }
            });
            bar_chart(workload, table, &rows, partial)
        })
        .collect()
}

/// One horizontal bar chart of `rows` of `table`: one row per contender, one bar per row.
fn bar_chart(workload: &str, table: &MetricTable, rows: &[&Row], partial: bool) -> Option<Chart> {
    let metric = table.metric;
    let sets: Vec<&Params> = rows.iter().map(|r| &r.params).collect();
    let labels = labels(&sets);
    let mut notes = Notes::new(partial, rows.len());
    let mut bar_rows = Vec::new();
    for (col, contender) in table.contenders.iter().enumerate() {
        let cells: Vec<Cell> = rows.iter().map(|r| r.cells[col].clone()).collect();
        for (label, cell) in labels.labels.iter().zip(&cells) {
            notes.cell(contender, label, cell);
        }
        let shown = cells
            .iter()
            .any(|c| matches!(c, Cell::Ok { .. } | Cell::FailedVerification { .. }));
        if shown {
            bar_rows.push(BarRow {
                contender: contender.clone(),
                cells,
            });
        }
    }
    let values: Vec<f64> = bar_rows
        .iter()
        .flat_map(|r| &r.cells)
        .filter_map(Cell::value)
        .collect();
    if values.is_empty() {
        return None;
    }
    let what = format!("{} ({})", metric.name(), metric.unit());
    let what = match &labels.base {
        None if labels.labels.len() > 1 => {
            let axis = labels.labels[0].split('=').next().unwrap_or_default();
            format!("{what} by {axis}")
        }
        _ => what,
    };
    let suffix = if labels.labels.len() > 1 {
        labels.labels.join("-")
    } else {
        String::new()
    };
    Some(Chart {
        id: format!("{workload}-{metric}-{suffix}"),
        title: title(workload, &what, &labels.fixed, metric.direction().phrase()),
        notes: notes.into_vec(),
        marks: values.len(),
        recommended: Vec::new(),
        kind: ChartKind::Bars(BarChart {
            unit: metric.unit(),
            log: log_suits(metric, &values) && {
                let min = values.iter().copied().fold(f64::INFINITY, f64::min);
                let max = values.iter().copied().fold(0.0, f64::max);
                max / min > 100.0
            },
            series: if labels.labels.len() > 1 {
                labels.labels
            } else {
                vec![String::new()]
            },
            rows: bar_rows,
        }),
    })
}

/// One percentile ladder per configuration of the percentile tables.
fn ladders(workload: &str, tables: &[&MetricTable], partial: bool) -> Vec<Chart> {
    let configs: BTreeSet<&Params> = tables
        .iter()
        .flat_map(|t| &t.rows)
        .map(|r| &r.params)
        .collect();
    let mut contenders: Vec<&String> = Vec::new();
    for c in tables.iter().flat_map(|t| &t.contenders) {
        if !contenders.contains(&c) {
            contenders.push(c);
        }
    }
    configs
        .into_iter()
        .filter_map(|params| {
            let mut notes = Notes::new(partial, 1);
            let mut rows = Vec::new();
            for contender in &contenders {
                let mut row = LadderRow {
                    contender: (*contender).clone(),
                    failed: false,
                    values: [None; 4],
                };
                for (k, metric) in Metric::PERCENTILES.iter().enumerate() {
                    let Some(table) = tables.iter().find(|t| t.metric == *metric) else {
                        continue;
                    };
                    let cell = table
                        .contenders
                        .iter()
                        .position(|c| c == *contender)
                        .and_then(|col| {
                            table
                                .rows
                                .iter()
                                .find(|r| r.params == *params)
                                .map(|r| r.cells[col].clone())
                        });
                    let Some(cell) = cell else { continue };
                    row.values[k] = cell.value();
                    row.failed |= matches!(cell, Cell::FailedVerification { .. });
                    notes.cell(contender, "", &cell);
                }
                if row.failed || row.values.iter().any(Option::is_some) {
                    rows.push(row);
                }
            }
            let marks = rows
                .iter()
                .flat_map(|r| r.values)
                .filter(Option::is_some)
                .count();
            if marks == 0 {
                return None;
            }
            let who = match (
                params.get("readers"),
                params.get(crate::schema::PHASE_PARAM),
            ) {
                (Some(_), Some(ParamValue::Text(p))) if p == "idle" => {
                    "reader latency with no sweep (idle baseline)"
                }
                (Some(_), _) => "reader latency during the sweep",
                _ => "latency (single steps)",
            };
            let what = format!(
                "{who}: percentiles p50 / p99 / p99.9 / max ({})",
                Metric::LatencyP50Ns.unit()
            );
            Some(Chart {
                id: format!("{workload}-percentiles-{params}"),
                title: title(
                    workload,
                    &what,
                    params,
                    Metric::LatencyP50Ns.direction().phrase(),
                ),
                notes: notes.into_vec(),
                marks,
                recommended: Vec::new(),
                kind: ChartKind::Ladder(LadderChart {
                    unit: Metric::LatencyP50Ns.unit(),
                    rows,
                }),
            })
        })
        .collect()
}

/// One heap-over-time chart per configuration: a line per contender over `t_ms`.
fn heap(workload: &str, table: &MetricTable, partial: bool) -> Vec<Chart> {
    let slices: BTreeSet<Params> = table
        .rows
        .iter()
        .filter(|r| r.params.num(TIME_PARAM).is_some())
        .map(|r| r.params.without(&[TIME_PARAM]))
        .collect();
    let metric = table.metric;
    slices
        .into_iter()
        .filter_map(|fixed| {
            let rows: Vec<&Row> = table
                .rows
                .iter()
                .filter(|r| r.params.without(&[TIME_PARAM]) == fixed)
                .collect();
            let mut notes = Notes::new(partial, 1);
            let mut series = Vec::new();
            let mut unsampled = Vec::new();
            for (col, contender) in table.contenders.iter().enumerate() {
                let mut s = Series {
                    contender: contender.clone(),
                    metric,
                    failed: false,
                    points: Vec::new(),
                    gaps: Vec::new(),
                };
                let mut reason = None;
                for row in &rows {
                    match (&row.cells[col], row.params.num(TIME_PARAM)) {
                        (Cell::Ok { value, .. }, Some(x)) => s.points.push(Point {
                            x,
                            y: *value,
                            ci_low: None,
                            ci_high: None,
                        }),
                        (Cell::FailedVerification { .. }, _) => s.failed = true,
                        (c @ Cell::NotMeasured { .. }, _) => reason = Some(c.clone()),
                        _ => {}
                    }
                }
                // Samples are taken at different times per contender, so an absent sample is
                // not a gap; only contenders without any sample are named.
                match (s.points.is_empty(), s.failed, reason) {
                    (_, true, _) => notes.cell(
                        contender,
                        "",
                        &Cell::FailedVerification {
                            reason: "see the tables".into(),
                        },
                    ),
                    (true, false, Some(cell)) => notes.cell(contender, "", &cell),
                    (true, false, None) => unsampled.push(contender.clone()),
                    (false, false, _) => {}
                }
                s.points.sort_by(|a, b| a.x.total_cmp(&b.x));
                if !s.points.is_empty() || s.failed {
                    series.push(s);
                }
            }
            let marks: usize = series.iter().map(|s| s.points.len()).sum();
            if marks == 0 {
                return None;
            }
            let mut notes = notes.into_vec();
            if !unsampled.is_empty() {
                notes.push(format!("no heap samples: {}", unsampled.join(", ")));
            }
            let single: Vec<&str> = series
                .iter()
                .filter(|s| s.points.len() == 1)
                .map(|s| s.contender.as_str())
                .collect();
            if !single.is_empty() {
                notes.push(format!("one heap sample only: {}", single.join(", ")));
            }
            let ys: Vec<f64> = series.iter().flat_map(|s| &s.points).map(|p| p.y).collect();
            let what = format!("heap over time ({}) vs {TIME_PARAM}", metric.unit());
            Some(Chart {
                id: format!("{workload}-heap-{fixed}"),
                title: title(workload, &what, &fixed, metric.direction().phrase()),
                notes,
                marks,
                recommended: Vec::new(),
                kind: ChartKind::Lines(LineChart {
                    x_param: TIME_PARAM.to_owned(),
                    y_unit: metric.unit(),
                    log_x: false,
                    log_y: log_suits(metric, &ys),
                    series,
                }),
            })
        })
        .collect()
}

/// The parameters that have the same value in every set.
pub(crate) fn common_params<'a>(mut sets: impl Iterator<Item = &'a Params>) -> Params {
    let Some(first) = sets.next() else {
        return Params::new();
    };
    let rest: Vec<&Params> = sets.collect();
    first
        .iter()
        .filter(|(k, v)| rest.iter().all(|p| p.get(k) == Some(*v)))
        .fold(Params::new(), |acc, (k, v)| acc.with(k, v.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_name_what_differs_from_the_most_common_configuration() {
        let base = Params::new()
            .with("n", 65_536u64)
            .with("delete_fraction", 0.5)
            .with("keys", "uniform");
        let small = base.clone().with("n", 1024u64);
        let seq = base.clone().with("keys", "sequential");
        let l = labels(&[&small, &base, &seq]);
        assert_eq!(l.labels, ["n=1024", "base", "keys=sequential"]);
        assert_eq!(l.fixed.to_string(), "delete_fraction=0.5");
        assert_eq!(l.base.unwrap().to_string(), "keys=uniform, n=65536");
        let one = base.clone().with("readers", 1u64);
        let two = base.clone().with("readers", 2u64);
        let l = labels(&[&one, &two]);
        assert_eq!(l.labels, ["readers=1", "readers=2"]);
        assert!(l.base.is_none());
        assert_eq!(labels(&[&base]).labels, [""]);
    }

    #[test]
    fn ids_are_slugs_and_unique() {
        let mut ids = Ids::default();
        assert_eq!(
            ids.make("sweep-latency vs n=1"),
            "plot-sweep-latency-vs-n-1"
        );
        assert_eq!(
            ids.make("sweep-latency vs n=1"),
            "plot-sweep-latency-vs-n-1-2"
        );
    }
}
