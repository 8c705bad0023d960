//! Helpers shared by the evacmap integration tests: the test-scale knob, a deterministic RNG,
//! hashers (SipHash, weak and constant), and a model harness that runs an `EvacMap` side by
//! side with std's `HashMap` while checking live cursors against the `Cursor` contract.
#![allow(dead_code)]

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hasher};

use evacmap::{Config, Cursor, EvacMap};

/// The test-scale knob: `EVACMAP_TEST_SCALE` (default 1.0). Valgrind runs use a small value.
pub(crate) fn scale() -> f64 {
    std::env::var("EVACMAP_TEST_SCALE")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .unwrap_or(1.0)
}

/// `n` scaled by [`scale`], at least 1.
pub(crate) fn scaled(n: usize) -> usize {
    ((n as f64 * scale()).round() as usize).max(1)
}

/// `n` scaled by [`scale`] but never below `min`.
pub(crate) fn scaled_min(n: usize, min: usize) -> usize {
    scaled(n).max(min)
}

/// Proptest case count: `PROPTEST_CASES` if set, else `base` scaled.
pub(crate) fn proptest_cases(base: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse::<u32>().ok())
        .unwrap_or_else(|| scaled(base as usize) as u32)
        .max(1)
}

/// SplitMix64: a small deterministic RNG for reproducible tests.
#[derive(Clone, Debug)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x853c_49e6_748f_ea9b)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// True with probability `1/n`.
    pub(crate) fn one_in(&mut self, n: u64) -> bool {
        self.below(n) == 0
    }
}

/// The hashers the tests use, as one type so a harness can hold any of them.
#[derive(Clone, Debug)]
pub(crate) enum TestHasher {
    /// std's SipHash with fixed keys (the map still mixes in its random seed).
    Sip,
    /// A weak hasher: the key's FNV hash modulo `m`, so at most `m` chains are ever used and
    /// chains get long (overflow buckets, same-size grows).
    Weak(u64),
    /// Every key hashes to the same value: one chain holds everything.
    Const,
}

/// Hasher state of [`TestHasher`].
#[derive(Clone, Debug)]
pub(crate) enum TestHasherState {
    Sip(DefaultHasher),
    Weak { acc: u64, m: u64 },
    Const,
}

impl BuildHasher for TestHasher {
    type Hasher = TestHasherState;

    fn build_hasher(&self) -> TestHasherState {
        match *self {
            TestHasher::Sip => TestHasherState::Sip(DefaultHasher::new()),
            TestHasher::Weak(m) => TestHasherState::Weak {
                acc: 0xcbf2_9ce4_8422_2325,
                m,
            },
            TestHasher::Const => TestHasherState::Const,
        }
    }
}

