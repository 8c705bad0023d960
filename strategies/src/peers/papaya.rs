//! papaya, a lock-free concurrent map with epoch-style reclamation (seize).
//!
//! # The problem
//! A lock-free map answers "delete while iterating" without locks: readers never wait, and
//! removing the entry just yielded is an ordinary `remove` through the same pinned reference
//! (`map.pin()`), because iteration holds no lock to deadlock on. The price is in what a
//! traversal promises and when memory comes back. papaya's iterators walk "a weak snapshot of
//! the table": entries present throughout are seen, entries inserted or removed meanwhile may or
//! may not be. A removal swaps the entry's pointer for a tombstone and *retires* the entry: it
//! is freed only once no thread pinned before the removal can still read it (seize's deferred
//! reclamation), and the tombstoned slot is reclaimed only when a resize copies the table.
//! Removal alone never shrinks the table; a resize triggered by an insert halves it when at
//! most an eighth of it is live, never below the initial capacity.
//!
//! # What a traversal promises
//! An iterator walks one table array, slot by slot. An entry present throughout keeps its slot
//! (a resize copies it to a new table but leaves it readable in the old one, which the walk
//! keeps), so it is yielded exactly once. But papaya never reuses a tombstoned slot: a key
//! removed and re-inserted during a walk lands in another slot, possibly ahead of the walk, and
//! is then yielded again, once per entry. So a traversal never repeats an *entry* present
//! throughout, but may repeat a *key* that was removed and re-inserted meanwhile (observed with
//! the conformance suite's churn, and in this module's tests). The same holds for the keys the
//! sweeps visit; `retain` may also call its predicate again on a key whose value a writer
//! changes during the removal.
//!
//! # The contenders
//! * [`PapayaRetain`] (`papaya-retain`): `retain` with a pinned guard.
//! * [`PapayaIterRemove`] (`papaya-iter-remove`):
//!   `for (k, v) in m.iter() { if doomed { m.remove_if(k, ..) } }` through the same pinned
//!   reference. The plain `m.remove(k)` people write first loses a concurrent write: between
//!   judging the yielded value and removing the key, another thread may have replaced the value
//!   with one the predicate keeps. `remove_if` judges the value the key holds at removal.
//!
//! # Resize mode: blocking
//! Both are built with [`ResizeMode::Blocking`]: a resize is done at once, all writers that
//! meet it helping copy, instead of papaya's default incremental mode, where each writer copies
//! a chunk of 64 entries before its own operation. papaya recommends blocking resizes for
//! iteration-heavy use: `iter`, `retain` and `clear` must first finish any in-progress resize to
//! see a consistent table, which in incremental mode means finishing someone else's copy
//! mid-sweep. Reads never wait in either mode; an insert that triggers a resize (and any insert
//! during one) waits for the copy to finish.
//!
//! # Memory (an estimate)
//! papaya exposes neither its table length nor its retired garbage. [`Ops::memory`] estimates
//! the table as `TABLE_HEADER + 9 * slots` bytes (a one-byte meta tag and an entry pointer per
//! slot, `Table::layout`), with `slots` the larger of the initial table
//! (`(capacity * 8 / 6).next_power_of_two()`, papaya's `probe::entries_for`) and the smallest
//! power of two holding the live entries at papaya's ~85% probe-limit load. Each live entry is
//! its own allocation of `8 + V::BYTES` bytes, and the length counter one cache-padded word per
//! CPU (rounded up to a power of two). The table after a mass removal keeps its size until an
//! insert triggers a resize, which this misses if the table had grown above its initial size.
//! Retired entries waiting for reclamation cannot be observed from outside papaya, so
//! `garbage_bytes` is 0 (the benches' counting allocator measures the truth).

use core::mem::size_of;
use std::sync::Arc;

use papaya::{HashMap, ResizeMode};

use crate::build::{hasher, Build, BuildError, Hasher};
use crate::contender::{
    Consistency, Contender, Info, Memory, Ops, Origin, ReaderBlocking, Shared, Sweep,
};
use crate::value::{Key, Value};

/// The papaya map both contenders store.
type Map<V> = HashMap<Key, V, Hasher>;

