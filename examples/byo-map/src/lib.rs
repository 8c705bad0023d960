//! Bring your own map: a contender written outside the evacbench workspace, benchmarked beside
//! the built-in ones (`benches/suite.rs`) and checked by the conformance suite
//! (`tests/conformance.rs`), both through evacbench's library API.
//!
//! [`RwLockBTree`] is a `BTreeMap` behind one `RwLock`: a sweep takes the write lock and
//! `retain`s. [`broken::ForgetfulBTree`] is the same map with a deliberate bug, which the
//! conformance suite must catch. [`Mine`] is this crate's contender list.

pub mod broken;

use std::collections::BTreeMap;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use strategies::registry::{ContenderList, Visit};
use strategies::{
    Build, BuildError, Consistency, Contender, Info, Key, Memory, Ops, Origin, ReaderBlocking,
    Shared, Sweep, Value,
};

/// This crate's contender list: [`RwLockBTree`]. Hand `(BuiltIn, Mine)` to
/// `evacbench::bench_main!` to benchmark it beside the built-in contenders, and `Mine` to
/// `strategies::conformance::run` to check it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Mine;

impl ContenderList for Mine {
    fn visit<V: Value, W: Visit<V>>(visitor: &mut W) {
        visitor.shared::<RwLockBTree<V>>();
    }
}

/// A `BTreeMap` behind one reader-writer lock; a sweep holds the write lock and `retain`s.
///
/// Cloning gives another handle to the same map ([`Shared::handle`] does the same).
#[derive(Debug)]
pub struct RwLockBTree<V> {
    map: Arc<RwLock<BTreeMap<Key, V>>>,
}

impl<V> Clone for RwLockBTree<V> {
    fn clone(&self) -> Self {
        RwLockBTree {
            map: Arc::clone(&self.map),
        }
    }
}

impl<V> RwLockBTree<V> {
    pub(crate) fn read(&self) -> RwLockReadGuard<'_, BTreeMap<Key, V>> {
        // A panic under the lock leaves the map as the panicking operation left it; the
        // conformance suite reports that panic, so carrying on here hides nothing.
        self.map.read().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn write(&self) -> RwLockWriteGuard<'_, BTreeMap<Key, V>> {
        self.map.write().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Heap bytes of a `BTreeMap` of `len` entries of `V`, estimated: std's B-tree leaves hold up
/// to 11 entries and are about two thirds full after random inserts, so one leaf of 11 slots
/// (plus its 16-byte header) per 7 entries; internal nodes add about a tenth of that.
pub(crate) fn btree_memory<V>(len: usize) -> Memory {
    const SLOTS: usize = 11;
    let leaf = SLOTS * (size_of::<Key>() + size_of::<V>()) + 16;
    let leaves = len.div_ceil(7);
    Memory {
        heap_bytes: leaves * leaf + leaves / 10 * (leaf + (SLOTS + 1) * 8),
        garbage_bytes: 0,
        exact: false,
        garbage_known: true,
    }
}

impl<V: Value> Ops<V> for RwLockBTree<V> {
    fn insert(&mut self, key: Key, value: V) -> bool {
        self.write().insert(key, value).is_none()
    }

    fn get(&mut self, key: Key) -> Option<u64> {
        self.read().get(&key).map(Value::check)
    }

    fn remove(&mut self, key: Key) -> bool {
        self.write().remove(&key).is_some()
    }

    /// Holds the write lock for the whole sweep and deletes with `retain`.
    fn sweep<F>(&mut self, mut doomed: F) -> Sweep
    where
        F: FnMut(Key, &V) -> bool,
    {
        let mut sweep = Sweep::default();
        self.write().retain(|k, v| sweep.keep(doomed(*k, v)));
        sweep
    }

    /// Iterates under the read lock: one consistent state of the map (writers wait).
    fn traverse<F>(&mut self, mut f: F) -> usize
    where
        F: FnMut(Key, &V),
    {
        let map = self.read();
        for (k, v) in map.iter() {
            f(*k, v);
        }
        map.len()
    }

    fn len(&mut self) -> usize {
        self.read().len()
    }

    fn memory(&mut self) -> Memory {
        btree_memory::<V>(self.read().len())
    }
}

impl<V: Value> Contender<V> for RwLockBTree<V> {
    const INFO: Info = Info {
        name: "byo-rwlock-btree",
        origin: Origin::User,
        shared: true,
        consistency: Consistency::Blocking,
        readers_block: ReaderBlocking::WholeSweep,
        keeps_order: false,
        during_sweep: "nothing: readers and writers wait until the sweep has finished, then see \
                       the map without any doomed entry",
        extra_memory: "none",
        choose_when: "you need the keys in order as well, and sweeps are rare or the map small \
                      (an example of a contender from outside the workspace)",
        how: "take the write lock and `retain` the BTreeMap's entries not doomed",
    };

    fn build(build: &Build) -> Result<Self, BuildError> {
        build.validate()?;
        Ok(RwLockBTree {
            map: Arc::new(RwLock::new(BTreeMap::new())),
        })
    }
}

impl<V: Value> Shared<V> for RwLockBTree<V> {
    type Handle = Self;

    fn handle(&self) -> Self {
        self.clone()
    }
}
