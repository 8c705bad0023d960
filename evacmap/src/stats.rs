//! Instrumentation: O(1) counters, O(n) probe statistics, a view of every cell, and a full
//! invariant check.

use core::hash::{BuildHasher, Hash};
use core::mem::size_of;

use crate::bucket::{Bucket, BUCKET_CNT};
use crate::grow::GrowKind;
use crate::map::{evacuated, EvacMap};
use crate::table::Table;
use crate::tophash::TopHash;

/// The map's state in O(1): Go's `hmap` header plus counters Go does not keep.
#[derive(Clone, Debug, PartialEq)]
pub struct Stats {
    /// Live entries (Go's `count`).
    pub len: usize,
    /// log2 of the current bucket count (Go's `B`); changes as soon as a grow starts.
    pub b: u8,
    /// `2^b`.
    pub buckets: usize,
    /// Overflow buckets in use, exact, in the current table plus the old one while growing.
    pub overflow_buckets: usize,
    /// Go's `noverflow`: the approximate count that triggers same-size grows (sampled for B >= 16).
    pub noverflow: u16,
    /// A grow (doubling, same-size or halving) is in progress.
    pub growing: bool,
    /// Which grow is in progress.
    pub grow_kind: Option<GrowKind>,
    /// Doubling grows started so far.
    pub grows: u64,
    /// Same-size grows started so far.
    pub same_size_grows: u64,
    /// Halvings started so far.
    pub shrinks: u64,
    /// Heap bytes of the tables the map holds (primary arrays and overflow arenas).
    pub heap_bytes: usize,
    /// `emptyOne` cells (tombstones) in the tables the map holds.
    pub tombstones: usize,
    /// Progress of the current grow: Go's `nevacuate` (every unit below it is evacuated).
    pub evacuated: usize,
    /// Units of the current grow (old buckets; new buckets when halving); 0 when not growing.
    pub evacuation_units: usize,
    /// Units evacuated over the map's life (reads never add to it).
    pub evacuations: u64,
    /// Times the map was cleared or drained.
    pub clears: u64,
    /// The current hash seed (Go's `hash0`).
    pub seed: u64,
}

/// Chain statistics of the map as it is, in the terms of Go's load-factor table
/// (`runtime/map.go`): computed by walking every chain, O(n).
///
/// While a grow is in progress, the chains counted are those lookups read: old chains not yet
/// evacuated and current chains whose source was evacuated.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ProbeStats {
    /// Mean over present keys of the live entries examined in chain order up to and including
    /// the key (Go's `hitprobe`).
    pub hit_probe: f64,
    /// Mean over buckets of the live entries in the bucket's chain (Go's `missprobe`).
    pub miss_probe: f64,
    /// Fraction of buckets that have an overflow bucket (Go's `%overflow` / 100).
    pub overflow_fraction: f64,
    /// Bucket memory (primary and overflow buckets in use) per entry, minus the key and value
    /// size (Go's `bytes/entry`).
    pub bytes_per_entry: f64,
}

/// Every cell of one table, for tests and teaching: `chains[i]` is the chain of bucket `i`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableView {
    /// log2 of the bucket count.
    pub b: u8,
    /// Per primary bucket, the tophash bytes of each bucket of its chain.
    pub chains: Vec<Vec<[TopHash; BUCKET_CNT]>>,
}

/// Every cell of the map: the current table and, while growing, the old one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapView {
    /// The current table (`None` before the first insert).
    pub current: Option<TableView>,
    /// The old table while a grow is in progress.
    pub old: Option<TableView>,
    /// The kind of the grow in progress.
    pub grow_kind: Option<GrowKind>,
}

fn view_table<K, V>(table: &Table<K, V>) -> TableView {
    let chains = (0..table.len())
        .map(|i| {
            let mut chain = Vec::new();
            let mut b = table.bucket(i);
            while !b.is_null() {
                // SAFETY: `b` is a live bucket; callers hold `&EvacMap`, so no writer.
                unsafe {
                    chain.push((*b).tophash);
                    b = Bucket::next(b);
                }
            }
            chain
        })
        .collect();
    TableView {
        b: table.b(),
        chains,
    }
}

