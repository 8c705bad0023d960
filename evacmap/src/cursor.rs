//! The removal-safe cursor: Go's map iterator, detached from the map.
//!
//! # How it finds its way
//!
//! Go's iterator walks one bucket array in a fixed order and, for a cell whose entry was
//! evacuated after the walk began, looks the key up in the live map. Rust cannot read a key that
//! was moved out, so the cursor instead *follows the evacuation marks*: evacuation packs a
//! chain's entries, in chain order and without holes, into its X (and Y) destination, so the
//! entry that sat at position `p` of an old chain with mark X is the `r`th entry of the X
//! chain, where `r` counts the X marks before `p`. Halving packs two old chains one after the
//! other, so the second chain's ranks start after the first's X count. Marks stay readable
//! because the cursor keeps the table it walks alive (an `Arc`), as Go's iterator keeps
//! `it.buckets` alive; each table links to the table its entries went to.
//!
//! # Where it is
//!
//! The cursor's position is a point in a fixed order of *hashes*, so it means the same thing
//! whatever the table looks like: logical buckets of the B the map had when the cursor was made,
//! from a random start, and inside a logical bucket the finer hash bits *reversed* (`frac`, a
//! 64-bit binary fraction). With that order a bucket of any later table covers one interval:
//! doubling splits an interval into its two halves (X then Y), halving merges two neighbours.
//! The cursor walks the chain (a *node*) that holds the interval at `frac` right now and then
//! moves `frac` to the interval's end. Entries behind `frac` are never yielded again, whatever
//! moves; a node that starts behind `frac` (after a halving) or covers several logical buckets
//! (after the map shrank below the cursor's B) is walked with a hash filter.

use core::fmt;
use core::hash::{BuildHasher, Hash};
use std::sync::Arc;

use crate::bucket::{prefetch_bytes, Bucket, BUCKET_CNT};
use crate::group::{full_cells8, rotate_bytes_right, BitMask, Group};
use crate::grow::GrowKind;
use crate::map::{evacuated, settle_tail, EvacMap};
use crate::sweep::{drop_cells, Batch, BATCH};
use crate::table::Table;
use crate::tophash::TopHash;

/// A position in an [`EvacMap`] that borrows nothing: step it with [`Cursor::next`], and between
/// two steps do anything to the map.
///
/// # Contract
///
/// Between two calls of `next` the caller may insert, update, remove, clear, and cause any
/// number of doubling grows, same-size grows and halvings. Then:
///
/// 1. **exactly once**: an entry present from the cursor's creation until `next` returns `None`,
///    and never removed, is yielded exactly once, however often it was evacuated meanwhile;
/// 2. **removed ahead is skipped**: an entry removed before the cursor reached it is not yielded;
/// 3. **inserted at most once**: an entry inserted during the walk is yielded at most once
///    (whether at all depends on where it lands, as in Go);
/// 4. **current value**: a yielded value is the one stored at the time of that `next` call;
/// 5. **random start**: the walk starts at a random bucket and a random slot offset, as Go's;
/// 6. **clear ends the walk**: after [`EvacMap::clear`] (or `drain`) the cursor yields nothing
///    more;
/// 7. **fused**: once `next` returned `None` it always does;
/// 8. **bounded memory**: the cursor copies no key and collects nothing; its size is constant. It
///    keeps alive the (at most two) tables it last walked and, through their evacuation links,
///    the tables their entries went to, until it moves on or is dropped: as Go's iterator keeps
///    its bucket array alive;
/// 9. **one map**: using a cursor with any other map panics with a clear message;
/// 10. **removing what was just yielded**: [`Cursor::remove_yielded`] removes the entry the last
///     `next` returned in O(1), if the map was not written in between.
///
/// Lookups made by `next` never evacuate (Go's reads don't either).
pub struct Cursor<K, V> {
    map_id: u64,
    /// The `clears` count of the map when the cursor was made (rule 6).
    clears: u64,
    pos: Position,
    /// The chain being walked; meaningful while `in_node`.
    node: Node<K, V>,
    in_node: bool,
    /// The tables the cursor last walked, kept alive so their marks stay readable.
    pins: [Option<Arc<Table<K, V>>>; 2],
    /// Entries found by following evacuation marks (Go's `mapaccessK` rechecks).
    forwarded: u64,
    /// The cell `next` last returned, for `remove_yielded`, unless `run.last` is set (a run's
    /// pop records only that).
    last: Option<Yielded<K, V>>,
    /// `EvacMap::writes` at which `node.pending` was last known exact: the node is a bucket of
    /// the map's current table at the cursor's B, the map is not growing, and every pending
    /// cell is full. While the map's count still matches, `next` yields pending cells without
    /// re-reading their state. `u64::MAX` when unknown (the slow path resets it).
    synced: u64,
    /// The run of 8 neighbouring whole-chain buckets `next` is walking, if `in_run`.
    run: RunState<K, V>,
    in_run: bool,
    finished: bool,
}

/// A run of 8 neighbouring buckets of the current table, each a whole chain, whose full cells
/// `next` pops from one mask: one loop exit per run instead of one per bucket (the exit of a
/// bucket of about 4 entries is a mispredicted branch). Valid only while `Cursor::synced`
/// matches the map's `writes`; `Cursor::leave_run` puts the node and the position on the bucket
/// of the last pop and turns what is left of it into the node's pending cells.
struct RunState<K, V> {
    /// The run's first bucket.
    base: *mut Bucket<K, V>,
    /// Its index in the table.
    first: usize,
    /// `pos.done` at the first bucket.
    done: u64,
    /// How many buckets the run covers (1 to 8): up to, not including, the first of the 8
    /// buckets from `first` that has overflow (the walk enters that one as a node).
    len: u32,
    /// Cells not yielded yet: bit `8 * j + lane` for lane `lane` (rotated by the offset, as
    /// `Node::pending`) of bucket `first + j`, `j < len`.
    cells: u64,
    /// The cell (numbered as in `cells`) the last `next` popped, possibly with `REMOVED` set,
    /// or `NO_CELL`. Below 64 it is the entry `remove_yielded` removes, and `Cursor::last` is
    /// stale: a pop records one index instead of a whole `Yielded` (a run's table, bucket and
    /// slot follow from it). While the cursor is in a run it is never `NO_CELL` (a run starts
    /// with a pop), and its bucket (`(last & 63) / 8`) is where the node is, which
    /// `Cursor::leave_run` writes into the node and the position: one store per pop serves
    /// both. Set by `pop_run`; `remove_yielded` sets `REMOVED`; `leave_run`, `retain_next` and
    /// `finish` clear it.
    last: usize,
}

