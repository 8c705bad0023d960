//! The summarized report: everything the HTML shows, serialized as `report.json`.
//!
//! The HTML is drawn only from these types, so every number it shows is in `report.json`.

use serde::Serialize;

use crate::schema::{Category, Direction, Interval, Metric, Objective, Params, RunMeta};

/// The whole report.
#[derive(Debug, Serialize)]
pub(crate) struct Report {
    pub(crate) schema: u32,
    pub(crate) run: RunInfo,
    /// Every contender, in record order; this order fixes each contender's colour.
    pub(crate) contenders: Vec<String>,
    /// Situations and the contender each one calls for, ranked by the metric that matters there.
    pub(crate) decision_guide: Vec<Situation>,
    /// The decision guide's overview plots.
    pub(crate) overview: Vec<Chart>,
    pub(crate) summary: Vec<WorkloadSummary>,
    pub(crate) sections: Vec<CategorySection>,
    pub(crate) tuning: Vec<TuneTable>,
    pub(crate) baseline: Option<Comparison>,
    pub(crate) metrics: Vec<MetricDoc>,
    pub(crate) rules: Rules,
    /// Cost per operation against n, per workload configuration measured at several n.
    pub(crate) scaling: Vec<crate::scaling::Family>,
}

/// Where the data came from and how complete it is.
#[derive(Debug, Serialize)]
pub(crate) struct RunInfo {
    pub(crate) dir: String,
    pub(crate) partial: bool,
    pub(crate) torn_line: Option<usize>,
    pub(crate) records: usize,
    /// Cells of a partial run with no record (the interruption came first). Heap-over-time
    /// samples are not counted: they form series, not a grid.
    pub(crate) gaps: usize,
    /// Cells of a complete run with no record and no reason: the producer wrote neither.
    pub(crate) absent: usize,
    /// Cells with an explicit (or, for a skipped configuration, inherited) reason for no value.
    pub(crate) not_measured: usize,
    pub(crate) meta: RunMeta,
    /// The tune run merged in with [`merge`](crate::merge), if any.
    pub(crate) tune: Option<SourceRun>,
    /// The Go reference companion (Go version, GOGC, hash, contenders), if the run has one.
    pub(crate) go_reference: Option<crate::GoReferenceMeta>,
    /// Charts in the page; the HTML states it so a browser check can count the drawn plots.
    pub(crate) plots: usize,
}

/// Another run whose records were merged into this report.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SourceRun {
    pub(crate) dir: String,
    pub(crate) date: String,
    pub(crate) git_commit: String,
    pub(crate) complete: bool,
    pub(crate) records: usize,
}

/// How best contenders, recommendations and significant changes are decided, in words.
#[derive(Debug, Serialize)]
pub(crate) struct Rules {
    pub(crate) best: String,
    pub(crate) recommendation: String,
    pub(crate) noise: String,
    pub(crate) tuning: String,
}

/// Glossary entry of a metric present in the run.
#[derive(Debug, Serialize)]
pub(crate) struct MetricDoc {
    pub(crate) metric: Metric,
    pub(crate) name: &'static str,
    pub(crate) unit: &'static str,
    pub(crate) direction: Direction,
    pub(crate) description: &'static str,
}

/// A contender as seen in one workload.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ContenderStatus {
    pub(crate) name: String,
    #[serde(flatten)]
    pub(crate) status: Status,
    /// Configurations the producer skipped for this contender (only `not-measured` records),
    /// although it measured others of the workload.
    pub(crate) skipped: Vec<Skipped>,
}

impl ContenderStatus {
    /// Reason of the failed verification, if the contender failed in this workload.
    pub(crate) fn failed(&self) -> Option<&str> {
        match &self.status {
            Status::Failed { reason } => Some(reason),
            _ => None,
        }
    }
}

/// What became of a contender in one workload.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub(crate) enum Status {
    /// It has verified values and never failed verification.
    Passed,
    /// It failed verification (first reason); none of its values count.
    Failed { reason: String },
    /// Every record it has here is `not-measured`: the workload does not apply to it.
    NotMeasured { reason: String },
    /// No record at all (only in a partial run: the interruption came first).
    NoRecords,
}

/// A configuration skipped for one contender, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Skipped {
    pub(crate) params: Params,
    pub(crate) reason: String,
}