impl<K, V, S> EvacMap<K, V, S> {
    /// The counters, in O(1).
    pub fn stats(&self) -> Stats {
        let c = &self.counters;
        let tables = self.grow.iter().map(|g| &g.old).chain(self.cur.iter());
        // SAFETY: `&self` excludes writers to the arenas.
        let heap_bytes = tables.map(|t| unsafe { t.heap_bytes() }).sum();
        Stats {
            len: self.count,
            b: self.b,
            buckets: 1usize << self.b,
            overflow_buckets: c.overflow_cur + c.overflow_old,
            noverflow: c.noverflow,
            growing: self.grow.is_some(),
            grow_kind: self.grow.as_ref().map(|g| g.kind),
            grows: c.grows,
            same_size_grows: c.same_size_grows,
            shrinks: c.shrinks,
            heap_bytes,
            tombstones: c.tombstones_cur + c.tombstones_old,
            evacuated: self.grow.as_ref().map_or(0, |g| g.nevacuate),
            evacuation_units: self.grow.as_ref().map_or(0, |g| g.units),
            evacuations: c.evacuations,
            clears: self.clears,
            seed: self.seed,
        }
    }

    /// Every cell's tophash, per chain (O(n)).
    pub fn view(&self) -> MapView {
        MapView {
            current: self.cur.as_deref().map(view_table),
            old: self.grow.as_ref().map(|g| view_table(&g.old)),
            grow_kind: self.grow.as_ref().map(|g| g.kind),
        }
    }

    /// The chains lookups read now (see [`ProbeStats`]).
    fn live_chains(&self) -> Vec<*mut Bucket<K, V>> {
        let mut heads = Vec::new();
        let Some(cur) = self.cur.as_deref() else {
            return heads;
        };
        match &self.grow {
            None => heads.extend((0..cur.len()).map(|i| cur.bucket(i))),
            Some(grow) => {
                for i in 0..grow.old.len() {
                    let head = grow.old.bucket(i);
                    // SAFETY: live bucket, `&self` excludes writers.
                    if !unsafe { evacuated(head) } {
                        heads.push(head);
                    }
                }
                for i in 0..cur.len() {
                    let source = grow.old.bucket(i & grow.old.mask() as usize);
                    // SAFETY: as above.
                    if unsafe { evacuated(source) } {
                        heads.push(cur.bucket(i));
                    }
                }
            }
        }
        heads
    }

    /// Go's load-factor table columns, measured on this map (O(n)).
    pub fn probe_stats(&self) -> ProbeStats {
        let heads = self.live_chains();
        let (mut entries, mut hit_sum, mut with_overflow, mut buckets_in_use) =
            (0usize, 0usize, 0usize, 0usize);
        for &head in &heads {
            let mut live = 0usize;
            let mut b = head;
            // SAFETY: live chains of tables the map owns; `&self` excludes writers.
            unsafe {
                if !Bucket::next(head).is_null() {
                    with_overflow += 1;
                }
                while !b.is_null() {
                    live += Bucket::group(b).match_full().count();
                    buckets_in_use += 1;
                    b = Bucket::next(b);
                }
            }
            entries += live;
            hit_sum += live * (live + 1) / 2;
        }
        let chains = heads.len().max(1) as f64;
        let per_entry = |x: f64| {
            if entries == 0 {
                0.0
            } else {
                x / entries as f64
            }
        };
        ProbeStats {
            hit_probe: per_entry(hit_sum as f64),
            miss_probe: entries as f64 / chains,
            overflow_fraction: with_overflow as f64 / chains,
            bytes_per_entry: per_entry((buckets_in_use * size_of::<Bucket<K, V>>()) as f64)
                - if entries == 0 {
                    0.0
                } else {
                    (size_of::<K>() + size_of::<V>()) as f64
                },
        }
    }
}

