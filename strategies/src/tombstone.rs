//! `tombstone`: mark the doomed entries while readers keep reading, then delete every mark in one
//! short batch and give memory back.
//!
//! # The problem
//! A sweep spends its time deciding: the predicate runs on every entry. If that whole walk holds
//! the write lock (`rwlock`), every reader stalls for it. Removing is the cheap part, and it can be
//! done in one batch once the decisions are made, provided readers already behave as if the
//! doomed entries were gone.
//!
//! # The protocol
//! Each stored value sits in a [`Slot`] next to a mark flag.
//! * **Mark phase** (read lock, in chunks): evacmap's detached [`Cursor`] walks the map
//!   [`MARK_CHUNK`] entries per hold of the read lock, releasing it between chunks so writers are
//!   not starved. The cursor survives the inserts, removes and growth writers make in between
//!   (evacmap's cursor contract), so every entry present throughout the walk is judged exactly
//!   once. For each unmarked entry `doomed(key, &value)` decides; a doomed entry gets its mark.
//!   Nothing moves, so readers share the read lock with it. (std's lock lets a waiting writer go
//!   first, so a reader that arrives while a writer waits for the current chunk waits for that
//!   chunk and that write: a chunk is short, and this is the price of not starving writers.)
//! * **From the mark on, the entry is deleted**: `get` and `traverse` skip marked slots, `len`
//!   does not count them, `remove` of a marked key returns false (it removes the dead slot
//!   physically), and `insert` over a marked key replaces the slot with an unmarked one and
//!   returns true (the key was absent). A mark is therefore never cleared: a slot is only ever
//!   replaced or removed whole, under the write lock.
//! * **Delete phase** (write lock): `retain` drops every marked slot in one pass. If the part of
//!   the table's capacity not holding live entries then exceeds [`Build::compact_above`],
//!   `shrink_to_fit` halves the table (and repacks overflow chains) until the entries fit.
//!
//! Sweeps are serialised by a mutex. A sweep never removes a value it did not judge doomed: a
//! mark belongs to one slot, and a writer that stores a new value for the key stores a new,
//! unmarked slot (the write lock keeps it from racing with the mark phase's chunk).
//!
//! The flag is a `Relaxed` atomic: a mark publishes nothing but itself, every slot is created and
//! destroyed under the write lock, and coherence alone guarantees that a thread which saw a
//! mark never sees that slot unmarked again.
//!
//! # Panics
//! If `doomed` panics, the sweep unwinds with the marks set so far standing: those entries stay
//! deleted (invisible, uncounted) and the next sweep's delete phase removes them. Locks ignore
//! poisoning (see `sync`), so the map stays usable.
//!
//! # Callbacks
//! `doomed` (in [`Ops::sweep`]) and `f` (in [`Ops::traverse`]) run under the map's read lock:
//! they must not call into the same map, or a waiting writer can deadlock them.

use core::fmt;
use core::mem::size_of;

use evacmap::Cursor;

use crate::build::{Build, BuildError};
use crate::contender::{
    Consistency, Contender, Info, Memory, Ops, Origin, ReaderBlocking, Shared, Sweep,
};
use crate::evacmap_direct::{map_memory, new_map, Map};
use crate::sync::{self, Arc, AtomicBool, AtomicUsize, Mutex, Ordering, RwLock};
use crate::value::{Key, Value};

/// Entries the mark phase (and a traversal) walks per hold of the read lock: large enough that
/// taking the lock is noise, small enough that a waiting writer waits microseconds.
///
/// Under `cfg(evacbench_loom)` the walk takes one chunk: evacmap's cursor starts at a random
/// slot drawn from a thread-local generator loom cannot control, so with several chunks which
/// entry falls in which chunk (and so the sequence of atomic operations loom sees) would differ
/// between executions of one schedule, and loom requires executions to be deterministic. See
/// [`step_chunk`] for how the order inside a chunk is made deterministic.
pub(crate) const MARK_CHUNK: usize = if cfg!(evacbench_loom) {
    usize::MAX
} else {
    1024
};

/// A stored value and its deletion mark.
///
/// The flag costs a word per table cell, used or not: `V` is 8-byte aligned, so the slot is
/// `size_of::<V>() + 8` bytes (16 for `v8`, 72 for `v64`; asserted by the tests).
struct Slot<V> {
    /// Set once by the mark phase; a set mark means the entry is deleted.
    marked: AtomicBool,
    value: V,
}

