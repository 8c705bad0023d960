//! evacmap used directly, single-threaded: the baseline every strategy builds on.
//!
//! Deleting while iterating is what evacmap's cursor is for: a [`Cursor`](evacmap::Cursor)
//! borrows nothing between steps, so the loop body may remove the entry just yielded (in O(1)
//! with `remove_yielded`) or any other, insert, and even trigger growth, and the walk still
//! yields every entry present throughout exactly once. `retain` does the same sweep without the
//! cursor's bookkeeping. Two contenders show the price of that generality.

use evacmap::EvacMap;

use crate::build::{hasher, Build, BuildError, Hasher};
use crate::contender::{Consistency, Contender, Info, Memory, Ops, Origin, ReaderBlocking, Sweep};
use crate::value::{Key, Value};

/// The evacmap type every evacmap-based contender stores.
pub(crate) type Map<V> = EvacMap<Key, V, Hasher>;

/// Builds the evacmap for `build`.
pub(crate) fn new_map<V>(build: &Build) -> Map<V> {
    EvacMap::with_capacity_config_and_hasher(build.capacity, build.map, hasher(build.seed))
}

/// Heap memory of an evacmap: its tables, counted exactly from their layouts.
pub(crate) fn map_memory<V>(map: &Map<V>) -> Memory {
    Memory {
        heap_bytes: map.stats().heap_bytes,
        garbage_bytes: 0,
        exact: true,
        garbage_known: true,
    }
}

/// `Ops` over `self.map`; `$extra` are further methods (overrides of the trait's defaults).
macro_rules! evacmap_ops {
    ($ty:ident $(, $($extra:tt)*)?) => {
        impl<V: Value> Ops<V> for $ty<V> {
            #[inline]
            fn insert(&mut self, key: Key, value: V) -> bool {
                self.map.insert(key, value).is_none()
            }

            #[inline]
            fn get(&mut self, key: Key) -> Option<u64> {
                self.map.get(&key).map(Value::check)
            }

            #[inline]
            fn remove(&mut self, key: Key) -> bool {
                self.map.remove(&key).is_some()
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
                let mut n = 0;
                for (k, v) in self.map.iter() {
                    f(*k, v);
                    n += 1;
                }
                n
            }

            fn len(&mut self) -> usize {
                self.map.len()
            }

            fn memory(&mut self) -> Memory {
                map_memory(&self.map)
            }

            fn shrink(&mut self) -> bool {
                self.map.shrink_to_fit();
                true
            }

            fn probe_stats(&mut self) -> Option<evacmap::ProbeStats> {
                Some(self.map.probe_stats())
            }

            $($($extra)*)?
        }
    };
}

/// evacmap swept with its detached cursor, removing each doomed entry as it is yielded.
#[derive(Debug)]
pub struct EvacMapCursor<V> {
    map: Map<V>,
}

impl<V: Value> EvacMapCursor<V> {
    fn sweep_impl<F: FnMut(Key, &V) -> bool>(&mut self, mut doomed: F) -> Sweep {
        let mut sweep = Sweep::default();
        let mut cursor = self.map.cursor();
        while let Some((k, v)) = cursor.next(&self.map) {
            sweep.visited += 1;
            if doomed(*k, v) {
                let removed = cursor.remove_yielded(&mut self.map);
                debug_assert!(removed.is_some(), "nothing wrote the map since `next`");
                sweep.removed += usize::from(removed.is_some());
            }
        }
        sweep
    }

    /// The cursor's point: inserts (and the growth they trigger) between its steps. After an
    /// insert the yielded cell may have moved, so a doomed entry is then removed by key.
    fn sweep_interleaved_impl<F, I>(&mut self, mut doomed: F, mut inserts: I, every: usize) -> Sweep
    where
        F: FnMut(Key, &V) -> bool,
        I: Iterator<Item = (Key, V)>,
    {
        let every = every.max(1);
        let mut sweep = Sweep::default();
        let mut cursor = self.map.cursor();
        while let Some((k, v)) = cursor.next(&self.map) {
            let key = *k;
            sweep.visited += 1;
            if doomed(key, v) {
                let removed = cursor.remove_yielded(&mut self.map).is_some()
                    || self.map.remove(&key).is_some();
                sweep.removed += usize::from(removed);
            }
            if sweep.visited % every == 0 {
                if let Some((k, v)) = inserts.next() {
                    self.map.insert(k, v);
                }
            }
        }
        for (k, v) in inserts {
            self.map.insert(k, v);
        }
        sweep
    }
}

evacmap_ops!(
    EvacMapCursor,
    fn sweep_interleaved<F, I>(&mut self, doomed: F, inserts: I, every: usize) -> Sweep
    where
        F: FnMut(Key, &V) -> bool,
        I: Iterator<Item = (Key, V)>,
    {
        self.sweep_interleaved_impl(doomed, inserts, every)
    }
);

impl<V: Value> Contender<V> for EvacMapCursor<V> {
    const INFO: Info = Info {
        name: "evacmap-cursor",
        origin: Origin::Core,
        shared: false,
        consistency: Consistency::Exclusive,
        readers_block: ReaderBlocking::NotShared,
        keeps_order: false,
        during_sweep: "n/a: the sweeping thread owns the map",
        extra_memory: "none (the cursor is a few words)",
        choose_when: "single-threaded code that must remove, insert or trigger growth inside the \
                      loop body, as Go's `for k := range m { delete(m, k) }`",
        how: "walk with a detached cursor; remove the yielded entry in O(1)",
    };

    fn build(build: &Build) -> Result<Self, BuildError> {
        build.validate()?;
        Ok(EvacMapCursor {
            map: new_map(build),
        })
    }
}

/// evacmap swept with `retain`: one pass, no cursor bookkeeping.
#[derive(Debug)]
pub struct EvacMapRetain<V> {
    map: Map<V>,
}

impl<V: Value> EvacMapRetain<V> {
    fn sweep_impl<F: FnMut(Key, &V) -> bool>(&mut self, mut doomed: F) -> Sweep {
        let mut sweep = Sweep::default();
        self.map.retain(|k, v| sweep.keep(doomed(*k, v)));
        sweep
    }
}

// `retain` borrows the map for the whole pass: the default `sweep_interleaved` (sweep, then
// insert) is the nearest equivalent.
evacmap_ops!(EvacMapRetain);

impl<V: Value> Contender<V> for EvacMapRetain<V> {
    const INFO: Info = Info {
        name: "evacmap-retain",
        origin: Origin::Core,
        shared: false,
        consistency: Consistency::Exclusive,
        readers_block: ReaderBlocking::NotShared,
        keeps_order: false,
        during_sweep: "n/a: the sweeping thread owns the map",
        extra_memory: "none",
        choose_when: "single-threaded code whose removal decision fits in a predicate",
        how: "`retain` in bucket order, settling each chain's tombstones once",
    };

    fn build(build: &Build) -> Result<Self, BuildError> {
        build.validate()?;
        Ok(EvacMapRetain {
            map: new_map(build),
        })
    }
}
