//! From loaded records to the [`Report`] model: best contenders, recommendations, sections.

use crate::grid::{self, WorkloadGrid};
use crate::model::{
    Best, CategorySection, Cell, MetricDoc, MetricTable, Recommendation, Report, Row, Rules,
    RunInfo, WorkloadPart, WorkloadSummary,
};
use crate::schema::{Category, Direction, Metric, SCHEMA_VERSION, TUNE_WORKLOAD};
use crate::{baseline, charts, fmt, tune, LoadedRun};

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

/// Builds the report of `run`, compared with `baseline` if given.
pub(crate) fn summarize(run: &LoadedRun, baseline: Option<&LoadedRun>) -> Report {
    let grids = grid::build(run);
    let baseline = baseline.map(|b| baseline::compare(&grids, &grid::build(b), b));
    let gaps = grids
        .iter()
        .flat_map(|g| &g.tables)
        .flat_map(|t| &t.rows)
        .flat_map(|r| &r.cells)
        .filter(|c| **c == Cell::Missing)
        .count();
    let (tune_grids, bench): (Vec<WorkloadGrid>, Vec<WorkloadGrid>) =
        grids.into_iter().partition(|g| g.name == TUNE_WORKLOAD);
    let summary = bench.iter().map(summarize_workload).collect();
    let tuning = tune_grids.iter().flat_map(tune::tables).collect();
    let sections = [Category::Latency, Category::GcPressure, Category::Locality]
        .into_iter()
        .map(|category| CategorySection {
            category,
            workloads: bench
                .iter()
                .filter_map(|g| workload_part(g, category))
                .collect(),
        })
        .collect();
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
            partial: run.is_partial(),
            torn_line: run.torn_line,
            records: run.records.len(),
            gaps,
            meta: run.meta.clone(),
        },
        contenders: grid::contenders(&run.records),
        summary,
        sections,
        tuning,
        baseline,
        metrics,
        rules: rules(),
    }
}

fn rules() -> Rules {
    Rules {
        best: "For each workload and metric, a contender's score is the geometric mean, over the \
               configurations that every eligible contender measured (all configurations if there is \
               none in common), of its value divided by the best value of that configuration (inverted \
               for higher-is-better metrics; if a configuration holds a 0, 1% of its largest value is \
               added to all its values). 1.00 means best everywhere; the lowest score is best. \
               Contenders that failed verification anywhere in the workload are not eligible."
            .into(),
        recommendation: format!(
            "The recommended contender has the best score on the workload's time metric (ns/op, else \
             p99, p50, sweep or lookup time) among the contenders that passed verification. Scores \
             within {:.0}% of the best count as a tie, which goes to the lowest memory score (peak \
             extra heap, else retained heap, bytes allocated, bytes per entry or deferred garbage).",
            TIE_MARGIN * 100.0
        ),
        noise: format!(
            "A change counts only if |change| > max({:.0}%, (half-width of the current CI + half-width \
             of the baseline CI) / baseline value); smaller changes are reported as unchanged. From a \
             baseline of 0, any nonzero value counts.",
            baseline::MIN_CHANGE * 100.0
        ),
        tuning: "The recommended load factor is the Pareto-optimal one (no other threshold has both \
                 fewer bytes per entry and a faster lookup hit) that minimizes bytes_per_entry / \
                 lowest bytes_per_entry + lookup_hit_ns / lowest lookup_hit_ns (balanced objective)."
            .into(),
    }
}

fn workload_part(grid: &WorkloadGrid, category: Category) -> Option<WorkloadPart> {
    let tables: Vec<MetricTable> = grid
        .tables
        .iter()
        .filter(|t| t.metric.category() == category)
        .cloned()
        .collect();
    (!tables.is_empty()).then(|| WorkloadPart {
        workload: grid.name.clone(),
        charts: charts::charts(&grid.name, &tables),
        tables,
    })
}

fn summarize_workload(grid: &WorkloadGrid) -> WorkloadSummary {
    let best = grid
        .tables
        .iter()
        .map(|table| {
            let scores = score_table(grid, table);
            let winner = scores.best();
            Best {
                metric: table.metric,
                direction: table.metric.direction(),
                contender: winner.map(|(i, _)| table.contenders[i].clone()),
                score: winner.map(|(_, s)| s),
                configurations: scores.configurations,
            }
        })
        .collect();
    WorkloadSummary {
        workload: grid.name.clone(),
        contenders: grid.contenders.clone(),
        best,
        recommendation: recommend(grid),
    }
}

/// Scores of the contenders of one table (see [`Rules::best`]).
struct Scores {
    /// Per column; `None` for ineligible contenders and those without verified values.
    by_column: Vec<Option<f64>>,
    configurations: usize,
}

impl Scores {
    /// Column and score of the best contender.
    fn best(&self) -> Option<(usize, f64)> {
        self.ranked().into_iter().next()
    }

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

    fn of(&self, table: &MetricTable, contender: &str) -> Option<f64> {
        table
            .contenders
            .iter()
            .position(|c| c == contender)
            .and_then(|i| self.by_column[i])
    }
}

