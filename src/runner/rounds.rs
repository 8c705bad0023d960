//! Rounds of the timing phase: one measurement's timing split over windows far apart in the
//! run, so that a burst of machine contention cannot decide it.
//!
//! On a shared machine the speed of a core changes for a few hundred milliseconds at a time
//! (a neighbour's work on the same physical core, the host's). A timing window shorter than
//! that is either entirely inside a burst or entirely outside it: every sample of the window
//! moves together, its interval stays tight, and two runs of one commit disagree on the same
//! cell by 50% while both intervals look certain (measured here, `docs/workloads-and-metrics.md`,
//! "How a time is measured"). Samples within one window cannot show it; windows apart can.
//!
//! With [`Timing::rounds`](super::Timing::rounds) = R > 1, criterion measures round 1 at the
//! measurement's place in the run with 1/R of the profile's measurement time. After every cell
//! has had its round 1, the runner passes over the cells again R - 1 times; each pass is one
//! more round of every measurement that has one: a fresh setup, one run verified by the oracle,
//! a warm-up of 1/R of criterion's, then the same samples x runs per sample criterion took
//! in round 1, every run's counts checked. The record of `latency-ns-per-op` is then
//!
//! - **value**: the median sample of the fastest round (each round's median: one sample of a
//!   few microseconds that took an interrupt or a page fault can be ten times the others, and
//!   would drag a mean). Contention only ever adds time, so the fastest of R windows is the one
//!   least disturbed (the minimum as the robust location of a timing: Chen & Revels, "Robust
//!   benchmarking in noisy environments", 2016);
//! - **interval**: `range`, the min..max of the R round medians, `runs` = R;
//! - **samples**: the per-sample times of the fastest round (what `evacbench compare`'s rank
//!   test sees).
//!
//! A round that fails its checks makes the record a failed verification; a round stopped by
//! its budget leaves the rounds already measured.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use reports::{Metric, Outcome, Record};

use super::records::{round_samples, Recs};
use super::scenario::{Probe, Scenario};
use super::Runner;

/// The rounds of one measurement so far.
#[derive(Debug)]
struct Pending {
    id: String,
    rec: Recs,
    /// Per round, the per-operation time of each sample.
    rounds: Vec<Vec<f64>>,
    /// Runs per sample and samples per round, as criterion chose them in round 1.
    iters: u64,
    samples: usize,
    /// The first failed check of a later round, if any.
    failure: Option<String>,
    /// Why a later round was not measured (its budget), if one was not.
    stopped: Option<String>,
    /// Timed in round 1 only: its setups spread its samples ([`super::timing::SPREAD_RUN`]).
    alone: bool,
    /// Per round, the mean ns of a lookup that hits and of one that misses, for a scenario that
    /// measures lookups (round 1's taken from the allocation pass, [`Rounds::defer_lookups`]).
    lookups: Vec<(f64, f64)>,
}

impl Pending {
    /// True if a later round is to come.
    fn has_next(&self) -> bool {
        self.failure.is_none() && self.stopped.is_none() && !self.alone
    }
}

/// Every measurement with rounds still to come, in run order.
#[derive(Debug, Default)]
pub(super) struct Rounds {
    pending: Vec<Pending>,
    by_id: HashMap<String, usize>,
}

impl Rounds {
    /// Round 1 of `id`: its per-sample times, taken with `iters` runs per sample.
    pub(super) fn start(&mut self, id: &str, rec: &Recs, per_op: Vec<f64>, iters: u64) {
        let samples = per_op.len();
        self.by_id.insert(id.to_owned(), self.pending.len());
        self.pending.push(Pending {
            id: id.to_owned(),
            rec: rec.clone(),
            rounds: vec![per_op],
            iters: iters.max(1),
            samples,
            failure: None,
            stopped: None,
            alone: false,
            lookups: Vec::new(),
        });
    }

    /// Takes the `lookup-hit-ns` and `lookup-miss-ns` records of `id` out of `records` if `id`
    /// has later rounds: like its time, its lookups are then measured in every round and
    /// recorded by [`Rounds::lookup_records`] as the fastest round's, with the rounds' min..max
    /// (a burst of contention during round 1's half millisecond of lookups moved them by 70-100%
    /// on every cell of one A/A run here).
    pub(super) fn defer_lookups(&mut self, id: &str, records: &mut Vec<Record>) {
        let Some(&i) = self.by_id.get(id) else {
            return;
        };
        if !self.pending[i].has_next() {
            return;
        }
        let value = |records: &[Record], m: Metric| {
            records
                .iter()
                .find(|r| r.metric == m)
                .and_then(Record::value)
        };
        if let (Some(hit), Some(miss)) = (
            value(records, Metric::LookupHitNs),
            value(records, Metric::LookupMissNs),
        ) {
            records.retain(|r| r.metric != Metric::LookupHitNs && r.metric != Metric::LookupMissNs);
            self.pending[i].lookups.push((hit, miss));
        }
    }

