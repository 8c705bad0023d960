//! Sweeping a build setting (`shrink-below`, `compact-above`, `shards`) through the suite's
//! runner.
//!
//! Each value of the knob becomes one cell per workload, built with that value
//! ([`crate::workloads::BuildSettings`]); the runner measures the knob's contender on every cell
//! exactly as `cargo bench` does (a verified run first, criterion's timing with every run's
//! counts checked, the allocation pass, the readers' phases, each interval of its kind) and
//! hands back its records. Every value of a workload uses the same keys (the cell's seed does
//! not depend on the build settings). A row is one value: its status (`ok`, or the first failed
//! verification, or why something was not measured) and the objective metrics of its workloads;
//! the recommendation is [`reports::tune_pick::pick`] on the first workload's primary time
//! against its retained heap per live entry, and is recorded in the run directory
//! ([`reports::tune_pick::PICKS_FILE`]) with the runner's records, relabelled as tune records
//! (workload `tune`, parameters `knob`, the knob's value, `of` = the workload, `cell`, and the
//! readers' `phase`).

use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;

use reports::schema::{KNOB_PARAM, OF_PARAM, PHASE_PARAM, TIME_PARAM, TUNE_WORKLOAD};
use reports::tune_pick::{self, Candidate, Goal, KnobPick, Pick, Threshold};
use reports::{Outcome, Params, Record};
use serde_json::{json, Map, Value};

use super::knob::{columns, Column, Knob};
use super::output::csv_field;
use super::{Format, RecordsTarget, TuneConfig, TuneError};
use crate::workloads::{BuildSettings, Cell, Workload};

/// A measured value of one column.
#[derive(Clone, Debug, PartialEq)]
pub struct Measured {
    /// The value (median or mean, as the runner recorded it).
    pub value: f64,
    /// The samples behind it (criterion's per-op samples, or one per repetition).
    pub samples: Vec<f64>,
    /// True if the value is exact for the seed (a deterministic metric of a single-threaded
    /// cell).
    pub exact: bool,
}

/// One value of the knob.
#[derive(Clone, Debug, PartialEq)]
pub struct KnobRow {
    /// The knob's value.
    pub value: f64,
    /// `None` if every cell verified, else the first failure or not-measured reason.
    pub problem: Option<(&'static str, String)>,
    /// One entry per column (see [`columns`]); `None` where nothing verified was recorded.
    pub metrics: Vec<Option<Measured>>,
}

impl KnobRow {
    /// `ok`, `failed-verification` or `not-measured`.
    pub fn status(&self) -> &'static str {
        self.problem.as_ref().map_or("ok", |p| p.0)
    }
}

/// What a sweep produced.
#[derive(Clone, Debug)]
pub struct KnobOutcome {
    /// The knob.
    pub knob: Knob,
    /// The columns of the rows.
    pub columns: Vec<Column>,
    /// One row per value, ascending.
    pub rows: Vec<KnobRow>,
    /// What was recommended, with its reason (or why nothing was).
    pub pick: KnobPick,
    /// The run directory written, if records were on.
    pub records_dir: Option<PathBuf>,
}

fn goal(config: &TuneConfig) -> Goal {
    match config.objective {
        Some(super::Objective::Memory) => Goal::Memory,
        Some(super::Objective::Latency) => Goal::Latency,
        _ => Goal::Balanced,
    }
}

/// The cells of the sweep, value-major: every workload of the first value, then the next.
pub fn cells(knob: Knob, values: &[f64], workloads: &[Workload]) -> Result<Vec<Cell>, String> {
    let mut out = Vec::new();
    for &v in values {
        for &w in workloads {
            out.push(
                knob.cell(w)
                    .with_settings(knob.settings(v))
                    .map_err(|e| e.0)?,
            );
        }
    }
    Ok(out)
}

/// The label of a cell without its build settings (the same for every value).
fn plain_label(cell: &Cell) -> String {
    Cell {
        settings: BuildSettings::default(),
        ..*cell
    }
    .label()
}