/// `RunState::last` when no run cell was popped by the last `next`.
const NO_CELL: usize = usize::MAX;

/// Set in `RunState::last` once the cell was removed (or, at a run's end, to name its last
/// bucket without a cell to remove).
const REMOVED: usize = 64;

/// Where the cursor is in the order of hashes (see the module docs).
#[derive(Clone, Copy)]
struct Position {
    /// B of the map when the cursor was made: the logical buckets.
    b_log: u8,
    start: u64,
    offset: usize,
    /// Logical buckets finished.
    done: u64,
    /// Progress inside the current logical bucket.
    frac: u64,
}

impl Position {
    /// The current logical bucket.
    #[inline]
    fn logical(&self) -> u64 {
        self.start.wrapping_add(self.done) & mask(self.b_log)
    }

    /// Whether an entry with `hash` belongs to the part of the current logical bucket a node
    /// ending at `end` is responsible for: right logical bucket, at or after `frac`, before `end`.
    fn wanted(&self, hash: u64, end: Option<u64>) -> bool {
        let at = frac_of(hash, self.b_log);
        hash & mask(self.b_log) == self.logical() && at >= self.frac && end.is_none_or(|e| at < e)
    }
}

/// The chain being walked.
struct Node<K, V> {
    /// Kept alive by `Cursor::pins`.
    table: *const Table<K, V>,
    index: usize,
    bucket: *mut Bucket<K, V>,
    /// Ordinal of `bucket` in the chain (0 is the primary bucket).
    depth: usize,
    /// Slots of `bucket` still to visit, as a lane mask rotated right by `offset` lanes, so
    /// visiting lanes in ascending order visits slots `offset, offset+1, ...` (Go's order). It is
    /// taken when the walk enters the bucket: cells filled later are inserts, which may be
    /// skipped (rule 3); a cell's state is read again when it is visited.
    pending: u64,
    /// `pending` was taken for `bucket`.
    loaded: bool,
    /// In-place entries need the hash filter too (the node is not aligned to `frac`).
    filter_in_place: bool,
    /// `frac` when the node ends; `None` at the end of the logical bucket.
    end: Option<u64>,
}

/// Where an entry was yielded from.
struct Yielded<K, V> {
    table: *const Table<K, V>,
    index: usize,
    bucket: *mut Bucket<K, V>,
    slot: usize,
    /// `EvacMap::writes` at the time; the cell is known to be unchanged while it matches.
    writes: u64,
}

// SAFETY: a cursor never hands out or drops keys and values by itself: entries are reached only
// in `next`, through a `&EvacMap` whose own `Sync` bound applies, and dropping the cursor frees
// table memory only (see `Table`). The raw pointers point into tables kept alive by `pins`.
unsafe impl<K, V> Send for Cursor<K, V> {}
// SAFETY: `&Cursor` gives access to nothing but plain counters.
unsafe impl<K, V> Sync for Cursor<K, V> {}

impl<K, V, S> EvacMap<K, V, S> {
    /// A cursor over this map, starting at a random bucket and slot offset. See [`Cursor`] for
    /// what survives between its steps.
    pub fn cursor(&self) -> Cursor<K, V> {
        let r = self.counters.entropy.next();
        let b_log = self.b;
        Cursor {
            map_id: self.id,
            clears: self.clears,
            pos: Position {
                b_log,
                start: r & mask(b_log),
                offset: ((r >> b_log) & 7) as usize,
                done: 0,
                frac: 0,
            },
            node: Node {
                table: core::ptr::null(),
                index: 0,
                bucket: core::ptr::null_mut(),
                depth: 0,
                pending: 0,
                loaded: false,
                filter_in_place: false,
                end: None,
            },
            in_node: false,
            pins: [None, None],
            forwarded: 0,
            last: None,
            synced: NOT_SYNCED,
            run: RunState {
                base: core::ptr::null_mut(),
                first: 0,
                done: 0,
                len: 0,
                cells: 0,
                last: NO_CELL,
            },
            in_run: false,
            finished: false,
        }
    }
}

/// `Cursor::synced` when the cursor's pending cells are not known exact.
const NOT_SYNCED: u64 = u64::MAX;

#[inline]
fn mask(b: u8) -> u64 {
    (1u64 << b) - 1
}

/// The position of `hash` inside its logical bucket: the bits above `b_log`, reversed.
#[inline]
fn frac_of(hash: u64, b_log: u8) -> u64 {
    (hash >> b_log).reverse_bits()
}

/// The bucket of a level-`level` table that holds the point (`j`, `frac`).
struct Cover {
    index: usize,
    end: Option<u64>,
    aligned: bool,
}

#[inline]
fn cover(level: u8, b_log: u8, j: u64, frac: u64) -> Cover {
    if level < b_log {
        return Cover {
            index: (j & mask(level)) as usize,
            end: None,
            aligned: false,
        };
    }
    let d = u32::from(level - b_log);
    if d == 0 {
        return Cover {
            index: j as usize,
            end: None,
            aligned: frac == 0,
        };
    }
    let rank = frac >> (64 - d);
    let index = j | ((rank.reverse_bits() >> (64 - d)) << b_log);
    let begin = rank << (64 - d);
    let end = if rank + 1 == 1u64 << d {
        None
    } else {
        Some((rank + 1) << (64 - d))
    };
    Cover {
        index: index as usize,
        end,
        aligned: begin == frac,
    }
}

impl<K, V> Cursor<K, V> {
    /// Entries this cursor found by following evacuation marks (Go's `mapaccessK` rechecks).
    pub fn forwarded(&self) -> u64 {
        self.forwarded
    }

