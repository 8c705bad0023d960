//! dashmap, the most used concurrent map in Rust: hashbrown tables behind one `RwLock` per
//! shard.
//!
//! # The problem
//! The loop people write first, `for r in map.iter() { if doomed(&r) { map.remove(r.key()); } }`,
//! deadlocks. dashmap's `Iter` keeps a read guard on the shard it is walking, and every item it
//! yields (`RefMulti`) holds a clone of that guard, so `remove` on the key just yielded asks for
//! the write lock of a shard the same thread holds for reading, and waits forever. dashmap
//! documents it ("May deadlock if called when holding any sort of reference into the map"), and
//! `strategies/tests/dashmap_deadlock.rs` demonstrates it on a thread with a timeout. The
//! remove-while-walking API dashmap does offer is `retain`: it write-locks one shard at a time
//! and erases the rejected buckets of that shard's table (the hashbrown `RawTable`
//! `iter()` + `erase()` pattern, safe under the write lock). That is what
//! [`DashMapRetain`] uses.
//!
//! # What others see
//! While `retain` holds a shard's write lock, every reader and writer of that shard waits; the
//! other shards are free. A traversal ([`Ops::traverse`], dashmap's `iter()`) holds one shard's
//! read lock at a time, so it sees each shard whole (before or after the sweep reached it):
//! every entry present throughout, none twice. Neither is a snapshot of the whole map, and
//! [`Ops::len`] sums the shards one lock at a time, so under concurrent writes it is a count no
//! single instant need have had.
//!
//! # Shards and memory
//! The shard count is [`Build::shard_count`] rounded up to a power of two and at least 2,
//! because dashmap requires a power of two greater than 1 (it panics otherwise). Removed slots
//! stay as tombstones in each shard's table and nothing shrinks on its own; [`Ops::shrink`]
//! calls `shrink_to_fit`, which write-locks each shard in turn. [`Ops::memory`] is exact: the
//! shard array plus each shard's table allocation, read through the `raw-api` feature (the few
//! words of the `Arc` around the map are not counted).

use core::mem::size_of_val;
use std::sync::Arc;

use dashmap::DashMap;

use crate::build::{hasher, Build, BuildError, Hasher};
use crate::contender::{
    Consistency, Contender, Info, Memory, Ops, Origin, ReaderBlocking, Shared, Sweep,
};
use crate::value::{Key, Value};

/// dashmap swept with `retain`, one shard write lock at a time. Cloning it (or
/// [`Shared::handle`]) shares the map.
///
/// It never removes inside `iter()`: that self-deadlocks (module docs and
/// `strategies/tests/dashmap_deadlock.rs`).
#[derive(Debug)]
pub struct DashMapRetain<V>(Arc<DashMap<Key, V, Hasher>>);

impl<V> Clone for DashMapRetain<V> {
    fn clone(&self) -> Self {
        DashMapRetain(Arc::clone(&self.0))
    }
}

/// The shard count dashmap accepts for `requested`: the next power of two, at least 2.
fn shard_amount(requested: usize) -> usize {
    requested.next_power_of_two().max(2)
}

impl<V: Value> Ops<V> for DashMapRetain<V> {
    #[inline]
    fn insert(&mut self, key: Key, value: V) -> bool {
        self.0.insert(key, value).is_none()
    }

    #[inline]
    fn get(&mut self, key: Key) -> Option<u64> {
        self.0.get(&key).map(|r| r.value().check())
    }

    #[inline]
    fn remove(&mut self, key: Key) -> bool {
        self.0.remove(&key).is_some()
    }

    fn sweep<F>(&mut self, mut doomed: F) -> Sweep
    where
        F: FnMut(Key, &V) -> bool,
    {
        let mut sweep = Sweep::default();
        self.0.retain(|k, v| sweep.keep(doomed(*k, v)));
        sweep
    }

    /// dashmap's `iter()`: one shard read lock at a time (`f` must not write to the map).
    fn traverse<F>(&mut self, mut f: F) -> usize
    where
        F: FnMut(Key, &V),
    {
        let mut n = 0;
        for r in self.0.iter() {
            f(*r.key(), r.value());
            n += 1;
        }
        n
    }

    /// Exact when no other thread writes; otherwise a sum of per-shard counts taken one lock
    /// at a time.
    fn len(&mut self) -> usize {
        self.0.len()
    }