fn score_table(grid: &WorkloadGrid, table: &MetricTable) -> Scores {
    let direction = table.metric.direction();
    let candidates: Vec<usize> = (0..table.contenders.len())
        .filter(|&i| !grid.failed(&table.contenders[i]))
        .filter(|&i| table.rows.iter().any(|r| r.cells[i].value().is_some()))
        .collect();
    let complete = |row: &&Row| candidates.iter().all(|&i| row.cells[i].value().is_some());
    let common: Vec<_> = table.rows.iter().filter(complete).collect();
    let rows = if common.is_empty() {
        table.rows.iter().collect()
    } else {
        common
    };
    let mut log_sums = vec![(0.0, 0usize); table.contenders.len()];
    let mut configurations = 0;
    for row in rows {
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
    let by_column = log_sums
        .into_iter()
        .map(|(sum, n)| (n > 0).then(|| (sum / n as f64).exp()))
        .collect();
    Scores {
        by_column,
        configurations,
    }
}

fn recommend(grid: &WorkloadGrid) -> Option<Recommendation> {
    let (table, scores) = PRIMARY.iter().find_map(|m| {
        let table = grid.table(*m)?;
        let scores = score_table(grid, table);
        scores.best().map(|_| (table, scores))
    })?;
    let ranked = scores.ranked();
    let (best_col, best_score) = ranked[0];
    let name = |i: usize| table.contenders[i].as_str();
    let metric = table.metric;
    let failed: Vec<&str> = grid
        .contenders
        .iter()
        .filter(|c| c.failed.is_some())
        .map(|c| c.name.as_str())
        .collect();
    let excluded = match failed.as_slice() {
        [] => String::new(),
        names => format!(
            " ({} failed verification and {} excluded)",
            code_list(names),
            if names.len() == 1 { "is" } else { "are" }
        ),
    };
    let tied: Vec<(usize, f64)> = ranked
        .iter()
        .copied()
        .filter(|(_, s)| *s <= best_score * (1.0 + TIE_MARGIN))
        .collect();
    let memory = (tied.len() > 1)
        .then(|| {
            TIE_BREAKERS.iter().find_map(|m| {
                let mt = grid.table(*m)?;
                let ms = score_table(grid, mt);
                let tied_scores: Vec<Option<f64>> =
                    tied.iter().map(|(i, _)| ms.of(mt, name(*i))).collect();
                tied_scores
                    .iter()
                    .any(Option::is_some)
                    .then_some((*m, tied_scores))
            })
        })
        .flatten();
    let (choice, reason) = match memory {
        Some((mem_metric, mem_scores)) => {
            let pick = (0..tied.len())
                .min_by(|&a, &b| {
                    let key = |k: usize| mem_scores[k].unwrap_or(f64::INFINITY);
                    key(a).total_cmp(&key(b))
                })
                .unwrap_or(0);
            let (col, score) = tied[pick];
            let others: Vec<String> = tied
                .iter()
                .enumerate()
                .filter(|(k, _)| *k != pick)
                .map(|(k, (i, s))| {
                    let mem = mem_scores[k].map_or_else(|| "not measured".to_owned(), fmt::score);
                    format!(
                        "`{}` (time score {}, memory score {mem})",
                        name(*i),
                        fmt::score(*s)
                    )
                })
                .collect();
            let mem = mem_scores[pick].map_or_else(|| "not measured".to_owned(), fmt::score);
            (
                col,
                format!(
                    "`{}` ties within {:.0}% on {} ({}) with {}; it has the lowest {} (score {mem} vs the others), time score {}{excluded}.",
                    name(col),
                    TIE_MARGIN * 100.0,
                    metric.name(),
                    metric.unit(),
                    others.join(", "),
                    mem_metric.name(),
                    fmt::score(score),
                ),
            )
        }
        None => {
            let reason = match ranked.get(1) {
                Some(&(next, next_score)) => format!(
                    "`{}` has the lowest {} ({}) among the {} contenders that passed verification: score {} vs {} for the runner-up `{}`, over {}{excluded}.",
                    name(best_col),
                    metric.name(),
                    metric.unit(),
                    ranked.len(),
                    fmt::score(best_score),
                    fmt::score(next_score),
                    name(next),
                    configurations(scores.configurations),
                ),
                None => format!(
                    "`{}` is the only contender with verified {} values{excluded}.",
                    name(best_col),
                    metric.name()
                ),
            };
            (best_col, reason)
        }
    };
    Some(Recommendation {
        choice: name(choice).to_owned(),
        reason,
    })
}

/// "1 configuration", "9 configurations".
fn configurations(n: usize) -> String {
    format!("{n} configuration{}", if n == 1 { "" } else { "s" })
}

/// "`a`, `b` and `c`".
fn code_list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => quoted.concat(),
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
    fn fastest_wins_when_clearly_ahead() {
        let r = recommendation(vec![
            rec("a", 1000, Metric::LatencyNsPerOp, 10.0),
            rec("b", 1000, Metric::LatencyNsPerOp, 12.0),
            rec("a", 2000, Metric::LatencyNsPerOp, 20.0),
            rec("b", 2000, Metric::LatencyNsPerOp, 24.0),
        ]);
        assert_eq!(r.choice, "a");
        assert!(
            r.reason.contains("score 1.00 vs 1.20") && r.reason.contains("2 configurations"),
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
            r.reason.contains("ties within 5%") && r.reason.contains("peak extra heap"),
            "{}",
            r.reason
        );
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
        let best: Vec<(Metric, Option<String>)> = summarize_workload(&grids[0])
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
