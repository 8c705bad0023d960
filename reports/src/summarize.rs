//! From loaded records to the [`Report`] model: best contenders, recommendations, sections.

use crate::grid::{self, WorkloadGrid};
use crate::model::{
    Best, CategorySection, Cell, Chart, MetricDoc, MetricTable, Recommendation, Report, Row, Rules,
    RunInfo, Status, WorkloadPart, WorkloadSummary,
};
use crate::noise::NoiseModel;
use crate::schema::{Category, ContenderInfo, Direction, Metric, SCHEMA_VERSION, TUNE_WORKLOAD};
use crate::{baseline, charts, fmt, guide, tune, LoadedRun};

/// Two scores closer than this (relative) are a tie, decided by memory.
const TIE_MARGIN: f64 = 0.05;

/// Time metrics a recommendation is based on, first present wins.
const PRIMARY: [Metric; 5] = [
    Metric::LatencyNsPerOp,
    Metric::LatencyP99Ns,
    Metric::LatencyP50Ns,
    Metric::SweepNsPerEntry,
    Metric::LookupHitNs,
];

/// Memory metrics that break ties, first present wins.
const TIE_BREAKERS: [Metric; 5] = [
    Metric::PeakExtraHeapBytes,
    Metric::RetainedBytesPerEntry,
    Metric::AllocBytesPerOp,
    Metric::BytesPerEntry,
    Metric::DeferredGarbageBytes,
];

/// True for metrics whose rows are samples of one series rather than configurations: they are
/// plotted, but not scored, counted as gaps or compared with a baseline.
pub(crate) fn is_series(metric: Metric) -> bool {
    metric == Metric::HeapBytes
}

/// Builds the report of `run`, compared with `baseline` if given (the shipped calibration).
#[cfg(test)]
pub(crate) fn summarize(run: &LoadedRun, baseline: Option<&LoadedRun>) -> Report {
    summarize_with(run, baseline, &NoiseModel::shipped())
}

