//! `rwlock`: one reader-writer lock around the whole map.
//!
//! # The problem
//! Several threads read and write a map while one of them must now and then delete every entry
//! a predicate dooms. The simplest correct answer is to stop everyone else while the sweep runs:
//! put the map behind one [`RwLock`], let lookups share the read lock, and let
//! the sweep take the write lock and delete in place with evacmap's `retain`. Nothing can go
//! wrong inside the sweep (no other thread touches the map), and nothing extra is allocated. The
//! price is the pause: every reader and writer waits for the whole sweep, so a sweep over a large
//! map stalls the service for as long as it takes.
//!
//! The sweep uses `retain` rather than evacmap's detached cursor with `remove_yielded`: under
//! the write lock nothing can run between two steps, so the cursor's ability to survive other
//! writes buys nothing, and `retain` (one pass, tombstones settled once per chain) is about
//! twice as fast (see the `evacmap-retain` and `evacmap-cursor` contenders).
//!
//! This is the baseline the other shared strategies are measured against: `collect-keys`
//! shortens the pause to the delete phase, `sharded` to one shard, `tombstone` and
//! `cow-snapshot` remove it.

use core::fmt;

use evacmap::ProbeStats;

use crate::build::{Build, BuildError};
use crate::contender::{
    Consistency, Contender, Info, Memory, Ops, Origin, ReaderBlocking, Shared, Sweep,
};
use crate::evacmap_direct::{map_memory, new_map, Map};
use crate::sync::{self, Arc, RwLock};
use crate::value::{Key, Value};

/// An evacmap behind one reader-writer lock; a sweep holds the write lock and `retain`s.
///
/// Lookups and traversals share the read lock; inserts, removals and sweeps take the write
/// lock. This costs nothing beyond the lock itself (no extra memory, one lock acquisition per
/// operation) and every operation is linearizable, but **readers and writers wait for the whole
/// sweep**: the pause grows with the map. Choose it when sweeps are rare or the map is small;
/// otherwise see [`CollectKeysMap`](crate::CollectKeysMap) (pause only for the deletes) or
/// [`ShardedMap`](crate::ShardedMap) (pause only on one shard at a time).
///
/// Cloning gives another handle to the same map ([`Shared::handle`] does the same).
pub struct RwLockMap<V> {
    map: Arc<RwLock<Map<V>>>,
}

impl<V> Clone for RwLockMap<V> {
    fn clone(&self) -> Self {
        RwLockMap {
            map: Arc::clone(&self.map),
        }
    }
}

impl<V> fmt::Debug for RwLockMap<V> {
    /// Prints the length if the lock is free right now (it never waits, so it is safe to call
    /// from inside a sweep predicate).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RwLockMap");
        match self.map.try_read() {
            Ok(map) => d.field("len", &map.len()),
            Err(_) => d.field("len", &format_args!("<unavailable>")),
        };
        d.finish_non_exhaustive()
    }
}

impl<V: Value> Ops<V> for RwLockMap<V> {
    #[inline]
    fn insert(&mut self, key: Key, value: V) -> bool {
        sync::write(&self.map).insert(key, value).is_none()
    }

    #[inline]
    fn get(&mut self, key: Key) -> Option<u64> {
        sync::read(&self.map).get(&key).map(Value::check)
    }

    #[inline]
    fn remove(&mut self, key: Key) -> bool {
        sync::write(&self.map).remove(&key).is_some()
    }

    /// Holds the write lock for the whole sweep and deletes with `retain`.
    fn sweep<F>(&mut self, mut doomed: F) -> Sweep
    where
        F: FnMut(Key, &V) -> bool,
    {
        let mut sweep = Sweep::default();
        sync::write(&self.map).retain(|k, v| sweep.keep(doomed(*k, v)));
        sweep
    }

    /// Iterates under the read lock: sees one consistent state of the map (writers wait).
    fn traverse<F>(&mut self, mut f: F) -> usize
    where
        F: FnMut(Key, &V),
    {
        let map = sync::read(&self.map);
        let mut n = 0;
        for (k, v) in map.iter() {
            f(*k, v);
            n += 1;
        }
        n
    }

    fn len(&mut self) -> usize {
        sync::read(&self.map).len()
    }

    /// The map's tables. The handle's own fixed-size allocation (the `Arc` holding the lock
    /// and the map's header) is not counted.
    fn memory(&mut self) -> Memory {
        map_memory(&sync::read(&self.map))
    }

    /// `shrink_to_fit` under the write lock (readers wait for the rebuild).
    fn shrink(&mut self) -> bool {
        sync::write(&self.map).shrink_to_fit();
        true
    }

    fn probe_stats(&mut self) -> Option<ProbeStats> {
        Some(sync::read(&self.map).probe_stats())
    }
}

impl<V: Value> Contender<V> for RwLockMap<V> {
    const INFO: Info = Info {
        name: "rwlock",
        origin: Origin::Strategy,
        shared: true,
        consistency: Consistency::Blocking,
        readers_block: ReaderBlocking::WholeSweep,
        keeps_order: false,
        during_sweep: "nothing: readers and writers wait until the sweep has finished, then see \
                       the map without any doomed entry",
        extra_memory: "none",
        choose_when: "sweeps are rare or the map is small, so a pause as long as the sweep is \
                      acceptable; the simplest correct baseline",
        how: "take the write lock and `retain` the entries not doomed",
    };

    fn build(build: &Build) -> Result<Self, BuildError> {
        build.validate()?;
        Ok(RwLockMap {
            map: Arc::new(RwLock::new(new_map(build))),
        })
    }
}

impl<V: Value> Shared<V> for RwLockMap<V> {
    type Handle = Self;

    fn handle(&self) -> Self {
        self.clone()
    }
}