impl Hasher for TestHasherState {
    fn write(&mut self, bytes: &[u8]) {
        match self {
            TestHasherState::Sip(h) => h.write(bytes),
            TestHasherState::Weak { acc, .. } => {
                for &b in bytes {
                    *acc = (*acc ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
                }
            }
            TestHasherState::Const => {}
        }
    }

    fn finish(&self) -> u64 {
        match self {
            TestHasherState::Sip(h) => h.finish(),
            TestHasherState::Weak { acc, m } => acc % m,
            TestHasherState::Const => 0x1234_5678,
        }
    }
}

/// The map type the harness drives.
pub(crate) type TestMap = EvacMap<u64, u64, TestHasher>;

/// A map with the given hasher and config.
pub(crate) fn test_map(hasher: TestHasher, config: Config) -> TestMap {
    EvacMap::with_config_and_hasher(config, hasher)
}

/// Go's config plus the recommended shrink threshold (a quarter of the load factor).
pub(crate) fn shrinking_config() -> Config {
    Config::default()
        .with_shrink_below(Config::recommended_shrink_below(6.5))
        .expect("valid")
}

/// One live cursor and what the contract says about it.
pub(crate) struct TrackedCursor {
    pub(crate) cursor: Cursor<u64, u64>,
    /// Entries (key -> generation) present when the cursor was made.
    pub(crate) initial: HashMap<u64, u64>,
    /// Entries yielded, as (key, generation).
    pub(crate) yielded: HashSet<(u64, u64)>,
    /// Keys yielded, in order.
    pub(crate) order: Vec<u64>,
    /// Keys yielded.
    pub(crate) yielded_keys: HashSet<u64>,
    /// The harness's clear count when the cursor was made.
    pub(crate) clears_at_creation: u64,
    /// `next` returned `None` (and the end-of-walk check ran).
    pub(crate) finished: bool,
    /// Entries present from creation to the end and never removed (set when finished).
    pub(crate) survivors: usize,
    /// Initial entries removed before the cursor reached them.
    pub(crate) removed_ahead: HashSet<u64>,
}

/// An `EvacMap` and a std `HashMap` model driven together. Every entry gets a generation number
/// when it is inserted as a new key, so "the same entry" survives updates but not
/// removal-and-reinsertion. Each cursor step is checked against rules 1-4, 6 and 7 of the
/// `Cursor` contract; the end-of-walk check (exactly once) runs when a cursor returns `None`.
pub(crate) struct Harness {
    pub(crate) map: TestMap,
    pub(crate) model: HashMap<u64, u64>,
    gens: HashMap<u64, u64>,
    next_gen: u64,
    /// Clears and drains so far.
    pub(crate) clears: u64,
    pub(crate) cursors: Vec<TrackedCursor>,
    /// Fresh keys come from here (above any key a test picks itself).
    pub(crate) next_fresh: u64,
    /// Check `check_invariants` and the whole model after every operation (else only on `check`).
    pub(crate) check_every_op: bool,
}

impl Harness {
    pub(crate) fn new(map: TestMap) -> Harness {
        assert!(map.is_empty(), "the harness starts from an empty map");
        Harness {
            map,
            model: HashMap::new(),
            gens: HashMap::new(),
            next_gen: 0,
            clears: 0,
            cursors: Vec::new(),
            next_fresh: 1 << 40,
            check_every_op: true,
        }
    }

    pub(crate) fn with(hasher: TestHasher, config: Config) -> Harness {
        Harness::new(test_map(hasher, config))
    }

    fn after_op(&mut self) {
        if self.check_every_op {
            self.check();
        }
    }

    /// `check_invariants`, len, and `get` of every model key plus some absent keys.
    pub(crate) fn check(&self) {
        if let Err(e) = self.map.check_invariants() {
            panic!(
                "check_invariants failed: {e}\nstats: {:?}",
                self.map.stats()
            );
        }
        assert_eq!(
            self.map.len(),
            self.model.len(),
            "len differs from the model"
        );
        assert_eq!(self.map.is_empty(), self.model.is_empty());
        for (k, v) in &self.model {
            assert_eq!(self.map.get(k), Some(v), "get({k}) differs from the model");
            assert_eq!(&self.map[k], v, "map[{k}] differs from the model");
        }
        for k in [u64::MAX, u64::MAX - 1, 1 << 62] {
            assert_eq!(
                self.map.get(&k),
                self.model.get(&k),
                "get({k}) differs from the model"
            );
        }
    }

    /// A key never used before.
    pub(crate) fn fresh_key(&mut self) -> u64 {
        self.next_fresh += 1;
        self.next_fresh
    }

    pub(crate) fn insert(&mut self, k: u64, v: u64) -> Option<u64> {
        let got = self.map.insert(k, v);
        let want = self.model.insert(k, v);
        assert_eq!(got, want, "insert({k}, {v}) returned a different old value");
        if want.is_none() {
            self.next_gen += 1;
            self.gens.insert(k, self.next_gen);
        }
        self.after_op();
        got
    }

    /// Inserts a fresh key; returns it.
    pub(crate) fn insert_fresh(&mut self, v: u64) -> u64 {
        let k = self.fresh_key();
        self.insert(k, v);
        k
    }

    fn forget(&mut self, k: u64) {
        let g = self.gens.remove(&k);
        for t in &mut self.cursors {
            if !t.finished
                && g.is_some()
                && t.initial.get(&k) == g.as_ref()
                && !t.yielded_keys.contains(&k)
            {
                t.removed_ahead.insert(k);
            }
        }
    }

