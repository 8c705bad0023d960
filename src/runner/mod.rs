//! The runner: every contender on every cell of a profile, verified, timed with criterion,
//! then measured for allocations, latency percentiles, heap over time, chain statistics and
//! simulated cache misses, all written as records into a run directory.
//!
//! For each cell and contender, in order:
//! 1. **verify**: one untimed run, then the full oracle check ([`crate::oracle`]). A contender
//!    that fails is recorded as failed and never timed.
//! 2. **time**: criterion drives the timed phase (`iter_custom`: setup untimed, phase timed);
//!    every run checks its counts, the first run is fully verified again. The runner keeps the
//!    samples criterion asked for and records their mean and bootstrap interval; or, in a
//!    profile with timing rounds, criterion's is round 1 and later passes over every cell add
//!    the other rounds (`rounds`: the fastest round's median, the rounds' min..max).
//! 3. **allocate**: one run under the counting allocator (allocations, bytes, peak and retained
//!    heap, deferred garbage, a heap trace for churn and readers), with per-lookup latency
//!    percentiles where the workload has lookups, and evacmap's chain statistics.
//! 4. **cache**: for the profile's cache cells, the same run in a callgrind child.
//!
//! The rooms: `driver` (the order above and step 1), `criterion_pass` (step 2), `rounds` (the
//! later timing rounds), `slow_path` (a contender too slow for criterion), `allocation_pass`
//! and `reader_phases` (step 3), `cache_pass` (step 4), `records` (every record the runner
//! writes, with the not-measured reasons), `dispatch` (a cell's scenario for a contender type) and `scenario`
//! (what each workload's run does). `plan`: the runner on a caller's cells, records handed back
//! (what `evacbench tune` measures with); `paired`: several scenarios measured back to back in
//! shuffled rounds, one of them twice (an A/A control), so their times can be paired per round.

mod allocation_pass;
pub mod budget;
mod cache_pass;
mod child;
mod criterion_pass;
pub(crate) mod dispatch;
mod driver;
pub(crate) mod paired;
pub mod plan;
mod progress;
mod reader_phases;
mod records;
mod rounds;
mod sampling;
pub(crate) mod scenario;
#[cfg(test)]
mod slow_contender_test;
mod slow_path;
mod timing;

pub use budget::Budget;
pub use cache_pass::{is_cache_cell, DEFAULT_CACHE_MAX_N};
pub use child::cache_child;
pub(crate) use dispatch::{dispatch_shared, dispatch_single, UseScenario};
pub use timing::{Timing, MIN_SAMPLES, SLOW_RUNS};

use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::Criterion;
use reports::{Record, RunDir};

use crate::keys::KeySet;
use crate::workloads::{Cell, Profile, Workload};

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
    /// Every record, when the runner follows a [`Plan`] (which keeps them for its caller).
    pub kept: Vec<Record>,
}

/// Cells and contenders chosen by the caller instead of the profile's (see [`plan`]). The
/// profile still sets the timing and budgets; the cache simulation is left out.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// The cells, in run order.
    pub cells: Vec<Cell>,
    /// The contenders measured (by name); empty for all.
    pub contenders: Vec<String>,
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
    /// Wall time of the current measurement's cache simulation (callgrind), if it had one.
    simulated: Duration,
    started: Instant,
    done: usize,
    total: usize,
    summary: Summary,
    error: Option<String>,
    /// The caller's cells and contenders, if not the profile's.
    plan: Option<Plan>,
    /// A caller's name for what is measured, in place of the cell's (see [`Named`]).
    named: Option<Named>,
    /// The timing round being run: 0 while the cells are measured, then each later pass
    /// ([`rounds`]).
    round: usize,
    /// The measurements with timing rounds still to come.
    rounds: rounds::Rounds,
}

/// A caller's name for a measurement whose cell only carries its size: it replaces the cell's
/// workload and label in progress lines and criterion's ids (`evacbench tune`'s max-load
/// tables, which are no workload's cells). Records still carry the cell; the caller relabels
/// them.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Named {
    /// In place of the workload: criterion's group and the id's first part.
    pub(crate) group: String,
    /// In place of the cell's label, e.g. `load_factor=6.5/b=16/n=425984`.
    pub(crate) label: String,
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
/// Build settings do not enter it: every value of a threshold is measured on the same keys.
pub fn cell_seed(base: u64, cell: &Cell) -> u64 {
    let plain = Cell {
        settings: crate::workloads::BuildSettings::default(),
        ..*cell
    };
    let id = format!("{}/{}", plain.workload, plain.label());
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