impl<V> Slot<V> {
    fn new(value: V) -> Self {
        Slot {
            marked: AtomicBool::new(false),
            value,
        }
    }

    #[inline]
    fn is_marked(&self) -> bool {
        self.marked.load(Ordering::Relaxed)
    }
}

/// Bytes of one table cell of a `tombstone` map: its key and its slot (evacmap stores them in
/// separate arrays, so there is no padding between them).
const fn cell_bytes<V>() -> usize {
    size_of::<Key>() + size_of::<Slot<V>>()
}

/// The shared state behind every handle.
struct Inner<V> {
    map: RwLock<Map<Slot<V>>>,
    /// Marked slots still in the map. Raised by the mark phase (under the read lock, after the
    /// marks), lowered under the write lock; whenever the write lock is held it equals the
    /// number of marked slots in the map, so it never exceeds the map's length.
    marked: AtomicUsize,
    /// Serialises sweeps.
    sweeping: Mutex<()>,
    /// [`Build::compact_above`].
    compact_above: f64,
    /// The evacmap load factor, to turn `2^B` into a capacity in entries.
    load_factor: f64,
    /// Entries per hold of the read lock while walking ([`MARK_CHUNK`]; tests use less).
    chunk: usize,
}

/// Mark-and-sweep over an evacmap behind a reader-writer lock: a sweep first *marks* the doomed
/// entries under the read lock, and readers treat a marked entry as absent at once; then it
/// removes every mark in one batch under the write lock, and compacts the table
/// (`shrink_to_fit`) when the part of its capacity not holding live entries exceeds
/// [`Build::compact_above`].
///
/// Readers do not wait for the mark phase (the slow part: the predicate runs on every entry),
/// only for the batch delete, and for a writer that is itself waiting for one chunk of 1024
/// entries of the mark phase. Writers wait for one such chunk at a time, and for the batch
/// delete. The mark flag costs 8 bytes per table cell. A traversal (and the mark phase) walks
/// evacmap's removal-safe cursor chunk by chunk, so it sees every entry present throughout; but
/// a key a writer removes and re-inserts between two chunks can land in a later slot of the
/// bucket being walked and be yielded again (evacmap's cursor rule 3), hence the class
/// [`Consistency::AtLeastOnce`]. A sweep that removed nothing never compacts.
///
/// `doomed` ([`Ops::sweep`]) and `f` ([`Ops::traverse`]) run under the read lock and must not
/// call into the same map. If `doomed` panics, the entries marked so far stay deleted and the
/// next sweep removes them physically.
///
/// Cloning gives another handle to the same map ([`Shared::handle`] does the same).
pub struct TombstoneMap<V> {
    inner: Arc<Inner<V>>,
}

impl<V> Clone for TombstoneMap<V> {
    fn clone(&self) -> Self {
        TombstoneMap {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<V> fmt::Debug for TombstoneMap<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TombstoneMap")
            .field("compact_above", &self.inner.compact_above)
            .field("chunk", &self.inner.chunk)
            .finish_non_exhaustive()
    }
}

/// Adds the marks a chunk made to [`Inner::marked`] when dropped: at the end of the chunk, or
/// while unwinding from a panicking predicate, in both cases before the read lock is released.
struct MarkCount<'a> {
    total: &'a AtomicUsize,
    pending: usize,
}

impl Drop for MarkCount<'_> {
    fn drop(&mut self) {
        if self.pending > 0 {
            self.total.fetch_add(self.pending, Ordering::Relaxed);
        }
    }
}

/// Steps `cursor` over at most `limit` entries of `map`, calling `each` on each; returns false
/// once the walk is over.
#[cfg(not(evacbench_loom))]
#[inline]
fn step_chunk<'m, V>(
    cursor: &mut Cursor<Key, Slot<V>>,
    map: &'m Map<Slot<V>>,
    limit: usize,
    mut each: impl FnMut(Key, &'m Slot<V>),
) -> bool {
    for _ in 0..limit {
        match cursor.next(map) {
            Some((&key, slot)) => each(key, slot),
            None => return false,
        }
    }
    true
}

