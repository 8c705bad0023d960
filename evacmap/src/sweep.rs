//! Removal while walking, the fast paths: `retain` and `extract_if`.
//!
//! Both visit every live cell of the old table (while growing) and the current one in place:
//! removing marks a cell `emptyOne`, and once a chain is done its trailing run of `emptyOne`
//! becomes `emptyRest` in one pass (instead of Go's backward walk per deletion). Nothing is
//! evacuated, rehashed or moved, so they cost a walk plus the predicate.
//!
//! `retain` decides a group of cells before changing any: the predicate's answers for up to 8
//! buckets go into one `u64` (a bit per cell) with no branch on them, and each bucket's 8
//! tophash bytes are rewritten in one store (SWAR), `emptyRest` included. hashbrown erases per
//! item behind a branch on the answer, which a random purge mispredicts about half the time.

use core::fmt;
use std::sync::Arc;

use crate::bucket::{prefetch_bytes, Bucket, BUCKET_CNT};
use crate::group::{BitMask, Group, EMPTY_ONE_LANES};
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

    /// Keeps only the entries for which `keep` returns true, visiting each once in bucket order
    /// (the old table's unevacuated chains first while growing; each chain's primary bucket, then
    /// its overflow buckets). Like Go's `delete` during `range`, nothing is evacuated or moved
    /// during the walk; with a shrink policy
    /// ([`Config::with_shrink_below`](crate::Config::with_shrink_below)), the halvings it calls
    /// for are done after the walk, at once.
    ///
    /// The predicate's answers for a group of neighbouring cells (the 8 slots of a chain's
    /// buckets, or the cells of 8 neighbouring buckets without overflow) are gathered into a
    /// bitmask with no branch on them and applied to each bucket's 8 tophash bytes in one store,
    /// settling `emptyRest` in the same pass; the removed entries of that group are then dropped
    /// together, after the last predicate call of the group.
    ///
    /// # Panics
    /// If `keep` panics, the answers it already gave are applied (those entries are removed and
    /// dropped while unwinding), the entries not reached stay, and the map stays consistent. If a
    /// removed entry's destructor panics, the group's other removed entries are still dropped,
    /// the map is consistent and the panic propagates (a second panic while unwinding aborts, as
    /// in `Vec`).
    pub fn retain<F>(&mut self, mut keep: F)
    where
        F: FnMut(&K, &mut V) -> bool,
    {
        self.writes += 1;
        let old = self.grow.as_ref().map(|g| Arc::as_ptr(&g.old));
        let cur = self.cur.as_ref().map(Arc::as_ptr);
        for (table, is_old) in [(old, true), (cur, false)] {
            let Some(table) = table else { continue };
            // SAFETY: the table is owned by the map, which `&mut self` borrows for the whole
            // walk; the predicate cannot reach the map, so no grow replaces the table meanwhile.
            let table = unsafe { &*table };
            let len = table.len();
            let mut i = 0;
            while i < len {
                if !is_old && i + BATCH <= len {
                    // Sequential, but a bucket spans 2.25 cache lines: ask for the group two
                    // groups ahead (past the table's end the hint is harmless).
                    prefetch_bytes(
                        table.bucket(i).wrapping_add(2 * BATCH),
                        BATCH * core::mem::size_of::<Bucket<K, V>>(),
                    );
                    let mut buckets = [core::ptr::null_mut(); BATCH];
                    let mut solo = true;
                    for (j, slot) in buckets.iter_mut().enumerate() {
                        *slot = table.bucket(i + j);
                        // SAFETY: a live bucket of the current table.
                        solo &= unsafe { Bucket::next(*slot) }.is_null();
                    }
                    if solo {
                        // SAFETY: 8 live, distinct buckets of the map's current table, each a
                        // whole chain; the map is borrowed exclusively.
                        unsafe { self.retain_batch(buckets, BATCH, None, false, &mut keep) };
                        i += BATCH;
                        continue;
                    }
                }
                let head = table.bucket(i);
                i += 1;
                // SAFETY: `head` is a live bucket of a table the map owns.
                if is_old && unsafe { evacuated(head) } {
                    continue;
                }
                // SAFETY: `head` heads a live chain of a table the map owns, borrowed
                // exclusively.
                unsafe { self.retain_chain(head, is_old, &mut keep) };
            }
        }
        self.after_removal();
        self.finish_policy_halvings();
    }

    /// `retain` over one chain, in groups of up to 8 of its buckets.
    ///
    /// # Safety
    /// - `head` heads a live chain of a table this map owns (the old one iff `is_old`), accessed
    ///   exclusively, and not evacuated.
    unsafe fn retain_chain<F>(&mut self, head: *mut Bucket<K, V>, is_old: bool, keep: &mut F)
    where
        F: FnMut(&K, &mut V) -> bool,
    {
        // SAFETY: `head` is live (the caller's contract).
        let alone = unsafe { Bucket::next(head) }.is_null();
        let settle = if alone { None } else { Some(head) };
        let mut b = head;
        while !b.is_null() {
            let mut buckets = [core::ptr::null_mut(); BATCH];
            let mut n = 0;
            while n < BATCH && !b.is_null() {
                buckets[n] = b;
                n += 1;
                // SAFETY: `b` is a live bucket of the chain.
                b = unsafe { Bucket::next(b) };
            }
            // SAFETY: `buckets[..n]` are distinct live buckets of one chain (the caller's
            // contract); a lone primary bucket is the whole chain.
            unsafe { self.retain_batch(buckets, n, settle, is_old, keep) };
        }
    }

    /// Decides and applies `retain`'s answers for `buckets[..n]`.
    ///
    /// # Safety
    /// - `buckets[..n]` (`n <= 8`) are distinct live buckets of a table this map owns (the old
    ///   one iff `is_old`), accessed exclusively, none evacuated;
    /// - if `settle` is `None`, each of them is a whole chain (no overflow bucket); otherwise
    ///   they all belong to the chain headed by `settle`.
    #[inline(always)]
    unsafe fn retain_batch<F>(
        &mut self,
        buckets: [*mut Bucket<K, V>; BATCH],
        n: usize,
        settle: Option<*mut Bucket<K, V>>,
        is_old: bool,
        keep: &mut F,
    ) where
        F: FnMut(&K, &mut V) -> bool,
    {
        let mut full = 0u64;
        for (j, &b) in buckets[..n].iter().enumerate() {
            // SAFETY: `b` is live (the caller's contract).
            full |= u64::from(unsafe { Bucket::group(b) }.match_full().to_byte()) << (8 * j);
        }
        let mut batch = Batch {
            map: self,
            buckets,
            n,
            settle,
            is_old,
            doomed: 0,
        };
        // The only branch in this loop is its exit: the answer goes into `doomed` by a shift.
        while full != 0 {
            let cell = full.trailing_zeros() as usize;
            full &= full - 1;
            let (b, slot) = (buckets[cell / BUCKET_CNT], cell % BUCKET_CNT);
            // SAFETY: the cell is full (it was when the group was read, and nothing changed
            // it since: the predicate cannot reach the map); the references end with the call.
            let kept = unsafe { keep(&*Bucket::key(b, slot), &mut *Bucket::value(b, slot)) };
            batch.doomed |= u64::from(!kept) << cell;
        }
        // SAFETY: `batch.doomed` holds full cells of `buckets[..n]`, decided just now.
        let doomed = unsafe { batch.apply() };
        drop(batch);
        // SAFETY: `apply` released these cells to us; each is dropped once.
        unsafe { drop_cells(&buckets, doomed) };
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

/// Buckets a sweep decides at once: 8 slots each, so one `u64` holds a cell per bit.
pub(crate) const BATCH: usize = 8;

/// Answers of `retain`'s predicate for the cells of up to 8 buckets (bit `8 * j + slot` for slot
/// `slot` of `buckets[j]`), not applied yet. Dropping it applies them, so a panicking predicate
/// leaves the map consistent with the answers it gave.
pub(crate) struct Batch<'a, K, V, S> {
    map: &'a mut EvacMap<K, V, S>,
    buckets: [*mut Bucket<K, V>; BATCH],
    n: usize,
    /// The chain to settle after the answers are applied; `None` when every bucket is a whole
    /// chain, settled in the same store.
    settle: Option<*mut Bucket<K, V>>,
    is_old: bool,
    /// Full cells answered "remove", not applied yet.
    pub(crate) doomed: u64,
}