    /// A later round's lookups of `id` (only kept if round 1's were deferred).
    pub(super) fn add_lookups(&mut self, id: &str, hit: f64, miss: f64) {
        if let Some(&i) = self.by_id.get(id) {
            let p = &mut self.pending[i];
            if !p.lookups.is_empty() {
                p.lookups.push((hit, miss));
            }
        }
    }

    /// The deferred lookup records: per measurement, the fastest round's hit and miss times
    /// with the min..max over the rounds (`range`, `runs` = the rounds).
    pub(super) fn lookup_records(&self) -> Vec<Record> {
        let mut out = Vec::new();
        for p in self.pending.iter().filter(|p| !p.lookups.is_empty()) {
            let n = p.lookups.len() as u32;
            for (metric, pick) in [
                (
                    Metric::LookupHitNs,
                    (|l: &(f64, f64)| l.0) as fn(&(f64, f64)) -> f64,
                ),
                (Metric::LookupMissNs, |l: &(f64, f64)| l.1),
            ] {
                let low = p.lookups.iter().map(pick).fold(f64::INFINITY, f64::min);
                let high = p.lookups.iter().map(pick).fold(f64::NEG_INFINITY, f64::max);
                out.push(p.rec.make(metric, Outcome::range(low, low, high, n)));
            }
        }
        out
    }

    /// Round 1 of `id`, which has no later rounds (its setups spread its samples in time): its
    /// record is the median sample, its interval the min..max of the samples.
    pub(super) fn start_alone(&mut self, id: &str, rec: &Recs, per_op: Vec<f64>, iters: u64) {
        self.start(id, rec, per_op, iters);
        if let Some(p) = self.pending.last_mut() {
            p.alone = true;
        }
    }

    /// Runs per sample and samples of `id`'s next round, if it has one to come.
    pub(super) fn shape(&self, id: &str) -> Option<(u64, usize)> {
        let p = &self.pending[*self.by_id.get(id)?];
        p.has_next().then_some((p.iters, p.samples))
    }

    /// The work a later round of `id` repeats: the time its round-1 samples took (runs per
    /// sample x each sample's time per run); zero without a next round.
    pub(super) fn work(&self, id: &str) -> Duration {
        let Some(&i) = self.by_id.get(id) else {
            return Duration::ZERO;
        };
        let p = &self.pending[i];
        if !p.has_next() {
            return Duration::ZERO;
        }
        let ns: f64 = p.rounds[0].iter().map(|t| t * p.iters as f64).sum();
        Duration::from_nanos(ns.max(0.0).round() as u64)
    }

    /// The work of one more round of every measurement with a next round.
    pub(super) fn work_per_pass(&self) -> Duration {
        self.pending.iter().map(|p| self.work(&p.id)).sum()
    }

    /// Measurements with a next round.
    pub(super) fn len(&self) -> usize {
        self.pending.iter().filter(|p| p.has_next()).count()
    }

    /// One more round of `id`.
    pub(super) fn add(&mut self, id: &str, per_op: Vec<f64>) {
        if let Some(&i) = self.by_id.get(id) {
            self.pending[i].rounds.push(per_op);
        }
    }

    /// A later round of `id` failed a check.
    pub(super) fn fail(&mut self, id: &str, reason: String) {
        if let Some(&i) = self.by_id.get(id) {
            self.pending[i].failure.get_or_insert(reason);
        }
    }

    /// A later round of `id` did not fit its budget: the rounds so far stand.
    pub(super) fn stop(&mut self, id: &str, reason: String) {
        if let Some(&i) = self.by_id.get(id) {
            self.pending[i].stopped.get_or_insert(reason);
        }
    }

