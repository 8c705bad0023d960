//! Verdicts that follow objectives: each workload ranks by the metric it exists to measure,
//! among contenders that did the same work under the same rules, and the decision guide maps
//! situations to the contender each calls for.
//!
//! The contenders' declared properties (`meta.json`'s `contenders`) decide who is eligible; a
//! run without them (schema version 1) gets the old time-per-operation recommendation and no
//! guide. Contenders of kind `go-reference` are never chosen.

use std::collections::BTreeSet;

use crate::grid::WorkloadGrid;
use crate::model::{
    Cell, Chart, ChartKind, MetricTable, ReaderPhases, Recommendation, Row, ScatterChart,
    ScatterPoint, Situation,
};
use crate::schema::{ContenderInfo, Metric, Objective, Params, Target, PHASE_PARAM};
use crate::summarize;

/// Most series (lines, bar rows, ladder rungs, points) a chart draws.
pub(crate) const MAX_SERIES: usize = 10;

/// The declared properties of `name`, if the run has them.
fn info<'a>(infos: &'a [ContenderInfo], name: &str) -> Option<&'a ContenderInfo> {
    infos.iter().find(|i| i.name == name)
}

/// True unless the contender is the Go reference (never chosen).
fn choosable(infos: &[ContenderInfo], name: &str) -> bool {
    !name.starts_with(crate::go_reference::GO_PREFIX)
        && info(infos, name).is_none_or(|i| i.kind != ContenderInfo::GO_REFERENCE)
}

/// True if `params` holds every parameter of `filter`.
fn matches(params: &Params, filter: &Params) -> bool {
    filter.iter().all(|(k, v)| params.get(k) == Some(v))
}

/// `grid` with only the contenders `keep` admits, each table's rows narrowed to the parameters
/// its metric's target asks for (`filters`), and, with `collapse`, each table reduced to one row
/// holding every contender's best value over its configurations. Best-of-row marks are redone.
pub(crate) fn restrict(
    grid: &WorkloadGrid,
    keep: &dyn Fn(&str) -> bool,
    filters: &[(Metric, Params)],
    collapse: bool,
) -> WorkloadGrid {
    let tables = grid
        .tables
        .iter()
        .map(|t| {
            let cols: Vec<usize> = (0..t.contenders.len())
                .filter(|&i| keep(&t.contenders[i]))
                .collect();
            let filter = filters.iter().find(|(m, _)| *m == t.metric).map(|f| &f.1);
            let mut rows: Vec<Row> = t
                .rows
                .iter()
                .filter(|r| filter.is_none_or(|f| matches(&r.params, f)))
                .map(|r| Row {
                    params: r.params.clone(),
                    cells: cols.iter().map(|&i| r.cells[i].clone()).collect(),
                })
                .collect();
            if collapse && rows.len() > 1 {
                let direction = t.metric.direction();
                let cells = (0..cols.len())
                    .map(|c| {
                        rows.iter()
                            .map(|r| &r.cells[c])
                            .filter(|cell| cell.value().is_some())
                            .reduce(|a, b| {
                                if direction
                                    .better(b.value().unwrap_or(0.0), a.value().unwrap_or(0.0))
                                {
                                    b
                                } else {
                                    a
                                }
                            })
                            .or_else(|| rows.first().map(|r| &r.cells[c]))
                            .cloned()
                            .unwrap_or(Cell::Missing)
                    })
                    .collect();
                rows = vec![Row {
                    params: crate::charts::common_params(rows.iter().map(|r| &r.params)),
                    cells,
                }];
            }
            let mut table = MetricTable {
                metric: t.metric,
                contenders: cols.iter().map(|&i| t.contenders[i].clone()).collect(),
                rows,
            };
            mark_best(&mut table);
            table
        })
        .collect();
    WorkloadGrid {
        name: grid.name.clone(),
        contenders: grid
            .contenders
            .iter()
            .filter(|c| keep(&c.name))
            .cloned()
            .collect(),
        tables,
    }
}