    pub(crate) fn remove(&mut self, k: u64) -> Option<u64> {
        let got = self.map.remove(&k);
        let want = self.model.remove(&k);
        assert_eq!(got, want, "remove({k}) returned a different value");
        if want.is_some() {
            self.forget(k);
        }
        self.after_op();
        got
    }

    pub(crate) fn get(&self, k: u64) {
        assert_eq!(self.map.get(&k), self.model.get(&k), "get({k})");
        assert_eq!(
            self.map.contains_key(&k),
            self.model.contains_key(&k),
            "contains_key({k})"
        );
        assert_eq!(
            self.map.get_key_value(&k),
            self.model.get_key_value(&k),
            "get_key_value({k})"
        );
    }

    /// Updates through `get_mut` (never evacuates).
    pub(crate) fn get_mut_set(&mut self, k: u64, v: u64) {
        match (self.map.get_mut(&k), self.model.get_mut(&k)) {
            (Some(a), Some(b)) => {
                *a = v;
                *b = v;
            }
            (None, None) => {}
            (a, b) => panic!("get_mut({k}): map {a:?}, model {b:?}"),
        }
        self.after_op();
    }

    /// Adds `d` to every value through `values_mut`.
    pub(crate) fn values_mut_add(&mut self, d: u64) {
        let mut n = 0;
        for v in self.map.values_mut() {
            *v = v.wrapping_add(d);
            n += 1;
        }
        assert_eq!(
            n,
            self.model.len(),
            "values_mut visited a different number of values"
        );
        for v in self.model.values_mut() {
            *v = v.wrapping_add(d);
        }
        self.after_op();
    }

    pub(crate) fn clear(&mut self) {
        self.map.clear();
        let keys: Vec<u64> = self.model.drain().map(|(k, _)| k).collect();
        for k in keys {
            self.forget(k);
        }
        self.clears += 1;
        self.after_op();
    }

    /// Drains, consuming `take` entries (the rest drop with the iterator).
    pub(crate) fn drain(&mut self, take: usize) {
        let mut seen = 0;
        {
            let mut d = self.map.drain();
            assert_eq!(d.len(), self.model.len(), "drain's len");
            for (k, v) in d.by_ref().take(take) {
                assert_eq!(
                    self.model.get(&k),
                    Some(&v),
                    "drain yielded ({k}, {v}), not in the model"
                );
                seen += 1;
            }
        }
        assert!(seen <= take);
        assert!(self.map.is_empty(), "map not empty after drain");
        let keys: Vec<u64> = self.model.drain().map(|(k, _)| k).collect();
        for k in keys {
            self.forget(k);
        }
        self.clears += 1;
        self.after_op();
    }

    /// `retain` keeping entries for which `keep(k, v)`; also rewrites kept values with `f`.
    pub(crate) fn retain(&mut self, keep: impl Fn(u64, u64) -> bool) {
        let mut visited = HashSet::new();
        self.map.retain(|&k, v| {
            assert!(visited.insert(k), "retain visited {k} twice");
            keep(k, *v)
        });
        assert_eq!(
            visited.len(),
            self.model.len(),
            "retain visited a different number of entries"
        );
        let gone: Vec<u64> = self
            .model
            .iter()
            .filter(|(&k, &v)| !keep(k, v))
            .map(|(&k, _)| k)
            .collect();
        for k in gone {
            self.model.remove(&k);
            self.forget(k);
        }
        self.after_op();
    }

    /// `extract_if(pred)`, consuming at most `take` extracted entries before dropping it.
    pub(crate) fn extract_if(&mut self, pred: impl Fn(u64, u64) -> bool, take: usize) {
        let extracted: Vec<(u64, u64)> = self
            .map
            .extract_if(|&k, v| pred(k, *v))
            .take(take)
            .collect();
        assert!(extracted.len() <= take);
        for (k, v) in extracted {
            assert!(
                pred(k, v),
                "extract_if yielded ({k}, {v}) that fails the predicate"
            );
            assert_eq!(
                self.model.remove(&k),
                Some(v),
                "extract_if yielded ({k}, {v}) not in the model"
            );
            self.forget(k);
        }
        if take == usize::MAX {
            assert!(
                self.model.iter().all(|(&k, &v)| !pred(k, v)),
                "extract_if ran out early"
            );
        }
        self.after_op();
    }