    /// Whether `next` has returned `None`.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    fn finish(&mut self) {
        self.finished = true;
        self.in_run = false;
        self.run.cells = 0;
        self.in_node = false;
        self.last = None;
        self.run.last = NO_CELL;
        self.pins = [None, None];
    }

    /// Keeps `table` alive while the cursor walks it.
    #[inline]
    fn pin(&mut self, table: &Arc<Table<K, V>>) -> *const Table<K, V> {
        let ptr = Arc::as_ptr(table);
        let held = |p: &Option<Arc<Table<K, V>>>| p.as_ref().is_some_and(|p| Arc::as_ptr(p) == ptr);
        if !held(&self.pins[0]) && !held(&self.pins[1]) {
            self.pins[1] = self.pins[0].take();
            self.pins[0] = Some(Arc::clone(table));
        }
        ptr
    }

    /// Starts walking the chain that holds the point (current logical bucket, `frac`) in the
    /// map now; `false` if the map has no table.
    #[inline]
    fn locate<S>(&mut self, map: &EvacMap<K, V, S>) -> bool {
        let Some(cur) = map.cur.as_ref() else {
            return false;
        };
        let (b_log, j, frac) = (self.pos.b_log, self.pos.logical(), self.pos.frac);
        let mut table = cur;
        if let Some(grow) = &map.grow {
            let old = cover(grow.old.b(), b_log, j, frac);
            // SAFETY: a live old bucket; `&map` excludes writers.
            if !unsafe { evacuated(grow.old.bucket(old.index)) } {
                table = &grow.old;
            }
        }
        let at = cover(table.b(), b_log, j, frac);
        let ptr = self.pin(table);
        self.node = Node {
            table: ptr,
            index: at.index,
            bucket: table.bucket(at.index),
            depth: 0,
            pending: 0,
            loaded: false,
            filter_in_place: !at.aligned,
            end: at.end,
        };
        self.in_node = true;
        true
    }

    /// Yields the next entry, or `None` when the walk is over. See the [`Cursor`] contract.
    ///
    /// # Panics
    /// If `map` is not the map this cursor was made from.
    #[inline(always)]
    pub fn next<'m, S>(&mut self, map: &'m EvacMap<K, V, S>) -> Option<(&'m K, &'m V)>
    where
        K: Hash + Eq,
        S: BuildHasher,
    {
        self.check_map(map.id);
        // Cells remain only in a run (`leave_run` and `finish` clear them).
        debug_assert!(self.run.cells == 0 || self.in_run);
        if self.run.cells != 0 && self.synced == map.writes {
            // SAFETY: in a run (above), and nothing but this cursor's own removals was written
            // since the run was read: its remaining cells are full, in the map's current table.
            return Some(unsafe { self.pop_run(map) });
        }
        if self.in_run {
            if self.synced == map.writes {
                // Every cell of the run was yielded and nothing was written: its last bucket
                // is done (buckets after the last yield had no entry and still have none).
                self.run.last = ((self.run.len as usize - 1) * BUCKET_CNT) | REMOVED;
            }
            self.leave_run();
        }
        // Fast path: the next pending slot holds a live entry that needs no filter, or the
        // bucket is done and, the map not growing, the next logical bucket is simply the next
        // bucket of the current table (what `locate` would pick). Everything else (states,
        // marks, other layouts) takes the slow path, which re-reads the same slot.
        if self.in_node
            && self.node.loaded
            && !self.node.filter_in_place
            && map.clears == self.clears
        {
            let b_log = self.pos.b_log;
            let simple_layout = |table: *const Table<K, V>| {
                map.grow.is_none()
                    && map
                        .cur
                        .as_ref()
                        .is_some_and(|t| Arc::as_ptr(t) == table && t.b() == b_log)
            };
            let node = &mut self.node;
            loop {
                let bucket = node.bucket;
                // Nothing was written since the pending cells were read (but this cursor's own
                // removals): they are all still full and the layout is the simple one.
                let synced = map.writes == self.synced;
                if node.pending != 0 {
                    let lane = node.pending.trailing_zeros() as usize / 8;
                    let slot = (lane + self.pos.offset) & (BUCKET_CNT - 1);
                    // SAFETY: `bucket` belongs to a table kept alive by `pins` and the map is
                    // this cursor's (checked above), so `&map` excludes writers; a full cell
                    // holds an initialised entry owned by `map`, valid as long as `&'m map`.
                    unsafe {
                        if !synced && !Bucket::top(bucket, slot).is_full() {
                            break;
                        }
                        node.pending &= node.pending - 1;
                        self.last = Some(Yielded {
                            table: node.table,
                            index: node.index,
                            bucket,
                            slot,
                            writes: map.writes,
                        });
                        return Some((&*Bucket::key(bucket, slot), &*Bucket::value(bucket, slot)));
                    }
                }
                // SAFETY: as above.
                let next = unsafe { Bucket::next(bucket) };
                if !next.is_null() {
                    node.bucket = next;
                    node.depth += 1;
                } else if node.end.is_none()
                    && (synced || simple_layout(node.table))
                    && self.pos.done < mask(self.pos.b_log)
                {
                    // The next primary bucket of the current table, not growing: its pending
                    // cells (read below, before anything else can write) are exact.
                    self.synced = map.writes;
                    self.pos.done += 1;
                    self.pos.frac = 0;
                    node.index = self.pos.logical() as usize;
                    // SAFETY: `simple_layout` says `node.table` is the map's current table.
                    let table = unsafe { &*node.table };
                    node.bucket = table.bucket(node.index);
                    if self.pos.done + BATCH as u64 <= mask(self.pos.b_log) + 1
                        && node.index + BATCH <= table.len()
                    {
                        // SAFETY: the 8 buckets from `node.index` on are live buckets of the
                        // map's current table (checked just above), not growing, and lie
                        // ahead in the walk (its last logical bucket included).
                        let run = unsafe { run_cells(node.bucket, self.pos.offset) };
                        if let Some((cells, len)) = run {
                            self.run = RunState {
                                base: node.bucket,
                                first: node.index,
                                done: self.pos.done,
                                len: len as u32,
                                cells,
                                last: NO_CELL,
                            };
                            node.pending = 0;
                            node.depth = 0;
                            // Sequential, 2.25 cache lines per bucket: fetch two runs ahead.
                            prefetch_bytes(
                                node.bucket.wrapping_add(2 * BATCH),
                                BATCH * core::mem::size_of::<Bucket<K, V>>(),
                            );
                            if cells != 0 {
                                self.in_run = true;
                                // SAFETY: the run was read just now, in the map's current
                                // table, and `synced` was set to the map's `writes`.
                                return Some(unsafe { self.pop_run(map) });
                            }
                            // `len` empty buckets: done with them.
                            node.bucket = node.bucket.wrapping_add(len - 1);
                            node.index += len - 1;
                            self.pos.done += (len - 1) as u64;
                            continue;
                        }
                    }
                    // The walk is sequential but a bucket spans 2.25 cache lines: ask for the
                    // bucket 4 ahead now.
                    let ahead = (node.index + 4) & (table.len() - 1);
                    prefetch_bytes(table.bucket(ahead), core::mem::size_of::<Bucket<K, V>>());
                    node.depth = 0;
                } else {
                    break;
                }
                // SAFETY: as above.
                let group = unsafe { Bucket::group(node.bucket) };
                let rotation = (self.pos.offset * 8) as u32;
                node.pending =
                    (group.match_full().bits() | group.match_moved().bits()).rotate_right(rotation);
            }
        }
        self.next_slow(map)
    }

    /// Yields the lowest remaining cell of the run.
    ///
    /// # Safety
    /// - `in_run`, `run.cells != 0`, and `synced` matches `map.writes`.
    #[inline(always)]
    unsafe fn pop_run<'m, S>(&mut self, _map: &'m EvacMap<K, V, S>) -> (&'m K, &'m V) {
        let cell = self.run.cells.trailing_zeros() as usize;
        self.run.cells &= self.run.cells - 1;
        self.run.last = cell;
        let (bucket, slot) = self.run_cell(cell);
        // SAFETY: the caller guarantees the cell is still full (only this cursor's own
        // removals, of yielded cells, were written since the run was read); the table is
        // pinned and `&'m map` excludes writers, so the entry lives as long as `'m`.
        unsafe { (&*Bucket::key(bucket, slot), &*Bucket::value(bucket, slot)) }
    }

    /// The bucket and slot of run cell `cell` (`< 64`).
    #[inline(always)]
    fn run_cell(&self, cell: usize) -> (*mut Bucket<K, V>, usize) {
        let slot = (cell % BUCKET_CNT + self.pos.offset) & (BUCKET_CNT - 1);
        // `cell / 8 < 8` and the run's 8 buckets are consecutive buckets of one live table.
        (self.run.base.wrapping_add(cell / BUCKET_CNT), slot)
    }

    /// The cell the last `next` returned, if it returned one and nothing cleared it since.
    #[inline]
    fn yielded_cell(&self) -> Option<(*mut Bucket<K, V>, usize)> {
        if self.run.last < REMOVED {
            return Some(self.run_cell(self.run.last));
        }
        self.last.as_ref().map(|last| (last.bucket, last.slot))
    }

    /// The run's bucket (`j`) of the last yield, while in a run.
    #[inline]
    fn run_bucket(&self) -> usize {
        debug_assert!(self.run.last != NO_CELL, "a run starts with a pop");
        (self.run.last & (REMOVED - 1)) / BUCKET_CNT
    }

    /// Ends the run: the node stays on the bucket of the last yield (or the run's first), with
    /// the run's cells of that bucket pending; the run's later buckets are entered as usual.
    #[inline]
    fn leave_run(&mut self) {
        self.in_run = false;
        let j = self.run_bucket();
        self.run.last = NO_CELL;
        self.node.bucket = self.run.base.wrapping_add(j);
        self.node.index = self.run.first + j;
        self.pos.done = self.run.done + j as u64;
        self.node.pending = BitMask::from_byte((self.run.cells >> (BUCKET_CNT * j)) as u8).bits();
        self.node.depth = 0;
        self.node.loaded = true;
        self.run.cells = 0;
    }

    #[inline(never)]
    fn next_slow<'m, S>(&mut self, map: &'m EvacMap<K, V, S>) -> Option<(&'m K, &'m V)>
    where
        K: Hash + Eq,
        S: BuildHasher,
    {
        self.synced = NOT_SYNCED;
        if self.finished {
            return None;
        }
        if map.clears != self.clears {
            self.finish();
            return None;
        }
        loop {
            if !self.in_node
                && (self.pos.done > mask(self.pos.b_log) || map.count == 0 || !self.locate(map))
            {
                self.finish();
                return None;
            }
            if let Some(entry) = self.walk(map) {
                return Some(entry);
            }
            self.in_node = false;
            match self.node.end {
                Some(e) => self.pos.frac = e,
                None => {
                    self.pos.done += 1;
                    self.pos.frac = 0;
                }
            }
        }
    }

    /// Continues the current node; `None` when its chain is exhausted.
    #[inline]
    fn walk<'m, S>(&mut self, map: &'m EvacMap<K, V, S>) -> Option<(&'m K, &'m V)>
    where
        K: Hash + Eq,
        S: BuildHasher,
    {
        let pos = self.pos;
        let node = &mut self.node;
        let rotation = (pos.offset * 8) as u32;
        loop {
            if !node.loaded {
                if node.bucket.is_null() {
                    return None;
                }
                // SAFETY: `bucket` belongs to a table kept alive by `pins`; `&map` excludes
                // writers (the map is this cursor's, checked in `next`).
                let group = unsafe { Bucket::group(node.bucket) };
                node.pending =
                    (group.match_full().bits() | group.match_moved().bits()).rotate_right(rotation);
                node.loaded = true;
            }
            if node.pending == 0 {
                // SAFETY: as above.
                node.bucket = unsafe { Bucket::next(node.bucket) };
                node.depth += 1;
                node.loaded = false;
                continue;
            }
            let lane = node.pending.trailing_zeros() as usize / 8;
            // The slot stays pending until its entry is decided on: if hashing it panics, the
            // same slot is tried again by the next call.
            let bit = node.pending & node.pending.wrapping_neg();
            let slot = (lane + pos.offset) & (BUCKET_CNT - 1);
            let bucket = node.bucket;
            // SAFETY: as above; a full cell holds an initialised entry owned by `map` (only
            // tables the map owns have full cells), so references may live as long as `&'m map`.
            unsafe {
                let top = Bucket::top(bucket, slot);
                if top.is_full() {
                    let key = &*Bucket::key(bucket, slot);
                    let wanted = !node.filter_in_place || pos.wanted(map.hash(key), node.end);
                    node.pending &= !bit;
                    if wanted {
                        self.last = Some(Yielded {
                            table: node.table,
                            index: node.index,
                            bucket,
                            slot,
                            writes: map.writes,
                        });
                        return Some((key, &*Bucket::value(bucket, slot)));
                    }
                } else if top == TopHash::EVACUATED_X || top == TopHash::EVACUATED_Y {
                    let position = node.depth * BUCKET_CNT + slot;
                    if let Some(cell) = forward(&*node.table, node.index, position, top) {
                        let key = &*Bucket::key(cell.bucket, cell.slot);
                        // Destinations can hold entries of other intervals: always filter.
                        let wanted = pos.wanted(map.hash(key), node.end);
                        node.pending &= !bit;
                        if wanted {
                            self.forwarded += 1;
                            self.last = Some(Yielded {
                                writes: map.writes,
                                ..cell
                            });
                            return Some((key, &*Bucket::value(cell.bucket, cell.slot)));
                        }
                    }
                }
            }
            // Empty now, gone, or filtered out: done with this slot.
            node.pending &= !bit;
        }
    }

    /// Removes the entry the last [`next`](Cursor::next) returned, in O(1) and without hashing
    /// (rule 10). Returns `None` if `next` has not returned an entry since the last removal, or
    /// if the map was written since that `next` call (then remove by key instead).
    ///
    /// It removes in place. With a shrink policy, a halving in progress (perhaps started by this
    /// removal) is then advanced by two units, as Go's `growWork` advances a grow per write (a
    /// halving hashes no key), so a walk that removes most entries shrinks the map as it goes;
    /// a doubling or same-size grow in progress is left to later writes by key.
    ///
    /// # Panics
    /// If `map` is not the map this cursor was made from.
    #[inline(always)]
    pub fn remove_yielded<S>(&mut self, map: &mut EvacMap<K, V, S>) -> Option<(K, V)> {
        self.check_map(map.id);
        if self.run.last < REMOVED {
            let cell = self.run.last;
            self.run.last = cell | REMOVED;
            // `synced` has not changed since the pop (only this cursor changes it, and every
            // way of doing so sets `REMOVED` or clears `run.last`), and the pop required it to
            // match `writes`.
            if self.synced != map.writes {
                return None;
            }
            let (bucket, slot) = self.run_cell(cell);
            // `next` popped this cell from the run and nothing but this cursor's removals was
            // written since the run was read: the cell is full, in a bucket of the current
            // table that is a whole chain, and the map is not growing.
            // SAFETY: as just said; `&mut map` gives exclusive access.
            let (entry, settled) = unsafe { take_from_lone(bucket, slot) };
            let tombstones = &mut map.counters.tombstones_cur;
            *tombstones = *tombstones + 1 - settled;
            map.count -= 1;
            map.writes += 1;
            map.after_removal();
            if map.grow.is_none() {
                self.synced = map.writes;
            } else {
                // The removal started a halving (a shrink policy).
                map.advance_halving();
            }
            return Some(entry);
        }
        self.remove_yielded_general(map)
    }

    /// `remove_yielded` off a run: the cell recorded in `last`, in any table the map owns.
    /// Kept out of line so that the run path inlines into every caller.
    #[inline(never)]
    fn remove_yielded_general<S>(&mut self, map: &mut EvacMap<K, V, S>) -> Option<(K, V)> {
        let last = self.last.take()?;
        if last.writes != map.writes {
            return None;
        }
        let is_old = match &map.grow {
            None => false,
            Some(g) => Arc::as_ptr(&g.old) == last.table,
        };
        // Checked in release builds too (a pointer compare, off the fast paths): the take
        // below must never touch a table the map no longer owns.
        assert!(
            is_old
                || map
                    .cur
                    .as_ref()
                    .is_some_and(|t| Arc::as_ptr(t) == last.table),
            "a cell yielded at the map's current `writes` is in a table the map owns"
        );
        // SAFETY: no write happened since `next` returned this cell, so it is still full, in a
        // table the map owns (`is_old` says which) whose bucket `index` heads its chain;
        // `&mut map` gives exclusive access.
        let entry = unsafe {
            let entry = Bucket::take(last.bucket, last.slot, TopHash::EMPTY_ONE);
            let settled = settle_tail((*last.table).bucket(last.index), last.bucket, last.slot);
            let tombstones = if is_old {
                &mut map.counters.tombstones_old
            } else {
                &mut map.counters.tombstones_cur
            };
            *tombstones = *tombstones + 1 - settled;
            entry
        };
        map.count -= 1;
        map.writes += 1;
        map.after_removal();
        map.advance_halving();
        // The cell left `pending` when it was yielded and settling only turns empty cells into
        // `emptyRest`: if the pending cells were exact before, they still are, unless the
        // removal started a halving. One that started and finished within this call (a small
        // map: two units of evacuation are the whole table) leaves the map not growing but on a
        // new table, so the node's table must still be the current one.
        let node_is_cur = map
            .cur
            .as_ref()
            .is_some_and(|t| Arc::as_ptr(t) == self.node.table);
        if self.synced == last.writes && map.grow.is_none() && node_is_cur {
            self.synced = map.writes;
        }
        Some(entry)
    }

    /// Visits up to `budget` more entries, the ones [`next`](Cursor::next) would yield, and
    /// removes those for which `keep` returns `false`; returns how many were visited (fewer than
    /// `budget` only when the walk is over). An incremental [`EvacMap::retain`]: between two
    /// calls, as between two `next` calls, the map may change in any way, and the [`Cursor`]
    /// contract holds for the entries visited as for the entries yielded.
    ///
    /// While the map is not growing and the cursor walks its current table at the cursor's own
    /// B (the common case), it decides a bucket at a time: the predicate's answers for the
    /// bucket's remaining entries go into a bitmask with no branch on them, the bucket's 8
    /// tophash bytes are rewritten in one store (`emptyRest` included), and the removed entries
    /// are dropped after the bucket's last predicate call. Elsewhere it steps as `next` followed,
    /// for a removal, by [`remove_yielded`](Cursor::remove_yielded). It removes in place; like
    /// `remove_yielded` it advances a halving in progress (two units per removal on the general
    /// path, two per call after the bucket paths) and no other grow. Afterwards
    /// `remove_yielded` returns `None` until the next `next`.
    ///
    /// ```
    /// use evacmap::EvacMap;
    ///
    /// let mut map: EvacMap<u64, u64> = (0..1000).map(|k| (k, k)).collect();
    /// let mut cursor = map.cursor();
    /// while !cursor.is_finished() {
    ///     // Remove the odd keys, 100 entries at a time ...
    ///     cursor.retain_next(&mut map, 100, |&k, _| k % 2 == 0);
    ///     // ... and use the map freely in between.
    ///     map.insert(10_000, 0);
    /// }
    /// assert!((0..1000).all(|k| map.contains_key(&k) == (k % 2 == 0)));
    /// ```
    ///
    /// # Panics
    /// If `map` is not the map this cursor was made from. If `keep` panics, the answers it
    /// already gave are applied (those entries are removed and dropped while unwinding), the
    /// entry it panicked on stays and is not visited again, and the map stays consistent. A
    /// panicking destructor of a removed entry leaves the map consistent too (the bucket's
    /// other removed entries are still dropped).
    pub fn retain_next<S, F>(
        &mut self,
        map: &mut EvacMap<K, V, S>,
        budget: usize,
        mut keep: F,
    ) -> usize
    where
        K: Hash + Eq,
        S: BuildHasher,
        F: FnMut(&K, &mut V) -> bool,
    {
        self.check_map(map.id);
        if self.in_run {
            self.leave_run();
        }
        self.last = None;
        self.run.last = NO_CELL;
        map.writes += 1;
        let mut visited = 0;
        let mut removed_fast = false;
        'walk: while visited < budget {
            if self.in_node
                && self.node.loaded
                && !self.node.filter_in_place
                && self.node.end.is_none()
                && map.clears == self.clears
                && map.grow.is_none()
                && map
                    .cur
                    .as_ref()
                    .is_some_and(|t| Arc::as_ptr(t) == self.node.table && t.b() == self.pos.b_log)
            {
                // Nothing below changes the layout (removals in place, no grow, no shrink
                // before the end), so the conditions hold until the general path takes over.
                loop {
                    // SAFETY: checked just above: the node is a bucket of the map's current
                    // table at the cursor's B, aligned, and the map is not growing; `&mut map`
                    // is exclusive.
                    let left = budget - visited;
                    // SAFETY: as above.
                    let (n, removed) = match unsafe { self.retain_run(map, left, &mut keep) } {
                        Some(done) => done,
                        // SAFETY: as above.
                        None => unsafe { self.retain_bucket(map, left, &mut keep) },
                    };
                    visited += n;
                    removed_fast |= removed;
                    if visited == budget {
                        break 'walk;
                    }
                    if !self.advance_simple() {
                        // The end of the walk: the general path takes over.
                        break;
                    }
                }
            }
            if self.next_visit(map, &mut keep).is_none() {
                break;
            }
            visited += 1;
        }
        self.last = None;
        self.run.last = NO_CELL;
        self.synced = NOT_SYNCED;
        if removed_fast {
            map.after_removal();
            map.advance_halving();
        }
        visited
    }

    /// One general step of `retain_next`: `next`, then the predicate, then `remove_yielded`
    /// if it says so. `None` when the walk is over.
    fn next_visit<S, F>(&mut self, map: &mut EvacMap<K, V, S>, keep: &mut F) -> Option<()>
    where
        K: Hash + Eq,
        S: BuildHasher,
        F: FnMut(&K, &mut V) -> bool,
    {
        self.next(map)?;
        let (bucket, slot) = self.yielded_cell().expect("next returned an entry");
        // SAFETY: `next` just returned this cell: it is full, in a table the map owns, and
        // `&mut map` gives exclusive access; the references end with the call.
        let kept = unsafe {
            keep(
                &*Bucket::key(bucket, slot),
                &mut *Bucket::value(bucket, slot),
            )
        };
        if !kept {
            drop(
                self.remove_yielded(map)
                    .expect("nothing was written since next"),
            );
        }
        // `retain_next`'s bucket paths read the node's pending cells, which a run does not
        // keep up to date.
        if self.in_run {
            self.leave_run();
        }
        Some(())
    }

    /// Moves the node to the next bucket of its chain or, at the chain's end, to the next
    /// primary bucket of the current table and loads its pending cells; `false` at the end of
    /// the last logical bucket (left to the general path).
    ///
    /// The caller has checked that the node is a bucket of the map's current table at the
    /// cursor's B, aligned, and that the map is not growing.
    #[inline(always)]
    fn advance_simple(&mut self) -> bool {
        let node = &mut self.node;
        // SAFETY: the node's bucket is live (its table is pinned and the map's current one).
        let next = unsafe { Bucket::next(node.bucket) };
        if !next.is_null() {
            node.bucket = next;
            node.depth += 1;
        } else if self.pos.done < mask(self.pos.b_log) {
            self.pos.done += 1;
            self.pos.frac = 0;
            node.index = self.pos.logical() as usize;
            // SAFETY: the caller checked that `node.table` is the map's current table.
            let table = unsafe { &*node.table };
            node.bucket = table.bucket(node.index);
            let ahead = (node.index + 4) & (table.len() - 1);
            prefetch_bytes(table.bucket(ahead), core::mem::size_of::<Bucket<K, V>>());
            node.depth = 0;
        } else {
            return false;
        }
        // SAFETY: the bucket is live; the map is not growing, so it holds no evacuation mark.
        let group = unsafe { Bucket::group(node.bucket) };
        node.pending = group
            .match_full()
            .bits()
            .rotate_right((self.pos.offset * 8) as u32);
        true
    }

    /// Decides 8 neighbouring whole-chain buckets at once, from the node's bucket (not started
    /// yet) on, when they lie ahead in the walk and their entries fit in `budget`: one mask of
    /// their full cells, one loop exit per 8 buckets. Leaves the node on the last of them with
    /// nothing pending. `None` (nothing done) when that does not apply.
    ///
    /// # Safety
    /// - As for [`retain_bucket`](Cursor::retain_bucket).
    #[inline(always)]
    unsafe fn retain_run<S, F>(
        &mut self,
        map: &mut EvacMap<K, V, S>,
        budget: usize,
        keep: &mut F,
    ) -> Option<(usize, bool)>
    where
        F: FnMut(&K, &mut V) -> bool,
    {
        // SAFETY: the table is the map's current one, pinned (the caller's contract).
        let table = unsafe { &*self.node.table };
        let first = self.node.index;
        if self.node.depth != 0
            || self.pos.done + BATCH as u64 > mask(self.pos.b_log)
            || first + BATCH > table.len()
        {
            return None;
        }
        let rotation = (self.pos.offset * 8) as u32;
        let mut buckets = [core::ptr::null_mut(); BATCH];
        let mut full = 0u64;
        let mut alone = true;
        for (j, b) in buckets.iter_mut().enumerate() {
            *b = table.bucket(first + j);
            // SAFETY: a live bucket of the current table.
            let lanes = unsafe { Bucket::group(*b) }
                .match_full()
                .bits()
                .rotate_right(rotation);
            if j == 0 && lanes != self.node.pending {
                // The bucket was started, or changed since its cells were read.
                return None;
            }
            full |= u64::from(BitMask::from_lanes(lanes).to_byte()) << (8 * j);
            // SAFETY: as above.
            alone &= unsafe { Bucket::next(*b) }.is_null();
        }
        let visited = full.count_ones() as usize;
        if !alone || visited > budget {
            return None;
        }
        // Sequential, 2.25 cache lines per bucket: fetch the next run while deciding this one.
        prefetch_bytes(
            table.bucket(first).wrapping_add(BATCH),
            BATCH * core::mem::size_of::<Bucket<K, V>>(),
        );
        let offset = self.pos.offset;
        let mut run = Run {
            cursor: self,
            first,
            cell: 8 * BATCH - 1,
            remaining: full,
        };
        // SAFETY: 8 distinct live buckets of the current table, each a whole chain; `&mut map`
        // is exclusive.
        let mut batch = unsafe { Batch::eight(map, buckets) };
        // As in `retain_bucket`, no branch on the answers; `run` records the progress before
        // each call, so a panic leaves the cursor after the entries already answered.
        while run.remaining != 0 {
            let cell = run.remaining.trailing_zeros() as usize;
            run.remaining &= run.remaining - 1;
            run.cell = cell;
            let j = cell / BUCKET_CNT;
            let slot = (cell % BUCKET_CNT + offset) & (BUCKET_CNT - 1);
            let b = buckets[j];
            // SAFETY: the cell is full (read above; only the predicate ran since, which cannot
            // reach the map); the references end with the call.
            let kept = unsafe { keep(&*Bucket::key(b, slot), &mut *Bucket::value(b, slot)) };
            batch.doomed |= u64::from(!kept) << (BUCKET_CNT * j + slot);
        }
        run.cell = 8 * BATCH - 1;
        // SAFETY: `doomed` holds full cells of `buckets`, decided just now.
        let doomed = unsafe { batch.apply() };
        drop(batch);
        // SAFETY: `apply` released these cells to us; each is dropped once.
        unsafe { drop_cells(&buckets, doomed) };
        drop(run);
        Some((visited, doomed != 0))
    }

    /// Decides the node's pending cells (at most `budget`) with `keep` and applies the answers
    /// to the bucket at once; returns how many were visited and whether any was removed.
    ///
    /// # Safety
    /// - The node is a bucket of `map`'s current table at the cursor's B, aligned, and the map
    ///   is not growing.
    #[inline(always)]
    unsafe fn retain_bucket<S, F>(
        &mut self,
        map: &mut EvacMap<K, V, S>,
        budget: usize,
        keep: &mut F,
    ) -> (usize, bool)
    where
        F: FnMut(&K, &mut V) -> bool,
    {
        let rotation = (self.pos.offset * 8) as u32;
        let offset = self.pos.offset;
        self.synced = NOT_SYNCED;
        let node = &mut self.node;
        let bucket = node.bucket;
        // Cells removed since the pending set was read are skipped; cells filled since are
        // inserts, which the contract lets the walk skip.
        // SAFETY: the bucket is live (the caller's contract).
        let full = unsafe { Bucket::group(bucket) }.match_full().bits();
        node.pending &= full.rotate_right(rotation);
        // SAFETY: the table is the map's current one (the caller's contract).
        let head = unsafe { &*node.table }.bucket(node.index);
        // SAFETY: as above, `head` is live.
        let alone = bucket == head && unsafe { Bucket::next(head) }.is_null();
        // SAFETY: the bucket is a live bucket of the current table; a lone primary bucket is a
        // whole chain, otherwise `head` heads its chain.
        let mut batch = unsafe { Batch::one(map, bucket, if alone { None } else { Some(head) }) };
        let mut left = budget;
        let mut visited = 0;
        // The only branch on the loop's data is its exit: each answer goes into `doomed` by a
        // shift. `pending` is updated before each call, so a panic leaves the walk after the
        // entries already answered.
        while node.pending != 0 && left != 0 {
            let lane = node.pending.trailing_zeros() as usize / 8;
            let slot = (lane + offset) & (BUCKET_CNT - 1);
            node.pending &= node.pending - 1;
            left -= 1;
            visited += 1;
            // SAFETY: the cell is full (checked above, and only the predicate ran since, which
            // cannot reach the map); the references end with the call.
            let kept = unsafe {
                keep(
                    &*Bucket::key(bucket, slot),
                    &mut *Bucket::value(bucket, slot),
                )
            };
            batch.doomed |= u64::from(!kept) << slot;
        }
        // SAFETY: `doomed` holds full cells of the bucket, decided just now.
        let doomed = unsafe { batch.apply() };
        drop(batch);
        let mut buckets = [core::ptr::null_mut(); BATCH];
        buckets[0] = bucket;
        // SAFETY: `apply` released these cells to us; each is dropped once.
        unsafe { drop_cells(&buckets, doomed) };
        (visited, doomed != 0)
    }

    #[inline]
    fn check_map(&self, id: u64) {
        if id != self.map_id {
            wrong_map(self.map_id, id);
        }
    }
}

