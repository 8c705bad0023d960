//! The entry API: one lookup for "insert or update", with Go's `mapassign` semantics.
//!
//! [`EvacMap::entry`] is the first half of Go's `mapassign` (what `m[k] = v` and `m[k] += v`
//! compile to): it hashes the key, allocates the table if there is none, and while the map is
//! growing does `growWork` (evacuates the bucket the key maps to plus one more at the mark), so
//! the key, if present, is then in the current table. Nothing else moves until the entry is used:
//!
//! - [`VacantEntry::insert`] is the rest of `mapassign`: it may start a grow (doubling past the
//!   load factor, same-size when overflow buckets pile up) and then does the `growWork` of that
//!   grow, exactly as an [`EvacMap::insert`] of a new key;
//! - an [`OccupiedEntry`] reads and updates the value in place (like [`EvacMap::get_mut`]);
//!   [`OccupiedEntry::remove`] is Go's `mapdelete` without a second `growWork` (the operation
//!   did its `growWork` in `entry`).

use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::mem;

use crate::bucket::Bucket;
use crate::map::{find_in_chain, settle_tail, Assigned, EvacMap};
use crate::tophash::TopHash;

/// A view into one key of an [`EvacMap`], from [`EvacMap::entry`].
pub enum Entry<'a, K, V, S> {
    /// The key is present.
    Occupied(OccupiedEntry<'a, K, V, S>),
    /// The key is absent.
    Vacant(VacantEntry<'a, K, V, S>),
}

/// A present key, from [`EvacMap::entry`].
pub struct OccupiedEntry<'a, K, V, S> {
    map: &'a mut EvacMap<K, V, S>,
    /// Head of the chain holding the cell (for settling on removal).
    head: *mut Bucket<K, V>,
    bucket: *mut Bucket<K, V>,
    slot: usize,
}

/// An absent key, from [`EvacMap::entry`].
pub struct VacantEntry<'a, K, V, S> {
    map: &'a mut EvacMap<K, V, S>,
    hash: u64,
    key: K,
}

impl<K, V, S> EvacMap<K, V, S>
where
    K: Hash + Eq,
    S: BuildHasher,
{
    /// The entry for `key`, for in-place insert-or-update with one lookup.
    ///
    /// This is the first half of Go's `mapassign` (see the module docs): it counts as a write
    /// (stale [`Cursor::remove_yielded`](crate::Cursor::remove_yielded) calls return `None`), and
    /// while the map is growing it evacuates the key's bucket and one more, as `m[k] = v` does.
    ///
    /// ```
    /// use evacmap::EvacMap;
    ///
    /// let mut words: EvacMap<&str, u32> = EvacMap::new();
    /// for w in ["a", "b", "a"] {
    ///     *words.entry(w).or_insert(0) += 1;
    /// }
    /// assert_eq!(words[&"a"], 2);
    /// ```
    pub fn entry(&mut self, key: K) -> Entry<'_, K, V, S> {
        let hash = self.hash(&key);
        self.writes += 1;
        self.ensure_table();
        if self.grow.is_some() {
            self.grow_work(hash);
        }
        let cur = self.cur.as_ref().expect("table allocated above");
        let head = cur.bucket((hash & cur.mask()) as usize);
        // SAFETY: `head` heads a live chain of the current table; `&mut self` excludes other
        // access. After `grow_work` the key's old bucket is evacuated, so a present key is here.
        match unsafe { find_in_chain(head, TopHash::for_hash(hash), &key) } {
            Some((bucket, slot)) => Entry::Occupied(OccupiedEntry {
                map: self,
                head,
                bucket,
                slot,
            }),
            None => Entry::Vacant(VacantEntry {
                map: self,
                hash,
                key,
            }),
        }
    }
}

impl<'a, K, V, S> Entry<'a, K, V, S>
where
    K: Hash + Eq,
    S: BuildHasher,
{
    /// The value, inserting `default` if the key is absent.
    pub fn or_insert(self, default: V) -> &'a mut V {
        match self {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => e.insert(default),
        }
    }

    /// The value, inserting `default()` if the key is absent (`default` runs only then).
    pub fn or_insert_with<F: FnOnce() -> V>(self, default: F) -> &'a mut V {
        match self {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => e.insert(default()),
        }
    }

    /// The value, inserting `default(&key)` if the key is absent.
    pub fn or_insert_with_key<F: FnOnce(&K) -> V>(self, default: F) -> &'a mut V {
        match self {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => {
                let value = default(&e.key);
                e.insert(value)
            }
        }
    }

    /// The value, inserting `V::default()` if the key is absent.
    pub fn or_default(self) -> &'a mut V
    where
        V: Default,
    {
        self.or_insert_with(V::default)
    }

    /// Runs `f` on the value if the key is present; returns the entry for chaining.
    pub fn and_modify<F: FnOnce(&mut V)>(self, f: F) -> Self {
        match self {
            Entry::Occupied(mut e) => {
                f(e.get_mut());
                Entry::Occupied(e)
            }
            vacant => vacant,
        }
    }

    /// The entry's key (the stored one if present, else the one given to `entry`).
    pub fn key(&self) -> &K {
        match self {
            Entry::Occupied(e) => e.key(),
            Entry::Vacant(e) => e.key(),
        }
    }
}

