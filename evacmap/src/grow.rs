//! Growth: Go's `hashGrow`, `growWork`, `evacuate` and `advanceEvacuationMark`, plus halving.

use core::hash::{BuildHasher, Hash};
use std::sync::Arc;

use crate::bucket::{prefetch_bytes, Bucket, BUCKET_CNT};
use crate::group::{BitMask, Group};
use crate::hash::hash_key;
use crate::map::{evacuated, over_load, Counters, EvacMap, TryReserveError};
use crate::table::{Successor, Table};
use crate::tophash::TopHash;

/// How a grow maps old buckets to new ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GrowKind {
    /// Twice the buckets: old bucket `i` splits into new `i` (X) and `i + 2^oldB` (Y) by hash bit
    /// `oldB`.
    Doubling,
    /// The same number of buckets: old bucket `i` is packed into new bucket `i`, dropping the
    /// `emptyOne` holes and surplus overflow buckets that churn leaves (golang/go#16070).
    SameSize,
    /// Half the buckets (beyond Go, which never shrinks: golang/go#20135): old buckets `i` and
    /// `i + 2^newB` are packed, in that order, into new bucket `i`.
    Halving,
}

/// A grow in progress: the old table and Go's `nevacuate`.
pub(crate) struct Growth<K, V> {
    pub(crate) old: Arc<Table<K, V>>,
    pub(crate) kind: GrowKind,
    /// Evacuation units below this are evacuated (Go's `nevacuate`).
    pub(crate) nevacuate: usize,
    /// Units in this grow: old buckets, or new buckets when halving (each fed by two old ones).
    pub(crate) units: usize,
}

impl<K, V> Growth<K, V> {
    /// The old buckets that unit `unit` evacuates.
    pub(crate) fn sources(&self, unit: usize) -> [Option<usize>; 2] {
        match self.kind {
            GrowKind::Doubling | GrowKind::SameSize => [Some(unit), None],
            GrowKind::Halving => [Some(unit), Some(unit + self.units)],
        }
    }
}

impl<K, V, S> EvacMap<K, V, S> {
    /// Go's `hashGrow`: doubling if the next insert would pass the load factor, else same-size.
    /// Nothing is copied yet; `b` changes at once.
    pub(crate) fn start_grow(&mut self) {
        let kind = if over_load(self.count + 1, self.b, self.config.load_factor) {
            GrowKind::Doubling
        } else {
            GrowKind::SameSize
        };
        self.start_grow_to(kind);
    }

    pub(crate) fn start_grow_to(&mut self, kind: GrowKind) {
        debug_assert!(
            self.grow.is_none(),
            "a grow never starts while one is in progress"
        );
        let new_b = match kind {
            GrowKind::Doubling => self.b + 1,
            GrowKind::SameSize => self.b,
            GrowKind::Halving => self.b - 1,
        };
        self.start_grow_with(kind, Table::new(new_b));
    }

    /// `start_grow_to` with the new table already allocated (`new` has the right B for `kind`).
    pub(crate) fn start_grow_with(&mut self, kind: GrowKind, new: Arc<Table<K, V>>) {
        let new_b = new.b();
        let old = self
            .cur
            .replace(Arc::clone(&new))
            .expect("a grow needs a current table");
        let units = match kind {
            GrowKind::Halving => new.len(),
            GrowKind::Doubling | GrowKind::SameSize => old.len(),
        };
        // SAFETY: the map owns `old` and has exclusive access (`&mut self`).
        unsafe { old.set_successor(Some(Successor { table: new, kind })) };
        self.b = new_b;
        self.grow = Some(Growth {
            old,
            kind,
            nevacuate: 0,
            units,
        });
        self.sync_probe();
        let c = &mut self.counters;
        c.overflow_old = core::mem::take(&mut c.overflow_cur);
        c.tombstones_old = core::mem::take(&mut c.tombstones_cur);
        c.noverflow = 0;
        match kind {
            GrowKind::Doubling => c.grows += 1,
            GrowKind::SameSize => c.same_size_grows += 1,
            GrowKind::Halving => c.shrinks += 1,
        }
    }