/// Progress of `Cursor::retain_run`: when dropped (at the end, or while a panic unwinds), puts
/// the cursor on the bucket of `cell` with the cells of `remaining` in that bucket pending.
struct Run<'c, K, V> {
    cursor: &'c mut Cursor<K, V>,
    /// Index of the run's first bucket.
    first: usize,
    /// The last cell handed to the predicate (bit `8 * j + lane`).
    cell: usize,
    /// Cells not handed to the predicate yet, same bits.
    remaining: u64,
}

impl<K, V> Drop for Run<'_, K, V> {
    fn drop(&mut self) {
        let j = self.cell / BUCKET_CNT;
        let c = &mut *self.cursor;
        c.pos.done += j as u64;
        c.pos.frac = 0;
        c.node.index = self.first + j;
        // SAFETY: the node's table is pinned; `first + j` is one of the run's buckets.
        c.node.bucket = unsafe { &*c.node.table }.bucket(self.first + j);
        c.node.depth = 0;
        c.node.pending = BitMask::from_byte((self.remaining >> (BUCKET_CNT * j)) as u8).bits();
        c.node.loaded = true;
    }
}

/// A run from `first`: the full cells of the buckets from `first` on up to, not including,
/// the first with an overflow bucket (at most 8), each byte rotated right by `offset` lanes
/// (bit `8 * j + lane` for slot `(lane + offset) % 8` of bucket `j`), and how many buckets that
/// is; `None` if `first` itself has overflow.
///
/// # Safety
/// - `first` and the 7 buckets after it are live buckets of one table, not being written.
#[inline(always)]
unsafe fn run_cells<K, V>(first: *mut Bucket<K, V>, offset: usize) -> Option<(u64, usize)> {
    let mut words = [0u64; BATCH];
    // Bit `j` set iff bucket `j` has overflow, with no branch per bucket.
    let mut chained = 0u32;
    for (j, w) in words.iter_mut().enumerate() {
        // SAFETY: bucket `j < 8` of the run is live (the caller's contract).
        unsafe {
            let b = first.add(j);
            *w = Bucket::group(b).word();
            chained |= u32::from(!Bucket::next(b).is_null()) << j;
        }
    }
    let len = (chained | 1 << BATCH).trailing_zeros() as usize;
    (len > 0).then(|| {
        let cells = rotate_bytes_right(full_cells8(words), offset as u32);
        (cells & u64::MAX >> (64 - 8 * len), len)
    })
}

