//! Plain iteration: the fast paths that pay no cursor overhead.

use core::fmt;
use core::iter::FusedIterator;
use core::marker::PhantomData;
use std::sync::Arc;

use crate::bucket::{prefetch_bytes, Bucket};
use crate::group::{full_cells8, rotate_bytes_right, BitMask};
use crate::map::EvacMap;
use crate::table::Table;
use crate::tophash::TopHash;

/// Walks the full cells of up to two tables (the old one first while growing).
///
/// Evacuated old cells carry marks, not entries, and new buckets fed by unevacuated old ones are
/// empty, so every live entry is visited exactly once.
///
/// Like Go's `range`, each table is walked from a start bucket (wrapping around) and each bucket
/// from a slot offset, both taken from `start`: `start = 0` walks in plain bucket order.
pub(crate) struct RawCells<K, V> {
    tables: [*const Table<K, V>; 2],
    table: usize,
    /// Buckets of the current table walked so far (including `bucket`'s chain).
    next_index: usize,
    bucket: *mut Bucket<K, V>,
    /// Lanes of `bucket` still to visit, rotated right by `offset` lanes.
    full: BitMask,
    /// Random draw: the start bucket (low bits) and slot offset (bits 32..35).
    start: u64,
    offset: usize,
}

impl<K, V> RawCells<K, V> {
    /// # Safety
    /// - The tables outlive the walker and are not restructured while it runs.
    pub(crate) unsafe fn new(tables: [Option<&Arc<Table<K, V>>>; 2], start: u64) -> Self {
        RawCells {
            tables: tables.map(|t| t.map_or(core::ptr::null(), Arc::as_ptr)),
            table: 0,
            next_index: 0,
            bucket: core::ptr::null_mut(),
            full: BitMask::EMPTY,
            start,
            offset: ((start >> 32) & 7) as usize,
        }
    }

    /// Index of the `k`th bucket walked in a table of `len` buckets: from a start bucket that
    /// is a multiple of 8 in tables of 8 buckets or more (so runs of 8 never wrap), wrapping.
    #[inline]
    fn index(&self, k: usize, len: usize) -> usize {
        let start = self.start as usize & (len - 1);
        let start = if len >= 8 { start & !7 } else { start };
        (start + k) & (len - 1)
    }

    /// The full lanes of `b`, rotated so that lane `l` stands for slot `(l + offset) % 8`.
    ///
    /// # Safety
    /// - `b` is live and not being written.
    #[inline]
    unsafe fn full_lanes(&self, b: *const Bucket<K, V>) -> u64 {
        // SAFETY: forwarded to the caller.
        let full = unsafe { Bucket::group(b) }.match_full().bits();
        full.rotate_right(8 * self.offset as u32)
    }

    #[inline]
    fn slot(&self, lane: usize) -> usize {
        (lane + self.offset) & 7
    }

    /// The next full cell.
    pub(crate) fn next_cell(&mut self) -> Option<(*mut Bucket<K, V>, usize)> {
        loop {
            if let Some(lane) = self.full.next() {
                return Some((self.bucket, self.slot(lane)));
            }
            if !self.bucket.is_null() {
                // SAFETY: `bucket` belongs to a live table (constructor contract).
                self.bucket = unsafe { Bucket::next(self.bucket) };
            }
            while self.bucket.is_null() {
                let table = *self.tables.get(self.table)?;
                // SAFETY: non-null table pointers are live (constructor contract).
                match unsafe { table.as_ref() } {
                    Some(t) if self.next_index < t.len() => {
                        self.bucket = t.bucket(self.index(self.next_index, t.len()));
                        self.next_index += 1;
                    }
                    _ => {
                        self.table += 1;
                        self.next_index = 0;
                    }
                }
            }
            // SAFETY: `bucket` is live.
            self.full = BitMask::from_lanes(unsafe { self.full_lanes(self.bucket) });
        }
    }

