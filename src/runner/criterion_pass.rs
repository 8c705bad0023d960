//! Step 2, timing with criterion: `iter_custom` with the setup untimed and the phase timed,
//! every run's counts checked and the first run fully verified again; the samples criterion
//! asked for become the mean and bootstrap interval of the latency record, or, in a profile
//! with timing rounds, round 1 of it ([`super::rounds`]).

use std::cell::RefCell;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, SamplingMode, Throughput};
use reports::{Metric, Outcome};
use strategies::Info;

use super::records::{round_samples, Recs};
use super::scenario::{Probe, Scenario};
use super::{sampling, Runner};
use crate::workloads::Cell;

impl Runner<'_> {
    /// Times `s` with criterion, continuing on (or re-creating, for a fresh-state scenario)
    /// the verified `state`; then runs the passes after timing.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn time_with_criterion<S: Scenario>(
        &mut self,
        cell: &Cell,
        index: usize,
        info: Info,
        seed: u64,
        s: &S,
        id: &str,
        rec: &Recs,
        state: S::State,
        setup_time: std::time::Duration,
        one_run: std::time::Duration,
    ) {
        let id = id.to_owned();
        // 2. Time with criterion.
        self.progress(
            &id,
            if self.opts.test_mode {
                "verified; running once"
            } else {
                "verified; timing"
            },
        );
        let samples: RefCell<Vec<(u64, Duration, u64)>> = RefCell::new(Vec::new());
        let failure: RefCell<Option<String>> = RefCell::new(None);
        let state_cell = RefCell::new(Some(state));
        // Criterion counts only the timed phases; a fresh state per run adds its setup on top.
        // Scale warm-up and measurement so the phase takes about the profile's timing budget,
        // shortened further (pace) when the run as a whole is behind its budget.
        let scale = {
            let per_run = one_run.as_secs_f64().max(1e-9);
            let setup = if S::FRESH {
                setup_time.as_secs_f64()
            } else {
                0.0
            };
            let planned = (self.timing.warm_up + self.timing.measurement).as_secs_f64()
                * (1.0 + setup / per_run);
            let pace = self.eta.as_ref().map_or(1.0, |e| e.pace());
            (self.budget.timing.as_secs_f64() * pace / planned).min(1.0)
        };
        // With timing rounds, criterion's is round 1 of them: 1/rounds of the measurement.
        let rounds = if self.opts.test_mode {
            1
        } else {
            self.timing.rounds.max(1)
        };
        let sample_size = self.timing.samples_for(S::FRESH, setup_time + one_run);
        let timing_started = Instant::now();
        {
            let (group_name, label) = self.group_and_label(cell);
            let mut group = self.criterion.benchmark_group(group_name);
            group
                .sample_size(sample_size)
                .warm_up_time(self.timing.warm_up.mul_f64(scale))
                .measurement_time(self.timing.measurement.mul_f64(scale / rounds as f64))
                .sampling_mode(SamplingMode::Flat)
                .nresamples(self.timing.resamples)
                .throughput(Throughput::Elements(cell.n));
            let mut first = true;
            group.bench_function(BenchmarkId::new(info.name, label), |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    let mut ops = 0;
                    if failure.borrow().is_some() {
                        return Duration::from_nanos(1);
                    }
                    for _ in 0..iters {
                        let mut slot = state_cell.borrow_mut();
                        if S::FRESH && slot.is_none() {
                            match s.setup() {
                                Ok(st) => *slot = Some(st),
                                Err(e) => {
                                    *failure.borrow_mut() = Some(format!("setup: {e}"));
                                    return Duration::from_nanos(1);
                                }
                            }
                        }
                        let st = slot.as_mut().expect("state present");
                        match s.run(st, &mut Probe::default()) {
                            Ok(m) => {
                                total += m.elapsed;
                                ops += m.ops;
                            }
                            Err(e) => {
                                *failure.borrow_mut() = Some(e.to_string());
                                return Duration::from_nanos(1);
                            }
                        }
                        if first {
                            first = false;
                            if let Err(e) = s.verify(st) {
                                *failure.borrow_mut() =
                                    Some(format!("after the first timed run: {e}"));
                                return Duration::from_nanos(1);
                            }
                        }
                        if S::FRESH {
                            // Dropped before the next setup, outside the timed phase.
                            *slot = None;
                        }
                    }
                    samples.borrow_mut().push((iters, total, ops));
                    total
                })
            });
            group.finish();
        }
        self.timed = timing_started.elapsed();
        if let Some(e) = failure.into_inner() {
            return self.fail(&id, rec, e);
        }
        if self.opts.test_mode {
            return;
        }
        let mut records = Vec::new();
        let samples = samples.into_inner();
        let measured = &samples[samples.len().saturating_sub(sample_size)..];
        let per_op: Vec<f64> = measured
            .iter()
            .filter(|(_, _, ops)| *ops > 0)
            .map(|(_, d, ops)| d.as_nanos() as f64 / *ops as f64)
            .collect();
        if rounds > 1 && !per_op.is_empty() {
            // Flat sampling: every sample of round 1 made the same number of runs.
            let iters = measured.first().map_or(1, |(iters, _, _)| *iters);
            let median = reports::median(&per_op).unwrap_or(0.0);
            if self.timing.spread_by_setup(S::FRESH, setup_time + one_run) {
                self.progress(
                    &id,
                    &format!(
                        "one round (a fresh state of {} per run spreads the samples): median \
                         {median:.2} ns/op",
                        super::budget::human(setup_time + one_run)
                    ),
                );
                self.rounds.start_alone(&id, rec, per_op, iters);
                if let Some(eta) = self.eta.as_mut() {
                    eta.round_one(self.timed, false);
                }
            } else {
                self.progress(&id, &format!("round 1/{rounds}: median {median:.2} ns/op"));
                self.rounds.start(&id, rec, per_op, iters);
                if let Some(eta) = self.eta.as_mut() {
                    eta.round_one(self.timed, true);
                }
            }
            return self.after_timing(cell, index, info, s, &id, rec, records, None);
        }
        match sampling::estimate(&per_op, self.timing.resamples, seed) {
            Some(e) => {
                self.progress(
                    &id,
                    &format!("{:.2} ns/op [{:.2}, {:.2}]", e.mean, e.low, e.high),
                );
                records.push(rec.make(
                    Metric::LatencyNsPerOp,
                    Outcome::with_ci(e.mean, e.low, e.high, round_samples(&per_op)),
                ));
            }
            None => records.push(rec.make(
                Metric::LatencyNsPerOp,
                Outcome::not_measured("criterion took no samples (filtered or listed)"),
            )),
        }
        self.after_timing(cell, index, info, s, &id, rec, records, None);
    }
}
