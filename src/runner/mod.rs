//! The runner: every contender on every cell of a profile, verified, timed with criterion,
//! then measured for allocations, latency percentiles, heap over time, chain statistics and
//! simulated cache misses, all written as records into a run directory.
//!
//! For each cell and contender, in order:
//! 1. **verify**: one untimed run, then the full oracle check ([`crate::oracle`]). A contender
//!    that fails is recorded as failed and never timed.
//! 2. **time**: criterion drives the timed phase (`iter_custom`: setup untimed, phase timed);
//!    every run checks its counts, the first run is fully verified again. The runner keeps the
//!    samples criterion asked for and records their mean and bootstrap interval.
//! 3. **allocate**: one run under the counting allocator (allocations, bytes, peak and retained
//!    heap, deferred garbage, a heap trace for churn and readers), with per-lookup latency
//!    percentiles where the workload has lookups, and evacmap's chain statistics.
//! 4. **cache**: for the profile's cache cells, the same run in a callgrind child.

pub mod budget;
mod child;
mod progress;
mod sampling;
pub(crate) mod scenario;
#[cfg(test)]
mod slow_contender_test;

pub use child::cache_child;

use std::cell::RefCell;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput};
use reports::{Interval, Metric, Outcome, Params, Record, RunDir};
use strategies::registry::{self, Visit};
use strategies::{Contender, Info, Shared, Value, V64, V8};

pub use budget::Budget;

use crate::keys::KeySet;
use crate::probes::alloc::{self, Phase};
use crate::probes::cache;
use crate::probes::heap_trace::{self, HeapTrace};
use crate::probes::latency::Recorder;
use crate::workloads::{Cell, Profile, ValueSize, Workload};
use scenario::{
    build_for, ChurnRun, GrowthRun, Probe, ReadersRun, Scenario, SharedGrowthRun, SparseRun,
    SweepRun, NO_SHRINK,
};

/// How long criterion measures, per profile.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    /// Samples per benchmark (criterion's minimum is 10).
    pub sample_size: usize,
    /// Criterion's warm-up time.
    pub warm_up: Duration,
    /// Criterion's target measurement time (setup time comes on top).
    pub measurement: Duration,
    /// Bootstrap resamples for the confidence interval.
    pub resamples: usize,
    /// A contender whose verified run (setup included) takes longer than this is too slow for
    /// criterion's minimum of 10 samples within the profile's budget: it is timed outside
    /// criterion over at most [`SLOW_RUNS`] verified runs (the verification run included) that
    /// fit in `slow_budget`, its interval being their minimum and maximum.
    pub slow_run: Duration,
    /// Wall time a slow contender may spend on one cell; its allocation pass is skipped
    /// (recorded as not measured) when one run alone exceeds half of it.
    pub slow_budget: Duration,
}

/// Interval of the heap trace's samples.
const TRACE_INTERVAL: Duration = Duration::from_micros(250);
/// How long the allocation pass of a steady-state workload keeps running for its heap trace.
const TRACE_SPAN: Duration = Duration::from_millis(200);
/// Most runs of a steady-state workload in its allocation pass.
const TRACE_MAX_RUNS: usize = 64;

/// Most runs timed for a contender over [`Timing::slow_run`].
pub const SLOW_RUNS: usize = 3;

impl Timing {
    /// The timing of `profile`.
    pub fn for_profile(profile: Profile) -> Timing {
        match profile {
            Profile::Tiny => Timing {
                sample_size: 10,
                warm_up: Duration::from_millis(10),
                measurement: Duration::from_millis(20),
                resamples: 1_000,
                slow_run: Duration::from_millis(250),
                slow_budget: Duration::from_secs(2),
            },
            Profile::Default => Timing {
                sample_size: 10,
                warm_up: Duration::from_millis(50),
                measurement: Duration::from_millis(150),
                resamples: 10_000,
                slow_run: Duration::from_millis(600),
                slow_budget: Duration::from_secs(8),
            },
            Profile::Full => Timing {
                sample_size: 20,
                warm_up: Duration::from_millis(300),
                measurement: Duration::from_millis(1200),
                resamples: 100_000,
                slow_run: Duration::from_secs(10),
                slow_budget: Duration::from_secs(120),
            },
        }
    }
}

/// What the runner was asked to do.
#[derive(Debug)]
pub struct Options {
    /// The profile (cells and timing).
    pub profile: Profile,
    /// Only benchmarks whose id (`workload/contender/label`) contains this.
    pub filter: Option<String>,
    /// criterion's `--test`: run everything once, verified, and write no records.
    pub test_mode: bool,
    /// Base seed of the run.
    pub seed: u64,
    /// The run directory to write, if any.
    pub out: Option<RunDir>,
    /// The measuring executable (re-run under callgrind for cache metrics).
    pub exe: PathBuf,
    /// Scratch directory for callgrind output.
    pub scratch: PathBuf,
}

