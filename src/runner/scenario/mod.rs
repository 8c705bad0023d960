//! What a measured run does, workload by workload: build and prefill (untimed), the timed
//! phase, and the verification of the state it leaves.
//!
//! Each workload is a [`Scenario`]; the runner drives every scenario the same way (verify
//! once, time with criterion, then the allocation, latency and cache passes).
//!
//! One file per workload: `sweep`, `growth` (`sweep-during-growth`, single-threaded and
//! shared), `readers` (`readers-during-sweep`), `churn`, `sparse` (`sparse-scan`).

pub(crate) use churn::ChurnRun;
pub(crate) use error::ScenarioError;
pub(crate) use growth::{GrowthRun, SharedGrowthRun};
pub(crate) use max_load::{MaxLoad, Quantity};
pub(crate) use readers::ReadersRun;
pub(crate) use sparse::SparseRun;
pub(crate) use sweep::SweepRun;

use std::time::Duration;

use strategies::{Build, Consistency, Contender, Memory, Ops, Sweep, Value};

use super::budget::Meter;
use crate::keys::KeySet;
use crate::oracle::{verify, VERSION};
use crate::probes::latency::Recorder;
use crate::workloads::Cell;

/// What one timed phase did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Measured {
    /// Wall time of the timed phase only.
    pub(crate) elapsed: Duration,
    /// Operations it performed (the workload's unit, see [`Workload::op`](crate::workloads::Workload::op)).
    pub(crate) ops: u64,
}

/// Optional instrumentation of a timed phase.
#[derive(Debug, Default)]
pub(crate) struct Probe {
    /// When set, each lookup made during the phase is timed into these (one per thread).
    pub(crate) latencies: Option<Vec<Recorder>>,
}

impl Probe {
    fn recording(&self) -> bool {
        self.latencies.is_some()
    }
}

/// One workload run on one contender.
pub(crate) trait Scenario {
    /// True if a run uses other threads (readers, a concurrent writer): its counts then depend
    /// on scheduling and are not exact.
    const THREADED: bool = false;
    /// The contender and whatever the workload keeps between runs.
    type State;
    /// Whether every timed run needs a fresh state (the run consumes it, as a sweep does), or
    /// runs continue on one state (a steady-state churn, scans of a sparse table).
    const FRESH: bool;
    /// Builds and prefills a state (untimed).
    fn setup(&self) -> Result<Self::State, ScenarioError>;
    /// The timed phase; checks what it can cheaply (counts) and fails loudly otherwise.
    fn run(&self, state: &mut Self::State, probe: &mut Probe) -> Result<Measured, ScenarioError>;
    /// The full check of the state a run left (untimed).
    fn verify(&self, state: &mut Self::State) -> Result<(), ScenarioError>;
    /// Live entries now.
    fn live(&self, state: &mut Self::State) -> u64;
    /// The contender's own memory report.
    fn memory(&self, state: &mut Self::State) -> Memory;
    /// evacmap chain statistics, if the contender is built on one evacmap.
    fn probe_stats(&self, state: &mut Self::State) -> Option<evacmap::ProbeStats>;
    /// Mean lookup hit and miss times, for workloads that measure them.
    fn lookups(&self, _state: &mut Self::State) -> Option<Result<(f64, f64), ScenarioError>> {
        None
    }
    /// For workloads with reader threads: the same readers, timed the same way, reading the
    /// state for `duration` with no sweep running (one recorder per reader thread). The state
    /// is left as it was.
    fn idle_readers(
        &self,
        _state: &mut Self::State,
        _duration: Duration,
    ) -> Option<Result<Vec<Recorder>, ScenarioError>> {
        None
    }
}

/// The build every contender gets for a cell: same capacity hint (none: maps grow as they
/// fill, which is the behaviour being compared) and same hasher seed.
/// evacmap's own random draws (its hash seed, Go's `hash0`, and its cursors' random starts) are
/// fixed from the same seed, so everything but time is a function of the run's seed.
/// The cell's build settings (thresholds, shard count; none in the profiles' cells) are applied
/// on top; the contender's `build` validates them with its own messages.
pub(crate) fn build_for(cell: &Cell, seed: u64) -> Build {
    cell.settings.apply(Build {
        seed,
        map: evacmap::Config::default().with_seed(seed ^ MAP_SEED_SALT),
        ..Build::default()
    })
}

/// Keeps evacmap's hash seed independent of the hasher's seed it is folded with.
const MAP_SEED_SALT: u64 = 0x6861_7368_3020_2020;

/// A contender built for `build` and prefilled (through `bulk_load`) with every rank of `keys`.
fn prefilled<V: Value, C: Contender<V>>(build: &Build, keys: &KeySet) -> Result<C, String> {
    let mut map = C::build(build).map_err(|e| e.to_string())?;
    let want = keys.n() as usize;
    let mut meter = Meter::checker(1024);
    let fresh = map.bulk_load((0..keys.n()).map(|r| {
        meter.step();
        let k = keys.key(r);
        (k, V::new(k, VERSION))
    }));
    if fresh != want {
        return Err(format!(
            "prefill of {want} fresh keys reported {fresh} inserted"
        ));
    }
    Ok(map)
}

/// The oracle after a sweep of a prefilled map: exactly the undoomed ranks survive.
fn verify_swept<V: Value, O: Ops<V>>(map: &mut O, keys: &KeySet) -> Result<(), String> {
    let expected = keys.n() - keys.doomed_count();
    verify::<V, O>(map, keys, 0..keys.n(), expected, |r| !keys.rank_doomed(r))
}

/// Checks a sweep's counts. Contenders of the [`Consistency::AtLeastOnce`] class may call the
/// predicate more than once for an entry (papaya's `retain` retries entries a concurrent resize
/// moved), so for them the counts are lower bounds; the oracle still checks the final state.
fn check_sweep(
    s: Sweep,
    visited: std::ops::RangeInclusive<u64>,
    removed: u64,
    at_least_once: bool,
) -> Result<(), String> {
    let (v, r) = (s.visited as u64, s.removed as u64);
    let ok = if at_least_once {
        v >= *visited.start() && r >= removed
    } else {
        visited.contains(&v) && r == removed
    };
    if !ok {
        return Err(format!(
            "sweep reported {} visited / {} removed, expected {visited:?} visited / {removed} removed",
            s.visited, s.removed
        ));
    }
    Ok(())
}

fn at_least_once<V: Value, C: Contender<V>>() -> bool {
    C::INFO.consistency == Consistency::AtLeastOnce
}

macro_rules! common_state_methods {
    () => {
        fn live(&self, state: &mut Self::State) -> u64 {
            state.len() as u64
        }
        fn memory(&self, state: &mut Self::State) -> Memory {
            state.memory()
        }
        fn probe_stats(&self, state: &mut Self::State) -> Option<evacmap::ProbeStats> {
            state.probe_stats()
        }
    };
}

/// The operation names the budget's estimates speak of ("~33 ms per insert").
const VISIT: &str = "entry visited";
const INSERT: &str = "insert";

// After the macro, which the workload modules use.
mod churn;
mod error;
mod growth;
mod max_load;
mod readers;
mod sparse;
mod sweep;