    /// Through the entry API, mirrored with std's: with `remove`, `OccupiedEntry::remove` (or
    /// `remove_entry`, or `VacantEntry::into_key`); otherwise, chosen by `d % 6`, `and_modify` +
    /// `or_insert`, `or_insert_with`, `or_insert_with_key`, `or_default` then an add,
    /// `OccupiedEntry::insert`/`get_mut` or `VacantEntry::insert`, and `into_mut`.
    pub(crate) fn entry_op(&mut self, k: u64, d: u64, remove: bool) {
        use evacmap::Entry;
        use std::collections::hash_map::Entry as StdEntry;
        if remove {
            let got = match self.map.entry(k) {
                Entry::Occupied(e) => {
                    assert_eq!((*e.key(), e.get()), (k, &self.model[&k]));
                    if d.is_multiple_of(2) {
                        Some(e.remove())
                    } else {
                        let (key, v) = e.remove_entry();
                        assert_eq!(key, k);
                        Some(v)
                    }
                }
                Entry::Vacant(e) => {
                    assert_eq!(*e.key(), k);
                    assert_eq!(e.into_key(), k);
                    None
                }
            };
            let want = self.model.remove(&k);
            assert_eq!(got, want, "entry({k}) remove");
            if want.is_some() {
                self.forget(k);
            }
        } else {
            let new = !self.model.contains_key(&k);
            let (got, want) = match d % 6 {
                0 => (
                    *self
                        .map
                        .entry(k)
                        .and_modify(|v| *v = v.wrapping_add(d))
                        .or_insert(d),
                    *self
                        .model
                        .entry(k)
                        .and_modify(|v| *v = v.wrapping_add(d))
                        .or_insert(d),
                ),
                1 => (
                    *self.map.entry(k).or_insert_with(|| d),
                    *self.model.entry(k).or_insert_with(|| d),
                ),
                2 => (
                    *self.map.entry(k).or_insert_with_key(|&key| key ^ d),
                    *self.model.entry(k).or_insert_with_key(|&key| key ^ d),
                ),
                3 => {
                    let got = self.map.entry(k).or_default();
                    *got = got.wrapping_add(d);
                    let got = *got;
                    let want = self.model.entry(k).or_default();
                    *want = want.wrapping_add(d);
                    (got, *want)
                }
                4 => {
                    let got = match self.map.entry(k) {
                        Entry::Occupied(mut e) => {
                            let old = e.insert(d);
                            *e.get_mut() ^= old;
                            *e.get()
                        }
                        Entry::Vacant(e) => *e.insert(d),
                    };
                    let want = match self.model.entry(k) {
                        StdEntry::Occupied(mut e) => {
                            let old = e.insert(d);
                            *e.get_mut() ^= old;
                            *e.get()
                        }
                        StdEntry::Vacant(e) => *e.insert(d),
                    };
                    (got, want)
                }
                _ => {
                    let got = match self.map.entry(k) {
                        Entry::Occupied(e) => {
                            let v = e.into_mut();
                            *v = v.wrapping_mul(3);
                            *v
                        }
                        Entry::Vacant(e) => *e.insert(d),
                    };
                    let want = match self.model.entry(k) {
                        StdEntry::Occupied(e) => {
                            let v = e.into_mut();
                            *v = v.wrapping_mul(3);
                            *v
                        }
                        StdEntry::Vacant(e) => *e.insert(d),
                    };
                    (got, want)
                }
            };
            assert_eq!(got, want, "entry({k}) mode {}", d % 6);
            if new {
                self.next_gen += 1;
                self.gens.insert(k, self.next_gen);
            }
        }
        self.after_op();
    }

    /// `reserve(n)`: afterwards `n` more entries fit without a grow.
    /// `reserve(n)`, or `try_reserve(n)` for odd `n` (which must succeed here).
    pub(crate) fn reserve(&mut self, n: usize) {
        if !n.is_multiple_of(2) {
            assert_eq!(self.map.try_reserve(n), Ok(()), "try_reserve({n})");
        } else {
            self.map.reserve(n);
        }
        assert!(self.map.capacity() >= self.map.len() + n, "reserve({n})");
        self.after_op();
    }