/// Sets each row's `best` marks to its best verified value.
fn mark_best(table: &mut MetricTable) {
    let direction = table.metric.direction();
    for row in &mut table.rows {
        let best = row.cells.iter().filter_map(Cell::value).reduce(|a, b| {
            if direction.better(b, a) {
                b
            } else {
                a
            }
        });
        for cell in &mut row.cells {
            if let Cell::Ok { value, best: b, .. } = cell {
                *b = Some(*value) == best;
            }
        }
    }
}

/// `(metric, parameter filter)` of every target of `objective`.
fn filters(objective: &Objective) -> Vec<(Metric, Params)> {
    objective
        .primary
        .iter()
        .chain(&objective.tie_breakers)
        .filter(|t| !t.params.is_empty())
        .map(|t| (t.metric, t.params.clone()))
        .collect()
}

/// "the readers' p99 lookup latency during the sweep (p99 latency in ns, phase=sweep)".
fn describe(target: &Target) -> String {
    let m = target.metric;
    let at = if target.params.is_empty() {
        String::new()
    } else {
        format!(", {}", target.params)
    };
    format!("{} ({} in {}{at})", target.meaning, m.name(), m.unit())
}

/// Groups of contenders that ran `workload` the same way: `(label, members)`, in contender
/// order; one unlabelled group when the run declares no modes for it.
pub(crate) fn groups(
    workload: &str,
    contenders: &[String],
    infos: &[ContenderInfo],
) -> Vec<(Option<String>, Vec<String>)> {
    let mode = |c: &str| info(infos, c).and_then(|i| i.modes.get(workload).cloned());
    let labels: Vec<Option<String>> = {
        let mut seen = Vec::new();
        for c in contenders {
            let m = mode(c);
            if !seen.contains(&m) {
                seen.push(m);
            }
        }
        seen
    };
    if labels.len() <= 1 {
        return vec![(None, contenders.to_vec())];
    }
    labels
        .into_iter()
        .map(|l| {
            let members = contenders
                .iter()
                .filter(|c| mode(c) == l)
                .cloned()
                .collect();
            (Some(l.unwrap_or_else(|| "undeclared".into())), members)
        })
        .collect()
}

/// The recommendations of one workload by its objective: one per group of contenders that did
/// the same work (one unlabelled entry for a single group).
pub(crate) fn recommendations(
    grid: &WorkloadGrid,
    objective: &Objective,
    infos: &[ContenderInfo],
) -> Vec<Recommendation> {
    let Some(first) = objective.primary.first() else {
        return Vec::new();
    };
    let names: Vec<String> = grid.contenders.iter().map(|c| c.name.clone()).collect();
    let tie: Vec<Metric> = objective.tie_breakers.iter().map(|t| t.metric).collect();
    let filters = filters(objective);
    let groups = groups(&grid.name, &names, infos);
    groups
        .into_iter()
        .filter_map(|(label, members)| {
            let keep = |c: &str| members.iter().any(|m| m == c) && choosable(infos, c);
            let narrowed = restrict(grid, &keep, &filters, false);
            let mut r = summarize::recommend_by(&narrowed, &[first.metric], &tie)?;
            let among = match &label {
                Some(l) => format!(
                    " Compared only within the group \"{l}\" ({} contenders), which did the same work under the same rules.",
                    members.len()
                ),
                None => String::new(),
            };
            r.reason = format!(
                "Ranked by {}: what `{}` exists to measure.{among} {}",
                describe(first),
                grid.name,
                r.reason
            );
            r.group = label;
            Some(r)
        })
        .collect()
}