/// One cell of a table: a contender's outcome for one metric and parameter set.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub(crate) enum Cell {
    Ok {
        value: f64,
        ci_low: Option<f64>,
        ci_high: Option<f64>,
        /// What the interval is.
        #[serde(skip_serializing_if = "Interval::is_none")]
        interval: Interval,
        /// Repetitions behind the value, if known.
        #[serde(skip_serializing_if = "Option::is_none")]
        runs: Option<u32>,
        /// The samples behind the value (for the baseline test; not written to report.json).
        #[serde(skip)]
        samples: Vec<f64>,
        /// Best verified value of its row.
        best: bool,
    },
    FailedVerification {
        reason: String,
    },
    NotMeasured {
        reason: String,
    },
    /// No record: a gap in a partial run, an unexplained absence in a complete one.
    Missing,
}

impl Cell {
    pub(crate) fn value(&self) -> Option<f64> {
        match self {
            Cell::Ok { value, .. } => Some(*value),
            _ => None,
        }
    }

    /// What the value's interval is ([`Interval::None`] for anything but a value).
    pub(crate) fn interval(&self) -> Interval {
        match self {
            Cell::Ok { interval, .. } => *interval,
            _ => Interval::None,
        }
    }

    /// The samples behind the value (empty if none were recorded).
    pub(crate) fn samples(&self) -> &[f64] {
        match self {
            Cell::Ok { samples, .. } => samples,
            _ => &[],
        }
    }
}

/// One metric of one workload: rows are parameter sets, columns are contenders.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct MetricTable {
    pub(crate) metric: Metric,
    pub(crate) contenders: Vec<String>,
    pub(crate) rows: Vec<Row>,
}

/// A parameter set and one cell per contender of its table.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Row {
    pub(crate) params: Params,
    pub(crate) cells: Vec<Cell>,
}

/// Summary of one workload.
#[derive(Debug, Serialize)]
pub(crate) struct WorkloadSummary {
    pub(crate) workload: String,
    /// What the workload exists to measure (absent in runs of schema version 1).
    pub(crate) objective: Option<Objective>,
    pub(crate) contenders: Vec<ContenderStatus>,
    pub(crate) best: Vec<Best>,
    /// The recommendation of a workload whose contenders all did the same work; `None` when it
    /// has groups (see `recommendations`) or no verified values.
    pub(crate) recommendation: Option<Recommendation>,
    /// One recommendation per group of contenders that did the same work under the same rules
    /// (one unlabelled entry when there is a single group).
    pub(crate) recommendations: Vec<Recommendation>,
    /// `readers-during-sweep`: each shared contender's reader percentiles in both phases.
    pub(crate) reader_phases: Vec<ReaderPhases>,
    /// evacmap's best contender against Go's own loop on the same cells, when the run has the
    /// Go reference.
    pub(crate) go_reference: Option<GoVersus>,
}

/// evacmap's best contender against Go's loop over one workload's cells.
#[derive(Debug, Serialize)]
pub(crate) struct GoVersus {
    /// Geometric mean over the cells of Go's time / evacmap's best time (above 1: evacmap is
    /// faster).
    pub(crate) ratio: f64,
    /// Cells where both were measured and verified.
    pub(crate) cells: usize,
    /// The evacmap contenders that were fastest in some cell.
    pub(crate) evacmap: Vec<String>,
    /// Go's contenders compared (`go-range-delete`, or `go-rwmutex` under readers).
    pub(crate) go: Vec<String>,
}

/// One contender's reader latency with no sweep and during the sweep, for one configuration.
#[derive(Debug, Serialize)]
pub(crate) struct ReaderPhases {
    pub(crate) params: Params,
    pub(crate) contender: String,
    /// p50, p99, p99.9 and max with no sweep running.
    pub(crate) idle: [Cell; 4],
    /// The same percentiles while the sweep runs.
    pub(crate) sweep: [Cell; 4],
    /// The recorded p99 slowdown (median over repetitions of sweep p99 / idle p99).
    pub(crate) slowdown: Cell,
}

/// A situation of the decision guide and the contender it calls for.
#[derive(Debug, Serialize)]
pub(crate) struct Situation {
    pub(crate) situation: String,
    /// The workload whose records decide it.
    pub(crate) workload: String,
    /// The chosen contender; `None` with the reason in `reason`.
    pub(crate) choice: Option<String>,
    pub(crate) runner_up: Option<String>,
    /// The metric ranked by.
    pub(crate) metric: Metric,
    /// What the metric means here, e.g. "readers' p99 during the sweep".
    pub(crate) meaning: String,
    /// The choice's value (geometric mean over the configurations compared).
    pub(crate) value: Option<f64>,
    pub(crate) runner_up_value: Option<f64>,
    /// The contenders the situation admits, from their declared properties.
    pub(crate) eligible: Vec<String>,
    /// Why they are eligible, in words.
    pub(crate) admits: String,
    pub(crate) reason: String,
}

