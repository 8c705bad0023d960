//! The `churn` workload.

use std::time::Instant;

use strategies::{check_word, Build, Contender, Memory, Value};

use super::super::budget::{self, Meter, Role};
use super::{prefilled, Measured, Probe, Scenario, ScenarioError};

use crate::keys::{KeySet, Rng};
use crate::oracle::{verify, VERSION};
use crate::probes::latency::Recorder;

/// `churn`: a sliding window of N live keys; each step inserts the next rank, removes the
/// oldest, and looks up one live key and one absent key. Runs continue on the same map.
pub(crate) struct ChurnRun<'a, V, C> {
    pub(crate) keys: &'a KeySet,
    pub(crate) steps: u64,
    pub(crate) build: Build,
    pub(crate) _types: std::marker::PhantomData<fn() -> (V, C)>,
}

/// A churned map and the oldest live rank.
pub(crate) struct Churned<C> {
    map: C,
    oldest: u64,
    rng: Rng,
}

impl<V: Value, C: Contender<V>> Scenario for ChurnRun<'_, V, C> {
    type State = Churned<C>;
    const FRESH: bool = false;

    fn setup(&self) -> Result<Churned<C>, ScenarioError> {
        Ok(Churned {
            map: prefilled::<V, C>(&self.build, self.keys)?,
            oldest: 0,
            rng: Rng::new(self.keys.seed() ^ 0xc4u64),
        })
    }

    fn run(&self, st: &mut Churned<C>, probe: &mut Probe) -> Result<Measured, ScenarioError> {
        let keys = self.keys;
        let n = keys.n();
        let end = st.oldest + self.steps;
        if end + n >= keys.total() {
            return Err("churn ran out of ranks".into());
        }
        let mut rec = probe.latencies.as_mut().map(|_| Recorder::new());
        budget::phase(self.steps, ("churn step", self.steps), ("", 0));
        let mut steps = Meter::new(Role::Main, 64);
        let start = Instant::now();
        while st.oldest < end {
            steps.step();
            let fresh = keys.key(st.oldest + n);
            let gone = keys.key(st.oldest);
            let hit = keys.key(st.oldest + 1 + st.rng.below(n));
            let miss = keys.absent_key(st.rng.below(n));
            let map = &mut st.map;
            let mut step = || {
                let inserted = map.insert(fresh, V::new(fresh, VERSION));
                let removed = map.remove(gone);
                (inserted, removed, map.get(hit), map.get(miss))
            };
            // With a probe, each whole step is timed (its p99 is the workload's tail).
            let (inserted, removed, h, m) = match rec.as_mut() {
                Some(rec) => rec.time(step),
                None => step(),
            };
            st.oldest += 1;
            if !inserted || !removed || h != Some(check_word(hit, VERSION)) || m.is_some() {
                return Err(format!(
                    "churn step {}: insert {inserted}, remove {removed}, hit {h:?}, miss {m:?}",
                    st.oldest
                )
                .into());
            }
        }
        let elapsed = start.elapsed();
        if let (Some(all), Some(rec)) = (probe.latencies.as_mut(), rec) {
            all.push(rec);
        }
        Ok(Measured {
            elapsed,
            ops: self.steps,
        })
    }

    fn verify(&self, st: &mut Churned<C>) -> Result<(), ScenarioError> {
        let n = self.keys.n();
        let lo = st.oldest;
        Ok(verify::<V, C>(&mut st.map, self.keys, 0..lo + n, n, |r| {
            r >= lo
        })?)
    }

    fn live(&self, st: &mut Churned<C>) -> u64 {
        st.map.len() as u64
    }
    fn memory(&self, st: &mut Churned<C>) -> Memory {
        st.map.memory()
    }
    fn probe_stats(&self, st: &mut Churned<C>) -> Option<evacmap::ProbeStats> {
        st.map.probe_stats()
    }
}