/// The runner's records of `workload` at value `v`.
fn of_cell(
    records: &[Record],
    knob: Knob,
    v: f64,
    workload: Workload,
) -> impl Iterator<Item = &Record> {
    records.iter().filter(move |r| {
        r.workload == workload.id()
            && r.params.num(knob.param()) == Some(v)
            && r.params.get(TIME_PARAM).is_none()
    })
}

fn phase_of(r: &Record) -> Option<String> {
    r.params.get(PHASE_PARAM).map(ToString::to_string)
}

/// The rows of the sweep from the runner's records.
pub fn rows(
    knob: Knob,
    values: &[f64],
    workloads: &[Workload],
    cols: &[Column],
    records: &[Record],
) -> Vec<KnobRow> {
    values
        .iter()
        .map(|&v| {
            let mut problem = None;
            for &w in workloads {
                let mut any = false;
                for r in of_cell(records, knob, v, w) {
                    any = true;
                    if problem.is_none() {
                        if let Outcome::FailedVerification { reason } = &r.outcome {
                            problem = Some(("failed-verification", format!("{w}: {reason}")));
                        }
                    }
                }
                if !any && problem.is_none() {
                    problem = Some(("not-measured", format!("{w}: no records")));
                }
            }
            let metrics: Vec<Option<Measured>> = cols
                .iter()
                .map(|c| {
                    of_cell(records, knob, v, c.workload)
                        .find(|r| r.metric == c.metric && phase_of(r) == c.phase)
                        .and_then(|r| match &r.outcome {
                            Outcome::Ok {
                                value,
                                samples,
                                interval,
                                ..
                            } => Some(Measured {
                                value: *value,
                                samples: samples.clone(),
                                exact: *interval == reports::Interval::Exact,
                            }),
                            _ => None,
                        })
                })
                .collect();
            if problem.is_none() {
                if let Some(c) = cols.iter().zip(&metrics).find(|(_, m)| m.is_none()) {
                    let why = of_cell(records, knob, v, c.0.workload)
                        .find(|r| r.metric == c.0.metric && phase_of(r) == c.0.phase)
                        .and_then(|r| match &r.outcome {
                            Outcome::NotMeasured { reason, .. } => Some(reason.clone()),
                            _ => None,
                        })
                        .unwrap_or_else(|| "not recorded".into());
                    problem = Some(("not-measured", format!("{}: {why}", c.0.field())));
                }
            }
            KnobRow {
                value: v,
                problem,
                metrics,
            }
        })
        .collect()
}

/// The threshold time differences of column `time` are held against: the noise floor
/// calibrated for its metric on its workload in `model`; memory differences of column `memory`
/// count only beyond its metric's floor when some verified row's memory is not exact for the
/// seed (a multi-threaded cell), else any difference counts.
pub fn threshold(
    model: &reports::NoiseModel,
    cols: &[Column],
    time: usize,
    memory: usize,
    rows: &[KnobRow],
) -> Threshold {
    let t = Threshold::calibrated(model, cols[time].metric, cols[time].workload.id());
    let inexact = rows
        .iter()
        .filter_map(|r| r.metrics[memory].as_ref())
        .any(|m| !m.exact);
    if inexact {
        t.with_memory_noise(model, cols[memory].metric, cols[memory].workload.id())
    } else {
        t
    }
}

