//! std's `HashMap`, what most Rust code reaches for first, with the shared hasher.
//!
//! # The problem
//! std's map is a thin wrapper over hashbrown, so deleting while iterating has the same
//! answers and the same costs, with less access: no raw or bucket-index API, only `retain`
//! (documented to take O(capacity) time, since it visits empty buckets too) and, since Rust
//! 1.88, `extract_if`. A cursor or "iterator of `OccupiedEntry`" was declined
//! (rust-lang/rust#33549). Erased slots become EMPTY or DELETED tombstones and the table never
//! shrinks on its own.
//!
//! # The contenders
//! * [`StdRetain`] (`std-retain`): [`std::collections::HashMap::retain`].
//! * [`StdExtractIf`] (`std-extract-if`): [`std::collections::HashMap::extract_if`], dropping
//!   (and counting) what it yields.
//!
//! # Memory (an estimate)
//! std does not expose its table's allocation size, and `capacity()` is `items + growth_left`,
//! which tombstones lower without freeing anything. But the table's bucket count only changes
//! inside `insert` (growth or an in-place rehash) or `shrink_to_fit`, and right after either
//! `capacity()` is the full capacity of the table. So each adapter records the largest
//! `capacity()` seen after an insert (reset by `shrink`), turns it back into a bucket count with
//! `buckets_for_full_capacity` and sizes the one allocation with hashbrown's layout
//! (`table_bytes`). This is exact if std's internal hashbrown uses the layout and growth
//! policy of the hashbrown 0.17 we compile against (the unit tests check the arithmetic against
//! hashbrown's own `allocation_size()`), so it is reported with `exact: false`.
//!
//! `extract_if` needs Rust 1.88, the workspace's declared `rust-version`.

use std::collections::HashMap;

use super::hashbrown::{buckets_for_full_capacity, table_bytes};
use crate::build::{hasher, Build, BuildError, Hasher};
use crate::contender::{Consistency, Contender, Info, Memory, Ops, Origin, ReaderBlocking, Sweep};
use crate::value::{Key, Value};

/// The std map both contenders store.
type Map<V> = HashMap<Key, V, Hasher>;

/// A std `HashMap` and the full capacity of its current table (see the module docs).
#[derive(Debug)]
struct Tracked<V> {
    map: Map<V>,
    /// The largest `capacity()` seen since the table was last allocated: its full capacity.
    full_capacity: usize,
}

impl<V: Value> Tracked<V> {
    fn new(build: &Build) -> Self {
        let map = HashMap::with_capacity_and_hasher(build.capacity, hasher(build.seed));
        Tracked {
            full_capacity: map.capacity(),
            map,
        }
    }

    #[inline]
    fn insert(&mut self, key: Key, value: V) -> bool {
        let new = self.map.insert(key, value).is_none();
        // The only place the table can grow (or be rehashed in place, which restores the full
        // capacity): record it.
        self.full_capacity = self.full_capacity.max(self.map.capacity());
        new
    }

    fn memory(&self) -> Memory {
        let buckets = buckets_for_full_capacity(self.full_capacity.max(self.map.capacity()));
        Memory {
            heap_bytes: table_bytes::<(Key, V)>(buckets),
            garbage_bytes: 0,
            exact: false,
            garbage_known: true,
        }
    }

    fn shrink(&mut self) {
        self.map.shrink_to_fit();
        // A fresh table (or none): no tombstones, so `capacity()` is its full capacity.
        self.full_capacity = self.map.capacity();
    }
}

