//! `EvacMap`: construction, lookup, insertion, removal and clearing.

use core::borrow::Borrow;
use core::hash::{BuildHasher, Hash};
use core::marker::PhantomData;
use core::mem;
use core::ptr::NonNull;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::bucket::{prefetch_bytes, Bucket, BUCKET_CNT};
use crate::config::Config;
use crate::group::slot_masks;
use crate::grow::Growth;
use crate::hash::{hash_key, DefaultHashBuilder, Entropy};
use crate::table::Table;
use crate::tophash::TopHash;

/// Go's classic runtime map, in Rust: 8-slot buckets chained through overflow buckets, tophash
/// bytes, a load factor of 6.5, incremental evacuation on growth and emptyOne/emptyRest
/// tombstones; plus an optional shrink policy and a [`Cursor`](crate::Cursor) that survives
/// every mutation between two steps. See the [crate documentation](crate) for the design.
pub struct EvacMap<K, V, S = DefaultHashBuilder> {
    pub(crate) hash_builder: S,
    pub(crate) config: Config,
    /// Unique per map value (clones get a new one); cursors check it.
    pub(crate) id: u64,
    /// How many times the map was cleared or drained; cursors stop when it changes.
    pub(crate) clears: u64,
    /// Bumped by every write that may move or remove a cell (not by value updates through
    /// `get_mut`); `Cursor::remove_yielded` trusts a remembered cell only while it is unchanged.
    pub(crate) writes: u64,
    /// Go's `hash0`: mixed into every hash, redrawn when the map becomes empty.
    pub(crate) seed: u64,
    /// Live entries.
    pub(crate) count: usize,
    /// log2 of the current table's bucket count (kept while no table is allocated).
    pub(crate) b: u8,
    /// The current table; `None` until the first insert (Go allocates lazily too).
    pub(crate) cur: Option<Arc<Table<K, V>>>,
    /// The grow in progress, if any: the old table and the evacuation mark.
    pub(crate) grow: Option<Growth<K, V>>,
    /// Where a lookup starts, copied from `cur` and `grow` by [`EvacMap::sync_probe`] after
    /// every change of either.
    pub(crate) probe: Probe<K, V>,
    pub(crate) counters: Counters,
    pub(crate) marker: PhantomData<(K, V)>,
}

/// What a lookup needs of the map's layout, kept in the map itself: the current table's
/// buckets and mask while the map has a table and is not growing, or a mask with
/// [`Probe::GENERAL`] set (no table, or growing: the lookup takes the general path). A lookup
/// then reads the bucket array without a load through `cur` and checks one sign bit instead of
/// `cur` and `grow`.
pub(crate) struct Probe<K, V> {
    buckets: NonNull<Bucket<K, V>>,
    mask: u64,
    /// The most entries the current table holds before an insert of a new key starts a
    /// doubling: Go's `overLoadFactor` bound as an integer, `max(8, floor(load_factor * 2^b))`
    /// (`count > grow_at` iff `over_load(count, b, load_factor)`), so an insert compares two
    /// integers instead of converting both sides to `f64`. Meaningful while `mask` is not
    /// `GENERAL`.
    grow_at: usize,
    /// [`overflow_bound`] of the current B: an insert of a new key compares `noverflow` with
    /// it (Go's `tooManyOverflowBuckets`).
    overflow_at: u16,
}

// SAFETY: `buckets` is a copy of a pointer into a table the map owns through `cur`; it is read
// only through the map, under the map's own borrow rules, and the map's auto traits already
// carry the `K` and `V` bounds (its `PhantomData<(K, V)>`).
unsafe impl<K, V> Send for Probe<K, V> {}
// SAFETY: as above.
unsafe impl<K, V> Sync for Probe<K, V> {}

impl<K, V> Probe<K, V> {
    /// The mask bit that sends lookups to the general path.
    const GENERAL: u64 = 1 << 63;

    /// The probe of a map with no table.
    pub(crate) fn general() -> Self {
        Probe {
            buckets: NonNull::dangling(),
            mask: Self::GENERAL,
            grow_at: 0,
            overflow_at: 0,
        }
    }