    /// Go's `advanceEvacuationMark`: step past evacuated units (at most 1024 ahead); free the
    /// old table when every unit is done.
    fn advance_mark(&mut self) {
        let grow = self.grow.as_mut().expect("advancing the mark of a grow");
        grow.nevacuate += 1;
        let stop = (grow.nevacuate + 1024).min(grow.units);
        // SAFETY: unit indices below `units` name live buckets of the old table.
        while grow.nevacuate != stop && unsafe { evacuated(grow.old.bucket(grow.nevacuate)) } {
            grow.nevacuate += 1;
        }
        if grow.nevacuate == grow.units {
            debug_assert_eq!(self.counters.tombstones_old, 0);
            self.counters.overflow_old = 0;
            // The old table is dropped here unless a cursor still walks it.
            self.grow = None;
            self.sync_probe();
        }
    }

    /// After a whole-table removal (`retain`): with a shrink policy, every halving the policy
    /// calls for, done now. Incremental halving moves entries only on later inserts and
    /// removals by key, so a map purged by `retain` and then only read would otherwise keep its
    /// old table and a half-size one beside it. Each halving is O(buckets), less than the walk
    /// that preceded it, and they shrink geometrically. A doubling or same-size grow in
    /// progress is left to finish incrementally (the policy starts no halving meanwhile).
    pub(crate) fn finish_policy_halvings(&mut self) {
        loop {
            self.maybe_start_shrink();
            match &self.grow {
                Some(grow) if grow.kind == GrowKind::Halving => self.finish_halving(),
                _ => return,
            }
        }
    }

    /// Evacuates every remaining unit of the halving in progress. No key is hashed: a halving
    /// merges old chains `unit` and `unit + units` into new bucket `unit`.
    fn finish_halving(&mut self) {
        while self.grow.is_some() {
            self.halving_step();
        }
    }

    /// With a halving in progress, evacuates the units at its mark: two, as Go's `growWork`
    /// does per write. What a removal through a cursor does (no key is hashed, so it needs no
    /// `Hash` bound), so a walk that removes most entries does not leave a halving it started
    /// half done with both tables held. A doubling or same-size grow is left to later writes.
    pub(crate) fn advance_halving(&mut self) {
        for _ in 0..2 {
            match &self.grow {
                Some(grow) if grow.kind == GrowKind::Halving => self.halving_step(),
                _ => return,
            }
        }
    }

    /// Evacuates the unit at the halving's mark (if not done yet) and advances the mark.
    fn halving_step(&mut self) {
        if let Some(grow) = &self.grow {
            debug_assert_eq!(grow.kind, GrowKind::Halving);
            let unit = grow.nevacuate;
            // SAFETY: `unit < units` names a live old bucket.
            if !unsafe { evacuated(grow.old.bucket(unit)) } {
                let cur = self.cur.as_ref().expect("growing maps have a table");
                let sources = grow.sources(unit);
                // SAFETY: exclusive access; a halving's destination `unit` is written only by
                // the evacuation of its own sources, which have not been evacuated, so it is
                // empty (as in `evacuate`).
                unsafe { evacuate_to_x(&grow.old, cur, &sources, unit, &mut self.counters) }
                self.counters.evacuations += 1;
            }
            self.advance_mark();
        }
    }

    /// With a shrink policy, start a halving once the load falls below the threshold.
    #[inline]
    pub(crate) fn maybe_start_shrink(&mut self) {
        if let Some(threshold) = self.config.shrink_below {
            if self.grow.is_none()
                && self.b > 0
                && self.cur.is_some()
                && (self.count as f64) < threshold * (1u64 << self.b) as f64
            {
                self.start_grow_to(GrowKind::Halving);
            }
        }
    }
}

