//! `collect-keys`: find the doomed keys under a read lock, delete them in a batch under a write
//! lock.
//!
//! # The problem
//! With one lock around the map ([`RwLockMap`](crate::RwLockMap)), a sweep holds the write lock
//! while it looks at every entry, so readers stall for the whole scan although most entries
//! survive it. The scan only needs to read; only the deletes need exclusive access. This
//! strategy splits the sweep in two:
//!
//! 1. **Collect**, under the read lock: iterate, call `doomed` on every entry, push the keys it
//!    dooms into a buffer. Readers proceed; writers wait.
//! 2. **Delete**, under the write lock: remove each collected key. Everyone waits, but only for
//!    as many removals as there are doomed keys.
//!
//! Between the phases no lock is held, so a writer may replace, remove or re-insert a collected
//! key. The delete phase therefore removes a key only if it is still present **and** `doomed`
//! still holds for its current value: a value a writer put in between the phases is never
//! removed unless it is doomed too. `doomed` must be a pure function of key and value (the
//! contract of [`Ops::sweep`]), since it is called again on each collected key. Entries
//! written after the collect phase are not visited: a doomed value written then is left for the
//! next sweep.
//!
//! # The key buffer
//! The buffer (8 bytes per doomed key) is kept between sweeps, so a service sweeping at a steady
//! rate allocates nothing per sweep; [`Ops::memory`] reports it. So that one large purge does not
//! pin a large buffer forever, a sweep that needed less than a quarter of the buffer's capacity
//! shrinks it (never below [`KEEP_KEYS`] keys), and
//! [`CollectKeysMap::release_key_buffer`] frees it at once. A mutex around the buffer also
//! serialises concurrent sweeps.

use core::fmt;

use evacmap::ProbeStats;

use crate::build::{Build, BuildError};
use crate::contender::{
    Consistency, Contender, Info, Memory, Ops, Origin, ReaderBlocking, Shared, Sweep,
};
use crate::evacmap_direct::{map_memory, new_map, Map};
use crate::sync::{self, Arc, AtomicUsize, Mutex, Ordering, RwLock};
use crate::value::{Key, Value};

/// Keys the buffer keeps room for however little the last sweep needed (4 KiB): shrinking
/// below this saves too little to be worth a reallocation on the next sweep.
pub(crate) const KEEP_KEYS: usize = 512;

/// A sweep shrinks the buffer when its capacity exceeds this multiple of what the sweep needed
/// (the hysteresis keeps sweeps of varying size from reallocating every time).
const SHRINK_FACTOR: usize = 4;

/// An evacmap behind a reader-writer lock, swept in two phases: doomed keys are collected under
/// the read lock and deleted in a batch under the write lock.
///
/// Compared with [`RwLockMap`](crate::RwLockMap), **readers wait only for the delete phase**
/// (one lookup and one removal per doomed key) instead of the whole scan. The costs: writers
/// still wait for the whole scan (it holds the read lock); each doomed key is looked up once more
/// and `doomed` called on it again before removal; and the key buffer holds 8 bytes per doomed
/// key, kept between sweeps so that steady sweeps allocate nothing, and shrunk by a sweep that
/// needs under a quarter of it (or freed by [`release_key_buffer`](Self::release_key_buffer)).
/// The gain is largest when a sweep dooms few of many entries.
///
/// Cloning gives another handle to the same map ([`Shared::handle`] does the same).
pub struct CollectKeysMap<V> {
    inner: Arc<Inner<V>>,
}

struct Inner<V> {
    map: RwLock<Map<V>>,
    /// The doomed keys of the sweep in progress (empty between sweeps, capacity kept). Holding
    /// this mutex is what serialises sweeps; it is always taken before `map`'s lock.
    keys: Mutex<Vec<Key>>,
    /// Bytes of `keys`' allocation, published at the end of each phase so that `memory` need
    /// not wait for a running sweep.
    key_bytes: AtomicUsize,
}