/// Moves the entry out of slot `slot` of `b` and settles the bucket, in one store of its tophash
/// word and with no branch on the cells: the slot becomes `emptyOne`, and every lane above the
/// highest remaining entry `emptyRest` (Go's backward walk of `mapdelete`, for a bucket that is
/// a whole chain). Returns the entry and how many `emptyOne` cells became `emptyRest`.
///
/// # Safety
/// - `b` is a live bucket of a table the caller's `&mut` map owns, with no overflow bucket and
///   no evacuation mark, and slot `slot < 8` is full.
#[inline(always)]
unsafe fn take_from_lone<K, V>(b: *mut Bucket<K, V>, slot: usize) -> ((K, V), usize) {
    // SAFETY: the caller guarantees `b` is live, exclusively ours, and slot `slot` is full: its
    // key and value are initialised, and the store below marks them moved out.
    unsafe {
        debug_assert!(Bucket::top(b, slot).is_full() && Bucket::next(b).is_null());
        let entry = (
            core::ptr::read(Bucket::key(b, slot)),
            core::ptr::read(Bucket::value(b, slot)),
        );
        let shift = 8 * slot as u32;
        let word = Bucket::group(b).word() & !(0xff << shift)
            | u64::from(TopHash::EMPTY_ONE.get()) << shift;
        // Lanes holding an entry (no marks outside a grow's old table): keep every byte up to
        // the highest of them; the bytes above are `emptyOne` (1) or `emptyRest` (0).
        let live = Group::from_word(word).match_empty().invert().bits();
        let keep =
            u64::MAX.wrapping_shr(live.leading_zeros()) & 0u64.wrapping_sub(u64::from(live != 0));
        // Each byte above is 0 or 1: their sum counts the `emptyOne` cells settled (a multiply,
        // where `count_ones` is a dozen instructions without `popcnt` in the baseline target).
        let settled = ((word & !keep).wrapping_mul(0x0101_0101_0101_0101) >> 56) as usize;
        Bucket::set_group(b, word & keep);
        (entry, settled)
    }
}