    /// The probe of a map whose tables are `cur` and, while growing, an old one.
    fn of(cur: Option<&Arc<Table<K, V>>>, growing: bool, load_factor: f64) -> Self {
        match cur {
            Some(t) if !growing => Probe {
                // SAFETY: bucket 0 of a live table is in its allocation, never null.
                buckets: unsafe { NonNull::new_unchecked(t.bucket(0)) },
                mask: t.mask(),
                grow_at: grow_threshold(t.b(), load_factor),
                overflow_at: overflow_bound(t.b()),
            },
            _ => Self::general(),
        }
    }

    /// The primary bucket of `hash` in the current table, if the map has one and is not
    /// growing.
    #[inline(always)]
    fn bucket(&self, hash: u64) -> Option<*mut Bucket<K, V>> {
        if self.mask & Self::GENERAL != 0 {
            return None;
        }
        // `hash & mask < 2^b`: a primary bucket of the current table (see `EvacMap::probe`).
        Some(
            self.buckets
                .as_ptr()
                .wrapping_add((hash & self.mask) as usize),
        )
    }
}

/// The error of [`EvacMap::try_reserve`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TryReserveError {
    /// The requested size overflows `usize` or the address space.
    CapacityOverflow,
    /// The allocator failed to provide this layout.
    AllocError {
        /// The layout requested.
        layout: core::alloc::Layout,
    },
}

impl core::fmt::Display for TryReserveError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            TryReserveError::CapacityOverflow => f.write_str("EvacMap capacity overflow"),
            TryReserveError::AllocError { layout } => {
                write!(f, "EvacMap: allocating {} bytes failed", layout.size())
            }
        }
    }
}

impl std::error::Error for TryReserveError {}

/// What `assign` did.
pub(crate) enum Assigned<K, V> {
    /// The key was present in this cell; its old value.
    Updated(V, *mut Bucket<K, V>, usize),
    /// The entry went into this (now full) cell of the current table.
    Added(*mut Bucket<K, V>, usize),
}

/// Bookkeeping that `stats()` reports in O(1).
#[derive(Clone, Debug, Default)]
pub(crate) struct Counters {
    /// Go's `noverflow`: approximate overflow buckets of the current table, sampled for B >= 16.
    pub(crate) noverflow: u16,
    /// Exact overflow buckets in use in the current table.
    pub(crate) overflow_cur: usize,
    /// Exact overflow buckets in use in the old table while growing.
    pub(crate) overflow_old: usize,
    /// `emptyOne` cells in the current table.
    pub(crate) tombstones_cur: usize,
    /// `emptyOne` cells in the old table while growing.
    pub(crate) tombstones_old: usize,
    pub(crate) grows: u64,
    pub(crate) same_size_grows: u64,
    pub(crate) shrinks: u64,
    /// The map's random draws (fresh, or the fixed sequence of [`Config::seed`]).
    pub(crate) entropy: Entropy,
    /// Evacuation units (old buckets, or bucket pairs when halving) moved so far.
    pub(crate) evacuations: u64,
}

static NEXT_MAP_ID: AtomicU64 = AtomicU64::new(1);

pub(crate) fn new_map_id() -> u64 {
    NEXT_MAP_ID.fetch_add(1, Ordering::Relaxed)
}

impl<K, V> EvacMap<K, V, DefaultHashBuilder> {
    /// An empty map with Go's defaults; allocates nothing until the first insert.
    pub fn new() -> Self {
        Self::with_hasher(DefaultHashBuilder::default())
    }

    /// An empty map sized so that `capacity` entries fit without a grow (Go's `make(map, hint)`).
    pub fn with_capacity(capacity: usize) -> Self {
        Self::with_capacity_and_hasher(capacity, DefaultHashBuilder::default())
    }

    /// An empty map with the given config.
    ///
    /// # Panics
    /// If the config is invalid (see [`Config::validate`]); the message says what to change.
    pub fn with_config(config: Config) -> Self {
        Self::with_config_and_hasher(config, DefaultHashBuilder::default())
    }
}