impl<V> Clone for CollectKeysMap<V> {
    fn clone(&self) -> Self {
        CollectKeysMap {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<V> fmt::Debug for CollectKeysMap<V> {
    /// Prints the length if the map's lock is free right now (it never waits), and the key
    /// buffer's size.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("CollectKeysMap");
        match self.inner.map.try_read() {
            Ok(map) => d.field("len", &map.len()),
            Err(_) => d.field("len", &format_args!("<unavailable>")),
        };
        d.field("key_buffer_bytes", &self.key_buffer_bytes())
            .finish_non_exhaustive()
    }
}

impl<V> CollectKeysMap<V> {
    /// Frees the key buffer now instead of waiting for a smaller sweep to shrink it (the next
    /// sweep allocates a new one). Waits for a running sweep to finish.
    pub fn release_key_buffer(&self) {
        let mut keys = sync::lock(&self.inner.keys);
        *keys = Vec::new();
        self.publish_key_bytes(&keys);
    }

    /// Bytes held by the key buffer, as of the end of the last sweep phase.
    fn key_buffer_bytes(&self) -> usize {
        self.inner.key_bytes.load(Ordering::Relaxed)
    }

    fn publish_key_bytes(&self, keys: &Vec<Key>) {
        let bytes = keys.capacity() * core::mem::size_of::<Key>();
        self.inner.key_bytes.store(bytes, Ordering::Relaxed);
    }
}

impl<V: Value> CollectKeysMap<V> {
    /// Phase 1: under the read lock, pushes every key `doomed` dooms into `keys` (cleared
    /// first); returns how many entries it visited.
    fn collect<F>(&self, keys: &mut Vec<Key>, doomed: &mut F) -> usize
    where
        F: FnMut(Key, &V) -> bool,
    {
        keys.clear();
        let mut visited = 0;
        {
            let map = sync::read(&self.inner.map);
            for (k, v) in map.iter() {
                visited += 1;
                if doomed(*k, v) {
                    keys.push(*k);
                }
            }
        }
        self.publish_key_bytes(keys);
        visited
    }

    /// Phase 2: under the write lock, removes each key of `keys` that is still present and
    /// whose current value `doomed` still dooms; returns how many it removed. Takes no lock if
    /// there is nothing to delete.
    fn delete<F>(&self, keys: &[Key], doomed: &mut F) -> usize
    where
        F: FnMut(Key, &V) -> bool,
    {
        if keys.is_empty() {
            return 0;
        }
        let mut map = sync::write(&self.inner.map);
        let mut removed = 0;
        for &k in keys {
            if map.get(&k).is_some_and(|v| doomed(k, v)) {
                map.remove(&k);
                removed += 1;
            }
        }
        removed
    }

    /// After a sweep: empties the buffer and shrinks it if the sweep needed far less.
    fn finish(&self, keys: &mut Vec<Key>) {
        let needed = keys.len().max(KEEP_KEYS);
        keys.clear();
        if keys.capacity() > SHRINK_FACTOR * needed {
            keys.shrink_to(needed);
        }
        self.publish_key_bytes(keys);
    }
}

impl<V: Value> Ops<V> for CollectKeysMap<V> {
    #[inline]
    fn insert(&mut self, key: Key, value: V) -> bool {
        sync::write(&self.inner.map).insert(key, value).is_none()
    }

    #[inline]
    fn get(&mut self, key: Key) -> Option<u64> {
        sync::read(&self.inner.map).get(&key).map(Value::check)
    }

    #[inline]
    fn remove(&mut self, key: Key) -> bool {
        sync::write(&self.inner.map).remove(&key).is_some()
    }

    /// Collects doomed keys under the read lock, then, under the write lock, removes each one
    /// still present whose current value is still doomed. `visited` counts the collect phase; `removed` counts only the
    /// entries the delete phase found still present and still doomed. Entries inserted after
    /// the collect phase are not visited.
    fn sweep<F>(&mut self, mut doomed: F) -> Sweep
    where
        F: FnMut(Key, &V) -> bool,
    {
        let mut keys = sync::lock(&self.inner.keys);
        let visited = self.collect(&mut keys, &mut doomed);
        let removed = self.delete(&keys, &mut doomed);
        self.finish(&mut keys);
        Sweep { visited, removed }
    }

    /// Iterates under the read lock: sees one consistent state of the map (writers wait).
    fn traverse<F>(&mut self, mut f: F) -> usize
    where
        F: FnMut(Key, &V),
    {
        let map = sync::read(&self.inner.map);
        let mut n = 0;
        for (k, v) in map.iter() {
            f(*k, v);
            n += 1;
        }
        n
    }

    fn len(&mut self) -> usize {
        sync::read(&self.inner.map).len()
    }

    /// The map's tables plus the key buffer's allocation (as of the end of the last sweep
    /// phase). The handle's own fixed-size allocation is not counted.
    fn memory(&mut self) -> Memory {
        let map = map_memory(&sync::read(&self.inner.map));
        Memory {
            heap_bytes: map.heap_bytes + self.key_buffer_bytes(),
            ..map
        }
    }

    /// The one point where a writer can insert during a sweep is between the phases: the
    /// inserts due by then (one per `every` entries collected) go there, each under its own
    /// write lock as a concurrent writer's would, and the rest after the sweep.
    fn sweep_interleaved<F, I>(&mut self, mut doomed: F, mut inserts: I, every: usize) -> Sweep
    where
        F: FnMut(Key, &V) -> bool,
        I: Iterator<Item = (Key, V)>,
    {
        let mut keys = sync::lock(&self.inner.keys);
        let visited = self.collect(&mut keys, &mut doomed);
        for (k, v) in inserts.by_ref().take(visited / every.max(1)) {
            sync::write(&self.inner.map).insert(k, v);
        }
        let removed = self.delete(&keys, &mut doomed);
        self.finish(&mut keys);
        drop(keys);
        for (k, v) in inserts {
            self.insert(k, v);
        }
        Sweep { visited, removed }
    }

    /// `shrink_to_fit` under the write lock, and frees the key buffer.
    fn shrink(&mut self) -> bool {
        self.release_key_buffer();
        sync::write(&self.inner.map).shrink_to_fit();
        true
    }

    fn probe_stats(&mut self) -> Option<ProbeStats> {
        Some(sync::read(&self.inner.map).probe_stats())
    }
}

impl<V: Value> Contender<V> for CollectKeysMap<V> {
    const INFO: Info = Info {
        name: "collect-keys",
        origin: Origin::Strategy,
        shared: true,
        consistency: Consistency::WeaklyConsistent,
        readers_block: ReaderBlocking::DeletePhase,
        keeps_order: false,
        during_sweep: "while doomed keys are collected, readers see every entry (doomed ones \
                       included) and writers wait; readers and writers then wait for the batch \
                       delete, after which no doomed entry present throughout is visible. The \
                       sweep is not atomic: a doomed value written between the phases survives",
        extra_memory: "8 bytes per doomed key (the key buffer), kept between sweeps and shrunk \
                       when a sweep needs under a quarter of it",
        choose_when: "reads dominate and a sweep dooms few of many entries, so readers should \
                      not wait for the scan",
        how: "collect doomed keys under the read lock, then remove those still present and \
              still doomed under the write lock",
    };

    fn build(build: &Build) -> Result<Self, BuildError> {
        build.validate()?;
        Ok(CollectKeysMap {
            inner: Arc::new(Inner {
                map: RwLock::new(new_map(build)),
                keys: Mutex::new(Vec::new()),
                key_bytes: AtomicUsize::new(0),
            }),
        })
    }
}

impl<V: Value> Shared<V> for CollectKeysMap<V> {
    type Handle = Self;

    fn handle(&self) -> Self {
        self.clone()
    }
}

#[cfg(all(test, not(evacbench_loom)))]
mod tests {
    use super::*;
    use crate::value::{check_word, V64, V8};
    use std::sync::atomic::AtomicBool;
    use std::sync::Barrier;

    const KEY_BYTES: usize = core::mem::size_of::<Key>();

    fn filled(n: u64) -> CollectKeysMap<V64> {
        let mut m = CollectKeysMap::build(&Build::with_capacity(n as usize)).unwrap();
        for k in 0..n {
            assert!(m.insert(k, V64::new(k, 0)));
        }
        m
    }

    /// Dooms version 0 of odd keys.
    fn doomed_odd_v0(k: Key, v: &V64) -> bool {
        k % 2 == 1 && v.version(k) == 0
    }

    #[test]
    fn operations_report_what_happened() {
        let mut m = CollectKeysMap::<V8>::build(&Build::with_capacity(4)).unwrap();
        assert!(m.insert(3, V8::new(3, 0)));
        assert!(!m.insert(3, V8::new(3, 2)));
        assert_eq!(m.get(3), Some(check_word(3, 2)));
        assert_eq!(m.get(4), None);
        assert!(m.remove(3));
        assert!(!m.remove(3));
        assert!(m.is_empty());
        assert_eq!(m.sweep(|_, _| true), Sweep::default());
    }

    #[test]
    fn sweep_removes_exactly_the_doomed_entries() {
        let mut m = filled(1000);
        let s = m.sweep(doomed_odd_v0);
        assert_eq!(
            s,
            Sweep {
                visited: 1000,
                removed: 500
            }
        );
        assert_eq!(m.len(), 500);
        for k in 0..1000 {
            assert_eq!(m.get(k).is_some(), k % 2 == 0, "key {k}");
        }
        let mut seen = Vec::new();
        assert_eq!(m.traverse(|k, _| seen.push(k)), 500);
        seen.sort_unstable();
        assert_eq!(seen, (0..1000).step_by(2).collect::<Vec<_>>());
    }

    #[test]
    fn key_buffer_is_reported_kept_shrunk_and_released() {
        let mut m = filled(10_000);
        let table_bytes = m.memory_of_map();
        assert_eq!(m.key_buffer_bytes(), 0, "no buffer before the first sweep");
        assert_eq!(m.memory().heap_bytes, table_bytes);

        // A large sweep: the buffer holds at least one key per doomed entry, and stays.
        assert_eq!(m.sweep(|k, _| k < 4000).removed, 4000);
        let big = m.key_buffer_bytes();
        assert!(big >= 4000 * KEY_BYTES, "{big}");
        assert_eq!(m.memory_of_map(), table_bytes, "removal keeps the tables");
        assert_eq!(m.memory().heap_bytes, table_bytes + big);

        // A sweep needing over a quarter of it keeps the allocation (no reallocation).
        assert_eq!(m.sweep(|k, _| k < 5500).removed, 1500);
        assert_eq!(m.key_buffer_bytes(), big);

        // A sweep needing far less shrinks it, but keeps room for KEEP_KEYS.
        assert_eq!(m.sweep(|_, _| false).removed, 0);
        let small = m.key_buffer_bytes();
        assert!(
            (KEEP_KEYS * KEY_BYTES..big).contains(&small),
            "{small} of {big}"
        );
        assert_eq!(m.memory().heap_bytes, table_bytes + small);

        m.release_key_buffer();
        assert_eq!(m.key_buffer_bytes(), 0);
        assert_eq!(m.memory().heap_bytes, table_bytes);
    }

    impl<V: Value> CollectKeysMap<V> {
        fn memory_of_map(&self) -> usize {
            map_memory(&sync::read(&self.inner.map)).heap_bytes
        }
    }

    #[test]
    fn shrink_releases_tables_and_key_buffer() {
        let mut m = filled(4000);
        assert!(m.probe_stats().is_some());
        let full = m.memory_of_map();
        assert_eq!(m.sweep(|k, _| k >= 10).removed, 3990);
        assert!(m.key_buffer_bytes() >= 3990 * KEY_BYTES);
        assert!(m.shrink());
        assert_eq!(m.key_buffer_bytes(), 0);
        assert!(
            m.memory().heap_bytes * 8 < full,
            "{:?} of {full}",
            m.memory()
        );
        assert_eq!(m.len(), 10);
    }

    /// The inserts due after the collect phase land between the phases: visited counts only
    /// the collected entries, and every insert survives.
    #[test]
    fn sweep_interleaved_inserts_between_the_phases() {
        let mut m = filled(100);
        let inserts = (1000..1100).map(|k| (k, V64::new(k, 0)));
        let s = m.sweep_interleaved(doomed_odd_v0, inserts, 4);
        assert_eq!(
            s,
            Sweep {
                visited: 100,
                removed: 50
            }
        );
        assert_eq!(m.len(), 150);
        assert!((1000..1100).all(|k| m.get(k) == Some(check_word(k, 0))));
    }

    /// A writer acting between the two phases: a replaced doomed value survives, a removed key
    /// is not counted, a key replaced by another doomed value is removed.
    #[test]
    fn delete_phase_rechecks_what_writers_changed() {
        let mut m = filled(100);
        let mut writer = m.handle();
        let mut doomed = doomed_odd_v0;
        let mut keys = Vec::new();
        assert_eq!(m.collect(&mut keys, &mut doomed), 100);
        assert_eq!(keys.len(), 50);

        // Between the phases (no lock held): replace key 1 with a kept value, remove key 3,
        // overwrite key 5 with the same doomed value.
        assert!(!writer.insert(1, V64::new(1, 1)));
        assert!(writer.remove(3));
        assert!(!writer.insert(5, V64::new(5, 0)));

        let removed = m.delete(&keys, &mut doomed);
        assert_eq!(removed, 48, "49 still present, 48 still doomed");
        assert_eq!(
            m.get(1),
            Some(check_word(1, 1)),
            "the writer's value was removed"
        );
        assert_eq!(m.get(3), None);
        assert_eq!(m.get(5), None);
        assert_eq!(m.len(), 51);
    }

    #[test]
    fn concurrent_sweeps_are_serialised() {
        let m = filled(4000);
        let start = Arc::new(Barrier::new(2));
        let sweeps: Vec<_> = (0..2)
            .map(|_| {
                let (mut h, start) = (m.handle(), start.clone());
                std::thread::spawn(move || {
                    start.wait();
                    h.sweep(doomed_odd_v0)
                })
            })
            .collect();
        let results: Vec<Sweep> = sweeps.into_iter().map(|t| t.join().unwrap()).collect();
        let removed: usize = results.iter().map(|s| s.removed).sum();
        assert_eq!(removed, 2000, "each doomed entry removed exactly once");
        // Serialised: one sweep saw the full map, the other the swept one.
        let mut visited: Vec<_> = results.iter().map(|s| s.visited).collect();
        visited.sort_unstable();
        assert_eq!(visited, [2000, 4000]);
    }

    /// Readers running through a sweep never miss a kept key, and see no doomed key once the
    /// sweep has returned; a writer inserting kept keys meanwhile loses none.
    #[test]
    fn readers_and_writer_during_sweep() {
        const N: u64 = 2000;
        let mut m = filled(N);
        let done = Arc::new(AtomicBool::new(false));
        let start = Arc::new(Barrier::new(3));
        let reader = {
            let (mut h, done, start) = (m.handle(), done.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                loop {
                    let finished = done.load(Ordering::Acquire);
                    for k in (0..N).step_by(2) {
                        assert_eq!(h.get(k), Some(check_word(k, 0)), "kept key {k} missing");
                    }
                    if finished {
                        // The writer may have put kept values (version 1) under odd keys.
                        for k in (1..N).step_by(2) {
                            assert_ne!(
                                h.get(k),
                                Some(check_word(k, 0)),
                                "doomed key {k} visible after sweep"
                            );
                        }
                        return;
                    }
                }
            })
        };
        let writer = {
            let (mut h, start) = (m.handle(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                for k in (N..2 * N).step_by(2) {
                    assert!(h.insert(k, V64::new(k, 0)));
                }
                // Replace doomed values with kept ones while the sweep may be between phases.
                for k in (1..N / 10).step_by(2) {
                    h.insert(k, V64::new(k, 1));
                }
            })
        };
        start.wait();
        let s = m.sweep(doomed_odd_v0);
        done.store(true, Ordering::Release);
        reader.join().unwrap();
        writer.join().unwrap();
        for k in (0..2 * N).step_by(2) {
            assert_eq!(m.get(k), Some(check_word(k, 0)), "kept key {k} lost");
        }
        // Every replaced key holds the writer's value whenever the writer got to it (kept
        // before the collect phase, spared by the delete phase's re-check, or re-inserted after
        // it); every other odd key was removed.
        let replaced = (1..N / 10).step_by(2);
        for k in replaced.clone() {
            assert_eq!(m.get(k), Some(check_word(k, 1)), "replaced key {k}");
        }
        let replaced = replaced.count();
        assert_eq!(m.len(), N as usize + replaced);
        let doomed = N as usize / 2;
        assert!((doomed - replaced..=doomed).contains(&s.removed), "{s:?}");
    }
}