fn new_map<V>(build: &Build) -> Map<V> {
    HashMap::builder()
        .capacity(build.capacity)
        .hasher(hasher(build.seed))
        .resize_mode(ResizeMode::Blocking)
        .build()
}

/// Approximate bytes of a papaya table's header (`TableLayout`: mask, probe limit and the
/// resize `State`: next-table pointer, allocation mutex, copy counters, status, parker, deferred
/// stack).
const TABLE_HEADER: usize = 128;

/// The estimate of the module docs, for `len` live entries and an initial `capacity`.
fn estimate<V>(capacity: usize, len: usize) -> Memory {
    // papaya's `probe::entries_for`: the initial table for `capacity`.
    let initial = if capacity == 0 {
        0
    } else {
        (capacity * 8 / 6).next_power_of_two()
    };
    // The smallest table holding `len` at the ~85% load papaya's probe limit allows.
    let holding = if len == 0 {
        0
    } else {
        (len * 100).div_ceil(85).next_power_of_two()
    };
    let slots = initial.max(holding).max(if len > 0 { 8 } else { 0 });
    let table = if slots == 0 {
        0
    } else {
        TABLE_HEADER + slots * (1 + size_of::<usize>())
    };
    // papaya's `Entry<K, V>` is `repr(C, align(8))`: the key then the value.
    let entries = len * size_of::<(Key, V)>();
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let counter = cpus.next_power_of_two() * 128;
    Memory {
        heap_bytes: table + entries + counter,
        garbage_bytes: 0,
        exact: false,
        garbage_known: false,
    }
}

/// `Clone`, [`Ops`] and [`Shared`] for both contenders; `$extra` holds the methods each one
/// writes itself (its sweep).
macro_rules! papaya_ops {
    ($ty:ident { $($extra:tt)* }) => {
        impl<V> Clone for $ty<V> {
            fn clone(&self) -> Self {
                $ty {
                    map: Arc::clone(&self.map),
                    capacity: self.capacity,
                }
            }
        }

        impl<V: Value> Ops<V> for $ty<V> {
            $($extra)*

            #[inline]
            fn insert(&mut self, key: Key, value: V) -> bool {
                self.map.pin().insert(key, value).is_none()
            }

            #[inline]
            fn get(&mut self, key: Key) -> Option<u64> {
                self.map.pin().get(&key).map(Value::check)
            }

            #[inline]
            fn remove(&mut self, key: Key) -> bool {
                self.map.pin().remove(&key).is_some()
            }

            /// papaya's `iter()` through one pinned reference: a weak snapshot.
            fn traverse<F>(&mut self, mut f: F) -> usize
            where
                F: FnMut(Key, &V),
            {
                let m = self.map.pin();
                let mut n = 0;
                for (k, v) in m.iter() {
                    f(*k, v);
                    n += 1;
                }
                n
            }

            /// papaya's striped counter summed with relaxed loads: exact when no other thread
            /// writes, approximate while they do.
            fn len(&mut self) -> usize {
                self.map.len()
            }

            /// Estimated (module docs); retired garbage is unobservable and reported as 0.
            fn memory(&mut self) -> Memory {
                estimate::<V>(self.capacity, self.map.len())
            }
        }

        impl<V: Value> Shared<V> for $ty<V> {
            type Handle = Self;

            fn handle(&self) -> Self {
                self.clone()
            }
        }
    };
}

/// papaya swept with `retain` under one pinned guard. Cloning it (or [`Shared::handle`])
/// shares the map.
#[derive(Debug)]
pub struct PapayaRetain<V> {
    map: Arc<Map<V>>,
    /// The capacity it was built with (papaya's table never shrinks below it).
    capacity: usize,
}

papaya_ops!(PapayaRetain {
    fn sweep<F>(&mut self, mut doomed: F) -> Sweep
    where
        F: FnMut(Key, &V) -> bool,
    {
        let mut sweep = Sweep::default();
        self.map.pin().retain(|k, v| {
            sweep.keep(doomed(*k, v))
        });
        sweep
    }
});

