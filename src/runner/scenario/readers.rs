//! The `readers-during-sweep` workload.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Barrier;
use std::time::{Duration, Instant};

use strategies::{check_word, Build, Memory, Ops, Shared, Value};

use super::super::budget::{self, Meter, Role};
use super::{
    at_least_once, check_sweep, prefilled, verify_swept, Measured, Probe, Scenario, ScenarioError,
    VISIT,
};

use crate::keys::{KeySet, Rng};
use crate::oracle::VERSION;
use crate::probes::latency::Recorder;

/// `readers-during-sweep`: R reader threads look up hits and misses while one thread sweeps;
/// readers check every answer (a survivor always found, a never-inserted key never).
pub(crate) struct ReadersRun<'a, V, C> {
    pub(crate) keys: &'a KeySet,
    pub(crate) readers: u32,
    pub(crate) build: Build,
    pub(crate) _types: std::marker::PhantomData<fn() -> (V, C)>,
}

impl<V: Value, C: Shared<V>> ReadersRun<'_, V, C> {
    /// Starts the reader threads, runs `phase` on this thread once every reader has completed
    /// a first batch of lookups (so the phase never starts before the readers are running),
    /// stops them and returns what `phase` returned with one recorder per reader (empty unless
    /// `record`). Only lookups made while the phase runs are recorded. Readers check every
    /// answer (a survivor always found, a never-inserted key never, the right value).
    fn with_readers<T>(
        &self,
        map: &mut C,
        record: bool,
        phase: impl FnOnce(&mut C) -> T,
    ) -> Result<(T, Vec<Recorder>), String> {
        let keys = self.keys;
        let n = keys.n();
        let stop = AtomicBool::new(false);
        let measuring = AtomicBool::new(false);
        let ready = AtomicUsize::new(0);
        let barrier = Barrier::new(self.readers as usize + 1);
        let handles: Vec<C::Handle> = (0..self.readers).map(|_| map.handle()).collect();
        let watch = budget::current();
        let (out, results) = std::thread::scope(|scope| {
            let threads: Vec<_> = handles
                .into_iter()
                .enumerate()
                .map(|(t, mut h)| {
                    let (stop, barrier, measuring, ready) = (&stop, &barrier, &measuring, &ready);
                    let over = Meter::on(watch.clone(), Role::Main, 1);
                    scope.spawn(move || -> Result<Recorder, String> {
                        let mut rng = Rng::new(keys.seed() ^ (t as u64 + 1));
                        let mut rec = Recorder::new();
                        let mut lookups = 0u64;
                        barrier.wait();
                        // A reader also ends when the sweep was stopped for its budget.
                        while !stop.load(Ordering::Relaxed) && !over.expired() {
                            if lookups == 64 {
                                ready.fetch_add(1, Ordering::Release);
                            }
                            for _ in 0..64 {
                                let record = record && measuring.load(Ordering::Relaxed);
                                let r = rng.below(n);
                                let (k, hit) = if lookups.is_multiple_of(2) {
                                    (keys.key(r), true)
                                } else {
                                    (keys.absent_key(r), false)
                                };
                                let got = if record {
                                    rec.time(|| h.get(k))
                                } else {
                                    h.get(k)
                                };
                                lookups += 1;
                                match got {
                                    None if hit && !keys.rank_doomed(r) => {
                                        return Err(format!(
                                            "a reader missed live key {k:#x} during the sweep"
                                        ))
                                    }
                                    Some(_) if !hit => {
                                        return Err(format!(
                                            "a reader found key {k:#x}, never inserted"
                                        ))
                                    }
                                    Some(c) if c != check_word(k, VERSION) => {
                                        return Err(format!(
                                            "a reader saw a wrong value for {k:#x}"
                                        ))
                                    }
                                    _ => {}
                                }
                            }
                        }
                        Ok(rec)
                    })
                })
                .collect();
            barrier.wait();
            // A reader that failed its first batch has finished: start anyway, it reports why.
            while ready.load(Ordering::Acquire) < self.readers as usize
                && !threads.iter().any(|t| t.is_finished())
            {
                std::hint::spin_loop();
                std::thread::yield_now();
            }
            measuring.store(true, Ordering::Relaxed);
            let out = phase(map);
            stop.store(true, Ordering::Relaxed);
            let results: Vec<_> = threads
                .into_iter()
                .map(|t| t.join().unwrap_or_else(|_| Err("a reader panicked".into())))
                .collect();
            (out, results)
        });
        let mut recorders = Vec::new();
        for r in results {
            let rec = r?;
            if record {
                recorders.push(rec);
            }
        }
        Ok((out, recorders))
    }
}

impl<V: Value, C: Shared<V>> Scenario for ReadersRun<'_, V, C> {
    type State = C;
    const FRESH: bool = true;
    const THREADED: bool = true;

    fn setup(&self) -> Result<C, ScenarioError> {
        Ok(prefilled::<V, C>(&self.build, self.keys)?)
    }

    fn run(&self, map: &mut C, probe: &mut Probe) -> Result<Measured, ScenarioError> {
        let keys = self.keys;
        let n = keys.n();
        budget::phase(n, (VISIT, n), ("", 0));
        let mut visits = Meter::new(Role::Main, 1024);
        let ((elapsed, s), recorders) = self.with_readers(map, probe.recording(), |map| {
            let start = Instant::now();
            let s = map.sweep(|k, _| {
                visits.step();
                keys.is_doomed(k)
            });
            (start.elapsed(), s)
        })?;
        if probe.recording() {
            probe.latencies = Some(recorders);
        }
        check_sweep(s, n..=n, keys.doomed_count(), at_least_once::<V, C>())?;
        Ok(Measured { elapsed, ops: n })
    }

    fn idle_readers(
        &self,
        map: &mut C,
        duration: Duration,
    ) -> Option<Result<Vec<Recorder>, ScenarioError>> {
        Some(
            self.with_readers(map, true, |_| std::thread::sleep(duration))
                .map(|((), recorders)| recorders)
                .map_err(ScenarioError::from),
        )
    }

    fn verify(&self, map: &mut C) -> Result<(), ScenarioError> {
        Ok(verify_swept::<V, C>(map, self.keys)?)
    }

    common_state_methods!();
}