impl<K, V, S> EvacMap<K, V, S> {
    /// An empty map using `hash_builder` (same hasher for every contender in a benchmark).
    pub fn with_hasher(hash_builder: S) -> Self {
        Self::with_capacity_config_and_hasher(0, Config::default(), hash_builder)
    }

    /// An empty map with room for `capacity` entries, using `hash_builder`.
    pub fn with_capacity_and_hasher(capacity: usize, hash_builder: S) -> Self {
        Self::with_capacity_config_and_hasher(capacity, Config::default(), hash_builder)
    }

    /// An empty map with the given config and hasher.
    ///
    /// # Panics
    /// If the config is invalid (see [`Config::validate`]).
    pub fn with_config_and_hasher(config: Config, hash_builder: S) -> Self {
        Self::with_capacity_config_and_hasher(0, config, hash_builder)
    }

    /// The general constructor: room for `capacity` entries at `config`'s load factor.
    ///
    /// A capacity too large to allocate is treated as 0, as Go treats such hints.
    ///
    /// # Panics
    /// If the config is invalid (see [`Config::validate`]).
    pub fn with_capacity_config_and_hasher(
        capacity: usize,
        config: Config,
        hash_builder: S,
    ) -> Self {
        if let Err(err) = config.validate() {
            panic!("EvacMap: {err}");
        }
        let entropy = Entropy::new(config.seed);
        EvacMap {
            hash_builder,
            config,
            id: new_map_id(),
            clears: 0,
            writes: 0,
            seed: entropy.next(),
            count: 0,
            b: Self::b_for(capacity, config.load_factor),
            cur: None,
            grow: None,
            probe: Probe::general(),
            counters: Counters {
                entropy,
                ..Counters::default()
            },
            marker: PhantomData,
        }
    }

    /// The smallest B whose table holds `count` entries without growing (0 if none fits).
    pub(crate) fn b_for(count: usize, load_factor: f64) -> u8 {
        let mut b = 0u8;
        while over_load(count, b, load_factor) {
            b += 1;
            if !Table::<K, V>::fits(b) {
                return 0;
            }
        }
        b
    }

    /// Number of entries.
    #[inline]
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether the map holds no entry.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The config this map was built with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The map's hasher.
    pub fn hasher(&self) -> &S {
        &self.hash_builder
    }

    /// Removes every entry, keeping B (Go's `mapclear`): cancels a grow in progress, redraws the
    /// seed, and leaves running cursors with nothing more to yield.
    ///
    /// The map is empty before any destructor runs, so a panicking destructor leaves it empty,
    /// consistent and its cursors stopped; the other entries are still dropped (as `Vec` does).
    pub fn clear(&mut self) {
        drop(self.take_entries());
    }

    /// After every entry and table left the map (clear, drain): fresh counters except the lifetime
    /// totals, a new seed, and the changes cursors watch for.
    pub(crate) fn reset_emptied(&mut self) {
        debug_assert!(self.cur.is_none() && self.grow.is_none());
        let kept = mem::take(&mut self.counters);
        self.counters = Counters {
            grows: kept.grows,
            same_size_grows: kept.same_size_grows,
            shrinks: kept.shrinks,
            evacuations: kept.evacuations,
            entropy: kept.entropy,
            ..Counters::default()
        };
        self.count = 0;
        self.seed = self.counters.entropy.next();
        self.clears += 1;
        self.writes += 1;
    }

    /// Bookkeeping after entries were removed: reseed when empty, maybe start a halving.
    #[inline]
    pub(crate) fn after_removal(&mut self) {
        if self.count == 0 {
            self.seed = self.counters.entropy.next();
        }
        self.maybe_start_shrink();
    }

    /// Allocates the current table if there is none yet.
    #[inline]
    pub(crate) fn ensure_table(&mut self) {
        if self.cur.is_none() {
            self.cur = Some(Table::new(self.b));
            self.sync_probe();
        }
    }

    /// Copies the layout lookups need from `cur` and `grow` into `probe`: called by every
    /// change of either.
    #[inline]
    pub(crate) fn sync_probe(&mut self) {
        self.probe = Probe::of(
            self.cur.as_ref(),
            self.grow.is_some(),
            self.config.load_factor,
        );
    }