impl<K, V, S> EvacMap<K, V, S>
where
    K: Hash + Eq,
    S: BuildHasher,
{
    /// Go's `growWork`: evacuate the unit feeding the bucket of `hash`, then one more at the mark.
    pub(crate) fn grow_work(&mut self, hash: u64) {
        let grow = self.grow.as_ref().expect("grow_work while growing");
        let unit = match grow.kind {
            GrowKind::Doubling | GrowKind::SameSize => hash & grow.old.mask(),
            GrowKind::Halving => hash & ((1u64 << self.b) - 1),
        } as usize;
        // The unit's old bucket(s) and its destination(s) are random and all needed (the key
        // lands in a destination, and the old bucket is read even when it is evacuated): ask for
        // them together, so their cache misses overlap instead of following each other.
        let size = core::mem::size_of::<Bucket<K, V>>();
        if let Some(cur) = self.cur.as_ref() {
            for source in grow.sources(unit).into_iter().flatten() {
                prefetch_bytes(grow.old.bucket(source), size);
            }
            prefetch_bytes(cur.bucket(unit), size);
            if grow.kind == GrowKind::Doubling {
                prefetch_bytes(cur.bucket(unit + grow.old.len()), size);
            }
        }
        self.evacuate(unit);
        if let Some(grow) = &self.grow {
            let mark = grow.nevacuate;
            self.evacuate(mark);
        }
    }

    /// Evacuates every remaining unit (used by `shrink_to_fit`).
    pub(crate) fn finish_growing(&mut self) {
        while let Some(grow) = &self.grow {
            let mark = grow.nevacuate;
            self.evacuate(mark);
        }
    }

    /// Go's `evacuate`: move one unit's entries to the new table, marking every old cell.
    fn evacuate(&mut self, unit: usize) {
        let grow = self.grow.as_ref().expect("evacuating while growing");
        // SAFETY: `unit < units` names a live old bucket.
        if !unsafe { evacuated(grow.old.bucket(unit)) } {
            let cur = self.cur.as_ref().expect("growing maps have a table");
            match grow.kind {
                GrowKind::Doubling => {
                    let hash = |k: &K| hash_key(&self.hash_builder, self.seed, k);
                    let source = grow.old.bucket(unit);
                    // SAFETY: `source` is a live old bucket.
                    if unsafe { Bucket::next(source) }.is_null() {
                        // SAFETY: exclusive access; the destinations are only written after
                        // their source unit is evacuated, so they are empty (Go's argument);
                        // `source` has no overflow.
                        unsafe {
                            evacuate_lone_doubling(
                                source,
                                cur.bucket(unit),
                                grow.old.len(),
                                hash,
                                &mut self.counters,
                            )
                        }
                    } else {
                        let hashes = ChainHashes::collect(&grow.old, unit, hash);
                        // SAFETY: as above.
                        unsafe {
                            evacuate_doubling(&grow.old, cur, unit, &hashes, &mut self.counters)
                        }
                    }
                }
                GrowKind::SameSize | GrowKind::Halving => {
                    let sources = grow.sources(unit);
                    // SAFETY: as above.
                    unsafe { evacuate_to_x(&grow.old, cur, &sources, unit, &mut self.counters) }
                }
            }
            self.counters.evacuations += 1;
        }
        if self.grow.as_ref().is_some_and(|g| g.nevacuate == unit) {
            self.advance_mark();
        }
    }

    /// Releases memory: [`shrink_to(0)`](EvacMap::shrink_to). A map left empty (by `remove`,
    /// `retain`, ... or `clear`) frees every table, whichever way it was emptied.
    pub fn shrink_to_fit(&mut self) {
        self.shrink_to(0);
    }

    /// Releases memory down to room for `max(len, min_capacity)` entries (never grows): finishes
    /// any grow, halves while the entries fit in a smaller table, then compacts overflow chains
    /// with a same-size grow if tombstones left holes. All of it is done now, not incrementally.
    /// An empty map frees its tables and allocates again on the next insert. Cursors survive
    /// (an entry inserted later may be missed by a cursor, as with any insert, rule 3).
    pub fn shrink_to(&mut self, min_capacity: usize) {
        self.writes += 1;
        let target = Self::b_for(self.count.max(min_capacity), self.config.load_factor);
        if self.cur.is_none() || self.count == 0 {
            self.release_tables();
            self.b = self.b.min(target);
            return;
        }
        self.finish_growing();
        while self.b > target {
            self.start_grow_to(GrowKind::Halving);
            self.finish_growing();
        }
        if self.counters.overflow_cur > 0 && self.counters.tombstones_cur > 0 {
            self.start_grow_to(GrowKind::SameSize);
            self.finish_growing();
        }
    }

    /// Drops the tables of an empty map (no entry to drop or move); cursors keep what they pin.
    fn release_tables(&mut self) {
        debug_assert_eq!(self.count, 0);
        self.grow = None;
        self.cur = None;
        self.sync_probe();
        let c = &mut self.counters;
        c.noverflow = 0;
        c.overflow_cur = 0;
        c.overflow_old = 0;
        c.tombstones_cur = 0;
        c.tombstones_old = 0;
    }

    /// How many entries the map holds before inserting a new key starts a doubling: Go's
    /// `overLoadFactor` bound, `load_factor * 2^B` (and at least the 8 cells of one bucket).
    /// Overflow buckets let a table hold more; a map with no table yet reports the room its
    /// first table will have.
    pub fn capacity(&self) -> usize {
        let room = self.config.load_factor * (1u64 << self.b) as f64;
        (room as usize).max(BUCKET_CNT)
    }

    /// Makes room for `additional` more entries without a grow (see [`capacity`]): finishes a
    /// grow in progress and doubles (evacuating everything now, not incrementally) until they
    /// fit. A map with no table only records the size its first table will have. Cursors
    /// survive.
    ///
    /// [`capacity`]: EvacMap::capacity
    ///
    /// # Panics
    /// If the new size overflows `usize` or the address space; aborts if allocation fails.
    pub fn reserve(&mut self, additional: usize) {
        match self.try_reserve(additional) {
            Ok(()) => {}
            Err(TryReserveError::CapacityOverflow) => panic!("EvacMap::reserve: capacity overflow"),
            Err(TryReserveError::AllocError { layout }) => std::alloc::handle_alloc_error(layout),
        }
    }

    /// Like [`reserve`](EvacMap::reserve), but returns an error instead of panicking or
    /// aborting. On an allocation error the map keeps its entries and is consistent (possibly
    /// grown part of the way).
    pub fn try_reserve(&mut self, additional: usize) -> Result<(), TryReserveError> {
        let need = self
            .count
            .checked_add(additional)
            .ok_or(TryReserveError::CapacityOverflow)?;
        if need <= self.capacity() {
            return Ok(());
        }
        let lf = self.config.load_factor;
        let mut target = self.b;
        while over_load(need, target, lf) {
            target += 1;
            if !Table::<K, V>::fits(target) {
                return Err(TryReserveError::CapacityOverflow);
            }
        }
        self.writes += 1;
        if self.cur.is_none() {
            self.b = target;
            return Ok(());
        }
        self.finish_growing();
        while self.b < target {
            let new = Table::try_new(self.b + 1)
                .map_err(|layout| TryReserveError::AllocError { layout })?;
            self.start_grow_with(GrowKind::Doubling, new);
            self.finish_growing();
        }
        Ok(())
    }
}

