//! Records arranged as tables: workload -> metric -> parameter set x contender.
//!
//! Every later stage (summary, charts, tuning, baseline) reads these tables, never raw records.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{Cell, ContenderStatus, MetricTable, Row, Skipped, Status};
use crate::schema::{Metric, Outcome, Params, Record, TIME_PARAM, TUNE_WORKLOAD};
use crate::LoadedRun;

/// All tables of one workload.
#[derive(Debug)]
pub(crate) struct WorkloadGrid {
    pub(crate) name: String,
    pub(crate) contenders: Vec<ContenderStatus>,
    pub(crate) tables: Vec<MetricTable>,
}

impl WorkloadGrid {
    /// True if the contender failed verification somewhere in this workload.
    pub(crate) fn failed(&self, contender: &str) -> bool {
        self.contenders
            .iter()
            .any(|c| c.name == contender && c.failed().is_some())
    }

    /// The table of `metric`, if the workload has one.
    pub(crate) fn table(&self, metric: Metric) -> Option<&MetricTable> {
        self.tables.iter().find(|t| t.metric == metric)
    }
}

/// Names in order of first appearance; this order fixes colours and columns.
pub(crate) fn contenders(records: &[Record]) -> Vec<String> {
    first_seen(records.iter().map(|r| r.contender.as_str()))
}

fn first_seen<'a>(names: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    names
        .filter(|n| seen.insert(*n))
        .map(str::to_owned)
        .collect()
}

/// The configuration a record belongs to: its parameters without the heap sample time.
pub(crate) fn configuration(params: &Params) -> Params {
    params.without(&[TIME_PARAM])
}

/// What one contender's records say about one configuration of a workload.
#[derive(Debug, Default)]
struct Coverage {
    verified: bool,
    failed: bool,
    /// Distinct not-measured reasons, in record order.
    reasons: Vec<String>,
}

impl Coverage {
    /// The reason, if the configuration was skipped: only not-measured records.
    fn skipped(&self) -> Option<String> {
        (!self.verified && !self.failed && !self.reasons.is_empty())
            .then(|| self.reasons.join("; "))
    }
}

/// Arranges a run's records into tables, workloads in order of first appearance.
///
/// A table's columns are the contenders measured on its metric anywhere in the run that also
/// appear in the workload (in a partial run: every benchmark contender, so unfinished work shows
/// as gaps), plus contenders that failed verification in the workload. A later duplicate record
/// replaces an earlier one.
///
/// A cell without a record is [`Cell::Missing`], except: a contender that failed verification
/// in the workload shows as failed everywhere in it, and a configuration the producer skipped
/// for a contender (it wrote only `not-measured` records there, e.g. one record saying the
/// contender is single-threaded) gives every metric of that configuration the same reason.
pub(crate) fn build(run: &LoadedRun) -> Vec<WorkloadGrid> {
    let order = contenders(&run.records);
    let measured: BTreeSet<(Metric, &str)> = run
        .records
        .iter()
        .map(|r| (r.metric, r.contender.as_str()))
        .collect();
    let bench_contenders: BTreeSet<&str> = run
        .records
        .iter()
        .filter(|r| r.workload != TUNE_WORKLOAD)
        .map(|r| r.contender.as_str())
        .collect();
    first_seen(run.records.iter().map(|r| r.workload.as_str()))
        .into_iter()
        .map(|name| {
            let records: Vec<&Record> = run.records.iter().filter(|r| r.workload == name).collect();
            let mut coverage: BTreeMap<(&str, Params), Coverage> = BTreeMap::new();
            for r in &records {
                let c = coverage
                    .entry((r.contender.as_str(), configuration(&r.params)))
                    .or_default();
                match &r.outcome {
                    Outcome::Ok { .. } => c.verified = true,
                    Outcome::FailedVerification { .. } => c.failed = true,
                    Outcome::NotMeasured { reason, .. } => {
                        if !c.reasons.contains(reason) {
                            c.reasons.push(reason.clone());
                        }
                    }
                }
            }
            // In a partial run every benchmark contender is expected on every benchmark workload.
            let expected =
                |c: &str| run.is_partial() && name != TUNE_WORKLOAD && bench_contenders.contains(c);
            let contenders: Vec<ContenderStatus> = order
                .iter()
                .filter(|c| expected(c) || records.iter().any(|r| &r.contender == *c))
                .map(|c| status(c, &records, &coverage))
                .collect();
            let tables = Metric::ALL
                .into_iter()
                .filter(|m| records.iter().any(|r| r.metric == *m))
                .map(|metric| {
                    let columns: Vec<&ContenderStatus> = contenders
                        .iter()
                        .filter(|c| {
                            c.failed().is_some() || measured.contains(&(metric, c.name.as_str()))
                        })
                        .collect();
                    table(
                        metric,
                        &columns,
                        &coverage,
                        records.iter().copied().filter(|r| r.metric == metric),
                    )
                })
                .collect();
            WorkloadGrid {
                name,
                contenders,
                tables,
            }
        })
        .collect()
}

