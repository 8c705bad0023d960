//! Removal while walking, the fast paths: `retain` and `extract_if`.
//!
//! Both visit every live cell of the old table (while growing) and the current one in place:
//! removing marks a cell `emptyOne`, and once a chain is done its trailing run of `emptyOne`
//! becomes `emptyRest` in one pass (instead of Go's backward walk per deletion). Nothing is
//! evacuated, rehashed or moved, so they cost a walk plus the predicate.

use core::fmt;

use crate::bucket::{Bucket, BUCKET_CNT};
use crate::map::{evacuated, EvacMap};
use crate::table::Table;
use crate::tophash::TopHash;

/// Turns the `emptyOne` cells after the chain's last non-empty cell into `emptyRest`; returns
/// how many changed.
///
/// # Safety
/// - `head` heads a live chain that is accessed exclusively.
#[inline]
pub(crate) unsafe fn settle_chain<K, V>(head: *mut Bucket<K, V>) -> usize {
    // SAFETY: all buckets visited belong to the exclusively accessed chain.
    unsafe {
        if Bucket::next(head).is_null() {
            // One bucket (the common case): clear every lane above the highest occupied one. In a
            // live chain those lanes are `emptyOne` or already `emptyRest`; one store does it.
            let group = Bucket::group(head);
            let occupied = group.match_empty().invert().bits();
            let keep = match occupied.leading_zeros() {
                64 => 0,
                0 => u64::MAX,
                z => (1u64 << (64 - z)) - 1,
            };
            let settled = group.match_byte(TopHash::EMPTY_ONE).bits() & !keep;
            if settled != 0 {
                let word = u64::from_le_bytes((*head).tophash.map(TopHash::get)) & keep;
                (*head).tophash = word.to_le_bytes().map(TopHash);
            }
            return settled.count_ones() as usize;
        }
        let mut last_live = None;
        let mut base = 0;
        let mut b = head;
        while !b.is_null() {
            let group = Bucket::group(b);
            let occupied = BUCKET_CNT - group.match_empty().count();
            if occupied > 0 {
                let highest = (0..BUCKET_CNT)
                    .rev()
                    .find(|&i| !Bucket::top(b, i).is_empty());
                last_live = highest.map(|i| base + i);
            }
            base += BUCKET_CNT;
            b = Bucket::next(b);
        }
        let mut changed = 0;
        base = 0;
        b = head;
        while !b.is_null() {
            for i in 0..BUCKET_CNT {
                if last_live.is_none_or(|l| base + i > l) && Bucket::top(b, i) == TopHash::EMPTY_ONE
                {
                    Bucket::set_top(b, i, TopHash::EMPTY_REST);
                    changed += 1;
                }
            }
            base += BUCKET_CNT;
            b = Bucket::next(b);
        }
        changed
    }
}

/// The chains a sweep visits, in order: old table chains not yet evacuated, then current ones.
struct ChainWalk {
    /// 0 = old table, 1 = current table.
    table: usize,
    index: usize,
}

impl ChainWalk {
    /// The next chain head and whether it is in the old table.
    fn next<K, V, S>(&mut self, map: &EvacMap<K, V, S>) -> Option<(*mut Bucket<K, V>, bool)> {
        loop {
            let table: Option<&Table<K, V>> = match self.table {
                0 => map.grow.as_ref().map(|g| &*g.old),
                1 => map.cur.as_deref(),
                _ => return None,
            };
            match table {
                Some(t) if self.index < t.len() => {
                    let head = t.bucket(self.index);
                    self.index += 1;
                    let is_old = self.table == 0;
                    // SAFETY: `head` is a live bucket of a table the map owns.
                    if is_old && unsafe { evacuated(head) } {
                        continue;
                    }
                    return Some((head, is_old));
                }
                _ => {
                    self.table += 1;
                    self.index = 0;
                }
            }
        }
    }
}

impl<K, V, S> EvacMap<K, V, S> {
    /// Removes a cell found by a sweep and keeps the counters exact.
    ///
    /// # Safety
    /// - Slot `slot` of `b` is full, in a table this map owns, accessed exclusively.
    unsafe fn sweep_take(&mut self, b: *mut Bucket<K, V>, slot: usize, is_old: bool) -> (K, V) {
        // SAFETY: forwarded to the caller.
        let entry = unsafe { Bucket::take(b, slot, TopHash::EMPTY_ONE) };
        self.count -= 1;
        *self.tombstones(is_old) += 1;
        entry
    }

    fn tombstones(&mut self, is_old: bool) -> &mut usize {
        if is_old {
            &mut self.counters.tombstones_old
        } else {
            &mut self.counters.tombstones_cur
        }
    }

    /// Settles a chain after removals.
    ///
    /// # Safety
    /// - `head` heads a live chain of a table this map owns, accessed exclusively.
    #[inline]
    unsafe fn settle(&mut self, head: *mut Bucket<K, V>, is_old: bool) {
        // SAFETY: forwarded to the caller.
        let changed = unsafe { settle_chain(head) };
        *self.tombstones(is_old) -= changed;
    }