/// The hashes of the full cells of one old chain, computed before anything moves so a panicking
/// hasher leaves the map untouched.
struct ChainHashes {
    inline: [u64; 2 * BUCKET_CNT],
    spill: Vec<u64>,
}

impl ChainHashes {
    fn collect<K, V>(
        old: &Table<K, V>,
        unit: usize,
        mut hash: impl FnMut(&K) -> u64,
    ) -> ChainHashes {
        let mut hashes = ChainHashes {
            inline: [0; 2 * BUCKET_CNT],
            spill: Vec::new(),
        };
        let mut n = 0;
        let mut b = old.bucket(unit);
        while !b.is_null() {
            // SAFETY: `b` is a live old bucket; full slots hold initialised keys; no writer.
            unsafe {
                for slot in Bucket::group(b).match_full() {
                    let h = hash(&*Bucket::key(b, slot));
                    if n < hashes.inline.len() {
                        hashes.inline[n] = h;
                    } else {
                        hashes.spill.push(h);
                    }
                    n += 1;
                }
                b = Bucket::next(b);
            }
        }
        hashes
    }

    fn get(&self, n: usize) -> u64 {
        if n < self.inline.len() {
            self.inline[n]
        } else {
            self.spill[n - self.inline.len()]
        }
    }
}

/// Appends entries to a destination chain, packed in arrival order.
struct Packer<K, V> {
    bucket: *mut Bucket<K, V>,
    slot: usize,
}