/// Steps `cursor` over at most `limit` entries of `map`, calling `each` on each; returns false
/// once the walk is over.
///
/// Under loom the chunk's entries are collected first and handed to `each` in key order. Inside
/// one chunk the read lock is held, so no writer runs and the order is semantically free (the
/// cursor's own order is random); fixing it makes the sequence of atomic operations a function
/// of the schedule alone, as loom requires.
#[cfg(evacbench_loom)]
fn step_chunk<'m, V>(
    cursor: &mut Cursor<Key, Slot<V>>,
    map: &'m Map<Slot<V>>,
    limit: usize,
    mut each: impl FnMut(Key, &'m Slot<V>),
) -> bool {
    let mut batch = Vec::new();
    let mut more = true;
    for _ in 0..limit {
        match cursor.next(map) {
            Some((&key, slot)) => batch.push((key, slot)),
            None => {
                more = false;
                break;
            }
        }
    }
    batch.sort_unstable_by_key(|&(key, _)| key);
    for (key, slot) in batch {
        each(key, slot);
    }
    more
}

impl<V: Value> TombstoneMap<V> {
    /// Builds a map whose walks take `chunk` entries per hold of the read lock.
    pub(crate) fn with_chunk(build: &Build, chunk: usize) -> Result<Self, BuildError> {
        build.validate()?;
        assert!(chunk > 0, "a chunk must hold at least one entry");
        Ok(TombstoneMap {
            inner: Arc::new(Inner {
                map: RwLock::new(new_map::<Slot<V>>(build)),
                marked: AtomicUsize::new(0),
                sweeping: Mutex::new(()),
                compact_above: build.compact_above,
                load_factor: build.map.load_factor,
                chunk,
            }),
        })
    }

    /// Walks every entry with a detached cursor, one chunk per hold of the read lock, calling
    /// `each` on every slot (marked ones too) with the chunk's [`MarkCount`].
    fn walk(&self, mut each: impl FnMut(Key, &Slot<V>, &mut MarkCount<'_>)) {
        let inner = &*self.inner;
        let mut cursor = sync::read(&inner.map).cursor();
        loop {
            let map = sync::read(&inner.map);
            // Declared after `map`, so dropped (and flushed) before the lock is released, also
            // when `each` unwinds.
            let mut count = MarkCount {
                total: &inner.marked,
                pending: 0,
            };
            let more = step_chunk(&mut cursor, &map, inner.chunk, |key, slot| {
                each(key, slot, &mut count);
            });
            drop(count);
            drop(map);
            if !more {
                return;
            }
        }
    }

    /// The mark phase: judges every unmarked entry and marks the doomed ones. The caller
    /// serialises sweeps.
    fn mark<F: FnMut(Key, &V) -> bool>(&self, mut doomed: F) -> Sweep {
        let mut sweep = Sweep::default();
        self.walk(|key, slot, count| {
            if slot.is_marked() {
                // Deleted by an earlier sweep that panicked before its delete phase.
                return;
            }
            sweep.visited += 1;
            if doomed(key, &slot.value) {
                slot.marked.store(true, Ordering::Relaxed);
                count.pending += 1;
                sweep.removed += 1;
            }
        });
        sweep
    }

    /// The delete phase: removes every marked slot under the write lock, then compacts the table
    /// if the dead fraction of its capacity exceeds the threshold. Returns the slots removed.
    fn delete(&self) -> usize {
        let inner = &*self.inner;
        let mut map = sync::write(&inner.map);
        let mut removed = 0;
        map.retain(|_, slot| {
            let marked = slot.is_marked();
            removed += usize::from(marked);
            !marked
        });
        let counted = inner.marked.swap(0, Ordering::Relaxed);
        debug_assert_eq!(counted, removed, "the marked count drifted");
        if removed == 0 {
            // Nothing died: a presized or freshly shrunk table is left alone.
            return 0;
        }
        let stats = map.stats();
        let capacity = inner.load_factor * stats.buckets as f64;
        let dead = 1.0 - stats.len as f64 / capacity;
        if dead > inner.compact_above {
            map.shrink_to_fit();
        }
        removed
    }
}

impl<V: Value> Ops<V> for TombstoneMap<V> {
    fn insert(&mut self, key: Key, value: V) -> bool {
        let inner = &*self.inner;
        let mut map = sync::write(&inner.map);
        match map.insert(key, Slot::new(value)) {
            None => true,
            Some(old) if old.is_marked() => {
                inner.marked.fetch_sub(1, Ordering::Relaxed);
                true
            }
            Some(_) => false,
        }
    }

