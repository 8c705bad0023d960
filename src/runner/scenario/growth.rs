//! The `sweep-during-growth` workload, for single-threaded and for shared contenders.

use std::sync::Barrier;
use std::time::Instant;

use strategies::{Build, Contender, Memory, Ops, Shared, Value};

use super::super::budget::{self, Meter, Role};
use super::{
    at_least_once, check_sweep, prefilled, Measured, Probe, Scenario, ScenarioError, INSERT, VISIT,
};

use crate::keys::KeySet;
use crate::oracle::{verify, VERSION};

/// `sweep-during-growth` for single-threaded contenders: inserts between cursor steps where
/// the contender can ([`Ops::sweep_interleaved`]), otherwise right after the sweep.
pub(crate) struct GrowthRun<'a, V, C> {
    pub(crate) keys: &'a KeySet,
    pub(crate) inserts: u64,
    pub(crate) build: Build,
    pub(crate) _types: std::marker::PhantomData<fn() -> (V, C)>,
}

fn growth_verify<V: Value, O: Ops<V>>(
    map: &mut O,
    keys: &KeySet,
    inserts: u64,
) -> Result<(), String> {
    let n = keys.n();
    let expected = n - keys.doomed_count() + inserts;
    verify::<V, O>(map, keys, 0..n + inserts, expected, |r| {
        r >= n || !keys.rank_doomed(r)
    })
}

impl<V: Value, C: Contender<V>> Scenario for GrowthRun<'_, V, C> {
    type State = C;
    const FRESH: bool = true;

    fn setup(&self) -> Result<C, ScenarioError> {
        Ok(prefilled::<V, C>(&self.build, self.keys)?)
    }

    fn run(&self, map: &mut C, _probe: &mut Probe) -> Result<Measured, ScenarioError> {
        let keys = self.keys;
        let n = keys.n();
        let every = (n / self.inserts).max(1) as usize;
        budget::phase(n + self.inserts, (VISIT, n), (INSERT, self.inserts));
        let mut visits = Meter::new(Role::Main, 1024);
        let mut added = Meter::new(Role::Insert, 16);
        let inserts = (n..n + self.inserts).map(|r| {
            added.step();
            let k = keys.key(r);
            (k, V::new(k, VERSION))
        });
        let start = Instant::now();
        let s = map.sweep_interleaved(
            |k, _| {
                visits.step();
                keys.is_doomed(k)
            },
            inserts,
            every,
        );
        let elapsed = start.elapsed();
        check_sweep(
            s,
            n..=n + self.inserts,
            keys.doomed_count(),
            at_least_once::<V, C>(),
        )?;
        Ok(Measured {
            elapsed,
            ops: n + self.inserts,
        })
    }

    fn verify(&self, map: &mut C) -> Result<(), ScenarioError> {
        Ok(growth_verify::<V, C>(map, self.keys, self.inserts)?)
    }

    common_state_methods!();
}

/// `sweep-during-growth` for shared contenders: a writer thread inserts while the sweep runs.
pub(crate) struct SharedGrowthRun<'a, V, C> {
    pub(crate) keys: &'a KeySet,
    pub(crate) inserts: u64,
    pub(crate) build: Build,
    pub(crate) _types: std::marker::PhantomData<fn() -> (V, C)>,
}

impl<V: Value, C: Shared<V>> Scenario for SharedGrowthRun<'_, V, C> {
    type State = C;
    const FRESH: bool = true;
    const THREADED: bool = true;

    fn setup(&self) -> Result<C, ScenarioError> {
        Ok(prefilled::<V, C>(&self.build, self.keys)?)
    }

    fn run(&self, map: &mut C, _probe: &mut Probe) -> Result<Measured, ScenarioError> {
        let keys = self.keys;
        let n = keys.n();
        let mut writer = map.handle();
        let barrier = Barrier::new(2);
        budget::phase(n + self.inserts, (VISIT, n), (INSERT, self.inserts));
        let mut visits = Meter::new(Role::Main, 1024);
        let mut added = Meter::on(budget::current(), Role::Insert, 16);
        let (elapsed, s, fresh) = std::thread::scope(|scope| {
            let w = scope.spawn(|| {
                barrier.wait();
                let mut fresh = 0;
                for r in n..n + self.inserts {
                    if !added.advance() {
                        break; // over budget: the main thread stops the measurement
                    }
                    let k = keys.key(r);
                    fresh += u64::from(writer.insert(k, V::new(k, VERSION)));
                }
                fresh
            });
            barrier.wait();
            let start = Instant::now();
            let s = map.sweep(|k, _| {
                visits.step();
                keys.is_doomed(k)
            });
            let fresh = w.join().expect("writer thread panicked");
            (start.elapsed(), s, fresh)
        });
        budget::check();
        if fresh != self.inserts {
            return Err(format!(
                "{} of {} fresh inserts reported the key present",
                self.inserts - fresh,
                self.inserts
            )
            .into());
        }
        check_sweep(
            s,
            n..=n + self.inserts,
            keys.doomed_count(),
            at_least_once::<V, C>(),
        )?;
        Ok(Measured {
            elapsed,
            ops: n + self.inserts,
        })
    }

    fn verify(&self, map: &mut C) -> Result<(), ScenarioError> {
        Ok(growth_verify::<V, C>(map, self.keys, self.inserts)?)
    }

    common_state_methods!();
}
