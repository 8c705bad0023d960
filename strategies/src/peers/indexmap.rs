//! indexmap, the insertion-ordered map: a dense entries `Vec` plus a hashbrown index of
//! positions.
//!
//! # The problem
//! Ordered maps make "delete while iterating" a question of order and cost. indexmap keeps its
//! entries in a `Vec` with no holes, so iteration is O(len) whatever the capacity, and the
//! position of each entry is an index a loop can hold across removals. Removing one entry either
//! swaps the last entry into its place (`swap_remove`, O(1), perturbs the order) or shifts
//! everything after it (`shift_remove`, O(n)), so an index loop of `shift_remove`s is O(n²).
//! `retain` keeps the order in one O(n) pass: it compacts the `Vec` and then, if anything was
//! removed, rebuilds the whole hash index from scratch.
//!
//! # The contenders
//! * [`IndexMapRetain`] (`indexmap-retain`): [`indexmap::IndexMap::retain`], order-preserving.
//! * [`IndexMapSwapRemove`] (`indexmap-swap-remove`): the index loop
//!   `while i < len { if doomed { swap_remove_index(i) } else { i += 1 } }`. The entry swapped
//!   into position `i` is the next one examined, so every entry is visited exactly once.
//!
//! Point removal ([`Ops::remove`]) is `swap_remove` in both (O(1); `shift_remove` would make it
//! O(n)), so only the sweep of `indexmap-retain` preserves the order.
//!
//! # Memory (an estimate)
//! indexmap exposes only `capacity()`, the smaller of the index's and the entries' capacities,
//! and index tombstones (left by `swap_remove`) lower it without freeing anything. Both parts
//! only grow inside `insert`, and after a growth both have the index table's full capacity
//! (indexmap grows the entries `Vec` to match the index). So each adapter records the largest
//! `capacity()` seen after an insert (reset by `shrink`) as the capacity `c` of both, and
//! reports `c * size_of::<Bucket>()` for the entries (a `Bucket` is the cached hash, the key and
//! the value: `16 + V::BYTES` bytes) plus the hashbrown table of `usize` positions sized for
//! `c` (`table_bytes`). Reported with `exact: false`.

use core::mem::size_of;

use indexmap::IndexMap;

use super::hashbrown::{buckets_for_full_capacity, table_bytes};
use crate::build::{hasher, Build, BuildError, Hasher};
use crate::contender::{Consistency, Contender, Info, Memory, Ops, Origin, ReaderBlocking, Sweep};
use crate::value::{Key, Value};

/// The indexmap both contenders store.
type Map<V> = IndexMap<Key, V, Hasher>;

/// An `IndexMap` and the capacity of its parts (see the module docs).
#[derive(Debug)]
struct Tracked<V> {
    map: Map<V>,
    /// The largest `capacity()` seen since the parts were last reallocated.
    capacity: usize,
}

impl<V: Value> Tracked<V> {
    fn new(build: &Build) -> Self {
        let map = IndexMap::with_capacity_and_hasher(build.capacity, hasher(build.seed));
        Tracked {
            capacity: map.capacity(),
            map,
        }
    }

    #[inline]
    fn insert(&mut self, key: Key, value: V) -> bool {
        let new = self.map.insert(key, value).is_none();
        // The only place either part grows: record it.
        self.capacity = self.capacity.max(self.map.capacity());
        new
    }

    fn memory(&self) -> Memory {
        let capacity = self.capacity.max(self.map.capacity());
        // indexmap's private `Bucket<K, V>`: the cached hash (`usize`), the key, the value.
        let entries = capacity * size_of::<(usize, Key, V)>();
        let index = table_bytes::<usize>(buckets_for_full_capacity(capacity));
        Memory {
            heap_bytes: entries + index,
            garbage_bytes: 0,
            exact: false,
            garbage_known: true,
        }
    }

    fn shrink(&mut self) {
        self.map.shrink_to_fit();
        self.capacity = self.map.capacity();
    }
}