/// `readers-during-sweep`: each contender's percentiles in both phases and its slowdown.
pub(crate) fn reader_phases(grid: &WorkloadGrid) -> Vec<ReaderPhases> {
    let Some(p99) = grid.table(Metric::LatencyP99Ns) else {
        return Vec::new();
    };
    if !p99.rows.iter().any(|r| r.params.get(PHASE_PARAM).is_some()) {
        return Vec::new();
    }
    let configs: BTreeSet<Params> = p99
        .rows
        .iter()
        .map(|r| r.params.without(&[PHASE_PARAM]))
        .collect();
    let cell = |metric: Metric, params: &Params, contender: &str| -> Cell {
        grid.table(metric)
            .and_then(|t| {
                let col = t.contenders.iter().position(|c| c == contender)?;
                let row = t.rows.iter().find(|r| &r.params == params)?;
                Some(row.cells[col].clone())
            })
            .unwrap_or(Cell::Missing)
    };
    let mut out = Vec::new();
    for config in configs {
        let at = |phase: &str| config.clone().with(PHASE_PARAM, phase);
        for contender in &p99.contenders {
            let four = |phase: &str| Metric::PERCENTILES.map(|m| cell(m, &at(phase), contender));
            let (idle, sweep) = (four("idle"), four("sweep"));
            if idle.iter().chain(&sweep).all(|c| c.value().is_none()) {
                continue;
            }
            out.push(ReaderPhases {
                params: config.clone(),
                contender: contender.clone(),
                idle,
                sweep,
                slowdown: cell(Metric::ReaderP99Slowdown, &config, contender),
            });
        }
    }
    out
}

/// One situation of the decision guide.
struct Spec {
    situation: &'static str,
    workload: &'static str,
    target: Target,
    tie_breakers: &'static [Metric],
    /// Who the situation admits, in words.
    admits: &'static str,
    eligible: fn(&ContenderInfo) -> bool,
    /// Rank each contender by its best configuration (e.g. shrunk if it can shrink).
    collapse: bool,
}

fn target(metric: Metric, params: Params, meaning: &str) -> Target {
    Target {
        metric,
        params,
        meaning: meaning.to_owned(),
    }
}

fn specs() -> Vec<Spec> {
    let none = Params::new;
    let sweep_phase = || Params::new().with(PHASE_PARAM, "sweep");
    vec![
        Spec {
            situation: "Single-threaded purge by a predicate",
            workload: "sweep",
            target: target(Metric::LatencyNsPerOp, none(), "sweep time per visited entry"),
            tie_breakers: &[Metric::RetainedBytesPerEntry, Metric::PeakExtraHeapBytes],
            admits: "every contender: any of them can purge a map one thread owns",
            eligible: |_| true,
            collapse: false,
        },
        Spec {
            situation: "Single-threaded loop whose body must remove, insert or stop",
            workload: "sweep-during-growth",
            target: target(Metric::LatencyNsPerOp, none(), "ns per entry visited or inserted"),
            tie_breakers: &[Metric::PeakExtraHeapBytes],
            admits: "single-threaded contenders observed to insert between sweep steps (the loop body can act mid-walk)",
            eligible: |i| {
                !i.is_shared()
                    && i.modes.get("sweep-during-growth").map(String::as_str)
                        == Some("inserts between sweep steps")
            },
            collapse: false,
        },
        Spec {
            situation: "Readers must never wait for a purge",
            workload: "readers-during-sweep",
            target: target(Metric::LatencyP99Ns, sweep_phase(), "readers' p99 lookup latency during the sweep"),
            tie_breakers: &[Metric::LatencyP999Ns, Metric::ReaderP99Slowdown, Metric::LatencyNsPerOp],
            admits: "shared contenders that declare readers never block during a sweep",
            eligible: |i| i.is_shared() && i.readers_block == "never",
            collapse: false,
        },
        Spec {
            situation: "Readers may wait, but the purge must be short",
            workload: "readers-during-sweep",
            target: target(Metric::LatencyNsPerOp, none(), "sweep time per visited entry with readers running"),
            tie_breakers: &[Metric::LatencyP99Ns, Metric::ReaderP99Slowdown],
            admits: "every shared contender (readers may block)",
            eligible: ContenderInfo::is_shared,
            collapse: false,
        },
        Spec {
            situation: "Writers keep writing during the purge",
            workload: "sweep-during-growth",
            target: target(Metric::LatencyNsPerOp, none(), "ns per entry visited or inserted, with a concurrent writer"),
            tie_breakers: &[Metric::PeakExtraHeapBytes],
            admits: "shared contenders (a writer thread inserts while the sweep runs)",
            eligible: ContenderInfo::is_shared,
            collapse: false,
        },
        Spec {
            situation: "Memory must come back after mass deletion",
            workload: "sparse-scan",
            target: target(Metric::RetainedBytesPerEntry, none(), "heap retained per live entry after deleting 99%, at the contender's best configuration (shrunk if it can shrink)"),
            tie_breakers: &[Metric::LatencyNsPerOp],
            admits: "every contender",
            eligible: |_| true,
            collapse: true,
        },
        Spec {
            situation: "Insertion order must survive the purge",
            workload: "sweep",
            target: target(Metric::LatencyNsPerOp, none(), "sweep time per visited entry"),
            tie_breakers: &[Metric::RetainedBytesPerEntry],
            admits: "contenders that declare they keep insertion order",
            eligible: |i| i.keeps_order,
            collapse: false,
        },
    ]
}