    /// `shrink_to(n)`: never below the entries.
    pub(crate) fn shrink_to(&mut self, n: usize) {
        self.map.shrink_to(n);
        assert!(self.map.capacity() >= self.map.len(), "shrink_to({n})");
        self.after_op();
    }

    /// `iter()` by `next`, by `fold` after `skip` steps of `next`, and `keys`/`values`: each
    /// yields every model entry exactly once.
    pub(crate) fn iterate(&self, skip: usize) {
        let by_next: Vec<(u64, u64)> = self.map.iter().map(|(&k, &v)| (k, v)).collect();
        let mut it = self.map.iter();
        let mut by_fold: Vec<(u64, u64)> = it.by_ref().take(skip).map(|(&k, &v)| (k, v)).collect();
        by_fold = it.fold(by_fold, |mut acc, (&k, &v)| {
            acc.push((k, v));
            acc
        });
        let keys: Vec<u64> = self.map.keys().copied().collect();
        let values = self.map.values().fold(0u64, |a, &v| a.wrapping_add(v));
        let want_values = self.model.values().fold(0u64, |a, &v| a.wrapping_add(v));
        for (name, entries) in [("next", &by_next), ("fold", &by_fold)] {
            assert_eq!(entries.len(), self.model.len(), "iter {name}: count");
            let set: HashMap<u64, u64> = entries.iter().copied().collect();
            assert_eq!(set, self.model, "iter {name}: entries");
        }
        assert_eq!(keys.len(), self.model.len());
        assert_eq!(values, want_values);
    }

    /// Clones the map: the clone has the same cells and stats and the model's entries (checked
    /// through `into_keys`, `into_values` and `Extend<(&K, &V)>` too); `writes`
    /// random writes to the clone (checked against a copy of the model) leave the original, its
    /// cursors and the model untouched.
    pub(crate) fn clone_check(&self, writes: usize, seed: u64) {
        let (view, stats) = (self.map.view(), self.map.stats());
        let mut c = self.map.clone();
        assert_eq!(c.view(), view, "clone: cells differ");
        assert_eq!(c.stats(), stats, "clone: stats differ");
        c.check_invariants().unwrap();
        // `into_keys`, `into_values` and `Extend<(&K, &V)>` against the model.
        let keys: HashSet<u64> = c.clone().into_keys().collect();
        assert_eq!(keys, self.model.keys().copied().collect::<HashSet<_>>());
        let mut values: Vec<u64> = c.clone().into_values().collect();
        let mut want_values: Vec<u64> = self.model.values().copied().collect();
        values.sort_unstable();
        want_values.sort_unstable();
        assert_eq!(values, want_values);
        let mut by_refs = test_map(TestHasher::Sip, Config::default());
        by_refs.extend(self.model.iter());
        by_refs.extend(&c);
        assert_eq!(by_refs.len(), self.model.len());
        assert!(self.model.iter().all(|(k, v)| by_refs.get(k) == Some(v)));
        let mut model = self.model.clone();
        let mut rng = Rng::new(seed);
        for _ in 0..writes {
            let k = if model.is_empty() || rng.one_in(3) {
                rng.next_u64() % 1024
            } else {
                *model
                    .keys()
                    .nth(rng.below(model.len() as u64) as usize)
                    .unwrap()
            };
            if rng.one_in(2) {
                assert_eq!(c.remove(&k), model.remove(&k), "clone: remove({k})");
            } else {
                let v = rng.next_u64();
                assert_eq!(c.insert(k, v), model.insert(k, v), "clone: insert({k})");
            }
        }
        c.check_invariants().unwrap();
        assert_eq!(c.len(), model.len());
        for (k, v) in &model {
            assert_eq!(c.get(k), Some(v), "clone: get({k}) differs from its model");
        }
        assert_eq!(
            self.map.view(),
            view,
            "writes to the clone changed the original"
        );
        self.check();
    }

    pub(crate) fn shrink_to_fit(&mut self) {
        self.map.shrink_to_fit();
        self.after_op();
    }