/// [`summarize`] with the noise calibration `noise` for the baseline comparison.
pub(crate) fn summarize_with(
    run: &LoadedRun,
    baseline: Option<&LoadedRun>,
    noise: &NoiseModel,
) -> Report {
    let grids = grid::build(run);
    let baseline = baseline.map(|b| baseline::compare(&grids, &grid::build(b), b, noise));
    let cells = || {
        grids
            .iter()
            .flat_map(|g| &g.tables)
            .filter(|t| !is_series(t.metric))
            .flat_map(|t| &t.rows)
            .flat_map(|r| &r.cells)
    };
    let missing = cells().filter(|c| **c == Cell::Missing).count();
    let not_measured = cells()
        .filter(|c| matches!(c, Cell::NotMeasured { .. }))
        .count();
    let partial = run.is_partial();
    let (tune_grids, bench): (Vec<WorkloadGrid>, Vec<WorkloadGrid>) =
        grids.into_iter().partition(|g| g.name == TUNE_WORKLOAD);
    let env = &run.meta.environment;
    let infos = &env.contenders;
    let mut summary: Vec<WorkloadSummary> = bench
        .iter()
        .map(|g| {
            let objective = env.objectives.iter().find(|o| o.workload == g.name);
            summarize_workload(g, objective, infos)
        })
        .collect();
    if run.go_reference.is_some() {
        let ratios = crate::go_reference::evacmap_vs_go(run);
        for (workload, ratio, cells) in crate::go_reference::ratio_per_workload(&ratios) {
            let names = |f: fn(&crate::go_reference::GoRatio) -> &String| {
                let mut v: Vec<String> = ratios
                    .iter()
                    .filter(|r| r.workload == workload)
                    .map(|r| f(r).clone())
                    .collect();
                v.sort();
                v.dedup();
                v
            };
            if let Some(w) = summary.iter_mut().find(|w| w.workload == workload) {
                w.go_reference = Some(crate::model::GoVersus {
                    ratio,
                    cells,
                    evacmap: names(|r| &r.evacmap),
                    go: names(|r| &r.go),
                });
            }
        }
    }
    let decision_guide = guide::decision_guide(&bench, infos);
    let picks: Vec<(crate::tune_pick::KnobPick, String)> = run
        .picks
        .iter()
        .map(|p| (p.clone(), run.dir.display().to_string()))
        .chain(run.tunes.iter().flat_map(|t| {
            t.picks
                .iter()
                .map(|p| (p.clone(), t.dir.display().to_string()))
        }))
        .collect();
    let tuning: Vec<_> = tune_grids
        .iter()
        .flat_map(|g| tune::tables(g, &picks, noise))
        .collect();
    let mut ids = charts::Ids::default();
    let overview: Vec<_> = guide::overview(&bench, infos, &decision_guide)
        .into_iter()
        .map(|mut c| {
            c.id = ids.make(&c.id);
            c
        })
        .collect();
    let recommended = |workload: &str| -> Vec<String> {
        summary
            .iter()
            .filter(|w| w.workload == workload)
            .flat_map(|w| &w.recommendations)
            .map(|r| r.choice.clone())
            .collect()
    };
    let sections: Vec<CategorySection> =
        [Category::Latency, Category::GcPressure, Category::Locality]
            .into_iter()
            .map(|category| CategorySection {
                category,
                workloads: bench
                    .iter()
                    .filter_map(|g| {
                        workload_part(g, category, partial, &mut ids, infos, &recommended(&g.name))
                    })
                    .collect(),
            })
            .collect();
    let tuning: Vec<_> = tuning
        .into_iter()
        .map(|mut t: crate::model::TuneTable| {
            if let Some(chart) = &mut t.chart {
                chart.id = ids.make(&chart.id);
            }
            t
        })
        .collect();
    let scaling = crate::scaling::families(&run.records);
    let plots = sections
        .iter()
        .flat_map(|s| &s.workloads)
        .map(|w| w.charts.len())
        .sum::<usize>()
        + tuning.iter().filter(|t| t.chart.is_some()).count()
        + overview.len()
        + scaling.iter().filter(|f| f.chart.is_some()).count();
    let metrics = Metric::ALL
        .into_iter()
        .filter(|m| run.records.iter().any(|r| r.metric == *m))
        .map(|metric| MetricDoc {
            metric,
            name: metric.name(),
            unit: metric.unit(),
            direction: metric.direction(),
            description: metric.description(),
        })
        .collect();
    Report {
        schema: SCHEMA_VERSION,
        run: RunInfo {
            dir: run.dir.display().to_string(),
            partial,
            torn_line: run.torn_line,
            records: run.records.len(),
            gaps: if partial { missing } else { 0 },
            absent: if partial { 0 } else { missing },
            not_measured,
            meta: run.meta.clone(),
            tune: run.tune.as_ref().map(|t| crate::model::SourceRun {
                dir: t.dir.display().to_string(),
                date: t.meta.environment.date.clone(),
                git_commit: t.meta.environment.git_commit.clone(),
                complete: t.meta.complete,
                records: t.records,
            }),
            go_reference: run.go_reference.as_ref().map(|g| g.meta.clone()),
            plots,
        },
        contenders: grid::contenders(&run.records),
        decision_guide,
        overview,
        summary,
        sections,
        tuning,
        baseline,
        metrics,
        rules: rules(noise),
        scaling,
    }
}

fn rules(noise: &NoiseModel) -> Rules {
    Rules {
        best: "For each workload and metric, a contender's score is the geometric mean, over the \
               configurations that every eligible contender measured (all configurations if there is \
               none in common), of its value divided by the best value of that configuration (inverted \
               for higher-is-better metrics; if a configuration holds a 0, 1% of its largest value is \
               added to all its values). 1.00 means best everywhere; the lowest score is best. The \
               values shown next to a contender are the geometric mean of its own values over the \
               same configurations. Contenders that failed verification anywhere in the workload are \
               not eligible; heap-over-time samples are plotted but not scored."
            .into(),
        recommendation: format!(
            "Each workload declares its objective (shown with its summary): the metric it exists to \
             measure and its tie-breakers. The recommended contender has the best score on that \
             metric among the contenders that passed verification and did the same work under the \
             same rules (a workload that runs contenders differently, such as sweep-during-growth, \
             gets one recommendation per group). Scores within {:.0}% of the best count as a tie, \
             which goes to the best on the first tie-breaker that separates them. Contenders of \
             kind go-reference are never chosen. Runs of schema version 1 declare no objectives: \
             they are ranked by time per operation, ties going to the lower memory.",
            TIE_MARGIN * 100.0
        ),
        noise: format!(
            "Exact values (counts, bytes and chain statistics of single-threaded cells, fixed by the \
             seed) change on any difference. Any other value changes only if |change| exceeds its \
             noise floor: the upper fence Q3 + 3 x IQR of the differences between runs of one commit \
             on this machine (A/A calibration: {}; per metric and workload, see the threshold \
             column), and, where both runs kept their samples, a Mann-Whitney U test of the two \
             runs' samples finds them different at the {:.0}% level. Intervals say what they are: \
             [lo, hi] is a bootstrap 95% CI within one run, lo..hi the min..max of several runs. \
             Heap-over-time samples are not compared (their peak is compared as peak extra heap).",
            noise.source,
            baseline::ALPHA * 100.0
        ),
        tuning: "Each knob's values are plotted memory against time. The recommendation is the one \
                 `evacbench tune` recorded, from the same computation the report would make: by \
                 default (balanced) the Pareto-optimal value (no other has both less memory and \
                 less time) with the lowest memory / least memory + time / least time; values \
                 whose cost ranges (first to third quartile of the time's repetitions) overlap \
                 the lowest's tie with it, and the tie goes to the least memory."
            .into(),
    }
}