    /// Visits every full cell not yet returned by `next_cell`, in the same order, without the
    /// per-cell bookkeeping of `next_cell`. `f` gets pointers to the cell's key and value.
    ///
    /// Tables of 8 buckets or more are walked in runs of 8 neighbouring buckets (a run never
    /// wraps: the start bucket is a multiple of 8). A run's full cells are one 64-bit mask, so
    /// the loop over them exits once per 8 buckets, and a cell's key and value are found from
    /// the run's first bucket through a table of offsets built once per call (the slot offset
    /// is the same for every bucket). The next run's mask is read before the current run's
    /// cells are visited: that loop's exit is unpredictable (it depends on how many cells are
    /// full), and work placed after a mispredicted branch starts only once it resolves, while
    /// work placed before it is already done. A bucket with overflow splits its run's mask:
    /// the cells up to that bucket, then its chain, then the rest, which is `next_cell`'s order.
    #[inline]
    pub(crate) fn fold_cells<B, F>(self, init: B, mut f: F) -> B
    where
        F: FnMut(B, *mut K, *mut V) -> B,
    {
        let mut acc = init;
        for lane in self.full {
            // SAFETY: `bucket` is live and `slot < 8`.
            let (k, v) = unsafe { cell(self.bucket, self.slot(lane)) };
            acc = f(acc, k, v);
        }
        if !self.bucket.is_null() {
            // SAFETY: `bucket` belongs to a live table (constructor contract).
            acc = unsafe { self.fold_chain(Bucket::next(self.bucket), acc, &mut f) };
        }
        let size = core::mem::size_of::<Bucket<K, V>>();
        let mut offsets = RunOffsets {
            key: [0; 64],
            value: [0; 64],
        };
        for c in 0..64 {
            let (j, slot) = (c / 8, self.slot(c % 8));
            offsets.key[c] = j * size + Bucket::<K, V>::key_offset(slot);
            offsets.value[c] = j * size + Bucket::<K, V>::value_offset(slot);
        }
        for t in self.table..2 {
            // SAFETY: non-null table pointers are live (constructor contract).
            let Some(table) = (unsafe { self.tables[t].as_ref() }) else {
                continue;
            };
            let len = table.len();
            let mut k = if t == self.table { self.next_index } else { 0 };
            // Bucket by bucket in tables of fewer than 8 buckets, and up to the next multiple
            // of 8 when resuming after `next_cell`.
            while k < len && (len < 8 || k % 8 != 0) {
                // SAFETY: the bucket is live (constructor contract).
                acc = unsafe { self.fold_chain(table.bucket(self.index(k, len)), acc, &mut f) };
                k += 1;
            }
            // Small tables stream from the caches fast enough with the hardware prefetchers
            // alone (the software prefetch only costs instructions there); large ones come
            // from memory, where it pays.
            let far = len * size > PREFETCH_ABOVE_BYTES;
            // The run at walk position `k` (a multiple of 8 below `len`, so the run does not
            // pass the table's end): its first bucket, the rotated mask of its full cells (bit
            // `8 * j + lane` for slot `(lane + offset) % 8` of bucket `j`), and its overflow
            // links ORed together (zero iff no bucket of the run has overflow).
            let run_at = |k: usize| -> Option<(*mut Bucket<K, V>, u64, usize)> {
                if k >= len {
                    return None;
                }
                let first = table.bucket(self.index(k, len));
                debug_assert!(self.index(k, len) + 8 <= len);
                // Sequential, but 2.25 cache lines per bucket: fetch two runs ahead.
                if far {
                    prefetch_bytes(first.wrapping_add(16), 8 * size);
                }
                let mut words = [0u64; 8];
                let mut links = 0usize;
                for (j, w) in words.iter_mut().enumerate() {
                    // SAFETY: `first + j` is a live bucket of the table (the run does not
                    // wrap).
                    unsafe {
                        let b = first.add(j);
                        *w = Bucket::group(b).word();
                        links |= Bucket::next(b) as usize;
                    }
                }
                let full = rotate_bytes_right(full_cells8(words), self.offset as u32);
                Some((first, full, links))
            };
            let mut run = run_at(k);
            while let Some((first, full, links)) = run {
                run = run_at(k + 8);
                k += 8;
                let base = first.cast::<u8>();
                if links == 0 {
                    acc = fold_mask(base, full, &offsets, acc, &mut f);
                    continue;
                }
                // Some bucket has overflow: split the mask after each such bucket.
                let mut rest = full;
                for j in 0..8 {
                    // SAFETY: `first + j` is a live bucket of the run.
                    let chain = unsafe { Bucket::next(first.add(j)) };
                    if chain.is_null() {
                        continue;
                    }
                    let upto = u64::MAX >> (56 - 8 * j);
                    acc = fold_mask(base, rest & upto, &offsets, acc, &mut f);
                    rest &= !upto;
                    // SAFETY: the chain's buckets are live (constructor contract).
                    acc = unsafe { self.fold_chain(chain, acc, &mut f) };
                }
                acc = fold_mask(base, rest, &offsets, acc, &mut f);
            }
        }
        acc
    }