/// The recommendation over the verified rows, with its reason; time differences are held
/// against `threshold` ([`threshold`] of the time column).
pub fn recommend(
    knob: Knob,
    cols: &[Column],
    time: usize,
    memory: usize,
    rows: &[KnobRow],
    goal: Goal,
    threshold: &Threshold,
) -> KnobPick {
    let candidates: Vec<Candidate> = rows
        .iter()
        .filter(|r| r.problem.is_none())
        .filter_map(|r| {
            let t = r.metrics[time].as_ref()?;
            let m = r.metrics[memory].as_ref()?;
            Some(Candidate {
                value: r.value,
                memory: m.value,
                time: t.value,
                samples: t.samples.clone(),
            })
        })
        .collect();
    let pick = tune_pick::pick(&candidates, goal, threshold, knob.default_value());
    let (t, m) = (&cols[time], &cols[memory]);
    let reason = match &pick {
        None => format!(
            "no {} qualifies: every value failed verification or was not measured (see the status \
             column)",
            knob.param()
        ),
        Some(p) => reason(knob, p, &candidates, t, m, goal),
    };
    KnobPick {
        knob: knob.param().to_owned(),
        contender: knob.contender().to_owned(),
        memory: m.id(),
        time: t.id(),
        goal,
        default: knob.default_value(),
        pick,
        reason,
        paired: Vec::new(),
    }
}

fn reason(
    knob: Knob,
    p: &Pick,
    candidates: &[Candidate],
    t: &Column,
    m: &Column,
    goal: Goal,
) -> String {
    let c = candidates
        .iter()
        .find(|c| c.value == p.value)
        .expect("the pick is a candidate");
    let rule = tune_pick::rule_text(p, knob.param(), &m.field(), &t.field());
    let mut text = format!(
        "{}: {} {} on {}, because {rule}. It measured {} = {:.2} and {} = {:.2}.",
        goal.name(),
        knob.param(),
        p.value,
        knob.contender(),
        t.field(),
        c.time,
        m.field(),
        c.memory
    );
    match knob.default_value() {
        Some(d) if d == p.value => text.push_str(" This is the contender's default."),
        Some(d) => match candidates.iter().find(|c| c.value == d) {
            Some(dc) => {
                let _ = write!(
                    text,
                    " Against the default {d}: {} {}, {} {}.",
                    t.field(),
                    pct(c.time, dc.time),
                    m.field(),
                    pct(c.memory, dc.memory)
                );
            }
            None => {
                let _ = write!(text, " The default {d} was not in the sweep.");
            }
        },
        None => text.push_str(
            " By default the contender does not use this setting (evacmap never shrinks).",
        ),
    }
    text
}

fn pct(chosen: f64, base: f64) -> String {
    if base == 0.0 {
        return "n/a (default is 0)".into();
    }
    let change = (chosen / base - 1.0) * 100.0;
    if change.abs() < 0.05 {
        "the same".into()
    } else {
        format!("{change:+.1}%")
    }
}

/// The runner's records relabelled as tune records (see the module doc); only the columns.
pub fn tune_records(
    knob: Knob,
    cells: &[Cell],
    cols: &[Column],
    records: &[Record],
) -> Vec<Record> {
    records
        .iter()
        .filter(|r| r.params.get(TIME_PARAM).is_none())
        .filter_map(|r| {
            let v = r.params.num(knob.param())?;
            let cell = cells.iter().find(|c| {
                c.workload.id() == r.workload && c.params().num(knob.param()) == Some(v)
            })?;
            let phase = phase_of(r);
            let wanted = cols
                .iter()
                .any(|c| c.workload == cell.workload && c.metric == r.metric && c.phase == phase);
            let failed = matches!(r.outcome, Outcome::FailedVerification { .. });
            if !wanted && !failed {
                return None;
            }
            let mut params = Params::new()
                .with(KNOB_PARAM, knob.param())
                .with(knob.param(), v)
                .with(OF_PARAM, r.workload.clone())
                .with("cell", plain_label(cell));
            if let Some(p) = phase {
                params = params.with(PHASE_PARAM, p);
            }
            Some(Record::new(
                r.contender.clone(),
                TUNE_WORKLOAD,
                params,
                r.metric,
                r.seed,
                r.outcome.clone(),
            ))
        })
        .collect()
}

fn is_recommended(row: &KnobRow, pick: &KnobPick) -> bool {
    pick.pick.as_ref().is_some_and(|p| p.value == row.value)
}

fn is_default(knob: Knob, row: &KnobRow) -> bool {
    knob.default_value() == Some(row.value)
}