    /// `Cursor::remove_yielded` on cursor `i`, mirrored in the model.
    pub(crate) fn remove_yielded(&mut self, i: usize) -> Option<(u64, u64)> {
        let got = self.cursors[i].cursor.remove_yielded(&mut self.map);
        if let Some((k, v)) = got {
            assert_eq!(
                self.model.remove(&k),
                Some(v),
                "remove_yielded returned ({k}, {v}), not in the model"
            );
            self.forget(k);
        }
        self.after_op();
        got
    }

    /// Starts a cursor; returns its index.
    pub(crate) fn new_cursor(&mut self) -> usize {
        let cursor = self.map.cursor();
        self.cursors.push(TrackedCursor {
            cursor,
            initial: self.gens.clone(),
            yielded: HashSet::new(),
            order: Vec::new(),
            yielded_keys: HashSet::new(),
            clears_at_creation: self.clears,
            finished: false,
            survivors: 0,
            removed_ahead: HashSet::new(),
        });
        self.cursors.len() - 1
    }

    /// `Cursor::retain_next` on cursor `i` with budget `n`: every visited entry is checked as a
    /// yielded one, the removed ones leave the model; the end-of-walk check runs if the walk
    /// ended. Returns the number visited.
    pub(crate) fn cursor_retain(
        &mut self,
        i: usize,
        n: usize,
        keep: impl Fn(u64, u64) -> bool,
    ) -> usize {
        let mut seen = Vec::new();
        let visited = self.cursors[i]
            .cursor
            .retain_next(&mut self.map, n, |&k, &mut v| {
                let kept = keep(k, v);
                seen.push((k, v, kept));
                kept
            });
        assert_eq!(visited, seen.len(), "retain_next: visited count");
        assert!(visited <= n, "retain_next visited {visited} > budget {n}");
        for (k, v) in seen.iter().map(|&(k, v, _)| (k, v)) {
            self.record_yield(i, k, v);
        }
        for &(k, v, kept) in &seen {
            if !kept {
                assert_eq!(self.model.remove(&k), Some(v));
                self.forget(k);
            }
        }
        if visited < n {
            assert!(
                self.cursors[i].cursor.is_finished(),
                "retain_next visited fewer than its budget but the walk is not over"
            );
            self.end_walk(i);
        }
        self.after_op();
        visited
    }

    /// Checks an entry cursor `i` yielded (or visited) against rules 1-4 and 6-7.
    fn record_yield(&mut self, i: usize, k: u64, v: u64) {
        let t = &mut self.cursors[i];
        assert!(
            !t.finished,
            "rule 7: cursor {i} yielded ({k}, {v}) after returning None"
        );
        assert_eq!(
            t.clears_at_creation, self.clears,
            "rule 6: cursor {i} yielded ({k}, {v}) after the map was cleared"
        );
        assert_eq!(
            self.model.get(&k),
            Some(&v),
            "rule 2/4: cursor {i} yielded ({k}, {v}) but the map holds {:?}",
            self.model.get(&k)
        );
        let g = self.gens[&k];
        assert!(
            t.yielded.insert((k, g)),
            "rule 1/3: cursor {i} yielded entry {k} (generation {g}) twice"
        );
        t.order.push(k);
        t.yielded_keys.insert(k);
    }

    /// The end-of-walk check of cursor `i` (rule 1), once.
    fn end_walk(&mut self, i: usize) {
        let t = &mut self.cursors[i];
        assert!(t.cursor.is_finished(), "is_finished() false after None");
        if !t.finished {
            t.finished = true;
            let mut survivors = 0;
            for (&k, &g) in &t.initial {
                if self.gens.get(&k) == Some(&g) {
                    survivors += 1;
                    assert!(
                        t.yielded.contains(&(k, g)),
                        "rule 1: cursor {i} never yielded {k}, present from its creation to its end \
                         (yielded {} entries; stats {:?})",
                        t.yielded.len(),
                        self.map.stats()
                    );
                }
            }
            t.survivors = survivors;
        }
    }