    /// Visits the full cells of `b` and of the buckets chained after it.
    ///
    /// # Safety
    /// - `b` is null or a live bucket whose chain is live.
    #[inline]
    unsafe fn fold_chain<B, F>(&self, mut b: *mut Bucket<K, V>, mut acc: B, f: &mut F) -> B
    where
        F: FnMut(B, *mut K, *mut V) -> B,
    {
        while !b.is_null() {
            // SAFETY: `b` is live (caller contract).
            for lane in BitMask::from_lanes(unsafe { self.full_lanes(b) }) {
                // SAFETY: as above, and `slot < 8`.
                let (key, value) = unsafe { cell(b, self.slot(lane)) };
                acc = f(acc, key, value);
            }
            // SAFETY: as above.
            b = unsafe { Bucket::next(b) };
        }
        acc
    }
}

/// The key and value of slot `slot` of `b`.
///
/// # Safety
/// - `b` is a live bucket and `slot < 8`.
#[inline(always)]
unsafe fn cell<K, V>(b: *mut Bucket<K, V>, slot: usize) -> (*mut K, *mut V) {
    // SAFETY: forwarded to the caller.
    unsafe { (Bucket::key(b, slot), Bucket::value(b, slot)) }
}

/// Tables larger than this get a software prefetch two runs ahead in `fold_cells`. Measured in a
/// side-by-side harness (fastest of 19 to 300 walks, builds alternated): at 64K entries (a 2.4 MB
/// table, streamed from the L3) the walk was 4% faster without the prefetch, at 1M entries (38
/// MB, from memory) 35% slower (3.0 against 2.2 ns per entry).
const PREFETCH_ABOVE_BYTES: usize = 4 << 20;

/// Byte offsets, from a run's first bucket, of the key and value of run cell `c` (bucket
/// `c / 8`, lane `c % 8`, so slot `(lane + offset) % 8`): two arrays, so that a lookup is one
/// load with the index scaled by the addressing mode.
struct RunOffsets {
    key: [usize; 64],
    value: [usize; 64],
}

/// Visits the cells of a run's mask (bit `c` for the cell whose key and value are at
/// `offsets.key[c]` and `offsets.value[c]` from `base`), lowest bit first.
#[inline(always)]
fn fold_mask<K, V, B, F>(
    base: *mut u8,
    mut full: u64,
    offsets: &RunOffsets,
    mut acc: B,
    f: &mut F,
) -> B
where
    F: FnMut(B, *mut K, *mut V) -> B,
{
    while full != 0 {
        let c = full.trailing_zeros() as usize;
        let (ko, vo) = (offsets.key[c], offsets.value[c]);
        full &= full - 1;
        // SAFETY: the offsets name a key and a value slot of the run's buckets, inside the
        // table's allocation (callers pass a run's first bucket and its mask).
        let (key, value) = unsafe { (base.add(ko), base.add(vo)) };
        acc = f(acc, key.cast(), value.cast());
    }
    acc
}

impl<K, V, S> EvacMap<K, V, S> {
    fn raw_cells(&self) -> RawCells<K, V> {
        let start = self
            .counters
            .entropy
            .iteration_start(self.seed ^ self.writes.rotate_left(32));
        // SAFETY: the walker is wrapped in iterators that borrow the map, so the tables live and
        // are not restructured while it runs.
        unsafe {
            RawCells::new(
                [self.grow.as_ref().map(|g| &g.old), self.cur.as_ref()],
                start,
            )
        }
    }