impl<'a, K, V, S> OccupiedEntry<'a, K, V, S> {
    /// The stored key.
    pub fn key(&self) -> &K {
        // SAFETY: the cell is full and the map is borrowed for the entry's life; nothing moved
        // it since `entry` found it.
        unsafe { &*Bucket::key(self.bucket, self.slot) }
    }

    /// The value.
    pub fn get(&self) -> &V {
        // SAFETY: as in `key`.
        unsafe { &*Bucket::value(self.bucket, self.slot) }
    }

    /// The value, mutably (an update in place; like `get_mut`, nothing is evacuated).
    pub fn get_mut(&mut self) -> &mut V {
        // SAFETY: as in `key`; `&mut self` makes the reference unique.
        unsafe { &mut *Bucket::value(self.bucket, self.slot) }
    }

    /// The value, mutably, for as long as the map borrow the entry came from.
    pub fn into_mut(self) -> &'a mut V {
        // SAFETY: as in `key`; the entry held the map's only borrow, for 'a.
        unsafe { &mut *Bucket::value(self.bucket, self.slot) }
    }

    /// Replaces the value; returns the old one.
    pub fn insert(&mut self, value: V) -> V {
        mem::replace(self.get_mut(), value)
    }

    /// Removes the entry; returns its value.
    pub fn remove(self) -> V {
        self.remove_entry().1
    }

    /// Removes the entry; returns the stored key and the value. The cell becomes `emptyOne` and
    /// the chain's trailing run of `emptyOne` becomes `emptyRest`, as Go's `mapdelete`; the seed
    /// is redrawn if the map becomes empty; with a shrink policy a halving may start.
    pub fn remove_entry(self) -> (K, V) {
        let map = self.map;
        // SAFETY: the cell is full, in the current table's chain headed by `head`, and `map` is
        // borrowed exclusively.
        let entry = unsafe {
            let entry = Bucket::take(self.bucket, self.slot, TopHash::EMPTY_ONE);
            let settled = settle_tail(self.head, self.bucket, self.slot);
            map.counters.tombstones_cur = map.counters.tombstones_cur + 1 - settled;
            entry
        };
        map.count -= 1;
        map.after_removal();
        entry
    }
}

impl<'a, K, V, S> VacantEntry<'a, K, V, S>
where
    K: Hash + Eq,
    S: BuildHasher,
{
    /// The key given to `entry`.
    pub fn key(&self) -> &K {
        &self.key
    }

    /// Gives the key back without inserting.
    pub fn into_key(self) -> K {
        self.key
    }

    /// Inserts the value (the rest of Go's `mapassign`: may start a grow and evacuate); returns
    /// a reference to it.
    pub fn insert(self, value: V) -> &'a mut V {
        let map = self.map;
        let (bucket, slot) = match map.assign(self.hash, self.key, value, false) {
            Assigned::Added(bucket, slot) => (bucket, slot),
            // Only with an `Eq` that changed its mind since `entry`: the value was stored anyway.
            Assigned::Updated(_, bucket, slot) => (bucket, slot),
        };
        // SAFETY: `assign` stored the value in this full cell of the current table; the map is
        // borrowed for 'a.
        unsafe { &mut *Bucket::value(bucket, slot) }
    }
}

impl<K: fmt::Debug, V: fmt::Debug, S> fmt::Debug for Entry<'_, K, V, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Entry::Occupied(e) => f.debug_tuple("Occupied").field(e).finish(),
            Entry::Vacant(e) => f.debug_tuple("Vacant").field(e).finish(),
        }
    }
}

impl<K: fmt::Debug, V: fmt::Debug, S> fmt::Debug for OccupiedEntry<'_, K, V, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OccupiedEntry")
            .field("key", self.key())
            .field("value", self.get())
            .finish()
    }
}

impl<K: fmt::Debug, V, S> fmt::Debug for VacantEntry<'_, K, V, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("VacantEntry").field(&self.key).finish()
    }
}