/// The best contender on one metric of a workload.
#[derive(Debug, Serialize)]
pub(crate) struct Best {
    pub(crate) metric: Metric,
    pub(crate) direction: Direction,
    /// `None` if no contender has a verified value.
    pub(crate) contender: Option<String>,
    /// Geometric-mean ratio to the per-configuration best (1 = best everywhere).
    pub(crate) score: Option<f64>,
    /// The winner's value: its geometric mean over the configurations scored.
    pub(crate) value: Option<f64>,
    /// Other contenders with exactly the winner's score (e.g. all allocating nothing).
    pub(crate) tied: usize,
    /// The best contender with a worse score than the winner, its score and value.
    pub(crate) runner_up: Option<String>,
    pub(crate) runner_up_score: Option<f64>,
    pub(crate) runner_up_value: Option<f64>,
    /// Configurations the score is computed over.
    pub(crate) configurations: usize,
}

/// The contender to use, and why.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Recommendation {
    /// The group of contenders compared (e.g. `inserts after the sweep`), if the workload has
    /// several.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) group: Option<String>,
    pub(crate) choice: String,
    /// The metric ranked by (absent for load-factor tuning).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) metric: Option<Metric>,
    /// The choice's value (geometric mean over the configurations compared).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) value: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) runner_up: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) runner_up_value: Option<f64>,
    pub(crate) reason: String,
}

/// One section of the report fed by metrics of one category.
#[derive(Debug, Serialize)]
pub(crate) struct CategorySection {
    pub(crate) category: Category,
    pub(crate) workloads: Vec<WorkloadPart>,
}

/// The charts and tables of one workload within a section.
#[derive(Debug, Serialize)]
pub(crate) struct WorkloadPart {
    pub(crate) workload: String,
    pub(crate) charts: Vec<Chart>,
    pub(crate) tables: Vec<MetricTable>,
}

/// One plot: its title (workload, parameters, direction) and its data.
#[derive(Debug, Serialize)]
pub(crate) struct Chart {
    /// Unique within the page; the figure's HTML id.
    pub(crate) id: String,
    pub(crate) title: String,
    /// Failures, unmeasured contenders and missing records behind this chart, in words.
    pub(crate) notes: Vec<String>,
    /// Values drawn (points, bars, percentile marks); never 0, a chart without values is not made.
    pub(crate) marks: usize,
    /// Contenders marked as recommended in the legend.
    #[serde(default)]
    pub(crate) recommended: Vec<String>,
    pub(crate) kind: ChartKind,
}

/// The kinds of chart, one plotters function each.
#[derive(Debug, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub(crate) enum ChartKind {
    /// One line per contender along a numeric parameter, optional log axes and CI error bars.
    Lines(LineChart),
    /// Per contender, its latency percentiles p50, p99, p99.9 and max on one horizontal rung.
    Ladder(LadderChart),
    /// Horizontal bars, one row per contender, one bar per configuration.
    Bars(BarChart),
    /// Memory against lookup latency for each load factor.
    Pareto(ParetoChart),
    /// One labelled point per contender on two metrics (the decision guide's overviews).
    Scatter(ScatterChart),
}

/// Data of a scatter plot of contenders.
#[derive(Debug, Serialize)]
pub(crate) struct ScatterChart {
    pub(crate) x_label: String,
    pub(crate) y_label: String,
    pub(crate) log_x: bool,
    pub(crate) log_y: bool,
    pub(crate) points: Vec<ScatterPoint>,
}

/// One contender's position.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ScatterPoint {
    pub(crate) contender: String,
    pub(crate) x: f64,
    pub(crate) y: f64,
}

/// Data of a line or percentile chart.
#[derive(Debug, Serialize)]
pub(crate) struct LineChart {
    pub(crate) x_param: String,
    pub(crate) y_unit: &'static str,
    pub(crate) log_x: bool,
    pub(crate) log_y: bool,
    pub(crate) series: Vec<Series>,
}

/// One line: a contender's values of one metric along the x parameter.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Series {
    pub(crate) contender: String,
    pub(crate) metric: Metric,
    pub(crate) failed: bool,
    pub(crate) points: Vec<Point>,
    /// x values with no record; the line is broken there.
    pub(crate) gaps: Vec<f64>,
}

/// A point with its optional confidence interval.
#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct Point {
    pub(crate) x: f64,
    pub(crate) y: f64,
    pub(crate) ci_low: Option<f64>,
    pub(crate) ci_high: Option<f64>,
}