fn workload_part(
    grid: &WorkloadGrid,
    category: Category,
    partial: bool,
    ids: &mut charts::Ids,
    infos: &[ContenderInfo],
    recommended: &[String],
) -> Option<WorkloadPart> {
    let tables: Vec<MetricTable> = grid
        .tables
        .iter()
        .filter(|t| t.metric.category() == category)
        .cloned()
        .collect();
    if tables.is_empty() {
        return None;
    }
    let charts: Vec<Chart> = charts::charts(&grid.name, &tables, partial)
        .into_iter()
        .flat_map(|c| guide::split_chart(c, infos, recommended))
        .map(|mut c| {
            c.id = ids.make(&c.id);
            c
        })
        .collect();
    Some(WorkloadPart {
        workload: grid.name.clone(),
        charts,
        tables,
    })
}

fn summarize_workload(
    grid: &WorkloadGrid,
    objective: Option<&crate::schema::Objective>,
    infos: &[ContenderInfo],
) -> WorkloadSummary {
    let best = grid
        .tables
        .iter()
        .filter(|t| !is_series(t.metric))
        .map(|table| {
            let scores = score_table(grid, table);
            let ranked = scores.ranked();
            let first = ranked.first().copied();
            // Scores equal to the winner's (to rounding) are ties, not runners-up.
            let same = |s: f64| first.is_some_and(|(_, b)| s <= b * (1.0 + 1e-9));
            let tied = ranked.iter().skip(1).filter(|(_, s)| same(*s)).count();
            let second = ranked.iter().copied().find(|(_, s)| !same(*s));
            Best {
                metric: table.metric,
                direction: table.metric.direction(),
                contender: first.map(|(i, _)| table.contenders[i].clone()),
                score: first.map(|(_, s)| s),
                value: first.and_then(|(i, _)| scores.geo[i]),
                tied,
                runner_up: second.map(|(i, _)| table.contenders[i].clone()),
                runner_up_score: second.map(|(_, s)| s),
                runner_up_value: second.and_then(|(i, _)| scores.geo[i]),
                configurations: scores.configurations,
            }
        })
        .collect();
    let recommendations = match objective {
        Some(o) => guide::recommendations(grid, o, infos),
        None => recommend(grid).into_iter().collect(),
    };
    WorkloadSummary {
        workload: grid.name.clone(),
        objective: objective.cloned(),
        contenders: grid.contenders.clone(),
        best,
        recommendation: match recommendations.as_slice() {
            [one] if one.group.is_none() => Some(one.clone()),
            _ => None,
        },
        recommendations,
        reader_phases: guide::reader_phases(grid),
        go_reference: None,
    }
}

/// Scores of the contenders of one table (see [`Rules::best`]).
struct Scores {
    /// Per column; `None` for ineligible contenders and those without verified values.
    by_column: Vec<Option<f64>>,
    /// Per column, the geometric mean of its values over the scored configurations.
    geo: Vec<Option<f64>>,
    /// Indices of the scored rows.
    rows: Vec<usize>,
    /// True if every scored row has a value of every eligible contender.
    common: bool,
    configurations: usize,
}

impl Scores {
    /// `(column, score)` from best to worst.
    fn ranked(&self) -> Vec<(usize, f64)> {
        let mut ranked: Vec<(usize, f64)> = self
            .by_column
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.map(|s| (i, s)))
            .collect();
        ranked.sort_by(|a, b| a.1.total_cmp(&b.1));
        ranked
    }

    /// Column and score of the best contender.
    fn best(&self) -> Option<(usize, f64)> {
        self.ranked().into_iter().next()
    }

    fn of(&self, table: &MetricTable, contender: &str) -> Option<f64> {
        table
            .contenders
            .iter()
            .position(|c| c == contender)
            .and_then(|i| self.by_column[i])
    }
}