    /// Whether `probe` matches `cur` and `grow` (checked by `check_invariants` and, in debug
    /// builds, by every lookup).
    pub(crate) fn probe_is_synced(&self) -> bool {
        let want = Probe::of(
            self.cur.as_ref(),
            self.grow.is_some(),
            self.config.load_factor,
        );
        want.mask == self.probe.mask
            && (want.mask & Probe::<K, V>::GENERAL != 0
                || (want.buckets == self.probe.buckets
                    && want.grow_at == self.probe.grow_at
                    && want.overflow_at == self.probe.overflow_at))
    }
}

/// Go's `overLoadFactor`: more than 8 entries and more than `load_factor * 2^b`.
pub(crate) fn over_load(count: usize, b: u8, load_factor: f64) -> bool {
    count > BUCKET_CNT && count as f64 > load_factor * (1u64 << b) as f64
}

/// The largest count `over_load` accepts at `b`: `max(8, floor(load_factor * 2^b))`, saturated
/// at `usize::MAX`. For an integer `count`, `count > floor(x)` iff `count > x`.
pub(crate) fn grow_threshold(b: u8, load_factor: f64) -> usize {
    let bound = (load_factor * (1u64 << b) as f64).floor();
    // `as` saturates: a bound past `usize::MAX` means no count is over it.
    (bound as usize).max(BUCKET_CNT)
}

/// Go's `tooManyOverflowBuckets` bound: a table of `2^b` buckets has too many overflow buckets
/// once `noverflow` (exact below B=16, sampled above) reaches `2^min(b, 15)`, about as many
/// as primary ones. Kept in the probe, so an insert of a new key compares two integers.
pub(crate) fn overflow_bound(b: u8) -> u16 {
    1 << b.min(15)
}

/// Whether a bucket was evacuated (Go reads slot 0 only).
///
/// # Safety
/// - `b` is a live bucket not being written.
#[inline]
pub(crate) unsafe fn evacuated<K, V>(b: *const Bucket<K, V>) -> bool {
    // SAFETY: forwarded to the caller.
    unsafe { Bucket::top(b, 0).is_evacuated() }
}

/// Finds `key` in the chain starting at `b`, stopping at `emptyRest`.
///
/// # Safety
/// - `b` heads a live chain not being written during the call.
#[inline]
pub(crate) unsafe fn find_in_chain<K, V, Q>(
    mut b: *mut Bucket<K, V>,
    top: TopHash,
    key: &Q,
) -> Option<(*mut Bucket<K, V>, usize)>
where
    K: Borrow<Q>,
    Q: Eq + ?Sized,
{
    loop {
        // SAFETY: `b` is a live bucket of the chain; full slots hold initialised keys (a slot
        // whose byte equals `top`, at least `MIN_TOP_HASH`, is full).
        unsafe {
            let masks = slot_masks(Bucket::group(b).word(), top);
            let mut matches = masks.matches;
            while matches != 0 {
                let slot = matches.trailing_zeros() as usize;
                if (*Bucket::key(b, slot)).borrow() == key {
                    return Some((b, slot));
                }
                matches &= matches - 1;
            }
            if masks.rest {
                return None;
            }
            b = Bucket::next(b);
        }
        if b.is_null() {
            return None;
        }
    }
}