    /// Keeps only the entries for which `keep` returns true, visiting each once in bucket order.
    /// If `keep` panics, the entries already removed stay removed and the map stays consistent.
    pub fn retain<F>(&mut self, mut keep: F)
    where
        F: FnMut(&K, &mut V) -> bool,
    {
        self.writes += 1;
        let mut walk = ChainWalk { table: 0, index: 0 };
        while let Some((head, is_old)) = walk.next(self) {
            let mut guard = SettleOnDrop {
                map: &mut *self,
                head,
                is_old,
                dirty: false,
            };
            let mut b = head;
            while !b.is_null() {
                // SAFETY: `b` is a live bucket of a table the map owns; `&mut self` is exclusive;
                // full slots hold initialised entries.
                unsafe {
                    for slot in Bucket::group(b).match_full() {
                        if !keep(&*Bucket::key(b, slot), &mut *Bucket::value(b, slot)) {
                            guard.dirty = true;
                            drop(guard.map.sweep_take(b, slot, is_old));
                        }
                    }
                    b = Bucket::next(b);
                }
            }
        }
        self.after_removal();
    }

    /// Removes and yields, lazily, the entries for which `pred` returns true. Entries not reached
    /// when the iterator is dropped stay in the map.
    pub fn extract_if<F>(&mut self, pred: F) -> ExtractIf<'_, K, V, S, F>
    where
        F: FnMut(&K, &mut V) -> bool,
    {
        self.writes += 1;
        ExtractIf {
            map: self,
            pred,
            walk: ChainWalk { table: 0, index: 0 },
            chain: None,
            bucket: core::ptr::null_mut(),
            slot: 0,
            finished: false,
        }
    }
}

/// Settles the current chain even if the predicate panics.
struct SettleOnDrop<'a, K, V, S> {
    map: &'a mut EvacMap<K, V, S>,
    head: *mut Bucket<K, V>,
    is_old: bool,
    dirty: bool,
}

impl<K, V, S> Drop for SettleOnDrop<'_, K, V, S> {
    #[inline]
    fn drop(&mut self) {
        if self.dirty {
            // SAFETY: `head` heads a live chain of the exclusively borrowed map.
            unsafe { self.map.settle(self.head, self.is_old) };
        }
    }
}

/// Iterator from [`EvacMap::extract_if`].
pub struct ExtractIf<'a, K, V, S, F> {
    map: &'a mut EvacMap<K, V, S>,
    pred: F,
    walk: ChainWalk,
    /// The chain being walked: head, is-old, and whether something was removed from it.
    chain: Option<(*mut Bucket<K, V>, bool, bool)>,
    bucket: *mut Bucket<K, V>,
    slot: usize,
    finished: bool,
}

impl<K, V, S, F> ExtractIf<'_, K, V, S, F> {
    fn settle_chain(&mut self) {
        if let Some((head, is_old, true)) = self.chain.take() {
            // SAFETY: `head` heads a live chain of the exclusively borrowed map.
            unsafe { self.map.settle(head, is_old) };
        }
    }

    fn finish(&mut self) {
        if !self.finished {
            self.finished = true;
            self.settle_chain();
            self.map.after_removal();
        }
    }
}

impl<K, V, S, F> Iterator for ExtractIf<'_, K, V, S, F>
where
    F: FnMut(&K, &mut V) -> bool,
{
    type Item = (K, V);

    fn next(&mut self) -> Option<(K, V)> {
        if self.finished {
            return None;
        }
        loop {
            if self.bucket.is_null() {
                self.settle_chain();
                match self.walk.next(self.map) {
                    Some((head, is_old)) => {
                        self.chain = Some((head, is_old, false));
                        self.bucket = head;
                        self.slot = 0;
                    }
                    None => {
                        self.finish();
                        return None;
                    }
                }
            }
            while self.slot < BUCKET_CNT {
                let slot = self.slot;
                self.slot += 1;
                let b = self.bucket;
                // SAFETY: `b` is a live bucket of the exclusively borrowed map; full slots hold
                // initialised entries.
                unsafe {
                    if Bucket::top(b, slot).is_full()
                        && (self.pred)(&*Bucket::key(b, slot), &mut *Bucket::value(b, slot))
                    {
                        let chain = self.chain.as_mut().expect("walking a chain");
                        chain.2 = true;
                        let is_old = chain.1;
                        return Some(self.map.sweep_take(b, slot, is_old));
                    }
                }
            }
            // SAFETY: `bucket` is live.
            self.bucket = unsafe { Bucket::next(self.bucket) };
            self.slot = 0;
        }
    }
}

impl<K, V, S, F> Drop for ExtractIf<'_, K, V, S, F> {
    fn drop(&mut self) {
        self.finish();
    }
}

impl<K, V, S, F> fmt::Debug for ExtractIf<'_, K, V, S, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExtractIf")
            .field("finished", &self.finished)
            .finish()
    }
}