/// Geometric mean of the positive values; `None` if there is none or one is not positive.
fn geo_mean(values: impl IntoIterator<Item = f64>) -> Option<f64> {
    let (mut sum, mut n) = (0.0, 0usize);
    for v in values {
        if v <= 0.0 {
            // A zero makes the mean meaningless on a log scale; fall back to the plain mean.
            return None;
        }
        sum += v.ln();
        n += 1;
    }
    (n > 0).then(|| (sum / n as f64).exp())
}

/// Mean of `column` over `rows`: geometric if every value is positive, else arithmetic.
fn typical(table: &MetricTable, column: usize, rows: &[usize]) -> Option<f64> {
    let values: Vec<f64> = rows
        .iter()
        .filter_map(|&r| table.rows[r].cells[column].value())
        .collect();
    if values.is_empty() {
        return None;
    }
    geo_mean(values.iter().copied())
        .or_else(|| Some(values.iter().sum::<f64>() / values.len() as f64))
}

fn score_table(grid: &WorkloadGrid, table: &MetricTable) -> Scores {
    let direction = table.metric.direction();
    let candidates: Vec<usize> = (0..table.contenders.len())
        .filter(|&i| !grid.failed(&table.contenders[i]))
        .filter(|&i| table.rows.iter().any(|r| r.cells[i].value().is_some()))
        .collect();
    let complete = |row: &Row| candidates.iter().all(|&i| row.cells[i].value().is_some());
    let common: Vec<usize> = (0..table.rows.len())
        .filter(|&r| complete(&table.rows[r]))
        .collect();
    let is_common = !common.is_empty();
    let rows = if is_common {
        common
    } else {
        (0..table.rows.len()).collect()
    };
    let mut log_sums = vec![(0.0, 0usize); table.contenders.len()];
    let mut configurations = 0;
    for &r in &rows {
        let row = &table.rows[r];
        let values: Vec<(usize, f64)> = candidates
            .iter()
            .filter_map(|&i| row.cells[i].value().map(|v| (i, v)))
            .collect();
        let Some(best) =
            values
                .iter()
                .map(|v| v.1)
                .reduce(|a, b| if direction.better(b, a) { b } else { a })
        else {
            continue;
        };
        let (min, max) = values.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), v| {
            (lo.min(v.1), hi.max(v.1))
        });
        let shift = match (min == 0.0, max > 0.0) {
            (false, _) => 0.0,
            (true, true) => 0.01 * max,
            (true, false) => 1.0,
        };
        configurations += 1;
        for (i, v) in values {
            let (num, den) = match direction {
                Direction::Lower => (v + shift, best + shift),
                Direction::Higher => (best + shift, v + shift),
            };
            if num > 0.0 && den > 0.0 {
                log_sums[i].0 += (num / den).ln();
                log_sums[i].1 += 1;
            }
        }
    }
    let by_column: Vec<Option<f64>> = log_sums
        .into_iter()
        .map(|(sum, n)| (n > 0).then(|| (sum / n as f64).exp()))
        .collect();
    let geo = (0..table.contenders.len())
        .map(|i| by_column[i].and_then(|_| typical(table, i, &rows)))
        .collect();
    Scores {
        by_column,
        geo,
        rows,
        common: is_common,
        configurations,
    }
}

/// True if the confidence intervals of two cells overlap (false without intervals).
fn overlap(a: &Cell, b: &Cell) -> bool {
    match (a, b) {
        (
            Cell::Ok {
                ci_low: Some(al),
                ci_high: Some(ah),
                ..
            },
            Cell::Ok {
                ci_low: Some(bl),
                ci_high: Some(bh),
                ..
            },
        ) => al <= bh && bl <= ah,
        _ => false,
    }
}

/// The recommendation of a version-1 run, which declares no objectives: the first time metric
/// present, ties broken by memory.
fn recommend(grid: &WorkloadGrid) -> Option<Recommendation> {
    recommend_by(grid, &PRIMARY, &TIE_BREAKERS)
}

