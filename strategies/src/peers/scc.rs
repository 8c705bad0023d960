//! scc's `HashMap`: 32-slot buckets, each with its own lock, and cursor-style entry APIs.
//!
//! # The problem
//! scc has no `Iterator` over its `HashMap` (an item's lifetime cannot be tied to a bucket
//! lock through the `Iterator` trait), so deleting while walking goes through closures or a
//! cursor. `iter_sync` runs its closure under the bucket's read lock, so removing from inside
//! it would block on that same bucket. The removal-safe APIs are `retain_sync` (a closure that
//! keeps or drops each entry under the bucket's write lock) and the cursor `begin_sync()` →
//! `OccupiedEntry::remove_and_sync()` / `next_sync()`, which "never acquires more than one
//! lock". Removal clears the slot's occupied bit and drops the entry at once (no tombstone:
//! lookups filter slots with a per-bucket partial-hash array). The table shrinks on its own
//! when a sample of buckets is under 1/8 full, never below the capacity it was built with:
//! scc tries after a removal empties a bucket and after a `retain_sync` walk (though after a
//! sweep it was not seen to succeed, below).
//!
//! # The contenders
//! * [`SccRetain`] (`scc-retain`): `retain_sync`.
//! * [`SccCursor`] (`scc-cursor`): `begin_sync()`, then `remove_and_sync()` or `next_sync()`
//!   on each entry.
//!
//! # What others see, and where the guarantee stops
//! A sweep write-locks one bucket (32 slots) at a time: readers and writers of that bucket
//! wait, all others proceed. scc promises that "entries that have existed since the invocation
//! of the method are guaranteed to be visited if they are not removed, however the same entry
//! can be visited more than once if the `HashMap` gets resized by another thread". Reading
//! scc 3.8.8, the repeat comes from a *shrink*: when the bucket array is replaced mid-walk, the
//! walk resumes at the new array's bucket covering its position, and a smaller array merges
//! buckets it already walked into that one. (Bucket indices are the hash's top bits, so growth
//! splits buckets behind and ahead of the walk cleanly.) A shrink needs the table to be above
//! its built capacity and under 1/8 full, so a map built with room for its entries never
//! shrinks. Otherwise:
//! * a traversal ([`Ops::traverse`], `iter_sync`) or a `retain_sync` sweep may see an entry
//!   twice if another thread's removals shrink the table meanwhile;
//! * the bare cursor does so even in a single thread: `next_sync`, leaving a bucket its
//!   removals emptied, tries to shrink the table, so a cursor sweep of a grown table that
//!   removes most entries shrinks it under itself and visits some survivors twice (observed:
//!   12 of 200 survivors after removing 19 800 of 20 000 entries from a map built empty).
//!   [`SccCursor`] therefore holds a [`scc::hash_map::Reserve`] for the walk, scc's API "to
//!   prevent shrinking": it raises the minimum capacity to the current capacity, so nothing
//!   shrinks the table during the walk; dropping it afterwards restores the minimum and lets
//!   scc try to shrink, as `retain_sync` does after its walk. The price: the table keeps its
//!   size after the sweep where the bare cursor would have shrunk it during the walk. (Observed
//!   with scc 3.8.8: after either sweep leaves 200 of 20 000 entries of a map built empty, the
//!   table keeps its 32 768 slots, and point removals afterwards do not shrink it either until
//!   the map is empty.) Two sweeps reserving at the same moment can add their reservations up
//!   above the capacity, which makes scc grow the table; sweeps from one thread at a time never
//!   do.
//!
//! # Memory (an estimate)
//! `capacity()` is the current array's slot count. A bucket array of `n = capacity / 32`
//! buckets is two allocations: `n + 1` bucket headers of 64 bytes (length, lock, occupied and
//! removed bitmaps, 32 partial hashes, overflow link; `BucketArray::bucket_array_layout`) and
//! `n` data blocks of 32 keys and 32 values. [`Ops::memory`] reports those plus the array's
//! descriptor (about 64 bytes), with `exact: false`: overflow buckets (rare below full load)
//! and an old array still linked during a resize are not visible. Old arrays are freed through
//! scc's epoch reclamation (sdd), which is not observable from outside, so `garbage_bytes` is 0.

use core::mem::size_of;
use std::sync::Arc;

use scc::HashMap;

use crate::build::{hasher, Build, BuildError, Hasher};
use crate::contender::{
    Consistency, Contender, Info, Memory, Ops, Origin, ReaderBlocking, Shared, Sweep,
};
use crate::value::{Key, Value};

/// The scc map both contenders store.
type Map<V> = HashMap<Key, V, Hasher>;

/// Slots per scc bucket (`BUCKET_LEN`).
const BUCKET_LEN: usize = 32;

/// Bytes of one scc bucket header (`Bucket`, `repr(align(64))`).
const BUCKET_HEADER: usize = 64;

/// Approximate bytes of a bucket array's descriptor (`BucketArray`: two pointers, length,
/// hash offset, sample size, link to the old array, rehash state; plus sdd's reference count).
const ARRAY_HEADER: usize = 64;