/// The decision guide of a run whose contenders declare their properties; empty otherwise.
pub(crate) fn decision_guide(grids: &[WorkloadGrid], infos: &[ContenderInfo]) -> Vec<Situation> {
    if infos.is_empty() {
        return Vec::new();
    }
    specs()
        .into_iter()
        .map(|spec| situation(&spec, grids, infos))
        .collect()
}

fn situation(spec: &Spec, grids: &[WorkloadGrid], infos: &[ContenderInfo]) -> Situation {
    let grid = grids.iter().find(|g| g.name == spec.workload);
    let eligible: Vec<String> = grid
        .map(|g| {
            g.contenders
                .iter()
                .map(|c| c.name.as_str())
                .filter(|c| choosable(infos, c) && info(infos, c).is_some_and(spec.eligible))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let mut out = Situation {
        situation: spec.situation.to_owned(),
        workload: spec.workload.to_owned(),
        choice: None,
        runner_up: None,
        metric: spec.target.metric,
        meaning: spec.target.meaning.clone(),
        value: None,
        runner_up_value: None,
        eligible: eligible.clone(),
        admits: spec.admits.to_owned(),
        reason: String::new(),
    };
    let Some(grid) = grid else {
        out.reason = format!("The run has no `{}` records.", spec.workload);
        return out;
    };
    if eligible.is_empty() {
        out.reason = format!(
            "No contender of this run is eligible: it admits {}.",
            spec.admits
        );
        return out;
    }
    // Percentiles of readers-during-sweep are read in the sweep phase (ranking metric and
    // tie-breakers alike); the idle phase is their baseline, not a result.
    let phase = if spec.target.params.is_empty() {
        Params::new().with(PHASE_PARAM, "sweep")
    } else {
        spec.target.params.clone()
    };
    let filters: Vec<(Metric, Params)> = if spec.workload == "readers-during-sweep" {
        Metric::PERCENTILES
            .iter()
            .map(|m| (*m, phase.clone()))
            .collect()
    } else {
        Vec::new()
    };
    let keep = |c: &str| eligible.iter().any(|e| e == c);
    let narrowed = restrict(grid, &keep, &filters, spec.collapse);
    match summarize::recommend_by(&narrowed, &[spec.target.metric], spec.tie_breakers) {
        Some(r) => {
            out.choice = Some(r.choice);
            out.runner_up = r.runner_up;
            out.value = r.value;
            out.runner_up_value = r.runner_up_value;
            out.reason = format!(
                "Eligible: {} ({}). Ranked by {} in `{}`. {}",
                spec.admits,
                eligible.len(),
                describe(&spec.target),
                spec.workload,
                r.reason
            );
        }
        None => {
            out.reason = format!(
                "None of the {} eligible contenders ({}) has a verified {} value in `{}`.",
                eligible.len(),
                spec.admits,
                spec.target.metric.name(),
                spec.workload
            );
        }
    }
    out
}

/// Geometric mean of a contender's verified values of `metric` in `grid` (rows filtered by
/// `filter`).
fn typical(grid: &WorkloadGrid, metric: Metric, filter: &Params, contender: &str) -> Option<f64> {
    let t = grid.table(metric)?;
    let col = t.contenders.iter().position(|c| c == contender)?;
    let values: Vec<f64> = t
        .rows
        .iter()
        .filter(|r| matches(&r.params, filter))
        .filter_map(|r| r.cells[col].value())
        .filter(|v| *v > 0.0)
        .collect();
    (!values.is_empty())
        .then(|| (values.iter().map(|v| v.ln()).sum::<f64>() / values.len() as f64).exp())
}

/// The guide's overview plots: shared contenders' sweep cost against readers' p99 slowdown, and
/// retained bytes per live entry after a mass deletion against scan cost per live entry.
pub(crate) fn overview(
    grids: &[WorkloadGrid],
    infos: &[ContenderInfo],
    guide: &[Situation],
) -> Vec<Chart> {
    let mut charts = Vec::new();
    if guide.is_empty() {
        // No guide (a run without declared properties): no overview either.
        return charts;
    }
    let chosen = |workload: &str| -> Vec<String> {
        guide
            .iter()
            .filter(|s| s.workload == workload)
            .filter_map(|s| s.choice.clone())
            .collect()
    };
    if let Some(g) = grids.iter().find(|g| g.name == "readers-during-sweep") {
        let points: Vec<ScatterPoint> = g
            .contenders
            .iter()
            .filter(|c| choosable(infos, &c.name) && !g.failed(&c.name))
            .filter_map(|c| {
                Some(ScatterPoint {
                    contender: c.name.clone(),
                    x: typical(g, Metric::LatencyNsPerOp, &Params::new(), &c.name)?,
                    y: typical(g, Metric::ReaderP99Slowdown, &Params::new(), &c.name)?,
                })
            })
            .collect();
        charts.extend(scatter(
            "overview-readers",
            "shared contenders: sweep time per entry (ns) vs readers' p99 slowdown (sweep / idle) | lower-left is better",
            "sweep time (ns per visited entry, geometric mean over reader counts)",
            "readers' p99 slowdown (x)",
            points,
            &chosen("readers-during-sweep"),
            infos,
        ));
    }
    if let Some(g) = grids.iter().find(|g| g.name == "sparse-scan") {
        let points: Vec<ScatterPoint> = g
            .contenders
            .iter()
            .filter(|c| choosable(infos, &c.name) && !g.failed(&c.name))
            .filter_map(|c| {
                Some(ScatterPoint {
                    contender: c.name.clone(),
                    x: typical(g, Metric::RetainedBytesPerEntry, &Params::new(), &c.name)?,
                    y: typical(g, Metric::LatencyNsPerOp, &Params::new(), &c.name)?,
                })
            })
            .collect();
        charts.extend(scatter(
            "overview-sparse",
            "after deleting 99%: retained heap per live entry vs scan time per live entry (geometric means over as-is and shrunk) | lower-left is better",
            "retained bytes per live entry",
            "scan ns per live entry",
            points,
            &chosen("sparse-scan"),
            infos,
        ));
    }
    charts
}

fn scatter(
    id: &str,
    title: &str,
    x_label: &str,
    y_label: &str,
    points: Vec<ScatterPoint>,
    recommended: &[String],
    infos: &[ContenderInfo],
) -> Vec<Chart> {
    if points.is_empty() {
        return Vec::new();
    }
    let names: Vec<String> = points.iter().map(|p| p.contender.clone()).collect();
    let parts = split_groups(&names, infos);
    let several = parts.len() > 1;
    parts
        .into_iter()
        .enumerate()
        .map(|(k, (label, members))| {
            let pts: Vec<ScatterPoint> = points
                .iter()
                .filter(|p| members.contains(&p.contender))
                .cloned()
                .collect();
            let positive = |f: fn(&ScatterPoint) -> f64| pts.iter().all(|p| f(p) > 0.0);
            let spread = |f: fn(&ScatterPoint) -> f64| {
                let (lo, hi) = pts.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), p| {
                    (lo.min(f(p)), hi.max(f(p)))
                });
                hi / lo > 20.0
            };
            let log_x = positive(|p| p.x) && spread(|p| p.x);
            let log_y = positive(|p| p.y) && spread(|p| p.y);
            Chart {
                id: if several {
                    format!("{id}-{}", k + 1)
                } else {
                    id.to_owned()
                },
                title: if several {
                    format!("{title} | {label}")
                } else {
                    title.to_owned()
                },
                notes: Vec::new(),
                marks: pts.len(),
                recommended: recommended.to_vec(),
                kind: ChartKind::Scatter(ScatterChart {
                    x_label: x_label.to_owned(),
                    y_label: y_label.to_owned(),
                    log_x,
                    log_y,
                    points: pts,
                }),
            }
        })
        .collect()
}