    /// Iterates over `(&K, &V)`.
    ///
    /// The order is Go's `range` order: each call starts at a random bucket (a multiple of 8
    /// once the table has 8 buckets or more) and a random slot offset, wrapping around, so no
    /// program can depend on it, not even on a small map's insertion order. With
    /// [`Config::seed`](crate::Config::seed) the start depends only on the map's state, so runs
    /// repeat. Unlike a [`Cursor`](crate::Cursor), the iterator borrows the map.
    pub fn iter(&self) -> Iter<'_, K, V> {
        Iter {
            raw: self.raw_cells(),
            remaining: self.count,
            marker: PhantomData,
        }
    }

    /// Iterates over `(&K, &mut V)`, in the order described on [`iter`](EvacMap::iter).
    pub fn iter_mut(&mut self) -> IterMut<'_, K, V> {
        IterMut {
            raw: self.raw_cells(),
            remaining: self.count,
            marker: PhantomData,
        }
    }

    /// Iterates over the keys.
    pub fn keys(&self) -> Keys<'_, K, V> {
        Keys { inner: self.iter() }
    }

    /// Iterates over the values.
    pub fn values(&self) -> Values<'_, K, V> {
        Values { inner: self.iter() }
    }

    /// Iterates over the values, mutably.
    pub fn values_mut(&mut self) -> ValuesMut<'_, K, V> {
        ValuesMut {
            inner: self.iter_mut(),
        }
    }

    /// Removes every entry and yields them; the map keeps its B. Entries not consumed are
    /// dropped when the iterator is. Running cursors stop (as on `clear`).
    pub fn drain(&mut self) -> Drain<'_, K, V> {
        Drain {
            inner: self.take_entries(),
            marker: PhantomData,
        }
    }

    /// Moves every table out of the map into an owning walker and resets the map to empty. The
    /// reset bumps `clears` and `writes` first, so no cursor reads those tables' cells again.
    pub(crate) fn take_entries(&mut self) -> RawDrain<K, V> {
        let tables = [self.grow.take().map(|g| g.old), self.cur.take()];
        self.sync_probe();
        // SAFETY: the walker owns the tables from now on.
        // Plain bucket order: draining needs no randomisation and draws nothing.
        let raw = unsafe { RawCells::new([tables[0].as_ref(), tables[1].as_ref()], 0) };
        let remaining = self.count;
        self.reset_emptied();
        RawDrain {
            raw,
            remaining,
            _tables: tables,
        }
    }
}

/// Owns tables taken out of a map and moves their entries out one by one; dropping it drops the
/// entries not taken.
pub(crate) struct RawDrain<K, V> {
    raw: RawCells<K, V>,
    remaining: usize,
    /// Keeps the walked tables alive; declared after `raw`, which points into them.
    _tables: [Option<Arc<Table<K, V>>>; 2],
}

impl<K, V> Iterator for RawDrain<K, V> {
    type Item = (K, V);

    fn next(&mut self) -> Option<(K, V)> {
        let (b, slot) = self.raw.next_cell()?;
        self.remaining -= 1;
        // SAFETY: the cell is full and the tables are owned by `self`; marking it empty gives
        // up the slot's ownership, so a cursor still pinning the table never reads it.
        Some(unsafe { Bucket::take(b, slot, TopHash::EMPTY_ONE) })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl<K, V> Drop for RawDrain<K, V> {
    fn drop(&mut self) {
        // Entries without destructors need no walk: the tables are freed (or kept by a cursor
        // that, seeing `clears` changed, never reads them again).
        if !core::mem::needs_drop::<K>() && !core::mem::needs_drop::<V>() {
            return;
        }
        /// Drops the rest if one destructor panics, as `Vec` does (a second panic aborts).
        struct DropRest<'a, K, V>(&'a mut RawDrain<K, V>);
        impl<K, V> Drop for DropRest<'_, K, V> {
            fn drop(&mut self) {
                self.0.by_ref().for_each(drop);
            }
        }
        while let Some(entry) = self.next() {
            let rest = DropRest(self);
            drop(entry);
            core::mem::forget(rest);
        }
    }
}

macro_rules! exact_size {
    ($($name:ident),*) => {$(
        impl<K, V> ExactSizeIterator for $name<'_, K, V> {}
        impl<K, V> FusedIterator for $name<'_, K, V> {}
    )*};
}

/// Iterator over `(&K, &V)`, from [`EvacMap::iter`].
pub struct Iter<'a, K, V> {
    raw: RawCells<K, V>,
    remaining: usize,
    marker: PhantomData<&'a (K, V)>,
}