impl<'a, K, V, S> Batch<'a, K, V, S> {
    /// A batch over 8 neighbouring buckets of the map's current table, each a whole chain
    /// (slot `i` of `buckets[j]` is bit `8 * j + i`).
    ///
    /// # Safety
    /// - `buckets` are distinct live buckets of `map`'s current table, each without an overflow
    ///   bucket, accessed exclusively through `map` while the batch lives.
    #[inline(always)]
    pub(crate) unsafe fn eight(
        map: &'a mut EvacMap<K, V, S>,
        buckets: [*mut Bucket<K, V>; BATCH],
    ) -> Self {
        Batch {
            map,
            buckets,
            n: BATCH,
            settle: None,
            is_old: false,
            doomed: 0,
        }
    }

    /// A batch over the one bucket `bucket` of the map's current table (slot `i` is bit `i`);
    /// `settle` as on the struct.
    ///
    /// # Safety
    /// - `bucket` is a live bucket of `map`'s current table, accessed exclusively through `map`
    ///   while the batch lives; if `settle` is `None` it is a whole chain, else `settle` heads
    ///   its chain.
    #[inline(always)]
    pub(crate) unsafe fn one(
        map: &'a mut EvacMap<K, V, S>,
        bucket: *mut Bucket<K, V>,
        settle: Option<*mut Bucket<K, V>>,
    ) -> Self {
        let mut buckets = [core::ptr::null_mut(); BATCH];
        buckets[0] = bucket;
        Batch {
            map,
            buckets,
            n: 1,
            settle,
            is_old: false,
            doomed: 0,
        }
    }