    /// Exact: the shard array plus every shard table's allocation (`raw-api`).
    fn memory(&mut self) -> Memory {
        let shards = self.0.shards();
        let tables: usize = shards
            .iter()
            .map(|shard| shard.read().allocation_info().1.size())
            .sum();
        Memory {
            heap_bytes: size_of_val(shards) + tables,
            garbage_bytes: 0,
            exact: true,
            garbage_known: true,
        }
    }

    fn shrink(&mut self) -> bool {
        self.0.shrink_to_fit();
        true
    }
}

impl<V: Value> Contender<V> for DashMapRetain<V> {
    const INFO: Info = Info {
        name: "dashmap-retain",
        origin: Origin::Peer,
        shared: true,
        consistency: Consistency::WeaklyConsistent,
        readers_block: ReaderBlocking::OneShardAtATime,
        keeps_order: false,
        during_sweep: "readers and writers of the shard being swept wait for its write lock; \
                       other shards are free, and each shard is seen before or after its sweep, \
                       never half-swept",
        extra_memory: "none; removed slots stay as tombstones in each shard's table, which never \
                       shrinks on its own",
        choose_when: "a concurrent map with simple per-shard locking when a sweep may stall one \
                      shard at a time; never remove inside `iter()` (it self-deadlocks)",
        how: "`DashMap::retain`: write-locks one shard at a time and erases its rejected buckets",
    };

    fn build(build: &Build) -> Result<Self, BuildError> {
        build.validate()?;
        Ok(DashMapRetain(Arc::new(
            DashMap::with_capacity_and_hasher_and_shard_amount(
                build.capacity,
                hasher(build.seed),
                shard_amount(build.shard_count()),
            ),
        )))
    }
}

impl<V: Value> Shared<V> for DashMapRetain<V> {
    type Handle = Self;

    fn handle(&self) -> Self {
        self.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::peers::hashbrown::checks;
    use crate::{V64, V8};

    checks::shared_checks!(DashMapRetain);

    #[test]
    fn shard_amount_is_a_power_of_two_above_one() {
        assert_eq!(shard_amount(1), 2);
        assert_eq!(shard_amount(2), 2);
        assert_eq!(shard_amount(3), 4);
        assert_eq!(shard_amount(64), 64);
        assert_eq!(shard_amount(65), 128);
        for shards in [1, 3, 6] {
            let build = Build {
                shards: Some(shards),
                ..Build::with_capacity(100)
            };
            let m = DashMapRetain::<V8>::build(&build).unwrap();
            assert_eq!(m.0.shards().len(), shard_amount(shards));
        }
    }

    #[test]
    fn memory_counts_shards_and_tables() {
        let build = Build {
            shards: Some(4),
            ..Build::with_capacity(0)
        };
        let mut m = DashMapRetain::<V64>::build(&build).unwrap();
        let empty = m.memory().heap_bytes;
        // Four cache-padded lock + table headers, no table allocated yet.
        assert_eq!(empty, size_of_val(m.0.shards()));
        assert!(empty >= 4 * 64, "{empty}");
        for k in 0..1_000 {
            m.insert(k, V64::new(k, 0));
        }
        let full = m.memory();
        assert!(full.exact);
        assert!(full.heap_bytes >= empty + 1_000 * (8 + 64), "{full:?}");
        m.sweep(|k, _| k >= 10);
        assert_eq!(m.memory(), full, "retain keeps every table's allocation");
        assert!(m.shrink());
        assert!(m.memory().heap_bytes < full.heap_bytes / 10);
        assert_eq!(m.len(), 10);
    }

    #[test]
    fn handles_share_the_map() {
        let m = DashMapRetain::<V8>::build(&Build::with_capacity(8)).unwrap();
        let mut a = m.handle();
        let mut b = m.handle();
        assert!(a.insert(1, V8::new(1, 0)));
        assert_eq!(b.get(1), Some(crate::check_word(1, 0)));
        assert!(!b.insert(1, V8::new(1, 1)));
        assert_eq!(a.sweep(|_, _| true).removed, 1);
        assert_eq!(b.len(), 0);
    }

    #[test]
    fn build_rejects_too_many_shards() {
        let bad = Build {
            shards: Some(crate::MAX_SHARDS + 1),
            ..Build::default()
        };
        assert!(matches!(
            DashMapRetain::<V8>::build(&bad),
            Err(BuildError::TooManyShards(_))
        ));
    }
}