/// Ranks the contenders of `grid` by the first metric of `primary` that has verified values;
/// scores within [`TIE_MARGIN`] are a tie, broken by the first of `tie_breakers` that separates
/// them.
pub(crate) fn recommend_by(
    grid: &WorkloadGrid,
    primary: &[Metric],
    tie_breakers: &[Metric],
) -> Option<Recommendation> {
    let (table, scores) = primary.iter().find_map(|m| {
        let table = grid.table(*m)?;
        let scores = score_table(grid, table);
        scores.best().map(|_| (table, scores))
    })?;
    // Go's reference contenders are measured beside the Rust ones, never recommended.
    let ranked: Vec<_> = scores
        .ranked()
        .into_iter()
        .filter(|(i, _)| !table.contenders[*i].starts_with(crate::go_reference::GO_PREFIX))
        .collect();
    let (best_col, best_score) = *ranked.first()?;
    let name = |i: usize| table.contenders[i].as_str();
    let metric = table.metric;
    let unit = metric.unit();
    let higher = metric.direction() == Direction::Higher;
    let lowest = if higher { "highest" } else { "lowest" };
    let q = |v: Option<f64>| v.map_or_else(|| "no value".to_owned(), |v| fmt::quantity(v, unit));
    let n_configs = scores.configurations;
    let over_words = (n_configs > 1).then(|| {
        if scores.common {
            format!("geometric means over the {n_configs} configurations")
        } else {
            format!("geometric means over {n_configs} configurations, not all measured by every contender")
        }
    });
    let over = over_words
        .as_ref()
        .map(|w| format!(" ({w})"))
        .unwrap_or_default();
    let context = context(grid, ranked.len());
    let tied: Vec<(usize, f64)> = ranked
        .iter()
        .copied()
        .filter(|(_, s)| *s <= best_score * (1.0 + TIE_MARGIN))
        .collect();
    let (choice, reason) = if tied.len() > 1 {
        let (col, why) = break_tie(grid, table, &tied, tie_breakers);
        let names: Vec<&str> = tied.iter().map(|(i, _)| name(*i)).collect();
        let times: Vec<String> = tied.iter().map(|(i, _)| q(scores.geo[*i])).collect();
        (
            col,
            format!(
                "{} are within {:.0}% of each other on {} ({}{}). {why} {context}",
                code_list(&names),
                TIE_MARGIN * 100.0,
                metric.name(),
                and_list(&times),
                over_words.map(|w| format!("; {w}")).unwrap_or_default(),
            ),
        )
    } else {
        let reason = match ranked.get(1) {
            Some(&(next, next_score)) => {
                let (worst, _) = ranked[ranked.len() - 1];
                let (b, r) = (scores.geo[best_col], scores.geo[next]);
                let versus = match (b, r, scores.common || n_configs == 1) {
                        (Some(b), Some(r), true) => format!(
                            "{} against {} ({}) for the runner-up `{}`",
                            q(Some(b)),
                            q(Some(r)),
                            fmt::worse_by(b, r, higher),
                            name(next)
                        ),
                        _ => format!(
                            "it is on average {} times the best value of each configuration, the runner-up `{}` {} times",
                            fmt::score(best_score),
                            name(next),
                            fmt::score(next_score)
                        ),
                    };
                let slowest = if worst != next {
                    format!(
                        " and {} for the last, `{}`",
                        q(scores.geo[worst]),
                        name(worst)
                    )
                } else {
                    String::new()
                };
                let wins = scores
                    .rows
                    .iter()
                    .filter(|&&r| {
                        matches!(table.rows[r].cells[best_col], Cell::Ok { best: true, .. })
                    })
                    .count();
                let wins = if n_configs > 1 {
                    format!(" It is the best in {wins} of the {n_configs} configurations.")
                } else {
                    String::new()
                };
                let overlapping = scores
                    .rows
                    .iter()
                    .filter(|&&r| {
                        overlap(&table.rows[r].cells[best_col], &table.rows[r].cells[next])
                    })
                    .count();
                let noise = match (overlapping, n_configs) {
                        (0, _) => String::new(),
                        (_, 1) => format!(" The confidence intervals of `{}` and `{}` overlap, so this lead is within the measurement noise.", name(best_col), name(next)),
                        (k, n) => format!(" The confidence intervals of `{}` and `{}` overlap in {k} of the {n} configurations.", name(best_col), name(next)),
                    };
                format!(
                        "`{}` has the {lowest} {} ({unit}): {versus}{slowest}{over}.{wins}{noise} {context}",
                        name(best_col),
                        metric.name(),
                    )
            }
            None => format!(
                "`{}` is the only contender with verified {} values: {}{over}. {context}",
                name(best_col),
                metric.name(),
                q(scores.geo[best_col]),
            ),
        };
        (best_col, reason)
    };
    let runner_up = ranked.iter().map(|(i, _)| *i).find(|&i| i != choice);
    Some(Recommendation {
        group: None,
        choice: name(choice).to_owned(),
        metric: Some(metric),
        value: scores.geo[choice],
        runner_up: runner_up.map(|i| name(i).to_owned()),
        runner_up_value: runner_up.and_then(|i| scores.geo[i]),
        reason: reason.trim_end().to_owned(),
    })
}

