//! Record emission: the fields one cell x contender shares, how a metric's outcome becomes a
//! record (exact where deterministic), and the records of runs that failed or were not
//! measured, each with its reason.

use reports::{Interval, Metric, Outcome, Params, Record};
use strategies::Info;

use super::budget;
use super::Runner;
use crate::probes::latency::{Percentiles, Recorder};
use crate::workloads::{Cell, Workload};

/// Record fields shared by one cell x contender.
#[derive(Clone, Debug)]
pub(super) struct Recs {
    pub(super) contender: &'static str,
    pub(super) workload: &'static str,
    pub(super) params: Params,
    pub(super) seed: u64,
    /// The cell ran on one thread, so its deterministic metrics are exact for the seed.
    pub(super) single_threaded: bool,
}

impl Recs {
    /// A record of `metric`. Where the metric is deterministic for a single-threaded run with a
    /// fixed seed (counts, bytes, chain statistics, simulated cache misses) and this cell ran
    /// on one thread, a plain value is recorded as exact, so a baseline comparison treats any
    /// difference as real.
    pub(super) fn make(&self, metric: Metric, outcome: Outcome) -> Record {
        let outcome = match outcome {
            Outcome::Ok {
                value,
                interval: Interval::None,
                ..
            } if self.single_threaded && metric.deterministic() => Outcome::exact(value),
            other => other,
        };
        Record::new(
            self.contender,
            self.workload,
            self.params.clone(),
            metric,
            self.seed,
            outcome,
        )
    }
}

/// Samples as records keep them: 4 significant digits are far below any run-to-run noise and
/// keep `records.jsonl` small.
pub(super) fn round_samples(samples: &[f64]) -> Vec<f64> {
    samples
        .iter()
        .map(|&v| {
            if v == 0.0 || !v.is_finite() {
                return v;
            }
            let scale = 10f64.powi(3 - v.abs().log10().floor() as i32);
            (v * scale).round() / scale
        })
        .collect()
}

/// A value measured over `runs` repetitions: their median, with the min..max range (and the
/// repetitions kept for the baseline's rank test).
pub(super) fn ranged(values: &[f64]) -> Option<Outcome> {
    let v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    Outcome::median_of(round_samples(&v))
}

/// The p50, p99, p99.9 and max of each recorder set (one set per repetition; a set with no
/// lookups gives none).
pub(super) fn percentiles_per_run(runs: &[Vec<Recorder>]) -> Vec<Percentiles> {
    runs.iter()
        .filter_map(|recs| {
            let mut all = Recorder::new();
            for r in recs {
                all.merge(r);
            }
            all.percentiles()
        })
        .collect()
}

/// One record per percentile: the median over `runs` with its range.
pub(super) fn percentile_records(
    rec: &Recs,
    runs: &[Percentiles],
    params: &Params,
    out: &mut Vec<Record>,
) {
    type Pick = fn(&Percentiles) -> f64;
    let pick: [(Metric, Pick); 4] = [
        (Metric::LatencyP50Ns, |p| p.p50),
        (Metric::LatencyP99Ns, |p| p.p99),
        (Metric::LatencyP999Ns, |p| p.p999),
        (Metric::LatencyMaxNs, |p| p.max),
    ];
    for (metric, f) in pick {
        let values: Vec<f64> = runs.iter().map(f).collect();
        let outcome = ranged(&values).unwrap_or_else(|| {
            Outcome::not_measured(
                "no lookup completed while the phase ran (it ended before the reader threads \
                 were scheduled)",
            )
        });
        let mut r = rec.make(metric, outcome);
        r.params = params.clone();
        out.push(r);
    }
}

/// The metrics the allocation pass records (with the chain statistics), all recorded as not
/// measured when the pass is skipped.
pub(super) const ALLOCATION_PASS_METRICS: [Metric; 9] = [
    Metric::AllocsPerOp,
    Metric::AllocBytesPerOp,
    Metric::PeakExtraHeapBytes,
    Metric::RetainedBytesPerEntry,
    Metric::DeferredGarbageBytes,
    Metric::HitProbe,
    Metric::MissProbe,
    Metric::OverflowPct,
    Metric::BytesPerEntry,
];

/// The metrics a `sparse-scan` cell that shrinks does not measure on a contender with no
/// shrink operation.
const NO_SHRINK_METRICS: [Metric; 4] = [
    Metric::LatencyNsPerOp,
    Metric::LookupHitNs,
    Metric::LookupMissNs,
    Metric::RetainedBytesPerEntry,
];

impl Runner<'_> {
    /// Appends `records` to the run directory (none in test mode); a write error ends the run.
    pub(super) fn write(&mut self, records: Vec<Record>) {
        if self.opts.test_mode || records.is_empty() {
            return;
        }
        if self.plan.is_some() {
            self.summary.kept.extend(records.iter().cloned());
        }
        if let Some(out) = self.opts.out.as_mut() {
            for r in &records {
                debug_assert!(r.validate().is_ok(), "{r:?}");
            }
            if let Err(e) = out.append(&records) {
                self.error = Some(format!("cannot write records: {e}"));
            }
            self.summary.records += records.len();
        }
    }

    /// Records a contender x cell that did not fit its budget.
    pub(super) fn beyond_budget(&mut self, id: &str, rec: &Recs, stopped: &budget::Stopped) {
        let reason = stopped.reason();
        self.progress(id, &format!("not measured: {reason}"));
        self.summary.beyond_budget += 1;
        self.write(vec![rec.make(
            Metric::LatencyNsPerOp,
            Outcome::beyond_budget(reason, stopped.record()),
        )]);
    }

    /// Records a `sparse-scan` cell that shrinks, on a contender with no shrink operation.
    pub(super) fn no_shrink(&mut self, id: &str, info: Info, rec: &Recs) {
        self.progress(id, "not measured (no shrink operation)");
        self.summary.not_measured += 1;
        let why = format!("{} has no shrink operation", info.name);
        let recs = NO_SHRINK_METRICS
            .into_iter()
            .map(|m| rec.make(m, Outcome::not_measured(why.clone())))
            .collect();
        self.write(recs);
    }

    /// Records a contender that failed verification (or a later pass's check).
    pub(super) fn fail(&mut self, id: &str, rec: &Recs, reason: String) {
        self.progress(id, &format!("FAILED VERIFICATION: {reason}"));
        self.summary.failures.push((id.to_owned(), reason.clone()));
        self.write(vec![
            rec.make(Metric::LatencyNsPerOp, Outcome::failed(reason))
        ]);
    }

    /// Records a contender x cell the workload does not apply to.
    pub(super) fn not_applicable(&mut self, cell: &Cell, info: Info, seed: u64, why: &str) {
        self.done += 1;
        let id = self.bench_id(cell, info.name);
        if !self.selected(&id) {
            return;
        }
        self.progress(&id, &format!("not measured ({why})"));
        self.summary.not_measured += 1;
        let rec = Recs {
            contender: info.name,
            workload: cell.workload.id(),
            params: cell.params(),
            seed,
            single_threaded: false,
        };
        let mut records = vec![rec.make(Metric::LatencyNsPerOp, Outcome::not_measured(why))];
        if cell.workload == Workload::ReadersDuringSweep {
            // The reader phases are configurations of their own (`phase = idle | sweep`).
            for p in ["idle", "sweep"] {
                let mut r = rec.make(Metric::LatencyP99Ns, Outcome::not_measured(why));
                r.params = r.params.clone().with(reports::schema::PHASE_PARAM, p);
                records.push(r);
            }
        }
        self.write(records);
    }
}