/// Splits `names` into readable groups of at most [`MAX_SERIES`]: evacmap and the five
/// strategies, single-threaded peers, shared peers, the Go reference, the user's own
/// contenders; contenders without
/// declared properties in chunks, in order. One group when they fit in one chart.
pub(crate) fn split_groups(
    names: &[String],
    infos: &[ContenderInfo],
) -> Vec<(String, Vec<String>)> {
    if names.len() <= MAX_SERIES {
        return vec![(String::new(), names.to_vec())];
    }
    let label = |n: &str| match info(infos, n) {
        Some(i) if i.kind == "evacmap" || i.kind == "strategy" => "evacmap and the five strategies",
        Some(i) if i.kind == ContenderInfo::GO_REFERENCE => "reference: Go runtime",
        Some(i) if i.kind == ContenderInfo::USER => "your contenders",
        Some(i) if i.is_shared() => "shared peers",
        Some(_) => "single-threaded peers",
        None => "contenders",
    };
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for n in names {
        let l = label(n);
        match groups
            .iter_mut()
            .find(|(g, m)| g == l && m.len() < MAX_SERIES)
        {
            Some((_, m)) => m.push(n.clone()),
            None => groups.push((l.to_owned(), vec![n.clone()])),
        }
    }
    let count = |l: &str| groups.iter().filter(|(g, _)| g == l).count();
    let numbered: Vec<(String, Vec<String>)> = groups
        .iter()
        .map(|(g, m)| {
            if count(g) > 1 {
                let k = groups
                    .iter()
                    .take_while(|(_, mm)| mm != m)
                    .filter(|(gg, _)| gg == g)
                    .count();
                (format!("{g} ({})", k + 1), m.clone())
            } else {
                (g.clone(), m.clone())
            }
        })
        .collect();
    numbered
}

