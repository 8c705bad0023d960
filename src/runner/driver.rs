//! The runner's driver: every cell of the profile on every contender, in order, each
//! measurement within its time budget; step 1 (verify) and the passes after timing.

use std::time::{Duration, Instant};

use criterion::Criterion;
use reports::{Metric, Outcome, Record, RunDir};
use strategies::registry::{self, ContenderList, Visit};
use strategies::{Contender, Info, Shared, Value, V64, V8};

use super::cache_pass::{is_cache_cell, no_cache_reason};
use super::dispatch::{dispatch_shared, dispatch_single, UseScenario};
use super::records::{Recs, ALLOCATION_PASS_METRICS};
use super::scenario::{Probe, Scenario, ScenarioError};
use super::{
    budget, cell_seed, keys_for, progress, Budget, Options, Plan, Runner, Summary, Timing,
};
use crate::probes::{alloc, cache};
use crate::workloads::{Cell, ValueSize, Workload};

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
            simulated: Duration::ZERO,
            started: Instant::now(),
            done: 0,
            total: 0,
            summary: Summary::default(),
            error: None,
            plan: None,
            named: None,
            round: 0,
            rounds: Default::default(),
        }
    }

    /// The same runner on `plan`'s cells and contenders; every record is also kept in the
    /// summary ([`Summary::kept`]).
    pub fn with_plan(mut self, plan: Plan) -> Runner<'c> {
        self.plan = Some(plan);
        self
    }

    /// The same runner with other time budgets (the profile's by default).
    pub fn with_budget(mut self, budget: Budget) -> Runner<'c> {
        self.budget = budget;
        self
    }

    /// Runs every cell of the profile on every contender of the list `L` (the built-in ones
    /// are [`BuiltIn`](strategies::registry::BuiltIn)); returns the run directory (finished
    /// unless records could not be written) and the summary.
    pub fn run<L: ContenderList>(mut self) -> Result<(Option<RunDir>, Summary), String> {
        let cells = match &self.plan {
            Some(plan) => plan.cells.clone(),
            None => self.opts.profile.cells(),
        };
        let infos = registry::infos_of::<L>();
        let contenders = infos.len();
        self.total = cells.len() * contenders;
        let planned: Vec<usize> = cells
            .iter()
            .map(|c| {
                infos
                    .iter()
                    .filter(|i| c.workload != Workload::ReadersDuringSweep || i.shared)
                    .filter(|i| self.selected(&self.bench_id(c, i.name)))
                    .count()
            })
            .collect();
        let simulates: Vec<bool> = cells
            .iter()
            .map(|c| self.plan.is_none() && is_cache_cell(self.opts.profile, c))
            .collect();
        let rounds = if self.opts.test_mode {
            1
        } else {
            self.timing.rounds
        };
        self.eta = Some(
            progress::Progress::new(self.budget, &cells, &planned, &simulates).with_rounds(
                rounds,
                self.timing.warm_up - self.timing.warm_up / rounds.max(1) as u32,
            ),
        );
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
            match (&self.valgrind, &self.plan) {
                (_, Some(_)) => "off (a caller's plan)".to_owned(),
                (Ok(v), None) => format!("on ({v})"),
                (Err(e), None) => format!("off: {e}"),
            }
        );
        eprintln!(
            "evacbench: timing one lookup for the percentiles costs {:.0} ns of clock reads \
             (included in them)",
            crate::probes::latency::clock_overhead_ns()
        );
        for round in 0..self.timing.rounds.max(1) {
            // Round 0 measures every cell; each later pass times one more round of every
            // measurement criterion timed ([`super::rounds`]).
            if round > 0 {
                if self.rounds.len() == 0 {
                    break;
                }
                if let Some(eta) = self.eta.as_mut() {
                    let passes = self.timing.rounds - round;
                    let warm_ups = (self.timing.warm_up / self.timing.rounds as u32)
                        * self.rounds.len() as u32;
                    eta.revisits_planned(
                        self.rounds.len() * passes,
                        (self.rounds.work_per_pass() + warm_ups) * passes as u32,
                    );
                }
            }
            self.round = round;
            for (index, cell) in cells.iter().enumerate() {
                match cell.value {
                    ValueSize::V8 => L::visit::<V8, _>(&mut CellVisitor {
                        runner: &mut self,
                        cell,
                        index,
                    }),
                    ValueSize::V64 => L::visit::<V64, _>(&mut CellVisitor {
                        runner: &mut self,
                        cell,
                        index,
                    }),
                }
                if let Some(e) = self.error.take() {
                    return Err(e);
                }
            }
        }
        self.finish_rounds();
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        Ok((self.opts.out, self.summary))
    }

    /// `workload/contender/label`, or the caller's [`super::Named`] group and label.
    pub(super) fn bench_id(&self, cell: &Cell, name: &str) -> String {
        let (group, label) = self.group_and_label(cell);
        format!("{group}/{name}/{label}")
    }

    /// Criterion's group and the label of `cell`'s measurement: its workload and label, or
    /// the caller's [`super::Named`] ones.
    pub(super) fn group_and_label(&self, cell: &Cell) -> (String, String) {
        match &self.named {
            Some(n) => (n.group.clone(), n.label.clone()),
            None => (cell.workload.id().to_owned(), cell.label()),
        }
    }

    pub(super) fn selected(&self, id: &str) -> bool {
        let contender = id.split('/').nth(1).unwrap_or_default();
        self.opts.filter.as_deref().is_none_or(|f| id.contains(f))
            && self.plan.as_ref().is_none_or(|p| {
                p.contenders.is_empty() || p.contenders.iter().any(|c| c == contender)
            })
    }

    pub(super) fn progress(&mut self, id: &str, what: &str) {
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

    /// Measures one contender on one cell within its time budget ([`budget`]): a run that
    /// would not fit is skipped on its estimate or stopped, and recorded as not measured with
    /// the reason and the estimate.
    pub(super) fn measure<S: Scenario>(
        &mut self,
        cell: &Cell,
        index: usize,
        info: Info,
        seed: u64,
        s: &S,
    ) {
        if self.round > 0 {
            let id = self.bench_id(cell, info.name);
            return self.revisit(&id, s);
        }
        self.done += 1;
        let id = self.bench_id(cell, info.name);
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
        self.simulated = Duration::ZERO;
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
            eta.finished(index, started.elapsed(), self.timed, self.simulated);
        }
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
            Err(ScenarioError::NoShrink) => return self.no_shrink(&id, info, rec),
            Err(e) => return self.fail(&id, rec, format!("setup: {e}")),
        };
        let setup_time = watch.elapsed();
        let verify_started = Instant::now();
        let checked = s
            .run(&mut state, &mut Probe::default())
            .and_then(|m| s.verify(&mut state).map(|()| m));
        let first = match checked {
            Ok(m) => m,
            Err(e) => return self.fail(&id, rec, e.to_string()),
        };
        self.summary.measured += 1;
        let one_run = verify_started.elapsed();
        // One verified run fits the budget; the passes after it are planned to fit it too, and
        // nothing may run past twice the budget.
        watch.extend_to(self.budget.cell * 2);
        // Too slow for criterion: over the profile's slow-run time, or so slow (setup
        // included) that criterion's minimum sample count would not fit half the budget.
        let samples = self.timing.samples_for(S::FRESH, setup_time + one_run);
        let criterion_minimum = (setup_time + one_run) * samples as u32;
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
        self.time_with_criterion(
            cell, index, info, seed, s, &id, rec, state, setup_time, one_run,
        );
    }

    /// Steps 3 and 4 (allocations, percentiles, heap trace, chain statistics; cache misses),
    /// then writes the cell's records. `skip_allocation` gives the reason to record the
    /// allocation pass's metrics as not measured instead of running it.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn after_timing<S: Scenario>(
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
                    return self.fail(id, rec, e.to_string());
                }
            }
            Some(why) => {
                for m in ALLOCATION_PASS_METRICS {
                    records.push(rec.make(m, Outcome::not_measured(why.clone())));
                }
            }
        }
        if cell.workload == Workload::ReadersDuringSweep {
            self.progress(id, "reader phases (idle, then during the sweep)");
            if let Err(e) = self.reader_phases(s, rec, &mut records) {
                return self.fail(id, rec, e.to_string());
            }
        }
        if self.plan.is_some() {
            // A caller's plan has no cache simulation (callgrind takes minutes per cell).
        } else if is_cache_cell(self.opts.profile, cell) {
            self.progress(id, "cache simulation (callgrind)");
            let t = Instant::now();
            self.cache_pass(index, info, rec, &mut records);
            self.simulated += t.elapsed();
        } else if let Some(why) = no_cache_reason(self.opts.profile, cell) {
            for m in [Metric::D1MissesPerOp, Metric::LlMissesPerOp] {
                records.push(rec.make(m, Outcome::not_measured(why.clone())));
            }
        }
        self.rounds.defer_lookups(id, &mut records);
        self.write(records);
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

impl CellVisitor<'_, '_> {
    /// In a later timing round, whether `info` on `cell` has no round to time (not measured,
    /// failed, too slow for criterion, filtered out): nothing is done for it.
    fn later_round_without(&self, cell: &Cell, info: Info) -> bool {
        self.runner.round > 0
            && self
                .runner
                .rounds
                .shape(&self.runner.bench_id(cell, info.name))
                .is_none()
    }
}

impl<V: Value> Visit<V> for CellVisitor<'_, '_> {
    fn single<C: Contender<V>>(&mut self) {
        let cell = *self.cell;
        if self.later_round_without(&cell, C::INFO) {
            return;
        }
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
        if self.later_round_without(&cell, C::INFO) {
            return;
        }
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