fn status(
    contender: &str,
    records: &[&Record],
    coverage: &BTreeMap<(&str, Params), Coverage>,
) -> ContenderStatus {
    let failed = records.iter().find_map(|r| match &r.outcome {
        Outcome::FailedVerification { reason } if r.contender == contender => Some(reason.clone()),
        _ => None,
    });
    let mine: Vec<(&Params, &Coverage)> = coverage
        .iter()
        .filter(|((c, _), _)| *c == contender)
        .map(|((_, p), cov)| (p, cov))
        .collect();
    let skipped: Vec<Skipped> = mine
        .iter()
        .filter_map(|(p, cov)| {
            cov.skipped().map(|reason| Skipped {
                params: (*p).clone(),
                reason,
            })
        })
        .collect();
    let status = match failed {
        Some(reason) => Status::Failed { reason },
        None if mine.is_empty() => Status::NoRecords,
        None if skipped.len() == mine.len() => {
            let mut reasons: Vec<&str> = Vec::new();
            for s in &skipped {
                if !reasons.contains(&s.reason.as_str()) {
                    reasons.push(&s.reason);
                }
            }
            Status::NotMeasured {
                reason: reasons.join("; "),
            }
        }
        None => Status::Passed,
    };
    ContenderStatus {
        name: contender.to_owned(),
        skipped: if matches!(status, Status::NotMeasured { .. }) {
            Vec::new()
        } else {
            skipped
        },
        status,
    }
}

fn table<'a>(
    metric: Metric,
    columns: &[&ContenderStatus],
    coverage: &BTreeMap<(&str, Params), Coverage>,
    records: impl Iterator<Item = &'a Record>,
) -> MetricTable {
    let empty_row = |params: &Params| -> Vec<Cell> {
        let config = configuration(params);
        columns
            .iter()
            .map(|c| match c.failed() {
                Some(reason) => Cell::FailedVerification {
                    reason: reason.to_owned(),
                },
                None => match coverage
                    .get(&(c.name.as_str(), config.clone()))
                    .and_then(Coverage::skipped)
                {
                    Some(reason) => Cell::NotMeasured { reason },
                    None => Cell::Missing,
                },
            })
            .collect()
    };
    let mut rows: BTreeMap<Params, Vec<Cell>> = BTreeMap::new();
    for record in records {
        let Some(column) = columns.iter().position(|c| c.name == record.contender) else {
            continue;
        };
        rows.entry(record.params.clone())
            .or_insert_with_key(|p| empty_row(p))[column] = cell(&record.outcome);
    }
    let eligible: Vec<bool> = columns.iter().map(|c| c.failed().is_none()).collect();
    let rows = rows
        .into_iter()
        .map(|(params, mut cells)| {
            mark_best(metric, &mut cells, &eligible);
            Row { params, cells }
        })
        .collect();
    MetricTable {
        metric,
        contenders: columns.iter().map(|c| c.name.clone()).collect(),
        rows,
    }
}

fn cell(outcome: &Outcome) -> Cell {
    match outcome {
        Outcome::Ok {
            value,
            ci_low,
            ci_high,
            interval,
            runs,
            samples,
        } => Cell::Ok {
            value: *value,
            ci_low: *ci_low,
            ci_high: *ci_high,
            interval: *interval,
            runs: *runs,
            samples: samples.clone(),
            best: false,
        },
        Outcome::FailedVerification { reason } => Cell::FailedVerification {
            reason: reason.clone(),
        },
        Outcome::NotMeasured { reason, .. } => Cell::NotMeasured {
            reason: reason.clone(),
        },
    }
}

/// Flags the best verified value(s) of a row among eligible contenders.
fn mark_best(metric: Metric, cells: &mut [Cell], eligible: &[bool]) {
    let direction = metric.direction();
    let best = cells
        .iter()
        .zip(eligible)
        .filter(|(_, ok)| **ok)
        .filter_map(|(c, _)| c.value())
        .reduce(|a, b| if direction.better(b, a) { b } else { a });
    for (cell, ok) in cells.iter_mut().zip(eligible) {
        if let Cell::Ok {
            value, best: flag, ..
        } = cell
        {
            *flag = *ok && Some(*value) == best;
        }
    }
}