/// The estimate of the module docs for a table of `slots` slots.
fn estimate<V>(slots: usize) -> Memory {
    let buckets = slots / BUCKET_LEN;
    let heap_bytes = if buckets == 0 {
        0
    } else {
        ARRAY_HEADER + (buckets + 1) * BUCKET_HEADER + slots * size_of::<(Key, V)>()
    };
    Memory {
        heap_bytes,
        garbage_bytes: 0,
        exact: false,
        garbage_known: false,
    }
}

/// `Clone`, [`Ops`] and [`Shared`] for both contenders; `$extra` holds the methods each one
/// writes itself (its sweep).
macro_rules! scc_ops {
    ($ty:ident, $info:expr, { $($extra:tt)* }) => {
        impl<V> Clone for $ty<V> {
            fn clone(&self) -> Self {
                $ty(Arc::clone(&self.0))
            }
        }

        impl<V: Value> Ops<V> for $ty<V> {
            $($extra)*

            #[inline]
            fn insert(&mut self, key: Key, value: V) -> bool {
                self.0.upsert_sync(key, value).is_none()
            }

            #[inline]
            fn get(&mut self, key: Key) -> Option<u64> {
                self.0.read_sync(&key, |_, v| v.check())
            }

            #[inline]
            fn remove(&mut self, key: Key) -> bool {
                self.0.remove_sync(&key).is_some()
            }

            /// `iter_sync`: `f` runs under each bucket's read lock (it must not write to the
            /// map). May visit an entry twice if the table shrinks meanwhile (module docs).
            fn traverse<F>(&mut self, mut f: F) -> usize
            where
                F: FnMut(Key, &V),
            {
                let mut n = 0;
                self.0.iter_sync(|k, v| {
                    f(*k, v);
                    n += 1;
                    true
                });
                n
            }

            /// scc's `len`: counts the occupied slots of every bucket (O(capacity)); exact when
            /// no other thread writes, and it may overcount while an old array is still linked
            /// during a resize.
            fn len(&mut self) -> usize {
                self.0.len()
            }

            /// Estimated from `capacity()` and scc's layout (module docs).
            fn memory(&mut self) -> Memory {
                estimate::<V>(self.0.capacity())
            }
        }

        impl<V: Value> Contender<V> for $ty<V> {
            const INFO: Info = $info;

            fn build(build: &Build) -> Result<Self, BuildError> {
                build.validate()?;
                Ok($ty(Arc::new(HashMap::with_capacity_and_hasher(
                    build.capacity,
                    hasher(build.seed),
                ))))
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

/// What a reader sees during either sweep.
const DURING_SWEEP: &str = "readers and writers of the one bucket (32 slots) being swept wait \
                            for its lock; all others proceed. An entry may be visited twice if \
                            the table shrinks during the walk";

/// What either sweep costs in memory.
const EXTRA_MEMORY: &str = "none: removed entries are dropped at once (no tombstones). Point \
                            removals shrink the table when sampled buckets are under 1/8 full \
                            (never below the built capacity), but a sweep leaves it at its \
                            size; old arrays are freed by epoch reclamation";

/// scc's `HashMap` swept with `retain_sync`, one bucket write lock at a time. Cloning it (or
/// [`Shared::handle`]) shares the map.
#[derive(Debug)]
pub struct SccRetain<V>(Arc<Map<V>>);

/// [`SccRetain`]'s [`Info`].
const RETAIN_INFO: Info = Info {
    name: "scc-retain",
    origin: Origin::Peer,
    shared: true,
    consistency: Consistency::AtLeastOnce,
    readers_block: ReaderBlocking::OneShardAtATime,
    keeps_order: false,
    during_sweep: DURING_SWEEP,
    extra_memory: EXTRA_MEMORY,
    choose_when: "a concurrent map with fine-grained (32-slot bucket) locking and no \
                  tombstones: removed entries are dropped at once",
    how: "`retain_sync`: write-locks one bucket at a time and drops its rejected entries",
};

scc_ops!(SccRetain, RETAIN_INFO, {
    fn sweep<F>(&mut self, mut doomed: F) -> Sweep
    where
        F: FnMut(Key, &V) -> bool,
    {
        let mut sweep = Sweep::default();
        self.0.retain_sync(|k, v| sweep.keep(doomed(*k, v)));
        sweep
    }
});

/// scc's `HashMap` swept with its entry cursor, one bucket lock at a time. Cloning it (or
/// [`Shared::handle`]) shares the map.
#[derive(Debug)]
pub struct SccCursor<V>(Arc<Map<V>>);

/// [`SccCursor`]'s [`Info`].
const CURSOR_INFO: Info = Info {
    name: "scc-cursor",
    origin: Origin::Peer,
    shared: true,
    consistency: Consistency::AtLeastOnce,
    readers_block: ReaderBlocking::OneShardAtATime,
    keeps_order: false,
    during_sweep: DURING_SWEEP,
    extra_memory: EXTRA_MEMORY,
    choose_when: "a concurrent map whose sweep needs an explicit loop (stop early, or act on \
                  each entry in place) with one lock held at a time",
    how: "`begin_sync()`, then `remove_and_sync()` or `next_sync()` on each `OccupiedEntry` (one \
          bucket's write lock at a time), holding a `Reserve` so the table cannot shrink under \
          the cursor",
};

scc_ops!(SccCursor, CURSOR_INFO, {
    fn sweep<F>(&mut self, mut doomed: F) -> Sweep
    where
        F: FnMut(Key, &V) -> bool,
    {
        // Keep the table from shrinking under the cursor (module docs): raise the minimum
        // capacity to the current capacity for the walk. Dropping the `Reserve` afterwards
        // lowers it again and lets scc shrink at once.
        let capacity = self.0.capacity();
        let minimum = *self.0.capacity_range().start();
        let _no_shrink_during_walk = self.0.reserve(capacity.saturating_sub(minimum));
        let mut sweep = Sweep::default();
        let mut cursor = self.0.begin_sync();
        while let Some(entry) = cursor {
            sweep.visited += 1;
            cursor = if doomed(*entry.key(), entry.get()) {
                sweep.removed += 1;
                entry.remove_and_sync().1
            } else {
                entry.next_sync()
            };
        }
        sweep
    }
});

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{V64, V8};

    mod retain {
        use super::*;
        use crate::peers::hashbrown::checks;
        checks::shared_checks!(SccRetain);
    }

    mod cursor {
        use super::*;
        use crate::peers::hashbrown::checks;
        checks::shared_checks!(SccCursor);
    }

    #[test]
    fn estimate_follows_capacity() {
        let mut m = SccRetain::<V64>::build(&Build::with_capacity(1_000)).unwrap();
        // scc sizes the array for 1000 entries at its load factor, in a power of two of slots.
        let slots = m.0.capacity();
        assert!(slots.is_power_of_two() && slots >= 1_000, "{slots}");
        let mem = m.memory();
        assert_eq!(
            mem.heap_bytes,
            ARRAY_HEADER + (slots / 32 + 1) * BUCKET_HEADER + slots * (8 + 64)
        );
        assert!(!mem.exact);
        let mut empty = SccRetain::<V64>::build(&Build::with_capacity(0)).unwrap();
        assert_eq!(
            empty.memory().heap_bytes,
            0,
            "no array until the first insert"
        );
    }

    /// Sweeps a map built empty and grown to 20 000 entries, removing all but every 100th, and
    /// returns the sweep and how many keys the predicate saw more than once.
    fn sweep_grown_map(
        cursor_sweep: impl FnOnce(&Arc<Map<V8>>, &mut dyn FnMut(Key) -> bool) -> Sweep,
    ) -> (Sweep, usize) {
        let m = SccCursor::<V8>::build(&Build::with_capacity(0)).unwrap();
        let mut h = m.handle();
        for k in 0..20_000 {
            h.insert(k, V8::new(k, 0));
        }
        let mut seen = std::collections::HashMap::new();
        let mut doomed = |k: Key| {
            *seen.entry(k).or_insert(0_u32) += 1;
            !k.is_multiple_of(100)
        };
        let sweep = cursor_sweep(&m.0, &mut doomed);
        assert_eq!(h.len(), 200);
        (sweep, seen.values().filter(|&&n| n > 1).count())
    }

    /// Why [`SccCursor`] holds a `Reserve`: without it, the cursor's own removals shrink the
    /// table under it and it visits some survivors again. (If scc stops doing this, the
    /// `Reserve` is no longer needed.)
    #[test]
    fn a_bare_cursor_revisits_entries_after_shrinking_the_table() {
        let (sweep, repeated) = sweep_grown_map(|map, doomed| {
            let mut sweep = Sweep::default();
            let mut cursor = map.begin_sync();
            while let Some(entry) = cursor {
                sweep.visited += 1;
                cursor = if doomed(*entry.key()) {
                    sweep.removed += 1;
                    entry.remove_and_sync().1
                } else {
                    entry.next_sync()
                };
            }
            assert!(map.capacity() < 20_000, "the walk shrank the table");
            sweep
        });
        assert_eq!(sweep.removed, 19_800);
        assert!(repeated > 0, "no survivor visited twice: {sweep:?}");
        assert_eq!(sweep.visited, 20_000 + repeated);
    }

    /// With the `Reserve`, the same sweep visits each entry once, and the minimum capacity is
    /// back where it was afterwards.
    #[test]
    fn the_cursor_sweep_visits_each_entry_once() {
        let (sweep, repeated) = sweep_grown_map(|map, doomed| {
            let minimum = *map.capacity_range().start();
            let sweep = SccCursor(Arc::clone(map)).sweep(|k, _| doomed(k));
            assert_eq!(
                *map.capacity_range().start(),
                minimum,
                "reservation released"
            );
            sweep
        });
        assert_eq!(repeated, 0);
        assert_eq!(
            sweep,
            Sweep {
                visited: 20_000,
                removed: 19_800
            }
        );
    }
}
