//! What a measured run does, workload by workload: build and prefill (untimed), the timed
//! phase, and the verification of the state it leaves.
//!
//! Each workload is a [`Scenario`]; the runner drives every scenario the same way (verify
//! once, time with criterion, then the allocation, latency and cache passes).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Barrier;
use std::time::{Duration, Instant};

use strategies::{check_word, Build, Consistency, Contender, Memory, Ops, Shared, Sweep, Value};

use super::budget::{self, Meter, Role};
use crate::keys::{KeySet, Rng};
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
    fn setup(&self) -> Result<Self::State, String>;
    /// The timed phase; checks what it can cheaply (counts) and fails loudly otherwise.
    fn run(&self, state: &mut Self::State, probe: &mut Probe) -> Result<Measured, String>;
    /// The full check of the state a run left (untimed).
    fn verify(&self, state: &mut Self::State) -> Result<(), String>;
    /// Live entries now.
    fn live(&self, state: &mut Self::State) -> u64;
    /// The contender's own memory report.
    fn memory(&self, state: &mut Self::State) -> Memory;
    /// evacmap chain statistics, if the contender is built on one evacmap.
    fn probe_stats(&self, state: &mut Self::State) -> Option<evacmap::ProbeStats>;
    /// Mean lookup hit and miss times, for workloads that measure them.
    fn lookups(&self, _state: &mut Self::State) -> Option<Result<(f64, f64), String>> {
        None
    }
    /// For workloads with reader threads: the same readers, timed the same way, reading the
    /// state for `duration` with no sweep running (one recorder per reader thread). The state
    /// is left as it was.
    fn idle_readers(
        &self,
        _state: &mut Self::State,
        _duration: Duration,
    ) -> Option<Result<Vec<Recorder>, String>> {
        None
    }
}

/// The build every contender gets for a cell: same capacity hint (none: maps grow as they
/// fill, which is the behaviour being compared) and same hasher seed.
/// evacmap's own random draws (its hash seed, Go's `hash0`, and its cursors' random starts) are
/// fixed from the same seed, so everything but time is a function of the run's seed.
pub(crate) fn build_for(_cell: &Cell, seed: u64) -> Build {
    Build {
        seed,
        map: evacmap::Config::default().with_seed(seed ^ MAP_SEED_SALT),
        ..Build::default()
    }
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

/// `sweep`: prefill N, then one sweep dooming the cell's fraction.
pub(crate) struct SweepRun<'a, V, C> {
    pub(crate) keys: &'a KeySet,
    pub(crate) build: Build,
    pub(crate) _types: std::marker::PhantomData<fn() -> (V, C)>,
}

impl<V: Value, C: Contender<V>> Scenario for SweepRun<'_, V, C> {
    type State = C;
    const FRESH: bool = true;

    fn setup(&self) -> Result<C, String> {
        prefilled::<V, C>(&self.build, self.keys)
    }

    fn run(&self, map: &mut C, _probe: &mut Probe) -> Result<Measured, String> {
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

    fn verify(&self, map: &mut C) -> Result<(), String> {
        verify_swept::<V, C>(map, self.keys)
    }

    common_state_methods!();
}

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

    fn setup(&self) -> Result<C, String> {
        prefilled::<V, C>(&self.build, self.keys)
    }

    fn run(&self, map: &mut C, _probe: &mut Probe) -> Result<Measured, String> {
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

    fn verify(&self, map: &mut C) -> Result<(), String> {
        growth_verify::<V, C>(map, self.keys, self.inserts)
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

    fn setup(&self) -> Result<C, String> {
        prefilled::<V, C>(&self.build, self.keys)
    }

    fn run(&self, map: &mut C, _probe: &mut Probe) -> Result<Measured, String> {
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
            ));
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

    fn verify(&self, map: &mut C) -> Result<(), String> {
        growth_verify::<V, C>(map, self.keys, self.inserts)
    }

    common_state_methods!();
}

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

    fn setup(&self) -> Result<C, String> {
        prefilled::<V, C>(&self.build, self.keys)
    }

    fn run(&self, map: &mut C, probe: &mut Probe) -> Result<Measured, String> {
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
    ) -> Option<Result<Vec<Recorder>, String>> {
        Some(
            self.with_readers(map, true, |_| std::thread::sleep(duration))
                .map(|((), recorders)| recorders),
        )
    }

    fn verify(&self, map: &mut C) -> Result<(), String> {
        verify_swept::<V, C>(map, self.keys)
    }

    common_state_methods!();
}

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

    fn setup(&self) -> Result<Churned<C>, String> {
        Ok(Churned {
            map: prefilled::<V, C>(&self.build, self.keys)?,
            oldest: 0,
            rng: Rng::new(self.keys.seed() ^ 0xc4u64),
        })
    }

    fn run(&self, st: &mut Churned<C>, probe: &mut Probe) -> Result<Measured, String> {
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
                ));
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

    fn verify(&self, st: &mut Churned<C>) -> Result<(), String> {
        let n = self.keys.n();
        let lo = st.oldest;
        verify::<V, C>(&mut st.map, self.keys, 0..lo + n, n, |r| r >= lo)
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

/// `sparse-scan`: prefill the peak, delete 99% with a sweep, optionally shrink; each timed
/// run traverses the survivors. Lookups are timed separately ([`sparse_lookups`]).
pub(crate) struct SparseRun<'a, V, C> {
    pub(crate) keys: &'a KeySet,
    pub(crate) shrink: bool,
    pub(crate) build: Build,
    pub(crate) _types: std::marker::PhantomData<fn() -> (V, C)>,
}

impl<V: Value, C: Contender<V>> Scenario for SparseRun<'_, V, C> {
    type State = C;
    const FRESH: bool = false;

    fn setup(&self) -> Result<C, String> {
        let keys = self.keys;
        let mut map = prefilled::<V, C>(&self.build, keys)?;
        let mut meter = Meter::checker(1024);
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
        if self.shrink && !map.shrink() {
            return Err(NO_SHRINK.into());
        }
        Ok(map)
    }

    fn run(&self, map: &mut C, _probe: &mut Probe) -> Result<Measured, String> {
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
            return Err(format!("traversal visited {visited}, expected {expected}"));
        }
        Ok(Measured {
            elapsed,
            ops: expected,
        })
    }

    fn verify(&self, map: &mut C) -> Result<(), String> {
        verify_swept::<V, C>(map, self.keys)
    }

    fn lookups(&self, map: &mut C) -> Option<Result<(f64, f64), String>> {
        Some(sparse_lookups::<V, C>(map, self.keys, 10_000, 7))
    }

    common_state_methods!();
}

/// The operation names the budget's estimates speak of ("~33 ms per insert").
const VISIT: &str = "entry visited";
const INSERT: &str = "insert";

/// The setup error of a `sparse-scan` cell that asks to shrink a contender that cannot.
pub(crate) const NO_SHRINK: &str = "has no shrink operation";

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