/// Go's emptyOne -> emptyRest backward walk after slot `i` of `b` became `emptyOne`: if nothing
/// live follows it, it and the run of `emptyOne` before it become `emptyRest`. Returns how many
/// cells changed.
///
/// # Safety
/// - `head` heads a live chain that contains `b`, accessed exclusively.
#[inline]
pub(crate) unsafe fn settle_tail<K, V>(
    head: *mut Bucket<K, V>,
    mut b: *mut Bucket<K, V>,
    mut i: usize,
) -> usize {
    // SAFETY: all buckets touched belong to the exclusively accessed chain of `head`.
    unsafe {
        if i == BUCKET_CNT - 1 {
            let next = Bucket::next(b);
            if !next.is_null() && Bucket::top(next, 0) != TopHash::EMPTY_REST {
                return 0;
            }
        } else if Bucket::top(b, i + 1) != TopHash::EMPTY_REST {
            return 0;
        }
        let mut changed = 0;
        loop {
            Bucket::set_top(b, i, TopHash::EMPTY_REST);
            changed += 1;
            if i == 0 {
                if b == head {
                    break;
                }
                let c = b;
                b = head;
                while Bucket::next(b) != c {
                    b = Bucket::next(b);
                }
                i = BUCKET_CNT - 1;
            } else {
                i -= 1;
            }
            if Bucket::top(b, i) != TopHash::EMPTY_ONE {
                break;
            }
        }
        changed
    }
}