/// Picks among `tied` (columns of `table` within the tie margin on time) by the first memory
/// metric that separates them; returns the column and the reason in words.
fn break_tie(
    grid: &WorkloadGrid,
    table: &MetricTable,
    tied: &[(usize, f64)],
    tie_breakers: &[Metric],
) -> (usize, String) {
    let name = |i: usize| table.contenders[i].as_str();
    let fastest = tied[0].0;
    let mut same = None;
    for &m in tie_breakers {
        if m == table.metric {
            continue;
        }
        let Some(mt) = grid.table(m) else { continue };
        let ms = score_table(grid, mt);
        let mem: Vec<Option<f64>> = tied.iter().map(|(i, _)| ms.of(mt, name(*i))).collect();
        let known: Vec<f64> = mem.iter().flatten().copied().collect();
        let (Some(min), Some(max)) = (
            known.iter().copied().reduce(f64::min),
            known.iter().copied().reduce(f64::max),
        ) else {
            continue;
        };
        // Memory values of the tied contenders over the rows all measured ones have.
        let cols: Vec<Option<usize>> = tied
            .iter()
            .zip(&mem)
            .map(|((i, _), s)| s.and_then(|_| mt.contenders.iter().position(|c| c == name(*i))))
            .collect();
        let rows: Vec<usize> = (0..mt.rows.len())
            .filter(|&r| {
                cols.iter()
                    .flatten()
                    .all(|&c| mt.rows[r].cells[c].value().is_some())
            })
            .collect();
        let value = |k: usize| -> String {
            cols[k].and_then(|c| typical(mt, c, &rows)).map_or_else(
                || "not measured".into(),
                |v| fmt::quantity(v, mt.metric.unit()),
            )
        };
        if max <= min * (1.0 + TIE_MARGIN) {
            same.get_or_insert_with(|| format!("{} ({})", mt.metric.name(), value(0)));
            continue;
        }
        // The contenders within the margin of the least memory; the fastest of them wins.
        let low: Vec<usize> = (0..tied.len())
            .filter(|&k| mem[k].is_some_and(|s| s <= min * (1.0 + TIE_MARGIN)))
            .collect();
        let high: Vec<usize> = (0..tied.len()).filter(|k| !low.contains(k)).collect();
        let pick = low[0];
        let list = |ks: &[usize]| -> String {
            let items: Vec<String> = ks
                .iter()
                .map(|&k| format!("{} for `{}`", value(k), name(tied[k].0)))
                .collect();
            and_list(&items)
        };
        let earlier = same
            .map(|s| format!("They are about the same on {s}, but "))
            .unwrap_or_default();
        let why = if low.len() == 1 {
            format!(
                "{earlier}`{}` has the lowest {}: {}, against {}; so it is recommended.",
                name(tied[pick].0),
                m.name(),
                value(pick),
                list(&high)
            )
        } else {
            format!(
                "{earlier}{} {} higher {} ({}) than the others ({}); so the best of those, `{}`, is recommended.",
                code_list(&high.iter().map(|&k| name(tied[k].0)).collect::<Vec<_>>()),
                if high.len() == 1 { "has" } else { "have" },
                m.name(),
                list(&high),
                list(&low),
                name(tied[pick].0)
            )
        };
        return (tied[pick].0, capitalize(&why));
    }
    let why = match same {
        Some(same) => format!(
            "They are about the same on {same}, so the best on {}, `{}`, is recommended.",
            table.metric.name(),
            name(fastest)
        ),
        None => format!(
            "No tie-breaker was measured for them, so the best on {}, `{}`, is recommended.",
            table.metric.name(),
            name(fastest)
        ),
    };
    (fastest, why)
}

/// "18 contenders passed verification; `x` failed verification and is excluded; 8 were not
/// measured here (reason)."
fn context(grid: &WorkloadGrid, ranked: usize) -> String {
    let mut parts = vec![format!(
        "{ranked} contender{} passed verification",
        if ranked == 1 { "" } else { "s" }
    )];
    let failed: Vec<&str> = grid
        .contenders
        .iter()
        .filter(|c| c.failed().is_some())
        .map(|c| c.name.as_str())
        .collect();
    if !failed.is_empty() {
        parts.push(format!(
            "{} failed verification and {} excluded",
            code_list(&failed),
            if failed.len() == 1 { "is" } else { "are" }
        ));
    }
    let mut reasons: Vec<(&str, usize)> = Vec::new();
    for c in &grid.contenders {
        if let Status::NotMeasured { reason } = &c.status {
            match reasons.iter_mut().find(|(r, _)| r == reason) {
                Some((_, n)) => *n += 1,
                None => reasons.push((reason, 1)),
            }
        }
    }
    for (reason, n) in reasons {
        parts.push(format!(
            "{n} {} not measured here ({reason})",
            if n == 1 { "was" } else { "were" }
        ));
    }
    format!("{}.", parts.join("; "))
}