impl<V: Value> Contender<V> for PapayaRetain<V> {
    const INFO: Info = Info {
        name: "papaya-retain",
        origin: Origin::Peer,
        shared: true,
        consistency: Consistency::AtLeastOnce,
        readers_block: ReaderBlocking::Never,
        keeps_order: false,
        during_sweep: "readers never wait and see each entry before or after its removal; \
                       inserts proceed unless they trigger a resize (blocking resize mode: they \
                       wait for the copy). A traversal may yield a key twice if it is removed \
                       and re-inserted meanwhile",
        extra_memory: "removed entries are retired and freed only after every guard that could \
                       see them is dropped (seize); tombstoned slots stay until a resize, which \
                       only an insert triggers",
        choose_when: "many readers that must never wait for a sweep, when deferred reclamation \
                      and O(table) iteration are acceptable",
        how: "`retain` with a pinned guard: each rejected entry is swapped for a tombstone and \
              retired (ResizeMode::Blocking)",
    };

    fn build(build: &Build) -> Result<Self, BuildError> {
        build.validate()?;
        Ok(PapayaRetain {
            map: Arc::new(new_map(build)),
            capacity: build.capacity,
        })
    }
}

/// papaya swept by iterating and removing each doomed key through the same pinned reference.
/// Cloning it (or [`Shared::handle`]) shares the map.
#[derive(Debug)]
pub struct PapayaIterRemove<V> {
    map: Arc<Map<V>>,
    /// The capacity it was built with (papaya's table never shrinks below it).
    capacity: usize,
}

impl<V: Value> PapayaIterRemove<V> {
    /// The iterate-and-remove loop, inserting one of `inserts` after every `every` visited
    /// entries (lock-free, so nothing stops the loop body from writing).
    fn iter_remove<F, I>(&mut self, mut doomed: F, mut inserts: I, every: usize) -> Sweep
    where
        F: FnMut(Key, &V) -> bool,
        I: Iterator<Item = (Key, V)>,
    {
        let mut sweep = Sweep::default();
        let m = self.map.pin();
        for (k, v) in m.iter() {
            sweep.visited += 1;
            // Remove only if the value the key holds now is still doomed: a writer may have
            // replaced the judged value since the iterator yielded it. `remove_if` re-judges
            // the current value; `Ok(Some(_))` means this call removed it.
            if doomed(*k, v) && matches!(m.remove_if(k, |key, now| doomed(*key, now)), Ok(Some(_)))
            {
                sweep.removed += 1;
            }
            if sweep.visited % every == 0 {
                if let Some((k, v)) = inserts.next() {
                    m.insert(k, v);
                }
            }
        }
        for (k, v) in inserts {
            m.insert(k, v);
        }
        sweep
    }
}

papaya_ops!(PapayaIterRemove {
    fn sweep<F>(&mut self, doomed: F) -> Sweep
    where
        F: FnMut(Key, &V) -> bool,
    {
        self.iter_remove(doomed, core::iter::empty(), usize::MAX)
    }

    /// Inserts from inside the loop body: papaya's iterator holds no lock.
    fn sweep_interleaved<F, I>(&mut self, doomed: F, inserts: I, every: usize) -> Sweep
    where
        F: FnMut(Key, &V) -> bool,
        I: Iterator<Item = (Key, V)>,
    {
        self.iter_remove(doomed, inserts, every.max(1))
    }
});

impl<V: Value> Contender<V> for PapayaIterRemove<V> {
    const INFO: Info = Info {
        name: "papaya-iter-remove",
        origin: Origin::Peer,
        shared: true,
        consistency: Consistency::AtLeastOnce,
        readers_block: ReaderBlocking::Never,
        keeps_order: false,
        during_sweep: "readers never wait and see each entry before or after its removal; \
                       inserts proceed unless they trigger a resize (blocking resize mode: they \
                       wait for the copy). A traversal may yield a key twice if it is removed \
                       and re-inserted meanwhile",
        extra_memory: "removed entries are retired and freed only after every guard that could \
                       see them is dropped (seize); tombstoned slots stay until a resize, which \
                       only an insert triggers",
        choose_when: "lock-free reads plus a loop body that may remove, insert or stop at any \
                      step; remove with `remove_if` re-judging the current value, or a \
                      concurrent write between judging and removing is lost",
        how: "`for (k, v) in m.iter() { if doomed { m.remove_if(k, re-judge) } }` through one \
              pinned reference, lock-free (ResizeMode::Blocking)",
    };

