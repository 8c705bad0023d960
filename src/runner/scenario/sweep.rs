//! The `sweep` workload.

use std::time::Instant;

use strategies::{Build, Contender, Memory, Value};

use super::super::budget::{self, Meter, Role};
use super::{
    at_least_once, check_sweep, prefilled, verify_swept, Measured, Probe, Scenario, ScenarioError,
    VISIT,
};

use crate::keys::KeySet;

/// `sweep`: prefill N, then one sweep dooming the cell's fraction.
pub(crate) struct SweepRun<'a, V, C> {
    pub(crate) keys: &'a KeySet,
    pub(crate) build: Build,
    pub(crate) _types: std::marker::PhantomData<fn() -> (V, C)>,
}

impl<V: Value, C: Contender<V>> Scenario for SweepRun<'_, V, C> {
    type State = C;
    const FRESH: bool = true;

    fn setup(&self) -> Result<C, ScenarioError> {
        Ok(prefilled::<V, C>(&self.build, self.keys)?)
    }

    fn run(&self, map: &mut C, _probe: &mut Probe) -> Result<Measured, ScenarioError> {
        let keys = self.keys;
        let n = keys.n();
        budget::phase(n, (VISIT, n), ("", 0));
        let mut meter = Meter::new(Role::Main, 1024);
        let start = Instant::now();
        let s = map.sweep(|k, _| {
            meter.step();
            keys.is_doomed(k)
        });
        let elapsed = start.elapsed();
        check_sweep(s, n..=n, keys.doomed_count(), at_least_once::<V, C>())?;
        Ok(Measured { elapsed, ops: n })
    }

    fn verify(&self, map: &mut C) -> Result<(), ScenarioError> {
        Ok(verify_swept::<V, C>(map, self.keys)?)
    }

    common_state_methods!();
}
