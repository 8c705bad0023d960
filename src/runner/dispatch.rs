//! Dispatch: the scenario of a cell for a contender type, handed to something generic over
//! scenarios (the runner's measurement, the callgrind child).

use strategies::{Contender, Shared, Value};

use super::scenario::{
    build_for, ChurnRun, GrowthRun, ReadersRun, Scenario, SharedGrowthRun, SparseRun, SweepRun,
};
use crate::keys::KeySet;
use crate::workloads::{Cell, Workload};

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
            removal: cell.removal,
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
