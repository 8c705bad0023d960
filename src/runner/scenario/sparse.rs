//! The `sparse-scan` workload, and the timed lookups on its sparse table.

use std::time::Instant;

use strategies::{Build, Contender, Memory, Ops, Value};

use super::super::budget::{self, Meter, Role};
use super::{
    at_least_once, check_sweep, prefilled, verify_swept, Measured, Probe, Scenario, ScenarioError,
};

use crate::keys::{KeySet, Rng};
use crate::workloads::Removal;

/// `sparse-scan`: prefill the peak, delete 99% with a sweep (or key by key), optionally shrink;
/// each timed run traverses the survivors. Lookups are timed separately ([`sparse_lookups`]).
pub(crate) struct SparseRun<'a, V, C> {
    pub(crate) keys: &'a KeySet,
    pub(crate) shrink: bool,
    pub(crate) removal: Removal,
    pub(crate) build: Build,
    pub(crate) _types: std::marker::PhantomData<fn() -> (V, C)>,
}

impl<V: Value, C: Contender<V>> Scenario for SparseRun<'_, V, C> {
    type State = C;
    const FRESH: bool = false;

    fn setup(&self) -> Result<C, ScenarioError> {
        let keys = self.keys;
        let mut map = prefilled::<V, C>(&self.build, keys)?;
        let mut meter = Meter::checker(1024);
        match self.removal {
            Removal::Sweep => {
                let s = map.sweep(|k, _| {
                    meter.step();
                    keys.is_doomed(k)
                });
                check_sweep(
                    s,
                    keys.n()..=keys.n(),
                    keys.doomed_count(),
                    at_least_once::<V, C>(),
                )?;
            }
            Removal::ByKey => {
                for r in (0..keys.n()).filter(|&r| keys.rank_doomed(r)) {
                    meter.step();
                    if !map.remove(keys.key(r)) {
                        return Err(format!(
                            "removing doomed key {:#x} found nothing",
                            keys.key(r)
                        )
                        .into());
                    }
                }
            }
        }
        if self.shrink && !map.shrink() {
            return Err(ScenarioError::NoShrink);
        }
        Ok(map)
    }

    fn run(&self, map: &mut C, _probe: &mut Probe) -> Result<Measured, ScenarioError> {
        let live = self.keys.n() - self.keys.doomed_count();
        budget::phase(live, ("entry traversed", live), ("", 0));
        let mut meter = Meter::new(Role::Main, 1024);
        let start = Instant::now();
        let mut sum = 0u64;
        let visited = map.traverse(|k, v| {
            meter.step();
            sum = sum.wrapping_add(k ^ v.check())
        });
        let elapsed = start.elapsed();
        std::hint::black_box(sum);
        let expected = self.keys.n() - self.keys.doomed_count();
        if visited as u64 != expected {
            return Err(format!("traversal visited {visited}, expected {expected}").into());
        }
        Ok(Measured {
            elapsed,
            ops: expected,
        })
    }

    fn verify(&self, map: &mut C) -> Result<(), ScenarioError> {
        Ok(verify_swept::<V, C>(map, self.keys)?)
    }

    fn lookups(&self, map: &mut C) -> Option<Result<(f64, f64), ScenarioError>> {
        Some(sparse_lookups::<V, C>(map, self.keys, 10_000, 7).map_err(ScenarioError::from))
    }

    common_state_methods!();
}

/// Mean ns of a lookup that hits and of one that misses on a sparse table: `rounds` rounds
/// of `batch` lookups each (after one warm-up round); the median round counts.
pub(crate) fn sparse_lookups<V: Value, O: Ops<V>>(
    map: &mut O,
    keys: &KeySet,
    batch: u64,
    rounds: usize,
) -> Result<(f64, f64), String> {
    let live: Vec<u64> = (0..keys.n())
        .filter(|&r| !keys.rank_doomed(r))
        .map(|r| keys.key(r))
        .collect();
    if live.is_empty() {
        return Err("no live keys to look up".into());
    }
    let mut rng = Rng::new(keys.seed() ^ 0x10c);
    let hits: Vec<u64> = (0..batch)
        .map(|_| live[rng.below(live.len() as u64) as usize])
        .collect();
    let misses: Vec<u64> = (0..batch).map(|i| keys.absent_key(i)).collect();
    let mut time = |ks: &[u64], want_hit: bool| -> Result<f64, String> {
        let mut per_round = Vec::with_capacity(rounds);
        for round in 0..=rounds {
            let start = Instant::now();
            let mut found = 0u64;
            for &k in ks {
                found +=
                    u64::from(std::hint::black_box(map.get(std::hint::black_box(k))).is_some());
            }
            let ns = start.elapsed().as_nanos() as f64 / ks.len() as f64;
            let want = if want_hit { ks.len() as u64 } else { 0 };
            if found != want {
                return Err(format!(
                    "{found} of {} lookups found their key, expected {want}",
                    ks.len()
                ));
            }
            if round > 0 {
                per_round.push(ns);
            }
        }
        per_round.sort_by(f64::total_cmp);
        Ok(per_round[per_round.len() / 2])
    };
    Ok((time(&hits, true)?, time(&misses, false)?))
}