impl<K, V, S> EvacMap<K, V, S>
where
    K: Hash + Eq,
    S: BuildHasher,
{
    /// Checks every structural invariant (O(n)); `Err` describes the first violation. Used by the
    /// model tests after every operation.
    ///
    /// Checked: each live key sits in the bucket its hash selects (old table: unevacuated
    /// buckets; current: buckets whose source is evacuated) with its tophash, and is found by
    /// `get`; no key appears twice; `len` and the tombstone and overflow counters match the
    /// cells; live chains read `[full|emptyOne]* emptyRest*` with no `emptyOne` last (Go's
    /// `MapTombstoneCheck`); evacuated old chains hold only evacuation marks, and current buckets
    /// whose source is not evacuated are empty.
    pub fn check_invariants(&self) -> Result<(), String> {
        if !self.probe_is_synced() {
            return Err("the lookup probe does not match the current table and grow".into());
        }
        let mut seen = 0usize;
        let mut tombstones = 0usize;
        let mut overflow = 0usize;
        let tables = self
            .grow
            .iter()
            .map(|g| (&*g.old, true))
            .chain(self.cur.as_deref().map(|t| (t, false)));
        for (table, is_old) in tables {
            for i in 0..table.len() {
                let head = table.bucket(i);
                // SAFETY: live buckets of tables the map owns; `&self` excludes writers.
                let (marked, source_evacuated) = unsafe {
                    let marked = evacuated(head);
                    let source_evacuated = match &self.grow {
                        Some(g) if !is_old => {
                            let source = match g.kind {
                                GrowKind::Halving => i,
                                _ => i & g.old.mask() as usize,
                            };
                            evacuated(g.old.bucket(source))
                        }
                        _ => true,
                    };
                    (marked, source_evacuated)
                };
                let mut b = head;
                let mut depth = 0;
                let mut rest = false;
                let mut last_was_one = false;
                while !b.is_null() {
                    if depth > 0 {
                        overflow += 1;
                    }
                    for slot in 0..BUCKET_CNT {
                        // SAFETY: as above.
                        let top = unsafe { Bucket::top(b, slot) };
                        let place = format!(
                            "{} bucket {i} depth {depth} slot {slot}",
                            if is_old { "old" } else { "current" }
                        );
                        if is_old && marked {
                            if !top.is_evacuated() {
                                return Err(format!("{place}: {top:?} in an evacuated chain"));
                            }
                            continue;
                        }
                        if top.is_evacuated() {
                            return Err(format!("{place}: mark {top:?} in a live chain"));
                        }
                        if !source_evacuated && top != TopHash::EMPTY_REST {
                            return Err(format!(
                                "{place}: {top:?} in a bucket whose source is not evacuated"
                            ));
                        }
                        if rest && top != TopHash::EMPTY_REST {
                            return Err(format!("{place}: {top:?} after emptyRest"));
                        }
                        rest |= top == TopHash::EMPTY_REST;
                        if top == TopHash::EMPTY_ONE {
                            tombstones += 1;
                        }
                        if !top.is_empty() {
                            last_was_one = false;
                        } else if top == TopHash::EMPTY_ONE {
                            last_was_one = true;
                        }
                        if top.is_full() {
                            seen += 1;
                            // SAFETY: full cell.
                            let key = unsafe { &*Bucket::key(b, slot) };
                            let hash = self.hash(key);
                            if (hash & table.mask()) as usize != i {
                                return Err(format!(
                                    "{place}: key hashes to bucket {}",
                                    hash & table.mask()
                                ));
                            }
                            if TopHash::for_hash(hash) != top {
                                return Err(format!(
                                    "{place}: tophash {top:?} != {:?}",
                                    TopHash::for_hash(hash)
                                ));
                            }
                            if !self
                                .get_key_value(key)
                                .is_some_and(|(k, _)| core::ptr::eq(k, key))
                            {
                                return Err(format!(
                                    "{place}: `get` finds another cell (a duplicate key) or none"
                                ));
                            }
                        }
                    }
                    // SAFETY: as above.
                    b = unsafe { Bucket::next(b) };
                    depth += 1;
                }
                if last_was_one && !(is_old && marked) {
                    return Err(format!(
                        "bucket {i}: chain ends in emptyOne (should be emptyRest)"
                    ));
                }
            }
        }
        let c = &self.counters;
        if seen != self.count {
            return Err(format!("len {} but {seen} full cells", self.count));
        }
        if tombstones != c.tombstones_cur + c.tombstones_old {
            return Err(format!(
                "{tombstones} emptyOne cells but counters say {}",
                c.tombstones_cur + c.tombstones_old
            ));
        }
        if overflow != c.overflow_cur + c.overflow_old {
            return Err(format!(
                "{overflow} overflow buckets but counters say {}",
                c.overflow_cur + c.overflow_old
            ));
        }
        Ok(())
    }
}