/// `text` with its first letter in upper case.
fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

/// "`a`, `b` and `c`".
fn code_list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    and_list(&quoted)
}

/// "a, b and c".
fn and_list(items: &[String]) -> String {
    match items.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => items.concat(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Environment, Outcome, Params, Record, RunMeta};

    fn run(records: Vec<Record>) -> LoadedRun {
        let meta = RunMeta {
            schema: SCHEMA_VERSION,
            complete: true,
            environment: Environment::default(),
        };
        LoadedRun {
            dir: "run".into(),
            meta,
            records,
            torn_line: None,
            tune: None,
            tunes: Vec::new(),
            picks: Vec::new(),
            go_reference: None,
        }
    }

    fn rec(contender: &str, n: u64, metric: Metric, value: f64) -> Record {
        Record::new(
            contender,
            "sweep",
            Params::new().with("n", n),
            metric,
            1,
            Outcome::value(value),
        )
    }

    fn recommendation(records: Vec<Record>) -> Recommendation {
        let grids = grid::build(&run(records));
        recommend(&grids[0]).expect("a recommendation")
    }

    #[test]
    fn go_reference_contenders_are_never_recommended() {
        let r = recommendation(vec![
            rec("go-range-delete", 1000, Metric::LatencyNsPerOp, 5.0),
            rec("a", 1000, Metric::LatencyNsPerOp, 10.0),
            rec("b", 1000, Metric::LatencyNsPerOp, 20.0),
        ]);
        assert_eq!(r.choice, "a");
    }

    #[test]
    fn fastest_wins_when_clearly_ahead() {
        let r = recommendation(vec![
            rec("a", 1000, Metric::LatencyNsPerOp, 10.0),
            rec("b", 1000, Metric::LatencyNsPerOp, 12.0),
            rec("a", 2000, Metric::LatencyNsPerOp, 20.0),
            rec("b", 2000, Metric::LatencyNsPerOp, 24.0),
        ]);
        assert_eq!(r.choice, "a");
        // sqrt(10 * 20) = 14.14 against sqrt(12 * 24) = 16.97.
        assert!(
            r.reason
                .contains("14.14 ns/op against 16.97 ns/op (20% more) for the runner-up `b`")
                && r.reason.contains("over the 2 configurations")
                && r.reason.contains("best in 2 of the 2"),
            "{}",
            r.reason
        );
    }

    #[test]
    fn a_tie_on_time_goes_to_the_lower_memory() {
        let r = recommendation(vec![
            rec("a", 1000, Metric::LatencyNsPerOp, 10.0),
            rec("b", 1000, Metric::LatencyNsPerOp, 10.3),
            rec("c", 1000, Metric::LatencyNsPerOp, 30.0),
            rec("a", 1000, Metric::PeakExtraHeapBytes, 100.0),
            rec("b", 1000, Metric::PeakExtraHeapBytes, 50.0),
            rec("c", 1000, Metric::PeakExtraHeapBytes, 1.0),
        ]);
        assert_eq!(
            r.choice, "b",
            "c is cheapest on memory but not tied on time"
        );
        assert!(
            r.reason.contains("within 5% of each other")
                && r.reason.contains(
                    "`b` has the lowest peak extra heap: 50 bytes, against 100 bytes for `a`"
                ),
            "{}",
            r.reason
        );
    }

    #[test]
    fn a_tie_with_equal_memory_goes_to_the_fastest() {
        let r = recommendation(vec![
            rec("a", 1000, Metric::LatencyNsPerOp, 10.2),
            rec("b", 1000, Metric::LatencyNsPerOp, 10.0),
            rec("a", 1000, Metric::PeakExtraHeapBytes, 0.0),
            rec("b", 1000, Metric::PeakExtraHeapBytes, 0.0),
        ]);
        assert_eq!(r.choice, "b");
        assert!(
            r.reason
                .contains("about the same on peak extra heap (0 bytes),")
                && r.reason.contains("the best on time per operation, `b`"),
            "{}",
            r.reason
        );
    }

    #[test]
    fn overlapping_intervals_are_called_noise() {
        let ci = |c: &str, v: f64, lo: f64, hi: f64| {
            Record::new(
                c,
                "sweep",
                Params::new().with("n", 1000u64),
                Metric::LatencyNsPerOp,
                1,
                Outcome::with_ci(v, lo, hi, vec![]),
            )
        };
        let r = recommendation(vec![ci("a", 10.0, 8.0, 13.0), ci("b", 12.0, 11.0, 14.0)]);
        assert_eq!(r.choice, "a");
        assert!(
            r.reason.contains("10 ns/op against 12 ns/op (20% more)")
                && r.reason
                    .contains("overlap, so this lead is within the measurement noise"),
            "{}",
            r.reason
        );
    }

    #[test]
    fn a_skipped_configuration_gives_its_reason_to_every_metric_and_status() {
        let p = |readers: u64| Params::new().with("readers", readers);
        let mut records = Vec::new();
        for readers in [1u64, 2] {
            records.push(Record::new(
                "single",
                "readers",
                p(readers),
                Metric::LatencyNsPerOp,
                1,
                Outcome::not_measured("single-threaded"),
            ));
            for m in [Metric::LatencyNsPerOp, Metric::AllocsPerOp] {
                records.push(Record::new(
                    "shared",
                    "readers",
                    p(readers),
                    m,
                    1,
                    Outcome::value(3.0),
                ));
            }
        }
        // `single` measured allocations elsewhere, so it has a column in that table.
        records.push(rec("single", 1000, Metric::AllocsPerOp, 1.0));
        let report = summarize(&run(records), None);
        assert_eq!(
            report.run.absent, 0,
            "skipped configurations are not missing"
        );
        assert_eq!(report.run.gaps, 0);
        let readers = report
            .summary
            .iter()
            .find(|w| w.workload == "readers")
            .unwrap();
        let single = readers
            .contenders
            .iter()
            .find(|c| c.name == "single")
            .unwrap();
        assert_eq!(
            single.status,
            Status::NotMeasured {
                reason: "single-threaded".into()
            }
        );
        assert!(readers
            .recommendation
            .as_ref()
            .unwrap()
            .reason
            .contains("1 was not measured here (single-threaded)"));
        let allocs = report
            .sections
            .iter()
            .flat_map(|s| &s.workloads)
            .filter(|w| w.workload == "readers")
            .flat_map(|w| &w.tables)
            .find(|t| t.metric == Metric::AllocsPerOp)
            .unwrap();
        let col = allocs
            .contenders
            .iter()
            .position(|c| c == "single")
            .unwrap();
        for row in &allocs.rows {
            assert_eq!(
                row.cells[col],
                Cell::NotMeasured {
                    reason: "single-threaded".into()
                }
            );
        }
    }

    #[test]
    fn an_absent_value_of_a_finished_run_is_not_a_gap() {
        let report = summarize(
            &run(vec![
                rec("a", 1000, Metric::LatencyNsPerOp, 1.0),
                rec("b", 1000, Metric::LatencyNsPerOp, 2.0),
                rec("a", 2000, Metric::LatencyNsPerOp, 1.0),
            ]),
            None,
        );
        assert_eq!((report.run.gaps, report.run.absent), (0, 1));
    }

    #[test]
    fn failed_contenders_are_not_eligible() {
        let mut records = vec![
            rec("a", 1000, Metric::LatencyNsPerOp, 10.0),
            rec("b", 1000, Metric::LatencyNsPerOp, 50.0),
        ];
        records.push(Record::new(
            "a",
            "sweep",
            Params::new().with("n", 2000u64),
            Metric::LatencyNsPerOp,
            1,
            Outcome::failed("lost keys"),
        ));
        let r = recommendation(records.clone());
        assert_eq!(r.choice, "b");
        assert!(r.reason.contains("`a` failed verification"), "{}", r.reason);
        let summary = summarize(&run(records), None);
        assert_eq!(summary.summary[0].best[0].contender.as_deref(), Some("b"));
    }

    #[test]
    fn zeros_and_higher_is_better_are_scored() {
        let grids = grid::build(&run(vec![
            rec("a", 1000, Metric::AllocsPerOp, 0.0),
            rec("b", 1000, Metric::AllocsPerOp, 2.0),
            rec("a", 1000, Metric::LiveEntriesPerLine, 2.0),
            rec("b", 1000, Metric::LiveEntriesPerLine, 4.0),
        ]));
        let best: Vec<(Metric, Option<String>)> = summarize_workload(&grids[0], None, &[])
            .best
            .into_iter()
            .map(|b| (b.metric, b.contender))
            .collect();
        assert_eq!(
            best,
            [
                (Metric::AllocsPerOp, Some("a".into())),
                (Metric::LiveEntriesPerLine, Some("b".into()))
            ]
        );
    }
}