/// The outcome of a whole run.
#[derive(Debug, Default)]
pub struct Summary {
    /// (benchmark id, reason) of every contender that failed verification.
    pub failures: Vec<(String, String)>,
    /// Records written.
    pub records: usize,
    /// Cells x contenders measured.
    pub measured: usize,
    /// Cells x contenders not measured because one run did not fit the time budget (skipped on
    /// its estimate or stopped at the budget).
    pub beyond_budget: usize,
    /// Cells x contenders not measured for other reasons (not applicable, no shrink operation).
    pub not_measured: usize,
}

/// The runner's state while it goes through the cells.
pub struct Runner<'c> {
    criterion: &'c mut Criterion,
    opts: Options,
    timing: Timing,
    allocator: bool,
    valgrind: Result<String, String>,
    budget: Budget,
    eta: Option<progress::Progress>,
    /// Wall time of the current measurement's timing phase (criterion's or the slow path's).
    timed: Duration,
    started: Instant,
    done: usize,
    total: usize,
    summary: Summary,
    error: Option<String>,
}

impl std::fmt::Debug for Runner<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner")
            .field("opts", &self.opts)
            .field("done", &self.done)
            .field("total", &self.total)
            .finish()
    }
}

/// A cell's seed: the run's seed mixed with the cell's id, so cells differ and runs repeat.
pub fn cell_seed(base: u64, cell: &Cell) -> u64 {
    let id = format!("{}/{}", cell.workload, cell.label());
    id.bytes().fold(base ^ 0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The key set of a cell (the same for every contender).
pub fn keys_for(cell: &Cell, seed: u64) -> KeySet {
    let extra = match cell.workload {
        Workload::SweepDuringGrowth => cell.inserts,
        Workload::Churn => 1 << 40,
        _ => 0,
    };
    KeySet::new(
        cell.keys,
        cell.n,
        extra,
        seed,
        cell.doom,
        cell.delete_fraction,
    )
}

/// Largest `sweep` cell the default profile simulates: callgrind runs the child's whole process
/// (prefill included) about 50x slower than native, so a 1M-entry cell costs about 18 s per
/// contender, over five minutes for the cell, which does not fit the profile's 10 minutes.
pub const DEFAULT_CACHE_MAX_N: u64 = 65_536;

/// Whether callgrind measures this cell in `profile`: every `sweep` cell of the tiny profile,
/// every `sweep` cell up to [`DEFAULT_CACHE_MAX_N`] entries in the default profile, and in the
/// full profile those plus the larger cells' plain half sweep.
pub fn is_cache_cell(profile: Profile, cell: &Cell) -> bool {
    let plain_half = cell.delete_fraction == 0.5
        && cell.keys == crate::keys::KeyOrder::Uniform
        && cell.doom == crate::keys::DoomPattern::Uniform
        && cell.value == ValueSize::V8;
    cell.workload == Workload::Sweep
        && match profile {
            Profile::Tiny => true,
            Profile::Default => cell.n <= DEFAULT_CACHE_MAX_N,
            Profile::Full => cell.n <= DEFAULT_CACHE_MAX_N || plain_half,
        }
}

/// Why a `sweep` cell of `profile` has no cache simulation, if it has none.
fn no_cache_reason(profile: Profile, cell: &Cell) -> Option<String> {
    (cell.workload == Workload::Sweep && !is_cache_cell(profile, cell)).then(|| {
        format!(
            "not simulated in the {} profile for this cell above n={DEFAULT_CACHE_MAX_N} (callgrind \
             takes about 18 s per contender at 1M entries, over the profile's time budget)",
            profile.id()
        )
    })
}

/// Repetitions of the reader phases (idle, then during a sweep) of `readers-during-sweep`, and
/// the fewest runs the churn percentiles come from; each percentile is recorded as the median
/// over repetitions with their min..max range.
pub fn repetitions(profile: Profile) -> usize {
    match profile {
        Profile::Tiny => 3,
        Profile::Default => 6,
        Profile::Full => 10,
    }
}

/// A value measured over `runs` repetitions: their median, with the min..max range (and the
/// repetitions kept for the baseline's rank test).
fn ranged(values: &[f64]) -> Option<Outcome> {
    let v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    Outcome::median_of(round_samples(&v))
}

/// The p50, p99, p99.9 and max of each recorder set (one set per repetition; a set with no
/// lookups gives none).
fn percentiles_per_run(runs: &[Vec<Recorder>]) -> Vec<crate::probes::latency::Percentiles> {
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
fn percentile_records(
    rec: &Recs,
    runs: &[crate::probes::latency::Percentiles],
    params: &Params,
    out: &mut Vec<Record>,
) {
    type Pick = fn(&crate::probes::latency::Percentiles) -> f64;
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

impl<'c> Runner<'c> {
    /// A runner over `criterion` (already configured from the command line).
    pub fn new(criterion: &'c mut Criterion, opts: Options) -> Runner<'c> {
        let timing = Timing::for_profile(opts.profile);
        let budget = Budget::for_profile(opts.profile);
        let allocator = alloc::installed();
        let valgrind = cache::valgrind_version();
        Runner {
            criterion,
            opts,
            timing,
            allocator,
            valgrind,
            budget,
            eta: None,
            timed: Duration::ZERO,
            started: Instant::now(),
            done: 0,
            total: 0,
            summary: Summary::default(),
            error: None,
        }
    }

    /// The same runner with other time budgets (the profile's by default).
    pub fn with_budget(mut self, budget: Budget) -> Runner<'c> {
        self.budget = budget;
        self
    }

    /// Runs every cell of the profile on every contender; returns the run directory (finished
    /// unless records could not be written) and the summary.
    pub fn run(mut self) -> Result<(Option<RunDir>, Summary), String> {
        let cells = self.opts.profile.cells();
        let infos = registry::infos();
        let contenders = infos.len();
        self.total = cells.len() * contenders;
        let planned: Vec<usize> = cells
            .iter()
            .map(|c| {
                infos
                    .iter()
                    .filter(|i| c.workload != Workload::ReadersDuringSweep || i.shared)
                    .filter(|i| self.selected(&Self::bench_id(c, i.name)))
                    .count()
            })
            .collect();
        self.eta = Some(progress::Progress::new(self.budget, &cells, &planned));
        eprintln!(
            "evacbench: budgets: {} per contender x cell (one run must fit; estimated after {}), \
             the whole run about {}; {} measurements",
            budget::human(self.budget.cell),
            budget::human(self.budget.probe),
            budget::human(self.budget.run),
            planned.iter().sum::<usize>()
        );
        eprintln!(
            "evacbench: profile `{}`: {} cells x {contenders} contenders{}; allocation counting {}, cache simulation {}",
            self.opts.profile.id(),
            cells.len(),
            if self.opts.test_mode { " (test mode: each once, no records)" } else { "" },
            if self.allocator { "on" } else { "OFF (not the counting allocator)" },
            match &self.valgrind {
                Ok(v) => format!("on ({v})"),
                Err(e) => format!("off: {e}"),
            }
        );
        eprintln!(
            "evacbench: timing one lookup for the percentiles costs {:.0} ns of clock reads \
             (included in them)",
            crate::probes::latency::clock_overhead_ns()
        );
        for (index, cell) in cells.iter().enumerate() {
            match cell.value {
                ValueSize::V8 => registry::visit::<V8, _>(&mut CellVisitor {
                    runner: &mut self,
                    cell,
                    index,
                }),
                ValueSize::V64 => registry::visit::<V64, _>(&mut CellVisitor {
                    runner: &mut self,
                    cell,
                    index,
                }),
            }
            if let Some(e) = self.error.take() {
                return Err(e);
            }
        }
        Ok((self.opts.out, self.summary))
    }

    fn bench_id(cell: &Cell, name: &str) -> String {
        format!("{}/{}/{}", cell.workload, name, cell.label())
    }

    fn selected(&self, id: &str) -> bool {
        self.opts.filter.as_deref().is_none_or(|f| id.contains(f))
    }

    fn progress(&mut self, id: &str, what: &str) {
        match &self.eta {
            Some(eta) => eprintln!("{} {id}: {what}", eta.stamp(self.done, self.total)),
            None => eprintln!(
                "[{:>3}/{} {:>5.0}s] {id}: {what}",
                self.done,
                self.total,
                self.started.elapsed().as_secs_f64()
            ),
        }
    }

    fn write(&mut self, records: Vec<Record>) {
        if self.opts.test_mode || records.is_empty() {
            return;
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

    /// Measures one contender on one cell within its time budget ([`budget`]): a run that
    /// would not fit is skipped on its estimate or stopped, and recorded as not measured with
    /// the reason and the estimate.
    fn measure<S: Scenario>(&mut self, cell: &Cell, index: usize, info: Info, seed: u64, s: &S) {
        self.done += 1;
        let id = Self::bench_id(cell, info.name);
        if self.error.is_some() || !self.selected(&id) {
            return;
        }
        let rec = Recs {
            contender: info.name,
            workload: cell.workload.id(),
            params: cell.params(),
            seed,
            single_threaded: !S::THREADED,
        };
        let started = Instant::now();
        self.timed = Duration::ZERO;
        let measured = self.summary.measured;
        let b = self.budget;
        let result = budget::within(b.cell, b.probe, b.tick, |watch| {
            self.measure_within(cell, index, info, seed, s, &id, &rec, watch)
        });
        if let Err(stopped) = result {
            // A verified run that a later pass pushed past twice the budget counts here only.
            self.summary.measured = measured;
            self.beyond_budget(&id, &rec, &stopped);
        }
        if let Some(eta) = self.eta.as_mut() {
            eta.finished(index, started.elapsed(), self.timed);
        }
    }

    /// Records a contender x cell that did not fit its budget.
    fn beyond_budget(&mut self, id: &str, rec: &Recs, stopped: &budget::Stopped) {
        let reason = stopped.reason();
        self.progress(id, &format!("not measured: {reason}"));
        self.summary.beyond_budget += 1;
        self.write(vec![rec.make(
            Metric::LatencyNsPerOp,
            Outcome::beyond_budget(reason, stopped.record()),
        )]);
    }

    #[allow(clippy::too_many_arguments)]
    fn measure_within<S: Scenario>(
        &mut self,
        cell: &Cell,
        index: usize,
        info: Info,
        seed: u64,
        s: &S,
        id: &str,
        rec: &Recs,
        watch: &budget::Watch,
    ) {
        let (id, rec) = (id.to_owned(), rec);
        // 1. Verify.
        let mut state = match s.setup() {
            Ok(st) => st,
            Err(e) if e == NO_SHRINK => {
                self.progress(&id, "not measured (no shrink operation)");
                self.summary.not_measured += 1;
                let why = format!("{} has no shrink operation", info.name);
                let recs = [
                    Metric::LatencyNsPerOp,
                    Metric::LookupHitNs,
                    Metric::LookupMissNs,
                    Metric::RetainedBytesPerEntry,
                ]
                .into_iter()
                .map(|m| rec.make(m, Outcome::not_measured(why.clone())))
                .collect();
                self.write(recs);
                return;
            }
            Err(e) => return self.fail(&id, rec, format!("setup: {e}")),
        };
        let setup_time = watch.elapsed();
        let verify_started = Instant::now();
        let checked = s
            .run(&mut state, &mut Probe::default())
            .and_then(|m| s.verify(&mut state).map(|()| m));
        let first = match checked {
            Ok(m) => m,
            Err(e) => return self.fail(&id, rec, e),
        };
        self.summary.measured += 1;
        let one_run = verify_started.elapsed();
        // One verified run fits the budget; the passes after it are planned to fit it too, and
        // nothing may run past twice the budget.
        watch.extend_to(self.budget.cell * 2);
        // Too slow for criterion: over the profile's slow-run time, or so slow (setup
        // included) that criterion's minimum sample count would not fit half the budget.
        let criterion_minimum = (setup_time + one_run) * self.timing.sample_size as u32;
        let slow = one_run > self.timing.slow_run || criterion_minimum * 2 > self.budget.cell;
        if slow && !self.opts.test_mode {
            drop(state);
            return self.measure_slow(cell, index, info, s, &id, rec, first, one_run);
        }
        if !S::FRESH {
            // Persistent scenarios continue on the verified state.
        } else {
            drop(state);
            state = match s.setup() {
                Ok(st) => st,
                Err(e) => return self.fail(&id, rec, format!("setup: {e}")),
            };
        }
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
        let timing_started = Instant::now();
        {
            let mut group = self.criterion.benchmark_group(cell.workload.id());
            group
                .sample_size(self.timing.sample_size)
                .warm_up_time(self.timing.warm_up.mul_f64(scale))
                .measurement_time(self.timing.measurement.mul_f64(scale))
                .sampling_mode(SamplingMode::Flat)
                .nresamples(self.timing.resamples)
                .throughput(Throughput::Elements(cell.n));
            let mut first = true;
            group.bench_function(BenchmarkId::new(info.name, cell.label()), |b| {
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
                                *failure.borrow_mut() = Some(e);
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
        let measured = &samples[samples.len().saturating_sub(self.timing.sample_size)..];
        let per_op: Vec<f64> = measured
            .iter()
            .filter(|(_, _, ops)| *ops > 0)
            .map(|(_, d, ops)| d.as_nanos() as f64 / *ops as f64)
            .collect();
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

    /// Steps 3 and 4 (allocations, percentiles, heap trace, chain statistics; cache misses),
    /// then writes the cell's records. `skip_allocation` gives the reason to record the
    /// allocation pass's metrics as not measured instead of running it.
    #[allow(clippy::too_many_arguments)]
    fn after_timing<S: Scenario>(
        &mut self,
        cell: &Cell,
        index: usize,
        info: Info,
        s: &S,
        id: &str,
        rec: &Recs,
        mut records: Vec<Record>,
        skip_allocation: Option<String>,
    ) {
        match skip_allocation {
            None => {
                if let Err(e) = self.allocation_pass(cell, s, rec, &mut records) {
                    return self.fail(id, rec, e);
                }
            }
            Some(why) => {
                for m in [
                    Metric::AllocsPerOp,
                    Metric::AllocBytesPerOp,
                    Metric::PeakExtraHeapBytes,
                    Metric::RetainedBytesPerEntry,
                    Metric::DeferredGarbageBytes,
                    Metric::HitProbe,
                    Metric::MissProbe,
                    Metric::OverflowPct,
                    Metric::BytesPerEntry,
                ] {
                    records.push(rec.make(m, Outcome::not_measured(why.clone())));
                }
            }
        }
        if cell.workload == Workload::ReadersDuringSweep {
            self.progress(id, "reader phases (idle, then during the sweep)");
            if let Err(e) = self.reader_phases(s, rec, &mut records) {
                return self.fail(id, rec, e);
            }
        }
        if is_cache_cell(self.opts.profile, cell) {
            self.progress(id, "cache simulation (callgrind)");
            self.cache_pass(index, info, rec, &mut records);
        } else if let Some(why) = no_cache_reason(self.opts.profile, cell) {
            for m in [Metric::D1MissesPerOp, Metric::LlMissesPerOp] {
                records.push(rec.make(m, Outcome::not_measured(why.clone())));
            }
        }
        self.write(records);
    }

    /// Times a contender too slow for criterion's sample count: the verified run `first` plus
    /// as many further verified runs as fit in the budget (at most [`SLOW_RUNS`] in all);
    /// records their mean with the min..max range as its interval.
    #[allow(clippy::too_many_arguments)]
    fn measure_slow<S: Scenario>(
        &mut self,
        cell: &Cell,
        index: usize,
        info: Info,
        s: &S,
        id: &str,
        rec: &Recs,
        first: scenario::Measured,
        one_run: Duration,
    ) {
        let per_op = |m: scenario::Measured| m.elapsed.as_nanos() as f64 / m.ops.max(1) as f64;
        let mut samples = vec![per_op(first)];
        let started = Instant::now();
        let budget = self.timing.slow_budget;
        self.progress(
            id,
            &format!(
                "verified; slow ({one_run:.1?} a run): timed outside criterion, budget {budget:?}"
            ),
        );
        let mut state = None;
        while samples.len() < SLOW_RUNS && started.elapsed() + one_run * 2 <= budget {
            if S::FRESH || state.is_none() {
                state = match s.setup() {
                    Ok(st) => Some(st),
                    Err(e) => return self.fail(id, rec, format!("setup: {e}")),
                };
            }
            let st = state.as_mut().expect("state present");
            match s
                .run(st, &mut Probe::default())
                .and_then(|m| s.verify(st).map(|()| m))
            {
                Ok(m) => samples.push(per_op(m)),
                Err(e) => return self.fail(id, rec, e),
            }
        }
        drop(state);
        self.timed = started.elapsed();
        let mean = samples.iter().sum::<f64>() / samples.len() as f64;
        let (lo, hi) = samples
            .iter()
            .fold((f64::INFINITY, 0.0f64), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            });
        self.progress(
            id,
            &format!(
                "{mean:.2} ns/op [min {lo:.2}, max {hi:.2}] over {} run(s)",
                samples.len()
            ),
        );
        let records = vec![rec.make(
            Metric::LatencyNsPerOp,
            Outcome::with_range(mean, round_samples(&samples)),
        )];
        let skip = (one_run * 2 > budget).then(|| {
            format!("one run took {one_run:.1?}, over half the slow budget of {budget:?}")
        });
        self.after_timing(cell, index, info, s, id, rec, records, skip);
    }

    /// `readers-during-sweep`: the same readers for the same duration with no sweep
    /// (`phase = idle`) and during the sweep (`phase = sweep`), over [`repetitions`] fresh maps;
    /// records each phase's percentiles and the p99 slowdown (sweep / idle), each the median
    /// over repetitions with its range.
    fn reader_phases<S: Scenario>(
        &mut self,
        s: &S,
        rec: &Recs,
        out: &mut Vec<Record>,
    ) -> Result<(), String> {
        // A first, unrecorded run gives the duration the idle phase lasts.
        let mut st = s.setup()?;
        let mut duration = s.run(&mut st, &mut Probe::default())?.elapsed;
        drop(st);
        let (mut idle, mut sweep) = (Vec::new(), Vec::new());
        for _ in 0..repetitions(self.opts.profile) {
            let mut st = s.setup()?;
            let Some(quiet) = s.idle_readers(&mut st, duration) else {
                return Ok(());
            };
            idle.push(quiet?);
            let mut probe = Probe {
                latencies: Some(Vec::new()),
            };
            let m = s.run(&mut st, &mut probe)?;
            s.verify(&mut st)?;
            sweep.push(probe.latencies.unwrap_or_default());
            duration = m.elapsed;
        }
        let (idle, sweep) = (percentiles_per_run(&idle), percentiles_per_run(&sweep));
        let phase = |p: &str| rec.params.clone().with(reports::schema::PHASE_PARAM, p);
        percentile_records(rec, &idle, &phase("idle"), out);
        percentile_records(rec, &sweep, &phase("sweep"), out);
        let slowdowns: Vec<f64> = idle
            .iter()
            .zip(&sweep)
            .filter(|(i, _)| i.p99 > 0.0)
            .map(|(i, s)| s.p99 / i.p99)
            .collect();
        out.push(rec.make(
            Metric::ReaderP99Slowdown,
            ranged(&slowdowns).unwrap_or_else(|| {
                Outcome::not_measured("no repetition had lookups in both phases")
            }),
        ));
        Ok(())
    }

    fn allocation_pass<S: Scenario>(
        &mut self,
        cell: &Cell,
        s: &S,
        rec: &Recs,
        out: &mut Vec<Record>,
    ) -> Result<(), String> {
        let traced = matches!(
            cell.workload,
            Workload::Churn | Workload::ReadersDuringSweep
        );
        let with_latency = cell.workload == Workload::Churn;
        let phase = Phase::start();
        let mut st = s.setup()?;
        // The sampler thread starts before the counted span, so its own start-up allocations
        // are not charged to the contender.
        let trace = traced.then(|| HeapTrace::start(TRACE_INTERVAL));
        let before = phase.now();
        phase.reset_peak();
        let mut probe = Probe {
            latencies: with_latency.then(Vec::new),
        };
        let m = s.run(&mut st, &mut probe)?;
        // Counts, bytes, peak and retained heap describe exactly one run, so they do not depend
        // on how many runs fit in the trace's time span (exact for a single-threaded cell).
        let after = phase.now();
        let mem = s.memory(&mut st);
        let live = s.live(&mut st);
        let chains = s.probe_stats(&mut st);
        if traced && !S::FRESH {
            // A steady-state workload (churn) continues on the same map until the trace spans
            // TRACE_SPAN, so the heap trace shows many runs, not one short one.
            let started = Instant::now();
            let mut runs = 1;
            let min_runs = repetitions(self.opts.profile);
            while (started.elapsed() < TRACE_SPAN || runs < min_runs) && runs < TRACE_MAX_RUNS {
                s.run(&mut st, &mut probe)?;
                runs += 1;
            }
        }
        let samples = trace.map(HeapTrace::stop);
        drop(phase);
        s.verify(&mut st)?;
        let ops = m.ops.max(1) as f64;
        if self.allocator {
            out.push(rec.make(
                Metric::AllocsPerOp,
                Outcome::value((after.allocs - before.allocs) as f64 / ops),
            ));
            out.push(rec.make(
                Metric::AllocBytesPerOp,
                Outcome::value((after.bytes - before.bytes) as f64 / ops),
            ));
            out.push(rec.make(
                Metric::PeakExtraHeapBytes,
                Outcome::value((after.peak_net_bytes - before.net_bytes).max(0) as f64),
            ));
            out.push(rec.make(
                Metric::RetainedBytesPerEntry,
                if live > 0 {
                    Outcome::value(after.net_bytes.max(0) as f64 / live as f64)
                } else {
                    Outcome::not_measured(format!(
                        "no live entries left; {} bytes still held",
                        after.net_bytes.max(0)
                    ))
                },
            ));
            if let Some(samples) = samples {
                let base = before.net_bytes;
                for sm in heap_trace::thin(&samples, 60) {
                    let mut r = rec.make(
                        Metric::HeapBytes,
                        Outcome::value((sm.net_bytes - base).max(0) as f64),
                    );
                    r.params = r.params.clone().with(
                        reports::schema::TIME_PARAM,
                        (sm.t_ms * 1000.0).round() / 1000.0,
                    );
                    out.push(r);
                }
            }
        } else {
            let why = "the measuring binary does not use the counting allocator";
            for m in [
                Metric::AllocsPerOp,
                Metric::AllocBytesPerOp,
                Metric::PeakExtraHeapBytes,
                Metric::RetainedBytesPerEntry,
            ] {
                out.push(rec.make(m, Outcome::not_measured(why)));
            }
        }
        out.push(rec.make(
            Metric::DeferredGarbageBytes,
            if mem.exact || mem.garbage_bytes > 0 {
                Outcome::value(mem.garbage_bytes as f64)
            } else {
                Outcome::not_measured("the contender cannot observe its deferred garbage")
            },
        ));
        if let Some(lat) = probe.latencies {
            // One recorder per churn run: each run is a repetition.
            let runs: Vec<Vec<Recorder>> = lat.into_iter().map(|r| vec![r]).collect();
            percentile_records(rec, &percentiles_per_run(&runs), &rec.params, out);
        }
        if let Some(lookups) = s.lookups(&mut st) {
            let (hit, miss) = lookups?;
            out.push(rec.make(Metric::LookupHitNs, Outcome::value(hit)));
            out.push(rec.make(Metric::LookupMissNs, Outcome::value(miss)));
        }
        match chains {
            Some(p) => {
                out.push(rec.make(Metric::HitProbe, Outcome::value(p.hit_probe)));
                out.push(rec.make(Metric::MissProbe, Outcome::value(p.miss_probe)));
                out.push(rec.make(
                    Metric::OverflowPct,
                    Outcome::value(p.overflow_fraction * 100.0),
                ));
                out.push(rec.make(Metric::BytesPerEntry, Outcome::value(p.bytes_per_entry)));
            }
            None => {
                for m in [Metric::HitProbe, Metric::MissProbe, Metric::OverflowPct] {
                    out.push(rec.make(
                        m,
                        Outcome::not_measured("no chain statistics: not a single evacmap"),
                    ));
                }
            }
        }
        Ok(())
    }

    fn cache_pass(&mut self, index: usize, info: Info, rec: &Recs, out: &mut Vec<Record>) {
        let metrics = [Metric::D1MissesPerOp, Metric::LlMissesPerOp];
        if let Err(why) = &self.valgrind {
            for m in metrics {
                out.push(rec.make(m, Outcome::not_measured(why.clone())));
            }
            return;
        }
        let spec = format!(
            "{}|{index}|{}|{}",
            self.opts.profile.id(),
            info.name,
            self.opts.seed
        );
        // callgrind is about 50x slower than a native run; the child gets the cell's budget.
        let watch = budget::current();
        let stop = || watch.as_ref().is_some_and(|w| w.expired());
        match cache::run_child(
            &self.opts.exe,
            &spec,
            &self.opts.scratch,
            self.budget.cell,
            stop,
        ) {
            Ok((counts, ops)) if ops > 0 => {
                let ops = ops as f64;
                out.push(rec.make(
                    Metric::D1MissesPerOp,
                    Outcome::value(counts.d1_misses as f64 / ops),
                ));
                out.push(rec.make(
                    Metric::LlMissesPerOp,
                    Outcome::value(counts.ll_misses as f64 / ops),
                ));
            }
            Ok(_) => {
                for m in metrics {
                    out.push(rec.make(
                        m,
                        Outcome::not_measured("the callgrind child ran no operations"),
                    ));
                }
            }
            Err(e) => {
                eprintln!("evacbench: cache simulation of {} failed: {e}", info.name);
                for m in metrics {
                    out.push(rec.make(m, Outcome::not_measured(e.clone())));
                }
            }
        }
    }

    fn fail(&mut self, id: &str, rec: &Recs, reason: String) {
        self.progress(id, &format!("FAILED VERIFICATION: {reason}"));
        self.summary.failures.push((id.to_owned(), reason.clone()));
        self.write(vec![
            rec.make(Metric::LatencyNsPerOp, Outcome::failed(reason))
        ]);
    }

    fn not_applicable(&mut self, cell: &Cell, info: Info, seed: u64, why: &str) {
        self.done += 1;
        let id = Self::bench_id(cell, info.name);
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

/// Samples as records keep them: 4 significant digits are far below any run-to-run noise and
/// keep `records.jsonl` small.
fn round_samples(samples: &[f64]) -> Vec<f64> {
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

/// Record fields shared by one cell x contender.
struct Recs {
    contender: &'static str,
    workload: &'static str,
    params: Params,
    seed: u64,
    /// The cell ran on one thread, so its deterministic metrics are exact for the seed.
    single_threaded: bool,
}

impl Recs {
    /// A record of `metric`. Where the metric is deterministic for a single-threaded run with a
    /// fixed seed (counts, bytes, chain statistics, simulated cache misses) and this cell ran
    /// on one thread, a plain value is recorded as exact, so a baseline comparison treats any
    /// difference as real.
    fn make(&self, metric: Metric, outcome: Outcome) -> Record {
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

struct CellVisitor<'r, 'c> {
    runner: &'r mut Runner<'c>,
    cell: &'r Cell,
    index: usize,
}

/// Measures one scenario with the runner.
struct Measure<'r, 'c> {
    runner: &'r mut Runner<'c>,
    cell: Cell,
    index: usize,
    info: Info,
    seed: u64,
}

impl UseScenario for Measure<'_, '_> {
    fn with<S: Scenario>(self, s: &S) {
        self.runner
            .measure(&self.cell, self.index, self.info, self.seed, s);
    }
}

impl<V: Value> Visit<V> for CellVisitor<'_, '_> {
    fn single<C: Contender<V>>(&mut self) {
        let cell = *self.cell;
        let seed = cell_seed(self.runner.opts.seed, &cell);
        if cell.workload == Workload::ReadersDuringSweep {
            return self.runner.not_applicable(
                &cell,
                C::INFO,
                seed,
                "single-threaded: no other thread can read it during a sweep",
            );
        }
        let keys = keys_for(&cell, seed);
        let m = Measure {
            runner: self.runner,
            cell,
            index: self.index,
            info: C::INFO,
            seed,
        };
        dispatch_single::<V, C, _>(&cell, &keys, seed, m);
    }

    fn shared<C: Shared<V>>(&mut self) {
        let cell = *self.cell;
        let seed = cell_seed(self.runner.opts.seed, &cell);
        let keys = keys_for(&cell, seed);
        let m = Measure {
            runner: self.runner,
            cell,
            index: self.index,
            info: C::INFO,
            seed,
        };
        dispatch_shared::<V, C, _>(&cell, &keys, seed, m);
    }
}

/// Something done with a scenario of any type: a generic closure, spelled as a trait.
pub(crate) trait UseScenario {
    /// Does it.
    fn with<S: Scenario>(self, s: &S);
}

/// Calls `user` with the scenario of `cell` for a single-threaded use of `C`.
/// `readers-during-sweep` needs a shared contender and is not dispatched here.
pub(crate) fn dispatch_single<V: Value, C: Contender<V>, U: UseScenario>(
    cell: &Cell,
    keys: &KeySet,
    seed: u64,
    user: U,
) {
    let build = build_for(cell, seed);
    let _types = std::marker::PhantomData::<fn() -> (V, C)>;
    match cell.workload {
        Workload::Sweep | Workload::ReadersDuringSweep => user.with(&SweepRun {
            keys,
            build,
            _types,
        }),
        Workload::SweepDuringGrowth => user.with(&GrowthRun {
            keys,
            inserts: cell.inserts,
            build,
            _types,
        }),
        Workload::Churn => user.with(&ChurnRun {
            keys,
            steps: cell.inserts,
            build,
            _types,
        }),
        Workload::SparseScan => user.with(&SparseRun {
            keys,
            shrink: cell.shrink,
            build,
            _types,
        }),
    }
}

/// Calls `user` with the scenario of `cell` for a shared contender: concurrent writers and
/// readers where the workload has them, otherwise as [`dispatch_single`].
pub(crate) fn dispatch_shared<V: Value, C: Shared<V>, U: UseScenario>(
    cell: &Cell,
    keys: &KeySet,
    seed: u64,
    user: U,
) {
    let build = build_for(cell, seed);
    let _types = std::marker::PhantomData::<fn() -> (V, C)>;
    match cell.workload {
        Workload::SweepDuringGrowth => user.with(&SharedGrowthRun {
            keys,
            inserts: cell.inserts,
            build,
            _types,
        }),
        Workload::ReadersDuringSweep => user.with(&ReadersRun {
            keys,
            readers: cell.readers,
            build,
            _types,
        }),
        _ => dispatch_single::<V, C, U>(cell, keys, seed, user),
    }
}