/// The [`Ops`] both contenders share; `$extra` holds the methods one overrides besides.
macro_rules! indexmap_ops {
    ($ty:ident { $($extra:tt)* }) => {
        impl<V: Value> Ops<V> for $ty<V> {
            $($extra)*

            #[inline]
            fn insert(&mut self, key: Key, value: V) -> bool {
                self.0.insert(key, value)
            }

            #[inline]
            fn get(&mut self, key: Key) -> Option<u64> {
                self.0.map.get(&key).map(Value::check)
            }

            /// `swap_remove`: O(1), moves the last entry into the removed one's position.
            #[inline]
            fn remove(&mut self, key: Key) -> bool {
                self.0.map.swap_remove(&key).is_some()
            }

            fn sweep<F>(&mut self, doomed: F) -> Sweep
            where
                F: FnMut(Key, &V) -> bool,
            {
                self.sweep_impl(doomed)
            }

            fn traverse<F>(&mut self, mut f: F) -> usize
            where
                F: FnMut(Key, &V),
            {
                for (k, v) in &self.0.map {
                    f(*k, v);
                }
                self.0.map.len()
            }

            fn len(&mut self) -> usize {
                self.0.map.len()
            }

            /// Estimated from the tracked capacity and indexmap's layout (module docs).
            fn memory(&mut self) -> Memory {
                self.0.memory()
            }

            fn shrink(&mut self) -> bool {
                self.0.shrink();
                true
            }
        }
    };
}

/// indexmap swept with `retain`: order-preserving, rebuilds its index.
#[derive(Debug)]
pub struct IndexMapRetain<V>(Tracked<V>);

impl<V: Value> IndexMapRetain<V> {
    fn sweep_impl<F: FnMut(Key, &V) -> bool>(&mut self, mut doomed: F) -> Sweep {
        let mut sweep = Sweep::default();
        self.0.map.retain(|k, v| sweep.keep(doomed(*k, v)));
        sweep
    }
}

indexmap_ops!(IndexMapRetain {});

impl<V: Value> Contender<V> for IndexMapRetain<V> {
    const INFO: Info = Info {
        name: "indexmap-retain",
        origin: Origin::Peer,
        shared: false,
        consistency: Consistency::Exclusive,
        readers_block: ReaderBlocking::NotShared,
        keeps_order: true,
        during_sweep: "n/a: the sweeping thread owns the map",
        extra_memory: "none: the entries are compacted in place and the index is rebuilt in its \
                       own allocation; nothing shrinks on its own",
        choose_when: "single-threaded code that needs insertion order kept across sweeps; \
                      iteration is O(len) whatever the capacity",
        how: "`IndexMap::retain`: compacts the dense entries in order, then rebuilds the hash \
              index from scratch if anything was removed",
    };

    fn build(build: &Build) -> Result<Self, BuildError> {
        build.validate()?;
        Ok(IndexMapRetain(Tracked::new(build)))
    }
}

/// indexmap swept with an index loop of `swap_remove_index`.
#[derive(Debug)]
pub struct IndexMapSwapRemove<V>(Tracked<V>);

impl<V: Value> IndexMapSwapRemove<V> {
    /// The index loop, inserting one of `inserts` after every `every` visited entries (`None`:
    /// no inserts). An inserted entry is appended, so the loop reaches it later.
    fn index_loop<F, I>(&mut self, mut doomed: F, mut inserts: Option<(I, usize)>) -> Sweep
    where
        F: FnMut(Key, &V) -> bool,
        I: Iterator<Item = (Key, V)>,
    {
        let mut sweep = Sweep::default();
        let mut i = 0;
        while let Some((k, v)) = self.0.map.get_index(i) {
            sweep.visited += 1;
            if doomed(*k, v) {
                // The last entry moves to `i` and is examined next.
                self.0.map.swap_remove_index(i);
                sweep.removed += 1;
            } else {
                i += 1;
            }
            if let Some((inserts, every)) = &mut inserts {
                if sweep.visited % *every == 0 {
                    if let Some((k, v)) = inserts.next() {
                        self.0.insert(k, v);
                    }
                }
            }
        }
        if let Some((inserts, _)) = inserts {
            for (k, v) in inserts {
                self.0.insert(k, v);
            }
        }
        sweep
    }

    fn sweep_impl<F: FnMut(Key, &V) -> bool>(&mut self, doomed: F) -> Sweep {
        self.index_loop(doomed, None::<(core::iter::Empty<(Key, V)>, usize)>)
    }
}

indexmap_ops!(IndexMapSwapRemove {
    /// Inserts between the loop's steps; an inserted entry is appended, so the loop reaches
    /// (and counts) it later.
    fn sweep_interleaved<F, I>(&mut self, doomed: F, inserts: I, every: usize) -> Sweep
    where
        F: FnMut(Key, &V) -> bool,
        I: Iterator<Item = (Key, V)>,
    {
        self.index_loop(doomed, Some((inserts, every.max(1))))
    }
});