/// `chart` split into charts of at most [`MAX_SERIES`] series (see [`split_groups`]), each
/// titled with its group and marking `recommended`.
pub(crate) fn split_chart(
    chart: Chart,
    infos: &[ContenderInfo],
    recommended: &[String],
) -> Vec<Chart> {
    let names: Vec<String> = match &chart.kind {
        ChartKind::Lines(l) => l.series.iter().map(|s| s.contender.clone()).collect(),
        ChartKind::Bars(b) => b.rows.iter().map(|r| r.contender.clone()).collect(),
        ChartKind::Ladder(l) => l.rows.iter().map(|r| r.contender.clone()).collect(),
        ChartKind::Scatter(s) => s.points.iter().map(|p| p.contender.clone()).collect(),
        ChartKind::Pareto(_) => Vec::new(),
    };
    let mut chart = chart;
    chart.recommended = recommended.to_vec();
    if names.len() <= MAX_SERIES {
        return vec![chart];
    }
    let parts = split_groups(&names, infos);
    let mut out = Vec::new();
    for (k, (label, members)) in parts.into_iter().enumerate() {
        let has = |c: &str| members.iter().any(|m| m == c);
        let (kind, marks) = match &chart.kind {
            ChartKind::Lines(l) => {
                let series: Vec<_> = l
                    .series
                    .iter()
                    .filter(|s| has(&s.contender))
                    .cloned()
                    .collect();
                let marks = series.iter().map(|s| s.points.len()).sum();
                (
                    ChartKind::Lines(crate::model::LineChart {
                        x_param: l.x_param.clone(),
                        y_unit: l.y_unit,
                        log_x: l.log_x,
                        log_y: l.log_y,
                        series,
                    }),
                    marks,
                )
            }
            ChartKind::Bars(b) => {
                let rows: Vec<_> = b
                    .rows
                    .iter()
                    .filter(|r| has(&r.contender))
                    .cloned()
                    .collect();
                let marks = rows
                    .iter()
                    .flat_map(|r| &r.cells)
                    .filter(|c| c.value().is_some())
                    .count();
                (
                    ChartKind::Bars(crate::model::BarChart {
                        unit: b.unit,
                        log: b.log,
                        series: b.series.clone(),
                        rows,
                    }),
                    marks,
                )
            }
            ChartKind::Ladder(l) => {
                let rows: Vec<_> = l
                    .rows
                    .iter()
                    .filter(|r| has(&r.contender))
                    .cloned()
                    .collect();
                let marks = rows
                    .iter()
                    .flat_map(|r| r.values)
                    .filter(Option::is_some)
                    .count();
                (
                    ChartKind::Ladder(crate::model::LadderChart { unit: l.unit, rows }),
                    marks,
                )
            }
            _ => return vec![chart],
        };
        if marks == 0 {
            continue;
        }
        // The group goes before the direction, which ends every title.
        let title = match chart.title.rsplit_once(" | ") {
            Some((head, direction)) => format!("{head} | {label} | {direction}"),
            None => format!("{} | {label}", chart.title),
        };
        out.push(Chart {
            id: format!("{}-{}", chart.id, k + 1),
            title,
            notes: chart.notes.clone(),
            marks,
            recommended: recommended.to_vec(),
            kind,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(name: &str, kind: &str, access: &str) -> ContenderInfo {
        ContenderInfo {
            name: name.into(),
            kind: kind.into(),
            access: access.into(),
            ..ContenderInfo::default()
        }
    }

    #[test]
    fn groups_of_a_chart_never_exceed_ten_and_cover_everyone() {
        let mut infos = vec![info("evacmap-cursor", "evacmap", "exclusive")];
        for k in 0..5 {
            infos.push(info(&format!("s{k}"), "strategy", "shared"));
        }
        for k in 0..12 {
            infos.push(info(&format!("p{k}"), "peer", "exclusive"));
        }
        for k in 0..5 {
            infos.push(info(&format!("q{k}"), "peer", "shared"));
        }
        let names: Vec<String> = infos.iter().map(|i| i.name.clone()).collect();
        let groups = split_groups(&names, &infos);
        let labels: Vec<&str> = groups.iter().map(|g| g.0.as_str()).collect();
        assert_eq!(
            labels,
            [
                "evacmap and the five strategies",
                "single-threaded peers (1)",
                "single-threaded peers (2)",
                "shared peers"
            ]
        );
        assert!(groups.iter().all(|g| g.1.len() <= MAX_SERIES));
        let mut all: Vec<String> = groups.into_iter().flat_map(|g| g.1).collect();
        all.sort();
        let mut want = names.clone();
        want.sort();
        assert_eq!(all, want);
        // Without declared properties: chunks of ten, in order.
        let chunks = split_groups(&names, &[]);
        assert_eq!(
            chunks.iter().map(|g| g.1.len()).collect::<Vec<_>>(),
            [10, 10, 3]
        );
        // Ten or fewer stay in one chart.
        assert_eq!(split_groups(&names[..10], &infos).len(), 1);
    }

    #[test]
    fn the_go_reference_is_never_choosable() {
        let infos = [info("go-map", ContenderInfo::GO_REFERENCE, "exclusive")];
        assert!(!choosable(&infos, "go-map"));
        assert!(choosable(&infos, "undeclared"));
    }
}