    #[inline]
    fn get(&mut self, key: Key) -> Option<u64> {
        let map = sync::read(&self.inner.map);
        map.get(&key)
            .filter(|slot| !slot.is_marked())
            .map(|slot| slot.value.check())
    }

    fn remove(&mut self, key: Key) -> bool {
        let inner = &*self.inner;
        let mut map = sync::write(&inner.map);
        match map.remove(&key) {
            None => false,
            Some(old) if old.is_marked() => {
                inner.marked.fetch_sub(1, Ordering::Relaxed);
                false
            }
            Some(_) => true,
        }
    }

    fn sweep<F>(&mut self, doomed: F) -> Sweep
    where
        F: FnMut(Key, &V) -> bool,
    {
        let _serial = sync::lock(&self.inner.sweeping);
        let sweep = self.mark(doomed);
        self.delete();
        sweep
    }

    fn traverse<F>(&mut self, mut f: F) -> usize
    where
        F: FnMut(Key, &V),
    {
        let mut n = 0;
        self.walk(|key, slot, _| {
            if !slot.is_marked() {
                f(key, &slot.value);
                n += 1;
            }
        });
        n
    }

    fn len(&mut self) -> usize {
        let map = sync::read(&self.inner.map);
        let marked = self.inner.marked.load(Ordering::Relaxed);
        debug_assert!(marked <= map.len());
        map.len().saturating_sub(marked)
    }

    /// Removes any marked slots left by an interrupted sweep, then `shrink_to_fit`.
    fn shrink(&mut self) -> bool {
        let _sweeping = sync::lock(&self.inner.sweeping);
        self.delete();
        sync::write(&self.inner.map).shrink_to_fit();
        true
    }

    fn probe_stats(&mut self) -> Option<evacmap::ProbeStats> {
        Some(sync::read(&self.inner.map).probe_stats())
    }

    fn memory(&mut self) -> Memory {
        let map = sync::read(&self.inner.map);
        let marked = self.inner.marked.load(Ordering::Relaxed);
        Memory {
            garbage_bytes: marked * cell_bytes::<V>(),
            ..map_memory(&map)
        }
    }
}

impl<V: Value> Contender<V> for TombstoneMap<V> {
    const INFO: Info = Info {
        name: "tombstone",
        origin: Origin::Strategy,
        shared: true,
        consistency: Consistency::AtLeastOnce,
        readers_block: ReaderBlocking::DeletePhase,
        keeps_order: false,
        during_sweep: "every entry stays readable until it is marked and reads as absent from \
                       then on; readers share the read lock with the mark phase and wait only \
                       while the batch delete (and any compaction) holds the write lock",
        extra_memory: "one mark flag per table cell, used or not: it pads each value slot by \
                       8 bytes (v8 16 instead of 8, v64 72 instead of 64); marked entries keep \
                       their cells until the batch delete",
        choose_when: "shared read-mostly maps whose readers must keep going while a slow \
                      predicate runs, when a short pause for the batch delete is acceptable and \
                      memory should come back after mass deletion",
        how: "mark doomed entries with the detached cursor under a read lock, chunk by chunk \
              (readers treat marks as absent), then remove all marks in one `retain` under the \
              write lock and `shrink_to_fit` past the dead-fraction threshold",
    };

    fn build(build: &Build) -> Result<Self, BuildError> {
        Self::with_chunk(build, MARK_CHUNK)
    }
}

impl<V: Value> Shared<V> for TombstoneMap<V> {
    type Handle = Self;

    fn handle(&self) -> Self {
        self.clone()
    }
}

#[cfg(all(test, not(evacbench_loom)))]
mod tests {
    use super::*;
    use crate::value::{check_word, V64, V8};
    use std::collections::HashSet;
    use std::panic::{catch_unwind, AssertUnwindSafe};
    use std::sync::atomic::AtomicBool as StdAtomicBool;
    use std::thread;

    fn filled(n: u64, chunk: usize) -> TombstoneMap<V8> {
        let mut m = TombstoneMap::with_chunk(&Build::default(), chunk).unwrap();
        for k in 0..n {
            assert!(m.insert(k, V8::new(k, 0)));
        }
        m
    }