/// `--format json`: one object per value: `knob`, `value`, `status`, `recommended`,
/// `is_default`, `contender`, one field per column ([`Column::field`]) and `failure`.
pub fn json(knob: Knob, cols: &[Column], rows: &[KnobRow], pick: &KnobPick) -> String {
    let objects: Vec<Value> = rows
        .iter()
        .map(|r| {
            let mut o = Map::new();
            o.insert("knob".into(), json!(knob.param()));
            o.insert("value".into(), json!(r.value));
            o.insert("status".into(), json!(r.status()));
            o.insert("recommended".into(), json!(is_recommended(r, pick)));
            o.insert("is_default".into(), json!(is_default(knob, r)));
            o.insert("contender".into(), json!(knob.contender()));
            for (c, m) in cols.iter().zip(&r.metrics) {
                o.insert(c.field(), json!(m.as_ref().map(|m| round(m.value))));
            }
            o.insert(
                "failure".into(),
                json!(r.problem.as_ref().map(|p| p.1.clone())),
            );
            Value::Object(o)
        })
        .collect();
    let mut out = serde_json::to_string_pretty(&objects).expect("plain data always serializes");
    out.push('\n');
    out
}

fn round(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let scale = 10f64.powi(3 - x.abs().log10().floor() as i32);
    (x * scale).round() / scale
}

