//! `Clone` for `EvacMap`: a structural copy of the tables as they are.
//!
//! The clone has the same seed (Go's `hash0`), the same B, the same cells in the same slots
//! (tombstones and `emptyRest` included), overflow buckets in the same chain positions and, while
//! growing, the same grow at the same evacuation mark. So nothing is rehashed, the clone's
//! statistics, probe lengths and later growth are the original's, and it is a different map
//! only in identity (its own cursors; cursors of the original panic on it, rule 9).

use core::marker::PhantomData;
use std::sync::Arc;

use crate::bucket::{Bucket, BUCKET_CNT};
use crate::grow::Growth;
use crate::map::{new_map_id, EvacMap, Probe};
use crate::table::{Successor, Table};

/// Copies every chain of `src` into `dst`, a fresh table of the same B: each tophash byte as it
/// is, each full cell's entry cloned, an overflow bucket of `dst`'s arena wherever `src` has
/// one. `count` is increased as each entry is in place, so a map whose `count` it is can drop
/// exactly the entries cloned so far if a clone panics.
///
/// # Safety
/// - `src` is live and not written during the call; its full cells hold initialised entries.
/// - `dst` is empty (as `Table::new` makes it), has `src`'s B, and only the caller reaches it.
unsafe fn copy_chains<K: Clone, V: Clone>(src: &Table<K, V>, dst: &Table<K, V>, count: &mut usize) {
    debug_assert_eq!(src.b(), dst.b());
    for i in 0..src.len() {
        let (mut s, mut d) = (src.bucket(i), dst.bucket(i));
        loop {
            for slot in 0..BUCKET_CNT {
                // SAFETY: `s` is a live bucket of `src`, `d` the bucket in the same chain position
                // of `dst`, which holds no entry in `slot` yet (`dst` started empty and each slot
                // is written once); a full cell of `s` holds an initialised entry.
                unsafe {
                    let top = Bucket::top(s, slot);
                    if top.is_full() {
                        let key = (*Bucket::key(s, slot)).clone();
                        let value = (*Bucket::value(s, slot)).clone();
                        Bucket::put(d, slot, top, key, value);
                        *count += 1;
                    } else {
                        Bucket::set_top(d, slot, top);
                    }
                }
            }
            // SAFETY: `s` is live.
            let next = unsafe { Bucket::next(s) };
            if next.is_null() {
                break;
            }
            // SAFETY: only the caller reaches `dst` (contract), so its arena is not shared; `d`
            // is a live bucket of `dst` whose overflow link is null (a fresh bucket).
            unsafe {
                let fresh = dst.new_overflow();
                (*d).overflow = fresh;
                d = fresh;
            }
            s = next;
        }
    }
}

/// A structural copy: same seed, same B, the same cells in the same slots (tombstones and
/// overflow chains included) and, while growing, the same grow at the same evacuation mark, so
/// nothing is rehashed and the clone's layout, statistics and later growth are the original's.
/// The clone has its own identity (cursors of the original panic on it, and the clone's cursors
/// on the original); its counters (grows, clears, ...) start from the original's, and its random
/// draws continue from the original's state (the same sequence under
/// [`Config::seed`](crate::Config::seed)).
///
/// If cloning a key or value panics, the entries cloned so far are dropped and the original is
/// untouched.
impl<K, V, S> Clone for EvacMap<K, V, S>
where
    K: Clone,
    V: Clone,
    S: Clone,
{
    fn clone(&self) -> Self {
        let mut clone = EvacMap {
            hash_builder: self.hash_builder.clone(),
            config: self.config,
            id: new_map_id(),
            clears: self.clears,
            writes: self.writes,
            seed: self.seed,
            count: 0,
            b: self.b,
            cur: self.cur.as_ref().map(|t| Table::new(t.b())),
            grow: None,
            probe: Probe::general(),
            counters: self.counters.clone(),
            marker: PhantomData,
        };
        if let (Some(g), Some(cur)) = (&self.grow, &clone.cur) {
            let old = Table::new(g.old.b());
            let successor = Successor {
                table: Arc::clone(cur),
                kind: g.kind,
            };
            // SAFETY: `old` is fresh and only reached from here.
            unsafe { old.set_successor(Some(successor)) };
            clone.grow = Some(Growth {
                old,
                kind: g.kind,
                nevacuate: g.nevacuate,
                units: g.units,
            });
        }
        // The clone's tables exist before any entry is cloned and its `count` follows the copy,
        // so if a `clone` panics, dropping `clone` drops exactly the entries copied so far.
        let pairs = [
            (
                self.grow.as_ref().map(|g| &g.old),
                clone.grow.as_ref().map(|g| Arc::clone(&g.old)),
            ),
            (self.cur.as_ref(), clone.cur.clone()),
        ];
        for (src, dst) in pairs {
            if let (Some(src), Some(dst)) = (src, dst) {
                // SAFETY: `&self` excludes writers to `src`, whose full cells are initialised;
                // `dst` was made above with `src`'s B, is empty, and is reached only through
                // `clone`, which nothing else can see yet.
                unsafe { copy_chains(src, &dst, &mut clone.count) };
            }
        }
        debug_assert_eq!(clone.count, self.count);
        clone.sync_probe();
        clone
    }
}