impl<K, V> Packer<K, V> {
    fn new(head: *mut Bucket<K, V>) -> Self {
        Packer {
            bucket: head,
            slot: 0,
        }
    }

    /// # Safety
    /// - The destination chain is exclusively accessed and empty from the packer's position on.
    unsafe fn push(
        &mut self,
        table: &Table<K, V>,
        counters: &mut Counters,
        top: TopHash,
        key: K,
        value: V,
    ) {
        if self.slot == BUCKET_CNT {
            // SAFETY: exclusive access to the new table (the caller's contract).
            unsafe {
                let fresh = table.new_overflow();
                (*self.bucket).overflow = fresh;
                self.bucket = fresh;
            }
            counters.note_overflow(table.b());
            self.slot = 0;
        }
        // SAFETY: the slot is empty (the caller's contract).
        unsafe { Bucket::put(self.bucket, self.slot, top, key, value) };
        self.slot += 1;
    }
}

/// Marks an empty old cell `evacuatedEmpty`, keeping the tombstone count exact.
///
/// # Safety
/// - `b` is a live old bucket, exclusively accessed, and slot `i` is not full.
unsafe fn mark_empty<K, V>(b: *mut Bucket<K, V>, i: usize, counters: &mut Counters) {
    // SAFETY: forwarded to the caller.
    unsafe {
        if Bucket::top(b, i) == TopHash::EMPTY_ONE {
            counters.tombstones_old -= 1;
        }
        Bucket::set_top(b, i, TopHash::EVACUATED_EMPTY);
    }
}

/// Splits old bucket `unit` between new buckets `unit` (X) and `unit + 2^oldB` (Y).
///
/// # Safety
/// - Exclusive access to both tables; the two destination chains are empty; `hashes` holds the
///   hashes of the chain's full cells in chain order.
unsafe fn evacuate_doubling<K, V>(
    old: &Table<K, V>,
    new: &Table<K, V>,
    unit: usize,
    hashes: &ChainHashes,
    counters: &mut Counters,
) {
    let newbit = old.len() as u64;
    let mut x = Packer::new(new.bucket(unit));
    let mut y = Packer::new(new.bucket(unit + old.len()));
    let mut n = 0;
    let mut b = old.bucket(unit);
    while !b.is_null() {
        for slot in 0..BUCKET_CNT {
            // SAFETY: `b` is a live old bucket, exclusively accessed; destinations per contract.
            unsafe {
                let top = Bucket::top(b, slot);
                if top.is_full() {
                    let use_y = hashes.get(n) & newbit != 0;
                    n += 1;
                    let mark = if use_y {
                        TopHash::EVACUATED_Y
                    } else {
                        TopHash::EVACUATED_X
                    };
                    let (key, value) = Bucket::take(b, slot, mark);
                    let dest = if use_y { &mut y } else { &mut x };
                    dest.push(new, counters, top, key, value);
                } else {
                    mark_empty(b, slot, counters);
                }
            }
        }
        // SAFETY: `b` is live.
        b = unsafe { Bucket::next(b) };
    }
}