/// Data of a horizontal bar chart.
#[derive(Debug, Serialize)]
pub(crate) struct BarChart {
    pub(crate) unit: &'static str,
    pub(crate) log: bool,
    /// One label per bar of a row, e.g. `shrink=no`, `shrink=yes`; one empty label for a
    /// single configuration.
    pub(crate) series: Vec<String>,
    pub(crate) rows: Vec<BarRow>,
}

/// One contender's bars, one cell per series.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct BarRow {
    pub(crate) contender: String,
    pub(crate) cells: Vec<Cell>,
}

/// Data of a percentile ladder chart.
#[derive(Debug, Serialize)]
pub(crate) struct LadderChart {
    pub(crate) unit: &'static str,
    pub(crate) rows: Vec<LadderRow>,
}

/// One contender's percentiles, in [`Metric::PERCENTILES`] order; `None` where absent.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct LadderRow {
    pub(crate) contender: String,
    pub(crate) failed: bool,
    pub(crate) values: [Option<f64>; 4],
}

/// Data of a tuning Pareto plot: one knob's values, memory against time.
#[derive(Debug, Serialize)]
pub(crate) struct ParetoChart {
    pub(crate) contender: String,
    /// The knob's short name on point labels (`lf`, `shrink`, `compact`, `shards`).
    pub(crate) label: String,
    /// The memory axis (x).
    pub(crate) memory: String,
    /// The time axis (y).
    pub(crate) time: String,
    pub(crate) points: Vec<ParetoPoint>,
    /// The contender's default value of the knob, when it is one of its values.
    pub(crate) default: Option<f64>,
    pub(crate) recommended: Option<f64>,
}

/// One value's memory and time.
#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct ParetoPoint {
    pub(crate) value: f64,
    pub(crate) memory: f64,
    pub(crate) time: f64,
    pub(crate) on_frontier: bool,
}

/// One column of a tuning table: a metric, measured on a workload (and readers' phase) or on
/// the tuner's own max-load tables.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct TuneColumn {
    /// `workload/phase/metric` (see `tune_pick::column_id`).
    pub(crate) id: String,
    pub(crate) metric: Metric,
}

/// Trade-off table of one knob's sweep (one contender, one set of fixed parameters).
#[derive(Debug, Serialize)]
pub(crate) struct TuneTable {
    /// The knob's record parameter (`load_factor`, `shrink_below`, `compact_above`, `shards`).
    pub(crate) knob: String,
    pub(crate) contender: String,
    pub(crate) fixed: Params,
    pub(crate) columns: Vec<TuneColumn>,
    pub(crate) rows: Vec<TuneRow>,
    pub(crate) recommendation: Option<Recommendation>,
    /// The directory of the tune run the table came from.
    pub(crate) source: Option<String>,
    pub(crate) chart: Option<Chart>,
}

/// One value of a knob's sweep.
#[derive(Debug, Serialize)]
pub(crate) struct TuneRow {
    pub(crate) value: f64,
    pub(crate) cells: Vec<Cell>,
    pub(crate) on_frontier: bool,
    pub(crate) is_default: bool,
    pub(crate) is_recommended: bool,
}

/// The change of every metric against a baseline run.
#[derive(Debug, Serialize)]
pub(crate) struct Comparison {
    pub(crate) baseline_dir: String,
    pub(crate) baseline_commit: String,
    pub(crate) baseline_date: String,
    pub(crate) changes: Vec<Change>,
    pub(crate) only_in_current: usize,
    pub(crate) only_in_baseline: usize,
}

/// One cell compared with the same cell of the baseline.
#[derive(Debug, Serialize)]
pub(crate) struct Change {
    pub(crate) workload: String,
    pub(crate) metric: Metric,
    pub(crate) params: Params,
    pub(crate) contender: String,
    pub(crate) baseline: Cell,
    pub(crate) current: Cell,
    /// Relative change (0.1 = +10%); `None` when the baseline value is 0 or a value is absent.
    pub(crate) change: Option<f64>,
    /// The relative change needed to count, by the noise rule.
    pub(crate) threshold: Option<f64>,
    pub(crate) verdict: Verdict,
}

/// What a change means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Verdict {
    /// Worse beyond the noise rule.
    Regression,
    /// Verified before, fails verification now.
    NewlyFailing,
    /// Better beyond the noise rule.
    Improvement,
    /// Failed before, verified now.
    Fixed,
    /// Within the noise rule.
    Unchanged,
    /// A side has no value (not measured, missing or failed on both).
    NotComparable,
}

impl Verdict {
    /// True if the report highlights it as a regression.
    pub(crate) fn is_regression(self) -> bool {
        matches!(self, Verdict::Regression | Verdict::NewlyFailing)
    }
}