    /// The finished measurements: (id, record of `latency-ns-per-op`, failure, summary line).
    fn finish(self) -> Vec<(String, Recs, Result<Record, String>, String)> {
        self.pending
            .into_iter()
            .map(|p| {
                let (result, line) = match p.failure {
                    Some(f) => (Err(f), String::new()),
                    None => match summarize_pending(&p) {
                        Some(s) => {
                            let (runs, line) = if p.alone {
                                let line = format!(
                                    "one round: median {:.2} ns/op (samples {:.2}..{:.2})",
                                    s.value, s.low, s.high
                                );
                                (s.samples.len(), line)
                            } else {
                                let mut line = format!(
                                    "fastest of {} rounds: median {:.2} ns/op (round medians {:.2}..{:.2})",
                                    p.rounds.len(),
                                    s.value,
                                    s.low,
                                    s.high
                                );
                                if let Some(why) = &p.stopped {
                                    line.push_str(&format!("; a later round not measured: {why}"));
                                }
                                (p.rounds.len(), line)
                            };
                            let outcome = Outcome::Ok {
                                value: s.value,
                                ci_low: Some(s.low),
                                ci_high: Some(s.high),
                                interval: reports::Interval::Range,
                                runs: Some(runs as u32),
                                samples: round_samples(&s.samples),
                            };
                            (Ok(p.rec.make(Metric::LatencyNsPerOp, outcome)), line)
                        }
                        None => (
                            Ok(p.rec.make(
                                Metric::LatencyNsPerOp,
                                Outcome::not_measured("criterion took no samples"),
                            )),
                            String::new(),
                        ),
                    },
                };
                (p.id, p.rec, result, line)
            })
            .collect()
    }
}

/// The rounds of one measurement summarized.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Summary {
    /// The fastest round's median sample.
    pub(super) value: f64,
    /// The fastest and slowest round medians.
    pub(super) low: f64,
    pub(super) high: f64,
    /// The fastest round's samples.
    pub(super) samples: Vec<f64>,
}

/// The summary of `p`: [`summarize`] of its rounds, or for one timed alone its median sample
/// with the min..max of its samples.
fn summarize_pending(p: &Pending) -> Option<Summary> {
    if !p.alone {
        return summarize(&p.rounds);
    }
    let samples = p.rounds.first()?;
    Some(Summary {
        value: reports::median(samples)?,
        low: samples.iter().copied().fold(f64::INFINITY, f64::min),
        high: samples.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        samples: samples.clone(),
    })
}

/// The fastest round's median, the min..max of the round medians and the fastest round's
/// samples; `None` when no round has a sample.
pub(super) fn summarize(rounds: &[Vec<f64>]) -> Option<Summary> {
    let medians: Vec<(f64, &Vec<f64>)> = rounds
        .iter()
        .filter_map(|r| Some((reports::median(r)?, r)))
        .collect();
    let (value, best) = medians
        .iter()
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(m, r)| (*m, (*r).clone()))?;
    let high = medians
        .iter()
        .map(|m| m.0)
        .fold(f64::NEG_INFINITY, f64::max);
    Some(Summary {
        value,
        low: value,
        high,
        samples: best,
    })
}

impl Runner<'_> {
    /// One later round of the measurement `id` of scenario `s` (a pass after round 1), within
    /// the cell budget.
    pub(super) fn revisit<S: Scenario>(&mut self, id: &str, s: &S) {
        let Some((iters, samples)) = self.rounds.shape(id) else {
            return;
        };
        let of = self.timing.rounds;
        let work = self.rounds.work(id);
        self.progress(id, &format!("round {}/{of}: timing", self.round + 1));
        let started = Instant::now();
        let warm_up = self.timing.warm_up / of as u32;
        let b = self.budget;
        let result = super::budget::within(b.cell, b.probe, b.tick, |_| {
            time_round(s, iters, samples, warm_up)
        });
        match result {
            Ok(Ok((per_op, lookups))) => {
                if let Some((hit, miss)) = lookups {
                    self.rounds.add_lookups(id, hit, miss);
                }
                let median = reports::median(&per_op).unwrap_or(0.0);
                self.progress(
                    id,
                    &format!("round {}/{of}: median {median:.2} ns/op", self.round + 1),
                );
                self.rounds.add(id, per_op);
            }
            Ok(Err(e)) => {
                self.progress(id, &format!("round {}/{of}: FAILED: {e}", self.round + 1));
                self.rounds.fail(id, e);
            }
            Err(stopped) => {
                let why = stopped.reason();
                self.progress(
                    id,
                    &format!("round {}/{of}: not measured: {why}", self.round + 1),
                );
                self.rounds.stop(id, why);
            }
        }
        if let Some(eta) = self.eta.as_mut() {
            eta.revisited(started.elapsed(), work + warm_up);
        }
    }

    /// Writes the `latency-ns-per-op` record of every measurement with rounds.
    pub(super) fn finish_rounds(&mut self) {
        let rounds = std::mem::take(&mut self.rounds);
        let lookups = rounds.lookup_records();
        if !lookups.is_empty() {
            self.write(lookups);
        }
        for (id, rec, result, line) in rounds.finish() {
            match result {
                Ok(record) => {
                    if !line.is_empty() {
                        self.progress(&id, &line);
                    }
                    self.write(vec![record]);
                }
                Err(reason) => self.fail(&id, &rec, format!("in a later timing round: {reason}")),
            }
        }
    }
}