    /// Marks every doomed cell `emptyOne` with one store per bucket (turning the trailing
    /// empties of a whole-chain bucket into `emptyRest` in the same store), settles a chain,
    /// and updates the counters. Returns the doomed cells, whose entries the caller now owns.
    ///
    /// # Safety
    /// - The struct's invariants: `buckets[..n]` are live buckets of the map's table named by
    ///   `is_old`, accessed exclusively, as `retain_batch` requires; `doomed` names full cells.
    #[inline(always)]
    pub(crate) unsafe fn apply(&mut self) -> u64 {
        let doomed = core::mem::take(&mut self.doomed);
        if doomed == 0 {
            return 0;
        }
        let mut tombstones = *self.map.tombstones(self.is_old) as isize;
        let mut removed = 0;
        for (j, &b) in self.buckets[..self.n].iter().enumerate() {
            let cells = (doomed >> (8 * j)) as u8;
            if cells == 0 {
                continue;
            }
            // SAFETY: `b` is live and exclusively accessed (the caller's contract).
            let before = unsafe { Bucket::group(b) };
            let cells = BitMask::from_byte(cells);
            removed += cells.count();
            let lanes = cells.byte_lanes();
            let mut word = (before.word() & !lanes) | (EMPTY_ONE_LANES & lanes);
            if self.settle.is_none() {
                // Whole chain: every lane above the highest non-empty one becomes `emptyRest`.
                let occupied = Group::from_word(word).match_empty().invert().bits();
                word &= match occupied.leading_zeros() {
                    64 => 0,
                    0 => u64::MAX,
                    z => (1u64 << (64 - z)) - 1,
                };
            }
            let after = Group::from_word(word);
            tombstones += after.match_byte(TopHash::EMPTY_ONE).count() as isize
                - before.match_byte(TopHash::EMPTY_ONE).count() as isize;
            // SAFETY: the doomed cells were full and are now marked empty: their entries are
            // handed to the caller; no other cell changes from or to full.
            unsafe { Bucket::set_group(b, word) };
        }
        *self.map.tombstones(self.is_old) = tombstones as usize;
        self.map.count -= removed;
        if let Some(head) = self.settle {
            // SAFETY: `head` heads the live chain of these buckets (the caller's contract).
            unsafe { self.map.settle(head, self.is_old) };
        }
        doomed
    }
}

impl<K, V, S> Drop for Batch<'_, K, V, S> {
    fn drop(&mut self) {
        if self.doomed != 0 {
            // Only reached when the predicate panicked: apply the answers it gave.
            // SAFETY: the struct's invariants hold until it is dropped.
            let doomed = unsafe { self.apply() };
            // SAFETY: `apply` released these cells; each is dropped once.
            unsafe { drop_cells(&self.buckets, doomed) };
        }
    }
}

/// Drops the entries of cells `doomed` (bit `8 * j + slot`) that a sweep released. If one
/// destructor panics, the others are still dropped (a second panic aborts, as in `Vec`).
///
/// # Safety
/// - Each cell named is in `buckets` and holds an initialised entry that no one else owns.
#[inline(always)]
pub(crate) unsafe fn drop_cells<K, V>(buckets: &[*mut Bucket<K, V>; BATCH], mut doomed: u64) {
    if !core::mem::needs_drop::<K>() && !core::mem::needs_drop::<V>() {
        return;
    }
    /// Drops the cells after the one being dropped if its destructor panics.
    struct Rest<'b, K, V>(&'b [*mut Bucket<K, V>; BATCH], u64);
    impl<K, V> Drop for Rest<'_, K, V> {
        fn drop(&mut self) {
            // SAFETY: forwarded from `drop_cells`; these cells were not dropped yet.
            unsafe { drop_cells(self.0, self.1) };
        }
    }
    while doomed != 0 {
        let cell = doomed.trailing_zeros() as usize;
        doomed &= doomed - 1;
        let b = buckets[cell / BUCKET_CNT];
        // SAFETY: the cell holds an initialised entry released to us (the caller's contract);
        // reading it out moves ownership here. The tuple drops the value even if the key panics.
        let entry = unsafe {
            (
                core::ptr::read(Bucket::key(b, cell % BUCKET_CNT)),
                core::ptr::read(Bucket::value(b, cell % BUCKET_CNT)),
            )
        };
        let rest = Rest(buckets, doomed);
        drop(entry);
        core::mem::forget(rest);
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