/// `--format csv`: the JSON fields as columns.
pub fn csv(knob: Knob, cols: &[Column], rows: &[KnobRow], pick: &KnobPick) -> String {
    let mut header = vec![
        "knob".to_owned(),
        "value".into(),
        "status".into(),
        "recommended".into(),
        "is_default".into(),
        "contender".into(),
    ];
    header.extend(cols.iter().map(Column::field));
    header.push("failure".into());
    let mut out = header.join(",");
    out.push('\n');
    for r in rows {
        let mut fields = vec![
            knob.param().to_owned(),
            r.value.to_string(),
            r.status().to_owned(),
            is_recommended(r, pick).to_string(),
            is_default(knob, r).to_string(),
            knob.contender().to_owned(),
        ];
        fields.extend(r.metrics.iter().map(|m| {
            m.as_ref()
                .map(|m| round(m.value).to_string())
                .unwrap_or_default()
        }));
        fields.push(r.problem.as_ref().map(|p| p.1.clone()).unwrap_or_default());
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

/// The recommendation paragraph, with the tie line when there was one.
pub fn recommendation_text(knob: Knob, pick: &KnobPick) -> String {
    match &pick.pick {
        Some(p) => {
            let mut out = String::new();
            if let Some(line) = p.tie_line() {
                let _ = writeln!(out, "{line}");
            }
            let _ = writeln!(
                out,
                "recommendation ({}): {} {}\n  {}",
                pick.goal.name(),
                knob.param(),
                p.value,
                pick.reason
            );
            out
        }
        None => format!("no recommendation: {}\n", pick.reason),
    }
}

/// The aligned table, the cells it ran on and the recommendation.
pub fn table(
    knob: Knob,
    cells: &[Cell],
    cols: &[Column],
    rows: &[KnobRow],
    pick: &KnobPick,
) -> String {
    let mut header = vec![knob.param().to_owned(), "status".to_owned()];
    header.extend(cols.iter().map(Column::field));
    header.push("notes".into());
    let mut lines = vec![header];
    for r in rows {
        let mut line = vec![r.value.to_string(), r.status().to_owned()];
        line.extend(r.metrics.iter().map(|m| {
            m.as_ref()
                .map_or_else(|| "-".to_owned(), |m| format!("{}", round(m.value)))
        }));
        let mut notes = Vec::new();
        if is_default(knob, r) {
            notes.push("default".to_owned());
        }
        if is_recommended(r, pick) {
            notes.push("RECOMMENDED".to_owned());
        }
        if let Some((what, why)) = &r.problem {
            notes.push(format!("{}: {why}", what.to_uppercase()));
        }
        line.push(notes.join(", "));
        lines.push(line);
    }
    let widths: Vec<usize> = (0..lines[0].len())
        .map(|c| lines.iter().map(|l| l[c].len()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "evacbench tune: {} sweep on {}, measured by the suite's runner",
        knob.id(),
        knob.contender()
    );
    let mut seen = Vec::new();
    for c in cells {
        let label = format!("{}/{}", c.workload, plain_label(c));
        if !seen.contains(&label) {
            seen.push(label);
        }
    }
    let _ = writeln!(out, "cells: {}", seen.join(", "));
    out.push('\n');
    for line in &lines {
        let mut text = String::new();
        for (c, cell) in line.iter().enumerate() {
            if c + 1 == line.len() {
                text.push_str(cell);
            } else {
                let _ = write!(text, "{cell:>w$}  ", w = widths[c]);
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    }
    out.push_str(
        "\ntimes in ns (criterion's mean, or the median of the repetitions for percentiles), \
         memory in bytes; lower is better in every column.\n\n",
    );
    out.push_str(&recommendation_text(knob, pick));
    out
}

/// Runs the sweep of `config` (a knob other than `load-factor`, already validated): measures
/// through the runner, prints, records.
pub fn run(
    config: &TuneConfig,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<KnobOutcome, TuneError> {
    let knob = config.knob;
    let values = config.knob_values();
    let workloads = config.knob_workloads();
    let cells = cells(knob, &values, &workloads).map_err(TuneError::Invalid)?;
    let (cols, time, memory) = columns(&workloads);
    let noise = super::noise_model()?;
    if !config.quiet {
        let _ = writeln!(
            stderr,
            "tune: {} values of {} on {} x {} workloads ({}), through the suite's runner",
            values.len(),
            knob,
            knob.contender(),
            workloads.len(),
            workloads
                .iter()
                .map(|w| w.id())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let run_dir = match &config.records {
        RecordsTarget::Off => None,
        target => {
            let environment = crate::environment::probe(
                &format!("tune {}", knob.id()),
                &crate::suite::hasher_description(),
                vec![config.seed],
            );
            let dir = match target {
                RecordsTarget::Dir(dir) => dir.clone(),
                _ => super::records::default_dir(&environment, knob.id()),
            };
            Some(super::records::create(&dir, environment).map_err(TuneError::Records)?)
        }
    };
    let records = crate::runner::plan::measure_cells(&cells, knob.contender(), config.seed)
        .map_err(TuneError::Measure)?;
    let rows = rows(knob, &values, &workloads, &cols, &records);
    let threshold = threshold(&noise, &cols, time, memory, &rows);
    let pick = recommend(knob, &cols, time, memory, &rows, goal(config), &threshold);
    let records_dir = match run_dir {
        Some(run) => {
            let tune = tune_records(knob, &cells, &cols, &records);
            let dir = super::records::finish_with(run, &tune, std::slice::from_ref(&pick))
                .map_err(TuneError::Records)?;
            if !config.quiet {
                let _ = writeln!(stderr, "tune: records written to {}", dir.display());
            }
            Some(dir)
        }
        None => None,
    };
    let text = match config.format {
        Format::Table => table(knob, &cells, &cols, &rows, &pick),
        Format::Json => json(knob, &cols, &rows, &pick),
        Format::Csv => csv(knob, &cols, &rows, &pick),
    };
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(TuneError::Io)?;
    if config.format != Format::Table {
        let _ = write!(stderr, "{}", recommendation_text(knob, &pick));
    }
    if pick.pick.is_none() {
        return Err(TuneError::NoRecommendation(pick.reason));
    }
    Ok(KnobOutcome {
        knob,
        columns: cols,
        rows,
        pick,
        records_dir,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use reports::Metric;

    fn record(workload: Workload, v: f64, metric: Metric, outcome: Outcome) -> Record {
        let cell = Knob::ShrinkBelow
            .cell(workload)
            .with_settings(Knob::ShrinkBelow.settings(v))
            .unwrap();
        Record::new(
            "evacmap-cursor",
            workload.id(),
            cell.params(),
            metric,
            1,
            outcome,
        )
    }

    fn sweep() -> (Vec<Column>, usize, usize, Vec<Record>) {
        let (cols, time, memory) = columns(&[Workload::SparseScan]);
        let mut recs = Vec::new();
        for (v, ns, bytes) in [(0.25, 100.0, 4000.0), (1.0, 20.0, 900.0), (3.0, 3.0, 120.0)] {
            for c in &cols {
                let value = if c.is_time() { ns } else { bytes };
                recs.push(record(
                    Workload::SparseScan,
                    v,
                    c.metric,
                    Outcome::with_ci(value, value * 0.99, value * 1.01, vec![value; 10]),
                ));
            }
        }
        (cols, time, memory, recs)
    }

    #[test]
    fn rows_come_from_the_runners_records_and_the_shared_recommender_picks() {
        let (cols, time, memory, recs) = sweep();
        let values = [0.25, 1.0, 3.0];
        let rows = rows(
            Knob::ShrinkBelow,
            &values,
            &[Workload::SparseScan],
            &cols,
            &recs,
        );
        assert!(rows.iter().all(|r| r.status() == "ok"), "{rows:?}");
        let pick = recommend(
            Knob::ShrinkBelow,
            &cols,
            time,
            memory,
            &rows,
            Goal::Balanced,
            &threshold(&reports::NoiseModel::shipped(), &cols, time, memory, &rows),
        );
        assert_eq!(pick.pick.as_ref().unwrap().value, 3.0);
        assert_eq!(pick.memory, "sparse-scan/retained-bytes-per-entry");
        assert!(
            pick.reason.contains("evacmap never shrinks"),
            "{}",
            pick.reason
        );
        assert!(
            pick.reason
                .contains("(the noise floor of latency-ns-per-op on sparse-scan on this machine)"),
            "{}",
            pick.reason
        );
        let text = json(Knob::ShrinkBelow, &cols, &rows, &pick);
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v[2]["knob"], "shrink_below");
        assert_eq!(v[2]["recommended"], true);
        assert_eq!(v[0]["status"], "ok");
        assert_eq!(v[2]["sparse_scan_latency_ns_per_op"], 3.0);
        assert_eq!(v[2]["sparse_scan_retained_bytes_per_entry"], 120.0);
        let table = table(Knob::ShrinkBelow, &[], &cols, &rows, &pick);
        assert!(table.contains("RECOMMENDED"), "{table}");
    }

    #[test]
    fn a_failed_cell_fails_its_row_and_takes_no_part() {
        let (cols, time, memory, mut recs) = sweep();
        recs.push(record(
            Workload::SparseScan,
            3.0,
            Metric::LatencyNsPerOp,
            Outcome::failed("traversal visited 5, expected 6"),
        ));
        recs.retain(|r| !(r.params.num("shrink_below") == Some(3.0) && r.value().is_some()));
        let rows = rows(
            Knob::ShrinkBelow,
            &[0.25, 1.0, 3.0],
            &[Workload::SparseScan],
            &cols,
            &recs,
        );
        assert_eq!(rows[2].status(), "failed-verification");
        let pick = recommend(
            Knob::ShrinkBelow,
            &cols,
            time,
            memory,
            &rows,
            Goal::Balanced,
            &threshold(&reports::NoiseModel::shipped(), &cols, time, memory, &rows),
        );
        assert_eq!(pick.pick.unwrap().value, 1.0);
        let cells = cells(Knob::ShrinkBelow, &[3.0], &[Workload::SparseScan]).unwrap();
        let tune = tune_records(Knob::ShrinkBelow, &cells, &cols, &recs);
        assert!(!tune.is_empty());
        for r in &tune {
            assert_eq!(r.workload, TUNE_WORKLOAD);
            assert_eq!(r.params.num("shrink_below"), Some(3.0));
            assert_eq!(r.params.get(OF_PARAM).unwrap().to_string(), "sparse-scan");
            assert!(r.validate().is_ok());
        }
    }
}