    /// One step of cursor `i`, checked against the contract.
    pub(crate) fn step(&mut self, i: usize) -> Option<(u64, u64)> {
        let t = &mut self.cursors[i];
        let got = t.cursor.next(&self.map).map(|(&k, &v)| (k, v));
        match got {
            Some((k, v)) => {
                assert!(
                    !t.finished,
                    "rule 7: cursor {i} yielded ({k}, {v}) after returning None"
                );
                assert_eq!(
                    t.clears_at_creation, self.clears,
                    "rule 6: cursor {i} yielded ({k}, {v}) after the map was cleared"
                );
                assert_eq!(
                    self.model.get(&k),
                    Some(&v),
                    "rule 2/4: cursor {i} yielded ({k}, {v}) but the map holds {:?}",
                    self.model.get(&k)
                );
                let g = self.gens[&k];
                assert!(
                    t.yielded.insert((k, g)),
                    "rule 1/3: cursor {i} yielded entry {k} (generation {g}) twice"
                );
                t.order.push(k);
                t.yielded_keys.insert(k);
                assert!(!t.cursor.is_finished());
            }
            None => {
                assert!(t.cursor.is_finished(), "is_finished() false after None");
                if !t.finished {
                    t.finished = true;
                    let mut survivors = 0;
                    for (&k, &g) in &t.initial {
                        if self.gens.get(&k) == Some(&g) {
                            survivors += 1;
                            assert!(
                                t.yielded.contains(&(k, g)),
                                "rule 1: cursor {i} never yielded {k}, present from its creation to its end \
                                 (yielded {} entries; stats {:?})",
                                t.yielded.len(),
                                self.map.stats()
                            );
                        }
                    }
                    t.survivors = survivors;
                }
            }
        }
        got
    }

    /// Steps cursor `i` up to `n` times.
    pub(crate) fn steps(&mut self, i: usize, n: usize) {
        for _ in 0..n {
            if self.step(i).is_none() {
                break;
            }
        }
    }

    /// Runs cursor `i` to its end (bounded, so a looping cursor fails instead of hanging).
    pub(crate) fn finish(&mut self, i: usize) {
        let bound = self.model.len() + self.cursors[i].yielded.len() + 10_000_000;
        for _ in 0..bound {
            if self.step(i).is_none() {
                // Fused: a few more calls stay `None`.
                for _ in 0..3 {
                    assert!(self.step(i).is_none(), "rule 7: not fused");
                }
                return;
            }
        }
        panic!("cursor {i} did not end");
    }

    /// Runs every cursor to its end.
    pub(crate) fn finish_all(&mut self) {
        for i in 0..self.cursors.len() {
            self.finish(i);
        }
    }

    /// Removes `n` random present keys from `pool` (a set the caller maintains).
    pub(crate) fn remove_random_from(&mut self, pool: &mut Vec<u64>, n: usize, rng: &mut Rng) {
        for _ in 0..n {
            if pool.is_empty() {
                return;
            }
            let i = rng.below(pool.len() as u64) as usize;
            let k = pool.swap_remove(i);
            self.remove(k);
        }
    }
}

/// Checks Go's tombstone invariant on every live chain of a view: `[full|emptyOne]* emptyRest*`
/// with no `emptyOne` as the last non-`emptyRest` cell. Evacuated old chains are skipped.
pub(crate) fn assert_tombstone_invariant(view: &evacmap::MapView) {
    use evacmap::TopHash;
    let tables = view
        .old
        .iter()
        .map(|t| (t, true))
        .chain(view.current.iter().map(|t| (t, false)));
    for (table, is_old) in tables {
        for (i, chain) in table.chains.iter().enumerate() {
            if is_old && chain[0][0].is_evacuated() {
                continue;
            }
            let cells: Vec<TopHash> = chain.iter().flatten().copied().collect();
            let rest_from = cells
                .iter()
                .position(|&t| t == TopHash::EMPTY_REST)
                .unwrap_or(cells.len());
            assert!(
                cells[rest_from..].iter().all(|&t| t == TopHash::EMPTY_REST),
                "chain {i} (old: {is_old}): a cell after emptyRest is not emptyRest: {cells:?}"
            );
            assert!(
                cells[..rest_from]
                    .iter()
                    .all(|&t| t.is_full() || t == TopHash::EMPTY_ONE),
                "chain {i} (old: {is_old}): a mark in a live chain: {cells:?}"
            );
            if rest_from > 0 {
                assert!(
                    cells[rest_from - 1].is_full(),
                    "chain {i} (old: {is_old}): last non-emptyRest cell is emptyOne: {cells:?}"
                );
            }
        }
    }
}