#[cfg(all(test, not(evacbench_loom)))]
mod tests {
    use super::*;
    use crate::value::{check_word, V64, V8};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Barrier;

    fn doomed_odd(k: Key, _: &V8) -> bool {
        k % 2 == 1
    }

    #[test]
    fn operations_report_what_happened() {
        let mut m = RwLockMap::<V8>::build(&Build::with_capacity(16)).unwrap();
        assert!(m.is_empty());
        assert!(m.insert(1, V8::new(1, 0)));
        assert!(!m.insert(1, V8::new(1, 1)), "overwrite is not a new key");
        assert_eq!(m.get(1), Some(check_word(1, 1)));
        assert_eq!(m.get(2), None);
        assert!(m.remove(1));
        assert!(!m.remove(1));
        assert_eq!(m.len(), 0);
    }

    #[test]
    fn sweep_removes_exactly_the_doomed_entries() {
        let mut m = RwLockMap::<V64>::build(&Build::with_capacity(1000)).unwrap();
        for k in 0..1000 {
            m.insert(k, V64::new(k, 0));
        }
        let s = m.sweep(|k, _| k % 3 == 0);
        assert_eq!(
            s,
            Sweep {
                visited: 1000,
                removed: 334
            }
        );
        assert_eq!(m.len(), 666);
        for k in 0..1000 {
            assert_eq!(m.get(k).is_some(), k % 3 != 0, "key {k}");
        }
        let mut seen = Vec::new();
        assert_eq!(m.traverse(|k, v| seen.push((k, v.check()))), 666);
        seen.sort_unstable();
        let want: Vec<_> = (0..1000)
            .filter(|k| k % 3 != 0)
            .map(|k| (k, check_word(k, 0)))
            .collect();
        assert_eq!(seen, want);
        assert!(m.memory().heap_bytes > 0 && m.memory().exact);
    }

    #[test]
    fn shrink_gives_memory_back_and_probe_stats_are_reported() {
        let mut m = RwLockMap::<V64>::build(&Build::with_capacity(4000)).unwrap();
        for k in 0..4000 {
            m.insert(k, V64::new(k, 0));
        }
        assert_eq!(m.probe_stats().map(|p| p.miss_probe > 0.0), Some(true));
        let full = m.memory().heap_bytes;
        assert_eq!(m.sweep(|k, _| k >= 10).removed, 3990);
        assert_eq!(
            m.memory().heap_bytes,
            full,
            "removal alone keeps the tables"
        );
        assert!(m.shrink());
        assert!(
            m.memory().heap_bytes * 8 < full,
            "{} of {full}",
            m.memory().heap_bytes
        );
        assert_eq!(m.len(), 10);
        assert!((0..10).all(|k| m.get(k) == Some(check_word(k, 0))));
    }

    #[test]
    fn sweep_interleaved_inserts_everything() {
        let mut m = RwLockMap::<V8>::build(&Build::default()).unwrap();
        for k in 0..100 {
            m.insert(k, V8::new(k, 0));
        }
        let inserts = (1000..1050).map(|k| (k, V8::new(k, 0)));
        let s = m.sweep_interleaved(|k, _| k < 50, inserts, 2);
        assert_eq!(s.removed, 50);
        assert_eq!(m.len(), 100);
        assert!((1000..1050).all(|k| m.get(k).is_some()));
    }

    #[test]
    fn handles_share_one_map() {
        let mut a = RwLockMap::<V8>::build(&Build::default()).unwrap();
        let mut b = a.handle();
        a.insert(5, V8::new(5, 0));
        assert_eq!(b.get(5), Some(check_word(5, 0)));
        assert_eq!(b.sweep(|_, _| true).removed, 1);
        assert_eq!(a.len(), 0);
    }

    #[test]
    fn zero_shards_is_an_error_even_here() {
        let b = Build {
            shards: Some(0),
            ..Build::default()
        };
        assert_eq!(
            RwLockMap::<V8>::build(&b).unwrap_err(),
            BuildError::ZeroShards
        );
    }

    /// Readers running through a sweep never miss a kept key, and see no doomed key once the
    /// sweep has returned; a writer inserting kept keys meanwhile loses none.
    #[test]
    fn readers_and_writer_during_sweep() {
        const N: u64 = 2000;
        let mut m = RwLockMap::<V8>::build(&Build::with_capacity(N as usize)).unwrap();
        for k in 0..N {
            m.insert(k, V8::new(k, 0));
        }
        let done = Arc::new(AtomicBool::new(false));
        let start = Arc::new(Barrier::new(3));
        let reader = {
            let (mut h, done, start) = (m.handle(), done.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                let mut rounds = 0;
                loop {
                    let finished = done.load(Ordering::Acquire);
                    for k in (0..N).step_by(2) {
                        assert_eq!(h.get(k), Some(check_word(k, 0)), "kept key {k} missing");
                    }
                    if finished {
                        for k in (1..N).step_by(2) {
                            assert_eq!(h.get(k), None, "doomed key {k} visible after sweep");
                        }
                        return rounds;
                    }
                    rounds += 1;
                }
            })
        };
        let writer = {
            let (mut h, start) = (m.handle(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                // Even keys above N: not doomed.
                for k in (N..2 * N).step_by(2) {
                    assert!(h.insert(k, V8::new(k, 0)));
                }
            })
        };
        start.wait();
        let s = m.sweep(doomed_odd);
        done.store(true, Ordering::Release);
        assert_eq!(s.removed, (N / 2) as usize);
        reader.join().unwrap();
        writer.join().unwrap();
        for k in (0..2 * N).step_by(2) {
            assert_eq!(m.get(k), Some(check_word(k, 0)), "kept key {k} lost");
        }
        assert_eq!(m.len(), N as usize);
    }
}