impl<'a, K, V> Iterator for Iter<'a, K, V> {
    type Item = (&'a K, &'a V);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        let (b, slot) = self.raw.next_cell()?;
        self.remaining -= 1;
        // SAFETY: the cell is full and the map is borrowed for 'a.
        Some(unsafe { (&*Bucket::key(b, slot), &*Bucket::value(b, slot)) })
    }

    #[inline]
    fn fold<B, F>(self, init: B, mut f: F) -> B
    where
        F: FnMut(B, Self::Item) -> B,
    {
        if self.remaining == 0 {
            return init;
        }
        self.raw.fold_cells(init, |acc, key, value| {
            // SAFETY: the cell is full and the map is borrowed for 'a.
            f(acc, unsafe { (&*key, &*value) })
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

/// Iterator over `(&K, &mut V)`, from [`EvacMap::iter_mut`].
pub struct IterMut<'a, K, V> {
    raw: RawCells<K, V>,
    remaining: usize,
    marker: PhantomData<&'a mut (K, V)>,
}

impl<'a, K, V> Iterator for IterMut<'a, K, V> {
    type Item = (&'a K, &'a mut V);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        let (b, slot) = self.raw.next_cell()?;
        self.remaining -= 1;
        // SAFETY: the cell is full, the map is borrowed mutably for 'a, and each cell is yielded
        // once, so the `&mut V` are disjoint.
        Some(unsafe { (&*Bucket::key(b, slot), &mut *Bucket::value(b, slot)) })
    }

    #[inline]
    fn fold<B, F>(self, init: B, mut f: F) -> B
    where
        F: FnMut(B, Self::Item) -> B,
    {
        if self.remaining == 0 {
            return init;
        }
        self.raw.fold_cells(init, |acc, key, value| {
            // SAFETY: as in `next`: each full cell is visited once, so the `&mut V` are disjoint.
            f(acc, unsafe { (&*key, &mut *value) })
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

/// Iterator over keys, from [`EvacMap::keys`].
pub struct Keys<'a, K, V> {
    inner: Iter<'a, K, V>,
}

impl<'a, K, V> Iterator for Keys<'a, K, V> {
    type Item = &'a K;

    fn next(&mut self) -> Option<&'a K> {
        self.inner.next().map(|(k, _)| k)
    }

    #[inline]
    fn fold<B, F: FnMut(B, &'a K) -> B>(self, init: B, mut f: F) -> B {
        self.inner.fold(init, |acc, (k, _)| f(acc, k))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

/// Iterator over values, from [`EvacMap::values`].
pub struct Values<'a, K, V> {
    inner: Iter<'a, K, V>,
}

impl<'a, K, V> Iterator for Values<'a, K, V> {
    type Item = &'a V;

    fn next(&mut self) -> Option<&'a V> {
        self.inner.next().map(|(_, v)| v)
    }

    #[inline]
    fn fold<B, F: FnMut(B, &'a V) -> B>(self, init: B, mut f: F) -> B {
        self.inner.fold(init, |acc, (_, v)| f(acc, v))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

/// Iterator over mutable values, from [`EvacMap::values_mut`].
pub struct ValuesMut<'a, K, V> {
    inner: IterMut<'a, K, V>,
}

impl<'a, K, V> Iterator for ValuesMut<'a, K, V> {
    type Item = &'a mut V;

    fn next(&mut self) -> Option<&'a mut V> {
        self.inner.next().map(|(_, v)| v)
    }

    #[inline]
    fn fold<B, F: FnMut(B, &'a mut V) -> B>(self, init: B, mut f: F) -> B {
        self.inner.fold(init, |acc, (_, v)| f(acc, v))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

/// Draining iterator, from [`EvacMap::drain`].
pub struct Drain<'a, K, V> {
    inner: RawDrain<K, V>,
    marker: PhantomData<&'a mut ()>,
}

impl<K, V> Iterator for Drain<'_, K, V> {
    type Item = (K, V);

    fn next(&mut self) -> Option<(K, V)> {
        self.inner.next()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<K, V, S> EvacMap<K, V, S> {
    /// Consumes the map and yields its keys (in the order of `into_iter`).
    pub fn into_keys(self) -> IntoKeys<K, V> {
        IntoKeys {
            inner: self.into_iter(),
        }
    }

    /// Consumes the map and yields its values (in the order of `into_iter`).
    pub fn into_values(self) -> IntoValues<K, V> {
        IntoValues {
            inner: self.into_iter(),
        }
    }
}

/// Owning iterator over keys, from [`EvacMap::into_keys`].
pub struct IntoKeys<K, V> {
    inner: IntoIter<K, V>,
}

impl<K, V> Iterator for IntoKeys<K, V> {
    type Item = K;

    fn next(&mut self) -> Option<K> {
        self.inner.next().map(|(k, _)| k)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

/// Owning iterator over values, from [`EvacMap::into_values`].
pub struct IntoValues<K, V> {
    inner: IntoIter<K, V>,
}

impl<K, V> Iterator for IntoValues<K, V> {
    type Item = V;

    fn next(&mut self) -> Option<V> {
        self.inner.next().map(|(_, v)| v)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<K, V> ExactSizeIterator for IntoKeys<K, V> {}
impl<K, V> FusedIterator for IntoKeys<K, V> {}
impl<K, V> ExactSizeIterator for IntoValues<K, V> {}
impl<K, V> FusedIterator for IntoValues<K, V> {}

impl<K, V> fmt::Debug for IntoKeys<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntoKeys")
            .field("remaining", &self.size_hint().0)
            .finish()
    }
}

impl<K, V> fmt::Debug for IntoValues<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntoValues")
            .field("remaining", &self.size_hint().0)
            .finish()
    }
}

/// Owning iterator, from `EvacMap::into_iter`.
pub struct IntoIter<K, V> {
    inner: RawDrain<K, V>,
}

impl<K, V> Iterator for IntoIter<K, V> {
    type Item = (K, V);

    fn next(&mut self) -> Option<(K, V)> {
        self.inner.next()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<K, V> ExactSizeIterator for IntoIter<K, V> {}
impl<K, V> FusedIterator for IntoIter<K, V> {}
impl<K, V> ExactSizeIterator for Drain<'_, K, V> {}
impl<K, V> FusedIterator for Drain<'_, K, V> {}
exact_size!(Iter, IterMut, Keys, Values, ValuesMut);

impl<K, V, S> IntoIterator for EvacMap<K, V, S> {
    type Item = (K, V);
    type IntoIter = IntoIter<K, V>;

    fn into_iter(mut self) -> IntoIter<K, V> {
        IntoIter {
            inner: self.take_entries(),
        }
    }
}

impl<'a, K, V, S> IntoIterator for &'a EvacMap<K, V, S> {
    type Item = (&'a K, &'a V);
    type IntoIter = Iter<'a, K, V>;

    fn into_iter(self) -> Iter<'a, K, V> {
        self.iter()
    }
}

impl<'a, K, V, S> IntoIterator for &'a mut EvacMap<K, V, S> {
    type Item = (&'a K, &'a mut V);
    type IntoIter = IterMut<'a, K, V>;

    fn into_iter(self) -> IterMut<'a, K, V> {
        self.iter_mut()
    }
}

macro_rules! debug_as_list {
    ($($name:ident),*) => {$(
        impl<K, V> fmt::Debug for $name<'_, K, V> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name)).field("remaining", &self.size_hint().0).finish()
            }
        }
    )*};
}
debug_as_list!(Iter, IterMut, Keys, Values, ValuesMut, Drain);

impl<K, V> fmt::Debug for IntoIter<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntoIter")
            .field("remaining", &self.size_hint().0)
            .finish()
    }
}

// SAFETY: the iterators hold pointers into the map they borrow (or own, for drains); they are
// as thread-safe as the references or values they yield.
unsafe impl<K: Sync, V: Sync> Send for Iter<'_, K, V> {}
// SAFETY: as above.
unsafe impl<K: Sync, V: Sync> Sync for Iter<'_, K, V> {}
// SAFETY: as above; `IterMut` yields `&mut V`, which is `Send` when `V: Send`.
unsafe impl<K: Sync, V: Send> Send for IterMut<'_, K, V> {}
// SAFETY: as above.
unsafe impl<K: Send, V: Send> Send for RawDrain<K, V> {}