macro_rules! std_ops {
    ($ty:ident) => {
        impl<V: Value> Ops<V> for $ty<V> {
            #[inline]
            fn insert(&mut self, key: Key, value: V) -> bool {
                self.0.insert(key, value)
            }

            #[inline]
            fn get(&mut self, key: Key) -> Option<u64> {
                self.0.map.get(&key).map(Value::check)
            }

            #[inline]
            fn remove(&mut self, key: Key) -> bool {
                self.0.map.remove(&key).is_some()
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
                for (k, v) in &self.0.map {
                    f(*k, v);
                    n += 1;
                }
                n
            }

            fn len(&mut self) -> usize {
                self.0.map.len()
            }

            /// Estimated from the table's bucket count and hashbrown's layout (module docs).
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

/// std's `HashMap` swept with `retain`.
#[derive(Debug)]
pub struct StdRetain<V>(Tracked<V>);

impl<V: Value> StdRetain<V> {
    fn sweep_impl<F: FnMut(Key, &V) -> bool>(&mut self, mut doomed: F) -> Sweep {
        let mut sweep = Sweep::default();
        self.0.map.retain(|k, v| sweep.keep(doomed(*k, v)));
        sweep
    }
}

std_ops!(StdRetain);

impl<V: Value> Contender<V> for StdRetain<V> {
    const INFO: Info = Info {
        name: "std-retain",
        origin: Origin::Peer,
        shared: false,
        consistency: Consistency::Exclusive,
        readers_block: ReaderBlocking::NotShared,
        keeps_order: false,
        during_sweep: "n/a: the sweeping thread owns the map",
        extra_memory: "none; erased slots become tombstones and the table never shrinks on its \
                       own (only `shrink_to_fit`)",
        choose_when: "single-threaded code that wants no dependency: std's `retain` is \
                      hashbrown's, at O(capacity) per pass",
        how: "`std::collections::HashMap::retain`: one scan of the control bytes, erasing \
              rejected buckets in place",
    };

    fn build(build: &Build) -> Result<Self, BuildError> {
        build.validate()?;
        Ok(StdRetain(Tracked::new(build)))
    }
}

/// std's `HashMap` swept with `extract_if` (Rust 1.88), dropping each removed pair.
#[derive(Debug)]
pub struct StdExtractIf<V>(Tracked<V>);

impl<V: Value> StdExtractIf<V> {
    fn sweep_impl<F: FnMut(Key, &V) -> bool>(&mut self, mut doomed: F) -> Sweep {
        let mut visited = 0;
        let removed = self
            .0
            .map
            .extract_if(|k, v| {
                visited += 1;
                doomed(*k, v)
            })
            .count();
        Sweep { visited, removed }
    }
}

std_ops!(StdExtractIf);

impl<V: Value> Contender<V> for StdExtractIf<V> {
    const INFO: Info = Info {
        name: "std-extract-if",
        origin: Origin::Peer,
        shared: false,
        consistency: Consistency::Exclusive,
        readers_block: ReaderBlocking::NotShared,
        keeps_order: false,
        during_sweep: "n/a: the sweeping thread owns the map",
        extra_memory: "none (each removed pair is moved out and dropped at once); tombstones as \
                       `retain`, no automatic shrink",
        choose_when: "single-threaded code on Rust 1.88+ that needs the removed entries, with no \
                      dependency",
        how: "`std::collections::HashMap::extract_if`: the `retain` scan, yielding each removed \
              pair to the caller",
    };

    fn build(build: &Build) -> Result<Self, BuildError> {
        build.validate()?;
        Ok(StdExtractIf(Tracked::new(build)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::peers::hashbrown::HashbrownRetain;
    use crate::{V64, V8};

    mod retain {
        use super::*;
        use crate::peers::hashbrown::checks;
        checks::single_checks!(StdRetain);
    }

    mod extract_if {
        use super::*;
        use crate::peers::hashbrown::checks;
        checks::single_checks!(StdExtractIf);
    }

    /// The estimate equals hashbrown's exact allocation size for the same operations: same
    /// table sizes through growth, unchanged by removals (tombstones), and after a shrink.
    #[test]
    fn estimate_matches_hashbrown() {
        fn check<V: Value>() {
            for capacity in [0, 5, 1000] {
                let build = Build::with_capacity(capacity);
                let mut s = StdRetain::<V>::build(&build).unwrap();
                let mut h = HashbrownRetain::<V>::build(&build).unwrap();
                for k in 0..2_500 {
                    assert_eq!(s.memory().heap_bytes, h.memory().heap_bytes, "{k} entries");
                    s.insert(k, V::new(k, 0));
                    h.insert(k, V::new(k, 0));
                }
                // Remove and reinsert in dense runs: tombstones lower `capacity()` and may force
                // in-place rehashes, but the table stays the same size.
                for round in 0..4 {
                    for k in (0..2_500).filter(|k| k % 4 == round) {
                        s.remove(k);
                        h.remove(k);
                    }
                    for k in (0..2_500).filter(|k| k % 4 == round) {
                        s.insert(k + 10_000, V::new(k, 0));
                        h.insert(k + 10_000, V::new(k, 0));
                    }
                    assert_eq!(
                        s.memory().heap_bytes,
                        h.memory().heap_bytes,
                        "round {round}"
                    );
                }
                s.sweep(|k, _| k % 64 != 0);
                h.sweep(|k, _| k % 64 != 0);
                assert_eq!(
                    s.memory().heap_bytes,
                    h.memory().heap_bytes,
                    "after a sweep"
                );
                assert!(s.shrink() && h.shrink());
                assert_eq!(
                    s.memory().heap_bytes,
                    h.memory().heap_bytes,
                    "after shrinking"
                );
                assert!(!s.memory().exact && h.memory().exact);
            }
        }
        check::<V8>();
        check::<V64>();
    }

    #[test]
    fn build_rejects_an_invalid_build() {
        let bad = Build {
            compact_above: f64::NAN,
            ..Build::default()
        };
        assert!(matches!(
            StdRetain::<V8>::build(&bad),
            Err(BuildError::CompactAbove(_))
        ));
        assert!(matches!(
            StdExtractIf::<V8>::build(&bad),
            Err(BuildError::CompactAbove(_))
        ));
    }
}