/// One later round's per-sample times per operation, and its lookups (hit and miss ns), if the
/// scenario measures lookups.
type Round = (Vec<f64>, Option<(f64, f64)>);

/// One round: a fresh setup and one run checked by the oracle, `warm_up` of runs, then
/// `samples` samples of `iters` runs each, every run's counts checked (setup and drop
/// untimed, as in criterion's round). Returns each sample's time per operation.
fn time_round<S: Scenario>(
    s: &S,
    iters: u64,
    samples: usize,
    warm_up: Duration,
) -> Result<Round, String> {
    let mut slot = Some(s.setup().map_err(|e| format!("setup: {e}"))?);
    let lookups = {
        let st = slot.as_mut().expect("set up above");
        s.run(st, &mut Probe::default())
            .map_err(|e| e.to_string())?;
        s.verify(st).map_err(|e| e.to_string())?;
        // The lookups on the verified state, as the allocation pass measures them in round 1.
        s.lookups(st)
            .transpose()
            .map_err(|e| format!("lookups: {e}"))?
    };
    let one = |slot: &mut Option<S::State>| -> Result<(Duration, u64), String> {
        if S::FRESH {
            // The previous state is dropped before the next setup, outside the timed phase.
            *slot = None;
            *slot = Some(s.setup().map_err(|e| format!("setup: {e}"))?);
        }
        let st = slot.as_mut().expect("state present");
        let m = s
            .run(st, &mut Probe::default())
            .map_err(|e| e.to_string())?;
        Ok((m.elapsed, m.ops))
    };
    let warm = Instant::now();
    while warm.elapsed() < warm_up {
        one(&mut slot)?;
    }
    let mut per_op = Vec::with_capacity(samples);
    for _ in 0..samples {
        let (mut total, mut ops) = (Duration::ZERO, 0);
        for _ in 0..iters {
            let (d, n) = one(&mut slot)?;
            total += d;
            ops += n;
        }
        if ops > 0 {
            per_op.push(total.as_nanos() as f64 / ops as f64);
        }
    }
    Ok((per_op, lookups))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fastest_round_is_the_value_and_the_rounds_span_the_interval() {
        let rounds = vec![
            vec![9.0, 9.2, 9.1],
            vec![6.0, 6.2, 6.1],
            vec![6.4, 6.3, 6.5],
            vec![12.0, 12.5, 11.9],
        ];
        let s = summarize(&rounds).unwrap();
        assert!((s.value - 6.1).abs() < 1e-9, "{s:?}");
        assert_eq!(s.low, s.value);
        assert!((s.high - 12.0).abs() < 1e-9, "{s:?}");
        assert_eq!(s.samples, vec![6.0, 6.2, 6.1]);
    }

    #[test]
    fn one_interrupted_sample_does_not_drag_its_round() {
        // Measured: a sparse scan's round of ten ~67 ns samples with one of 1,017 ns.
        let mut hit = vec![66.9; 10];
        hit[5] = 1017.0;
        let s = summarize(&[hit, vec![67.5; 10]]).unwrap();
        assert!((s.value - 66.9).abs() < 1e-9, "{s:?}");
    }

    #[test]
    fn a_burst_in_some_rounds_does_not_move_the_value_but_a_slowdown_of_every_round_does() {
        let quiet = vec![5.0, 5.1, 4.9];
        let burst = vec![7.5, 7.6, 7.4];
        let a = summarize(&[quiet.clone(), burst.clone(), quiet.clone(), burst.clone()]).unwrap();
        let b = summarize(&[burst.clone(), burst.clone(), burst.clone(), quiet.clone()]).unwrap();
        assert_eq!(a.value, b.value);
        let slower: Vec<Vec<f64>> = [&quiet, &burst, &quiet, &burst]
            .iter()
            .map(|r| r.iter().map(|x| x * 1.2).collect())
            .collect();
        let c = summarize(&slower).unwrap();
        assert!((c.value / a.value - 1.2).abs() < 1e-9);
    }

    #[test]
    fn rounds_without_samples_are_left_out_and_none_gives_nothing() {
        assert!(summarize(&[]).is_none());
        assert!(summarize(&[vec![], vec![]]).is_none());
        let s = summarize(&[vec![], vec![3.0]]).unwrap();
        assert_eq!((s.value, s.high), (3.0, 3.0));
    }

    fn recs() -> Recs {
        Recs {
            contender: "evacmap-retain",
            workload: "sweep",
            params: reports::Params::new().with("n", 1024u64),
            seed: 7,
            single_threaded: true,
        }
    }

    #[test]
    fn lookups_of_a_measurement_with_rounds_are_the_fastest_round_s() {
        let rec = recs();
        let mut r = Rounds::default();
        r.start("a", &rec, vec![5.0, 5.0], 1);
        r.start_alone("alone", &rec, vec![5.0], 1);
        let mut records = vec![
            rec.make(Metric::AllocsPerOp, Outcome::value(0.0)),
            rec.make(Metric::LookupHitNs, Outcome::value(9.0)),
            rec.make(Metric::LookupMissNs, Outcome::value(7.0)),
        ];
        // Without later rounds they are written as measured.
        let mut kept = records.clone();
        r.defer_lookups("alone", &mut kept);
        assert_eq!(kept.len(), 3);
        r.defer_lookups("a", &mut records);
        assert_eq!(records.len(), 1, "{records:?}");
        r.add_lookups("a", 5.0, 8.0);
        r.add_lookups("a", 6.0, 6.5);
        // A measurement whose round 1 lookups were not deferred keeps none of later rounds'.
        r.add_lookups("alone", 1.0, 1.0);
        let out = r.lookup_records();
        assert_eq!(out.len(), 2, "{out:?}");
        let (hit, miss) = (&out[0], &out[1]);
        assert_eq!((hit.metric, hit.value()), (Metric::LookupHitNs, Some(5.0)));
        assert_eq!(
            (miss.metric, miss.value()),
            (Metric::LookupMissNs, Some(6.5))
        );
        match &hit.outcome {
            Outcome::Ok {
                ci_low,
                ci_high,
                interval,
                runs,
                ..
            } => {
                assert_eq!((*ci_low, *ci_high), (Some(5.0), Some(9.0)));
                assert_eq!((*interval, *runs), (reports::Interval::Range, Some(3)));
            }
            other => panic!("{other:?}"),
        }
        assert!(hit.validate().is_ok() && miss.validate().is_ok());
    }

    #[test]
    fn a_measurement_timed_alone_has_no_later_round_and_the_range_of_its_samples() {
        let mut r = Rounds::default();
        r.start_alone("heavy", &recs(), vec![9.0, 5.0, 6.0, 20.0, 7.0], 1);
        r.start("light", &recs(), vec![1.0, 1.0], 4);
        assert_eq!(r.shape("heavy"), None);
        assert_eq!(r.len(), 1);
        assert_eq!(r.work_per_pass(), r.work("light"));
        let done = r.finish();
        let heavy = done[0].2.as_ref().unwrap();
        assert_eq!(heavy.value(), Some(7.0));
        match &heavy.outcome {
            Outcome::Ok {
                ci_low,
                ci_high,
                interval,
                runs,
                ..
            } => {
                assert_eq!((*ci_low, *ci_high), (Some(5.0), Some(20.0)));
                assert_eq!(*interval, reports::Interval::Range);
                assert_eq!(*runs, Some(5));
            }
            other => panic!("{other:?}"),
        }
        assert!(
            done[0].3.starts_with("one round: median 7.00"),
            "{}",
            done[0].3
        );
        assert!(heavy.validate().is_ok());
    }

    #[test]
    fn a_failed_later_round_fails_the_record_and_a_stopped_one_keeps_the_rounds_measured() {
        let mut r = Rounds::default();
        r.start("a", &recs(), vec![5.0, 5.0], 3);
        r.start("b", &recs(), vec![7.0, 7.0], 1);
        assert_eq!(r.shape("a"), Some((3, 2)));
        assert_eq!(r.len(), 2);
        // The work a later round repeats: round 1's samples, 2 x 3 runs of 5 ns and 2 x 1 of 7.
        assert_eq!(r.work("a"), Duration::from_nanos(30));
        assert_eq!(r.work_per_pass(), Duration::from_nanos(44));
        r.add("a", vec![4.0, 4.0]);
        r.fail("a", "a count was wrong".into());
        r.stop("b", "beyond budget".into());
        assert_eq!(r.shape("a"), None);
        assert_eq!(r.len(), 0);
        assert_eq!(r.work_per_pass(), Duration::ZERO);
        let done = r.finish();
        assert_eq!(done[0].0, "a");
        assert_eq!(done[0].2, Err("a count was wrong".to_owned()));
        let b = done[1].2.as_ref().unwrap();
        assert_eq!(b.value(), Some(7.0));
        assert!(
            done[1].3.contains("not measured: beyond budget"),
            "{}",
            done[1].3
        );
        assert!(b.validate().is_ok());
    }
}