    fn b_of(m: &TombstoneMap<V8>) -> u8 {
        sync::read(&m.inner.map).stats().b
    }

    #[test]
    fn slot_sizes_match_the_info() {
        assert_eq!(size_of::<Slot<V8>>(), 16);
        assert_eq!(size_of::<Slot<V64>>(), 72);
        assert_eq!(cell_bytes::<V8>(), 24);
    }

    #[test]
    fn marked_entries_are_invisible_before_the_delete_phase() {
        let mut m = filled(100, 7);
        let s = m.mark(|k, _| k % 3 == 0);
        assert_eq!(
            s,
            Sweep {
                visited: 100,
                removed: 34
            }
        );
        assert_eq!(m.len(), 66);
        assert_eq!(sync::read(&m.inner.map).len(), 100, "nothing moved yet");
        for k in 0..100 {
            let want = (k % 3 != 0).then(|| check_word(k, 0));
            assert_eq!(m.get(k), want, "key {k}");
        }
        let mut seen = HashSet::new();
        assert_eq!(m.traverse(|k, _| assert!(seen.insert(k))), 66);
        assert!(seen.iter().all(|k| k % 3 != 0));
        // A second mark pass does not visit (or count) what is already deleted.
        assert_eq!(
            m.mark(|_, _| false),
            Sweep {
                visited: 66,
                removed: 0
            }
        );
        assert_eq!(m.delete(), 34);
        assert_eq!(sync::read(&m.inner.map).len(), 66);
        assert_eq!(m.len(), 66);
    }

    #[test]
    fn writes_over_marked_entries() {
        let mut m = filled(10, 3);
        m.mark(|k, _| k < 4);
        // Re-insert after the mark: the key was absent, and the new value survives the delete.
        assert!(m.insert(1, V8::new(1, 9)));
        assert_eq!(m.get(1), Some(check_word(1, 9)));
        // Removing a marked key: it was already absent.
        assert!(!m.remove(2));
        assert!(!m.remove(2));
        assert_eq!(m.len(), 7);
        assert_eq!(m.inner.marked.load(Ordering::Relaxed), 2);
        assert_eq!(m.delete(), 2, "only keys 0 and 3 are still marked");
        assert_eq!(m.get(1), Some(check_word(1, 9)));
        assert_eq!(m.get(0), None);
        assert_eq!(m.get(3), None);
        assert_eq!(m.len(), 7);
        // Overwriting an unmarked key is an update.
        assert!(!m.insert(5, V8::new(5, 1)));
        assert!(m.remove(5));
        assert_eq!(m.len(), 6);
    }

    #[test]
    fn sweep_removes_exactly_the_doomed() {
        let mut m = filled(5000, MARK_CHUNK);
        let s = m.sweep(|k, v| {
            assert_eq!(v.check(), check_word(k, 0));
            k % 2 == 1
        });
        assert_eq!(
            s,
            Sweep {
                visited: 5000,
                removed: 2500
            }
        );
        assert_eq!(m.len(), 2500);
        assert!((0..5000).all(|k| m.get(k).is_some() == (k % 2 == 0)));
        assert_eq!(m.memory().garbage_bytes, 0);
    }

    #[test]
    fn compaction_only_past_the_threshold() {
        // 90% doomed leaves under a quarter of the capacity live: the table halves.
        let mut m = filled(20_000, MARK_CHUNK);
        let b = b_of(&m);
        let heap = m.memory().heap_bytes;
        m.sweep(|k, _| k % 10 != 0);
        assert!(b_of(&m) < b, "b {} -> {}", b, b_of(&m));
        assert!(m.memory().heap_bytes < heap / 4);
        assert!((0..20_000).all(|k| m.get(k).is_some() == (k % 10 == 0)));

        // 10% doomed stays under the threshold: no compaction.
        let mut m = filled(20_000, MARK_CHUNK);
        let b = b_of(&m);
        m.sweep(|k, _| k % 10 == 0);
        assert_eq!(b_of(&m), b);

        // A threshold of 1 never compacts, even after deleting everything.
        let build = Build {
            compact_above: 1.0,
            ..Build::default()
        };
        let mut m = TombstoneMap::<V8>::with_chunk(&build, MARK_CHUNK).unwrap();
        for k in 0..20_000 {
            m.insert(k, V8::new(k, 0));
        }
        let b = b_of(&m);
        m.sweep(|_, _| true);
        assert_eq!(b_of(&m), b);
        assert!(m.is_empty());
    }