    fn build(build: &Build) -> Result<Self, BuildError> {
        build.validate()?;
        Ok(PapayaIterRemove {
            map: Arc::new(new_map(build)),
            capacity: build.capacity,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{V64, V8};

    mod retain {
        use super::*;
        use crate::peers::hashbrown::checks;
        checks::shared_checks!(PapayaRetain);
    }

    mod iter_remove {
        use super::*;
        use crate::peers::hashbrown::checks;
        checks::shared_checks!(PapayaIterRemove);
    }

    #[test]
    fn estimate_counts_the_initial_table_and_live_entries() {
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        let counter = cpus.next_power_of_two() * 128;
        // 1000 entries: papaya allocates (1000 * 8 / 6).next_power_of_two() = 2048 slots.
        let m = estimate::<V64>(1_000, 0);
        assert_eq!(m.heap_bytes, TABLE_HEADER + 2_048 * 9 + counter);
        assert_eq!(
            estimate::<V64>(1_000, 1_000).heap_bytes,
            m.heap_bytes + 1_000 * 72
        );
        // Grown beyond the initial table: at least the live entries at 85% load.
        assert_eq!(
            estimate::<V8>(0, 1_000).heap_bytes,
            TABLE_HEADER + 2_048 * 9 + 1_000 * 16 + counter
        );
        assert_eq!(estimate::<V8>(0, 0).heap_bytes, counter);
    }

    #[test]
    fn remove_inside_iter_does_not_deadlock_and_inserts_land() {
        let m = PapayaIterRemove::<V8>::build(&Build::with_capacity(0)).unwrap();
        let mut h = m.handle();
        for k in 0..1_000 {
            h.insert(k, V8::new(k, 0));
        }
        // Inserts from inside the loop trigger resizes (the map started empty).
        let inserts = (5_000..7_000).map(|k| (k, V8::new(k, 0)));
        let sweep = h.sweep_interleaved(|k, _| k < 1_000 && k % 2 == 0, inserts, 1);
        assert_eq!(sweep.removed, 500);
        assert!(sweep.visited >= 1_000, "{sweep:?}");
        assert_eq!(h.len(), 500 + 2_000);
        for k in 5_000..7_000 {
            assert_eq!(h.get(k), Some(crate::check_word(k, 0)), "inserted key {k}");
        }
    }

    #[test]
    fn build_rejects_an_invalid_build() {
        let bad = Build {
            shards: Some(0),
            ..Build::default()
        };
        assert!(PapayaRetain::<V8>::build(&bad).is_err());
        assert!(PapayaIterRemove::<V8>::build(&bad).is_err());
    }

    /// papaya's traversals never repeat an entry present throughout, but a key removed and
    /// re-inserted during a traversal goes to a new slot (tombstones are not reused) and may be
    /// yielded again, once per entry: here each yield re-inserts it, so some keys come back
    /// more than twice (module docs).
    #[test]
    fn a_key_reinserted_during_a_traversal_may_be_yielded_twice() {
        let m = PapayaRetain::<V8>::build(&Build::with_capacity(1_000)).unwrap();
        let mut h = m.handle();
        let mut writer = m.handle();
        for k in 0..1_000 {
            h.insert(k, V8::new(k, 0));
        }
        let mut times = std::collections::HashMap::new();
        let n = h.traverse(|k, _| {
            *times.entry(k).or_insert(0_u32) += 1;
            // Even keys are removed and re-inserted as they are seen; odd keys stay put.
            if k % 2 == 0 {
                writer.remove(k);
                writer.insert(k, V8::new(k, 0));
            }
        });
        assert!(n > 1_000, "no key yielded twice ({n} calls)");
        for (k, t) in times {
            assert!(
                k % 2 == 0 || t == 1,
                "key {k}, present throughout, yielded {t} times"
            );
        }
        assert_eq!(h.len(), 1_000);
    }
}