impl<K, V, S> EvacMap<K, V, S>
where
    K: Hash + Eq,
    S: BuildHasher,
{
    /// The map's hash of `key` (user hash folded with the seed).
    #[inline]
    pub(crate) fn hash<Q: Hash + ?Sized>(&self, key: &Q) -> u64 {
        hash_key(&self.hash_builder, self.seed, key)
    }

    /// The cell holding `key`: in the old table while its bucket is not evacuated, as Go reads.
    /// Never evacuates. Always inlined: a call would return the cell through memory.
    #[inline(always)]
    fn find<Q>(&self, key: &Q) -> Option<(*mut Bucket<K, V>, usize)>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        // No `count == 0` shortcut: an empty map has no table or only empty chains, and the
        // check would cost every lookup a load and a branch.
        let hash = self.hash(key);
        debug_assert!(self.probe_is_synced());
        if let Some(b) = self.probe.bucket(hash) {
            // The key is on the bucket's first or second cache line (which one depends on the
            // slot and on where the bucket starts in its line) and the value on the second or
            // third: ask for both with the tophash line, so their misses overlap it instead of
            // following the tophash compare (1M entries: 25.4-25.9 ns per hit against 27.7-28.9
            // without, in a side-by-side harness; no change at 64K).
            Bucket::prefetch_entry_lines(b);
            // SAFETY: `probe` matches `cur` and `grow` (`sync_probe` follows every change of
            // them): `b` heads a live chain of the current table and the map is not growing;
            // `&self` excludes writers.
            return unsafe { find_in_chain(b, TopHash::for_hash(hash), key) };
        }
        self.find_general(hash, key)
    }

    /// `find` while growing or without a table.
    #[inline(never)]
    fn find_general<Q>(&self, hash: u64, key: &Q) -> Option<(*mut Bucket<K, V>, usize)>
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
    {
        let cur = self.cur.as_ref()?;
        let mut b = cur.bucket((hash & cur.mask()) as usize);
        if let Some(grow) = &self.grow {
            let old = grow.old.bucket((hash & grow.old.mask()) as usize);
            // SAFETY: `old` is a live bucket of the old table; `&self` excludes writers.
            if !unsafe { evacuated(old) } {
                b = old;
            }
        }
        // SAFETY: `b` heads a live chain of a table this map owns; `&self` excludes writers.
        unsafe { find_in_chain(b, TopHash::for_hash(hash), key) }
    }

    /// The value for `key`.
    #[inline]
    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        // SAFETY: a found cell is full; the reference lives no longer than `&self`.
        self.find(key)
            .map(|(b, i)| unsafe { &*Bucket::value(b, i) })
    }

    /// The stored key and value for `key`.
    pub fn get_key_value<Q>(&self, key: &Q) -> Option<(&K, &V)>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        // SAFETY: a found cell is full; the references live no longer than `&self`.
        self.find(key)
            .map(|(b, i)| unsafe { (&*Bucket::key(b, i), &*Bucket::value(b, i)) })
    }

    /// A mutable reference to the value for `key`. Like Go's reads, never evacuates.
    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        // SAFETY: a found cell is full; `&mut self` makes the reference unique.
        self.find(key)
            .map(|(b, i)| unsafe { &mut *Bucket::value(b, i) })
    }

    /// Whether `key` is present.
    #[inline]
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.find(key).is_some()
    }

    /// Inserts or updates; returns the previous value. Go's `mapassign`: while growing, first
    /// evacuates the bucket the key maps to plus one more; a new key may start a grow (doubling
    /// past the load factor, same-size when overflow buckets pile up), never while growing; it
    /// goes into the first empty cell of its chain, or a new overflow bucket.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        let hash = self.hash(&key);
        self.writes += 1;
        self.ensure_table();
        match self.assign(hash, key, value, true) {
            Assigned::Updated(old, ..) => Some(old),
            Assigned::Added(..) => None,
        }
    }

    /// The body of Go's `mapassign` after hashing: while growing, evacuates the bucket `hash`
    /// maps to plus one more (skipped on the first pass if `work` is false: the caller did it);
    /// updates the value if the key is present, else may start a grow and puts the entry into
    /// the first empty cell of its chain or a new overflow bucket. The caller has bumped
    /// `writes` and allocated the table.
    pub(crate) fn assign(&mut self, hash: u64, key: K, value: V, mut work: bool) -> Assigned<K, V> {
        let top = TopHash::for_hash(hash);
        // At most one same-size grow starts per insert. Go restarts the assignment after
        // starting a grow and may start another once that one is done: right for doublings (a
        // low load factor may need several to fit the entries), but with a load factor above 8
        // a tiny table (one or two buckets, evacuated within this insert) could same-size grow
        // forever.
        let mut same_size_started = false;
        loop {
            if work && self.grow.is_some() {
                self.grow_work(hash);
            }
            work = true;
            let head = match self.probe.bucket(hash) {
                Some(head) => head,
                None => {
                    let cur = self.cur.as_ref().expect("table allocated by the caller");
                    cur.bucket((hash & cur.mask()) as usize)
                }
            };
            // A new key's entry goes into a cell whose key and value lie on the bucket's other
            // cache lines: ask for all of them with the tophash line, so the misses overlap
            // instead of following the tophash compare.
            prefetch_bytes(head, mem::size_of::<Bucket<K, V>>());
            // The first empty cell of the chain: its bucket (null while none was seen) and slot.
            let mut free: (*mut Bucket<K, V>, usize) = (core::ptr::null_mut(), 0);
            let mut b = head;
            // SAFETY: the chain of `head` is live and `&mut self` gives exclusive access;
            // full slots hold initialised keys and values.
            unsafe {
                loop {
                    let masks = slot_masks(Bucket::group(b).word(), top);
                    let mut matches = masks.matches;
                    while matches != 0 {
                        let slot = matches.trailing_zeros() as usize;
                        if *Bucket::key(b, slot) == key {
                            let old = mem::replace(&mut *Bucket::value(b, slot), value);
                            return Assigned::Updated(old, b, slot);
                        }
                        matches &= matches - 1;
                    }
                    if free.0.is_null() && masks.empty != 0 {
                        free = (b, masks.empty.trailing_zeros() as usize);
                    }
                    if masks.rest {
                        break;
                    }
                    let next = Bucket::next(b);
                    if next.is_null() {
                        break;
                    }
                    b = next;
                }
            }
            if self.grow.is_none() {
                // Not growing and a table: the probe holds the bound for the current B.
                let over = self.count + 1 > self.probe.grow_at;
                debug_assert_eq!(
                    over,
                    over_load(self.count + 1, self.b, self.config.load_factor)
                );
                // A same-size grow cannot help a table holding more entries than its primary
                // buckets have cells (possible only with a load factor above 8).
                debug_assert_eq!(self.probe.overflow_at, overflow_bound(self.b));
                let too_many = self.counters.noverflow >= self.probe.overflow_at;
                let same_size =
                    !over && !same_size_started && too_many && self.count < BUCKET_CNT << self.b;
                if over || same_size {
                    same_size_started |= same_size;
                    self.start_grow();
                    continue;
                }
            }
            let (b, slot) = match free {
                (b, slot) if !b.is_null() => (b, slot),
                _ => {
                    let cur = self.cur.as_ref().expect("table allocated by the caller");
                    // SAFETY: exclusive access; `b` is the last bucket of the chain.
                    let fresh = unsafe { cur.new_overflow() };
                    // SAFETY: as above; linking keeps the new bucket reachable from the chain.
                    unsafe { (*b).overflow = fresh };
                    self.counters.note_overflow(self.b);
                    (fresh, 0)
                }
            };
            // SAFETY: `(b, slot)` is an empty cell of the exclusively accessed chain.
            unsafe {
                // Filling a tombstone: one fewer (no branch on it).
                self.counters.tombstones_cur -=
                    usize::from(Bucket::top(b, slot) == TopHash::EMPTY_ONE);
                Bucket::put(b, slot, top, key, value);
            }
            self.count += 1;
            return Assigned::Added(b, slot);
        }
    }

    /// Removes `key`; returns its value. Go's `mapdelete`: nothing happens on an empty map;
    /// while growing, first evacuates like an insert; the cell becomes `emptyOne`, then the
    /// trailing run of `emptyOne` becomes `emptyRest`; the seed is redrawn when the map becomes
    /// empty. With a shrink policy, may start a halving.
    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.remove_entry(key).map(|(_, v)| v)
    }

    /// Removes `key`; returns the stored key and its value.
    pub fn remove_entry<Q>(&mut self, key: &Q) -> Option<(K, V)>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if self.count == 0 {
            return None;
        }
        let hash = self.hash(key);
        self.writes += 1;
        debug_assert!(self.probe_is_synced());
        let head = match self.probe.bucket(hash) {
            Some(head) => {
                // The key's and the value's lines, with the tophash line (as in `find`).
                Bucket::prefetch_entry_lines(head);
                head
            }
            None => {
                if self.grow.is_some() {
                    self.grow_work(hash);
                }
                let cur = self.cur.as_ref()?;
                cur.bucket((hash & cur.mask()) as usize)
            }
        };
        // SAFETY: the chain is live and exclusively accessed (`probe` matches `cur` and `grow`,
        // or `head` was just taken from `cur`); after grow_work the key's old bucket is
        // evacuated, so the key, if present, is in the current table.
        let entry = unsafe {
            let (b, slot) = find_in_chain(head, TopHash::for_hash(hash), key)?;
            let entry = Bucket::take(b, slot, TopHash::EMPTY_ONE);
            self.counters.tombstones_cur += 1;
            self.counters.tombstones_cur -= settle_tail(head, b, slot);
            entry
        };
        self.count -= 1;
        self.after_removal();
        Some(entry)
    }
}