    #[test]
    fn memory_reports_marked_entries_as_garbage() {
        let mut m = TombstoneMap::<V64>::with_chunk(&Build::default(), 5).unwrap();
        for k in 0..1000 {
            m.insert(k, V64::new(k, 0));
        }
        let before = m.memory();
        assert_eq!(before.garbage_bytes, 0);
        assert!(before.exact);
        m.mark(|k, _| k < 250);
        let marked = m.memory();
        assert_eq!(marked.garbage_bytes, 250 * (8 + 72));
        assert_eq!(
            marked.heap_bytes, before.heap_bytes,
            "marking allocates nothing"
        );
        assert!(m.remove(999));
        assert!(!m.remove(0));
        assert_eq!(m.memory().garbage_bytes, 249 * (8 + 72));
        m.delete();
        assert_eq!(m.memory().garbage_bytes, 0);
    }

    #[test]
    fn a_panicking_predicate_leaves_its_marks_deleted() {
        let mut m = filled(1000, 16);
        let mut calls = 0;
        let r = catch_unwind(AssertUnwindSafe(|| {
            m.clone().sweep(|_, _| {
                calls += 1;
                assert!(calls <= 500, "predicate failure");
                true
            })
        }));
        assert!(r.is_err());
        // The 500 marked entries stay deleted, and the count agrees, whichever chunk panicked.
        assert_eq!(m.len(), 500);
        let present = (0..1000).filter(|&k| m.get(k).is_some()).count();
        assert_eq!(present, 500);
        assert_eq!(m.memory().garbage_bytes, 500 * cell_bytes::<V8>());
        // The next sweep visits only the live entries and removes the dead ones physically.
        let s = m.sweep(|_, _| false);
        assert_eq!(
            s,
            Sweep {
                visited: 500,
                removed: 0
            }
        );
        assert_eq!(sync::read(&m.inner.map).len(), 500);
        assert_eq!(m.memory().garbage_bytes, 0);
    }

    #[test]
    fn concurrent_readers_and_writer_during_sweeps() {
        const N: u64 = 4000;
        let m = filled(N, 8);
        let done = std::sync::Arc::new(StdAtomicBool::new(false));
        let readers: Vec<_> = (0..2)
            .map(|t| {
                let mut h = m.handle();
                let done = done.clone();
                thread::spawn(move || {
                    let mut gone = HashSet::new();
                    let mut rounds = 0;
                    while !done.load(Ordering::Relaxed) || rounds < 2 {
                        rounds += 1;
                        for k in (t..N).step_by(2) {
                            match h.get(k) {
                                Some(w) => {
                                    assert_eq!(w, check_word(k, 0), "key {k}");
                                    assert!(!gone.contains(&k), "doomed key {k} came back");
                                }
                                None => {
                                    assert!(k % 2 == 1, "non-doomed key {k} missed");
                                    gone.insert(k);
                                }
                            }
                        }
                        // Never-inserted keys stay absent.
                        assert_eq!(h.get(N + 1_000_000 + t), None);
                    }
                })
            })
            .collect();
        let writer = {
            let mut h = m.handle();
            thread::spawn(move || {
                for k in N..N + 2000 {
                    assert!(h.insert(k, V8::new(k, 0)));
                }
            })
        };
        let mut sweeper = m.handle();
        let mut removed = 0;
        for round in 0..3 {
            // Dooms odd keys below N only; the writer's keys are never doomed.
            let s = sweeper.sweep(|k, _| k < N && k % 2 == 1);
            if round == 0 {
                assert!(s.visited >= N as usize);
            }
            removed += s.removed;
        }
        writer.join().unwrap();
        done.store(true, Ordering::Relaxed);
        for r in readers {
            r.join().unwrap();
        }
        let mut m = m;
        assert_eq!(removed, N as usize / 2);
        assert_eq!(m.len(), N as usize / 2 + 2000);
        assert!((N..N + 2000).all(|k| m.get(k) == Some(check_word(k, 0))));
        assert!((0..N).all(|k| m.get(k).is_some() == (k % 2 == 0)));
    }
}
