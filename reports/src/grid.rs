//! Records arranged as tables: workload -> metric -> parameter set x contender.
//!
//! Every later stage (summary, charts, tuning, baseline) reads these tables, never raw records.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{Cell, ContenderStatus, MetricTable, Row};
use crate::schema::{Metric, Outcome, Params, Record, TUNE_WORKLOAD};
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
            .any(|c| c.name == contender && c.failed.is_some())
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

/// Arranges a run's records into tables, workloads in order of first appearance.
///
/// A table's columns are the contenders measured on its metric anywhere in the run that also
/// appear in the workload (in a partial run: every benchmark contender, so unfinished work shows
/// as gaps), plus contenders that failed verification in the workload. A later duplicate record replaces an
/// earlier one.
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
            // In a partial run every benchmark contender is expected on every benchmark workload.
            let expected =
                |c: &str| run.is_partial() && name != TUNE_WORKLOAD && bench_contenders.contains(c);
            let contenders: Vec<ContenderStatus> = order
                .iter()
                .filter(|c| expected(c) || records.iter().any(|r| &r.contender == *c))
                .map(|c| ContenderStatus {
                    name: c.clone(),
                    failed: records.iter().find_map(|r| match &r.outcome {
                        Outcome::FailedVerification { reason } if &r.contender == c => {
                            Some(reason.clone())
                        }
                        _ => None,
                    }),
                })
                .collect();
            let tables = Metric::ALL
                .into_iter()
                .filter(|m| records.iter().any(|r| r.metric == *m))
                .map(|metric| {
                    let columns: Vec<&ContenderStatus> = contenders
                        .iter()
                        .filter(|c| {
                            c.failed.is_some() || measured.contains(&(metric, c.name.as_str()))
                        })
                        .collect();
                    table(
                        metric,
                        &columns,
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

fn table<'a>(
    metric: Metric,
    columns: &[&ContenderStatus],
    records: impl Iterator<Item = &'a Record>,
) -> MetricTable {
    let empty_row = || -> Vec<Cell> {
        columns
            .iter()
            .map(|c| match &c.failed {
                Some(reason) => Cell::FailedVerification {
                    reason: reason.clone(),
                },
                None => Cell::Missing,
            })
            .collect()
    };
    let mut rows: BTreeMap<Params, Vec<Cell>> = BTreeMap::new();
    for record in records {
        let Some(column) = columns.iter().position(|c| c.name == record.contender) else {
            continue;
        };
        rows.entry(record.params.clone()).or_insert_with(empty_row)[column] = cell(&record.outcome);
    }
    let eligible: Vec<bool> = columns.iter().map(|c| c.failed.is_none()).collect();
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
        } => Cell::Ok {
            value: *value,
            ci_low: *ci_low,
            ci_high: *ci_high,
            best: false,
        },
        Outcome::FailedVerification { reason } => Cell::FailedVerification {
            reason: reason.clone(),
        },
        Outcome::NotMeasured { reason } => Cell::NotMeasured {
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