/// `evacuate_doubling` for an old bucket without overflow, the common case (filling a map
/// with 1M keys, 79% of the evacuations: callgrind call counts): its at most 8 entries fit in
/// the two destinations without overflow, so the split needs no capacity check, and it is
/// decided with no branch on a hash. The hashes are all taken first (a panicking hasher leaves
/// the map untouched), into a mask of the cells bound for Y; each entry then goes to slot `n`
/// of X or Y, whichever it is bound for, chosen by arithmetic (Y is X plus `half` buckets); the
/// old bucket's marks are one store.
///
/// # Safety
/// - Exclusive access to both tables; `b` is a live old bucket with no overflow, and
///   `x` is its X destination (new bucket `unit`), its Y destination `x + half` (new bucket
///   `unit + half`, `half` = the old table's buckets), both empty.
#[inline]
unsafe fn evacuate_lone_doubling<K, V>(
    b: *mut Bucket<K, V>,
    x: *mut Bucket<K, V>,
    half: usize,
    mut hash: impl FnMut(&K) -> u64,
    counters: &mut Counters,
) {
    let newbit = half as u64;
    // SAFETY: `b` is live and exclusively ours.
    let group = unsafe { Bucket::group(b) };
    let full = group.match_full();
    let mut to_y = 0u64;
    for slot in full {
        // SAFETY: full slots hold initialised keys.
        let h = hash(unsafe { &*Bucket::key(b, slot) });
        to_y |= u64::from(h & newbit != 0) << (8 * slot + 7);
    }
    // Slots used so far in X (low half) and Y (high half).
    let mut used = 0u64;
    for slot in full {
        let side = ((to_y >> (8 * slot + 7)) & 1) as usize;
        let dest = x.wrapping_add(side * half);
        let n = ((used >> (32 * side)) & 0xff) as usize;
        used += 1 << (32 * side);
        // SAFETY: the slot is full (its entry is moved out here and marked moved below, with
        // nothing in between that can panic); `dest` is X or Y, live, exclusively ours, and
        // its slot `n` is empty (each side receives at most the 8 entries of `b`, in order).
        unsafe {
            core::ptr::copy_nonoverlapping(Bucket::key(b, slot), Bucket::key(dest, n), 1);
            core::ptr::copy_nonoverlapping(Bucket::value(b, slot), Bucket::value(dest, n), 1);
            Bucket::set_top(dest, n, Bucket::top(b, slot));
        }
    }
    counters.tombstones_old -= group.match_byte(TopHash::EMPTY_ONE).count();
    // SAFETY: every entry moved out is marked moved, every other slot evacuatedEmpty.
    unsafe { Bucket::set_group(b, Group::evacuated(full, BitMask::from_lanes(to_y)).word()) };
}

/// Packs the old chains `sources` (in order) into new bucket `dest`: same-size grows and halvings.
///
/// # Safety
/// - Exclusive access to both tables; the destination chain is empty.
unsafe fn evacuate_to_x<K, V>(
    old: &Table<K, V>,
    new: &Table<K, V>,
    sources: &[Option<usize>; 2],
    dest: usize,
    counters: &mut Counters,
) {
    let mut x = Packer::new(new.bucket(dest));
    for &source in sources.iter().flatten() {
        let mut b = old.bucket(source);
        while !b.is_null() {
            for slot in 0..BUCKET_CNT {
                // SAFETY: `b` is a live old bucket, exclusively accessed; destination per contract.
                unsafe {
                    let top = Bucket::top(b, slot);
                    if top.is_full() {
                        let (key, value) = Bucket::take(b, slot, TopHash::EVACUATED_X);
                        x.push(new, counters, top, key, value);
                    } else {
                        mark_empty(b, slot, counters);
                    }
                }
            }
            // SAFETY: `b` is live.
            b = unsafe { Bucket::next(b) };
        }
    }
}