impl<V: Value> Contender<V> for IndexMapSwapRemove<V> {
    const INFO: Info = Info {
        name: "indexmap-swap-remove",
        origin: Origin::Peer,
        shared: false,
        consistency: Consistency::Exclusive,
        readers_block: ReaderBlocking::NotShared,
        keeps_order: false,
        during_sweep: "n/a: the sweeping thread owns the map",
        extra_memory: "none; each removal may leave a tombstone in the index, and nothing \
                       shrinks on its own",
        choose_when: "single-threaded code that wants an explicit loop (remove, insert or stop \
                      between steps) at O(1) per removal and can give up the order",
        how: "index loop over the dense entries: `swap_remove_index(i)` moves the last entry \
              into slot `i`, which is examined next",
    };

    fn build(build: &Build) -> Result<Self, BuildError> {
        build.validate()?;
        Ok(IndexMapSwapRemove(Tracked::new(build)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{V64, V8};

    mod retain {
        use super::*;
        use crate::peers::hashbrown::checks;
        checks::single_checks!(IndexMapRetain);
    }

    mod swap_remove {
        use super::*;
        use crate::peers::hashbrown::checks;
        checks::single_checks!(IndexMapSwapRemove);
    }

    fn keys<O: Ops<V8>>(m: &mut O) -> Vec<Key> {
        let mut keys = Vec::new();
        m.traverse(|k, _| keys.push(k));
        keys
    }

    #[test]
    fn retain_keeps_the_insertion_order() {
        let mut m = IndexMapRetain::<V8>::build(&Build::with_capacity(0)).unwrap();
        let order: Vec<Key> = (0..500).map(|i| (i * 7919) % 1009).collect();
        for &k in &order {
            m.insert(k, V8::new(k, 0));
        }
        m.sweep(|k, _| k % 2 == 0);
        let want: Vec<Key> = order.iter().copied().filter(|k| k % 2 == 1).collect();
        assert_eq!(keys(&mut m), want);
    }

    #[test]
    fn swap_remove_loop_visits_the_swapped_in_entry() {
        // Doom a run at the end: each removal swaps in another doomed entry from the end.
        let mut m = IndexMapSwapRemove::<V8>::build(&Build::with_capacity(0)).unwrap();
        for k in 0..10 {
            m.insert(k, V8::new(k, 0));
        }
        let mut visited = Vec::new();
        let sweep = m.sweep(|k, _| {
            visited.push(k);
            k == 0 || k >= 7
        });
        assert_eq!(
            sweep,
            Sweep {
                visited: 10,
                removed: 4
            }
        );
        // 0 is removed and 9 swapped in (removed), then 8 and 7 likewise, then 6 swapped in
        // (kept); then the loop moves on to 1.
        assert_eq!(&visited[..6], &[0, 9, 8, 7, 6, 1]);
        visited.sort_unstable();
        assert_eq!(visited, (0..10).collect::<Vec<_>>());
        assert_eq!(keys(&mut m), vec![6, 1, 2, 3, 4, 5]);
    }

    #[test]
    fn interleaved_inserts_are_visited_and_kept() {
        let mut m = IndexMapSwapRemove::<V8>::build(&Build::with_capacity(0)).unwrap();
        for k in 0..100 {
            m.insert(k, V8::new(k, 0));
        }
        let inserts = (1_000..1_050).map(|k| (k, V8::new(k, 0)));
        let sweep = m.sweep_interleaved(|k, _| k < 100 && k % 2 == 0, inserts, 3);
        assert_eq!(sweep.removed, 50);
        assert!(sweep.visited >= 100, "{sweep:?}");
        assert_eq!(m.len(), 100);
        for k in 1_000..1_050 {
            assert_eq!(m.get(k), Some(crate::check_word(k, 0)), "inserted key {k}");
        }
        for k in (0..100).step_by(2) {
            assert_eq!(m.get(k), None, "doomed key {k}");
        }
    }

    #[test]
    fn estimate_follows_growth_not_removal() {
        let mut m = IndexMapRetain::<V64>::build(&Build::with_capacity(0)).unwrap();
        for k in 0..3_000 {
            m.insert(k, V64::new(k, 0));
        }
        let grown = m.memory();
        assert!(!grown.exact);
        // 3000 entries: the index has 4096 buckets (capacity 3584), the entries match it.
        assert_eq!(
            grown.heap_bytes,
            3_584 * (16 + 64) + table_bytes::<usize>(4_096)
        );
        for k in 0..1_500 {
            m.remove(k);
        }
        assert_eq!(m.memory(), grown, "removal frees nothing");
        assert!(m.shrink());
        assert_eq!(m.len(), 1_500);
        assert!(m.memory().heap_bytes < grown.heap_bytes);
    }
}