#[cold]
#[inline(never)]
fn wrong_map(cursor_map: u64, given: u64) -> ! {
    panic!(
        "evacmap::Cursor used with a map it was not made from (cursor of map #{cursor_map}, given map \
         #{given}); call cursor() on the map you want to walk"
    )
}

/// Number of cells marked `mark` in the chain of bucket `index` before chain position `upto`.
///
/// # Safety
/// - `table` is live and not being written.
unsafe fn count_marks<K, V>(
    table: &Table<K, V>,
    index: usize,
    upto: usize,
    mark: TopHash,
) -> usize {
    let mut count = 0;
    let mut b = table.bucket(index);
    let mut base = 0;
    while !b.is_null() && base < upto {
        // SAFETY: `b` is a live bucket of the chain.
        unsafe {
            count += Bucket::group(b)
                .match_byte(mark)
                .below((upto - base).min(BUCKET_CNT))
                .count();
            b = Bucket::next(b);
        }
        base += BUCKET_CNT;
    }
    count
}

/// Follows the evacuation mark at chain position `position` of bucket `index` to the cell that
/// holds that entry now, through as many grows as happened; `None` if the entry is gone.
///
/// # Safety
/// - `table` is kept alive by the caller and no table is being written (`&EvacMap` is held).
unsafe fn forward<K, V>(
    mut table: &Table<K, V>,
    mut index: usize,
    mut position: usize,
    mut mark: TopHash,
) -> Option<Yielded<K, V>> {
    loop {
        // SAFETY: no writer per the contract; each successor is kept alive by its predecessor.
        let successor = unsafe { table.successor() }?;
        // SAFETY: as above.
        let (dest, rank) = unsafe {
            match successor.kind {
                GrowKind::Doubling => {
                    let dest = if mark == TopHash::EVACUATED_Y {
                        index + table.len()
                    } else {
                        index
                    };
                    (dest, count_marks(table, index, position, mark))
                }
                GrowKind::SameSize => (
                    index,
                    count_marks(table, index, position, TopHash::EVACUATED_X),
                ),
                GrowKind::Halving => {
                    let half = table.len() / 2;
                    let before = count_marks(table, index, position, TopHash::EVACUATED_X);
                    if index < half {
                        (index, before)
                    } else {
                        let first =
                            count_marks(table, index - half, usize::MAX, TopHash::EVACUATED_X);
                        (index - half, first + before)
                    }
                }
            }
        };
        let next = &*successor.table;
        // SAFETY: `next` is live (held by `successor`); the rank names a cell that evacuation filled.
        // SAFETY: as above.
        let (bucket, slot) = unsafe {
            (
                Bucket::nth(next.bucket(dest), rank / BUCKET_CNT),
                rank % BUCKET_CNT,
            )
        };
        if bucket.is_null() {
            debug_assert!(false, "an evacuation destination is shorter than its rank");
            return None;
        }
        // SAFETY: `bucket` is live.
        let top = unsafe { Bucket::top(bucket, slot) };
        if top.is_full() {
            return Some(Yielded {
                table: next,
                index: dest,
                bucket,
                slot,
                writes: 0,
            });
        }
        if top != TopHash::EVACUATED_X && top != TopHash::EVACUATED_Y {
            return None;
        }
        table = next;
        index = dest;
        position = rank;
        mark = top;
    }
}

impl<K, V> fmt::Debug for Cursor<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cursor")
            .field("map_id", &self.map_id)
            .field("b", &self.pos.b_log)
            .field("start_bucket", &self.pos.start)
            .field("offset", &self.pos.offset)
            .field(
                "buckets_done",
                &if self.in_run {
                    self.run.done + self.run_bucket() as u64
                } else {
                    self.pos.done
                },
            )
            .field("frac", &format_args!("{:#018x}", self.pos.frac))
            .field("in_chain", &self.in_node)
            .field("forwarded", &self.forwarded)
            .field("finished", &self.finished)
            .finish()
    }
}