impl Counters {
    /// A new overflow bucket in the current table: Go's `incrnoverflow` (exact below B=16,
    /// sampled with probability 2^-(B-15) above) plus the exact count.
    pub(crate) fn note_overflow(&mut self, b: u8) {
        self.overflow_cur += 1;
        if b < 16 || self.entropy.next() & ((1u64 << (b - 15)) - 1) == 0 {
            self.noverflow = self.noverflow.saturating_add(1);
        }
    }
}

impl<K, V, S> Drop for EvacMap<K, V, S> {
    fn drop(&mut self) {
        drop(self.take_entries());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The integer bound an insert compares with is exactly Go's `overLoadFactor`, at every
    /// load factor a config accepts (dyadic or not) and every B a table can have here.
    #[test]
    fn grow_threshold_agrees_with_over_load_at_the_boundary() {
        let factors = [
            0.5, 1.0, 2.0, 3.3, 4.0, 6.4, 6.5, 6.55, 7.0, 8.0, 12.75, 20.0,
        ];
        for lf in factors {
            for b in 0..40u8 {
                let at = grow_threshold(b, lf);
                for count in [
                    at.saturating_sub(2),
                    at.saturating_sub(1),
                    at,
                    at + 1,
                    at + 2,
                ] {
                    assert_eq!(
                        count > at,
                        over_load(count, b, lf),
                        "load factor {lf}, b {b}, count {count}, bound {at}"
                    );
                }
                for count in 0..=(BUCKET_CNT + 2) {
                    assert_eq!(count > at, over_load(count, b, lf), "lf {lf} b {b} {count}");
                }
            }
        }
    }
}
