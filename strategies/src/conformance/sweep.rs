//! Property 1: a sweep on one thread is exact.
//!
//! A sweep that skips an entry leaves a doomed one behind; one that visits an entry twice
//! (after a table reorganisation, say) makes the caller act twice on it; one that removes
//! the wrong entry loses data. Here nothing runs concurrently, so there is no excuse: for every
//! size and doomed fraction, `sweep` must pass every live entry to the predicate (with its
//! current value) exactly once, remove exactly the doomed ones, count both right, and leave a
//! map whose every read operation agrees. The same holds for `sweep_interleaved` (inserts of
//! never-doomed keys between the visits) and after `shrink`. And a sweep that removes nothing
//! must not give back the room a map was built with: a service that presized its map for a
//! peak would otherwise pay for growing it again after every quiet sweep.

use std::collections::{HashMap, HashSet};

use crate::{check_word, Build, Contender, Key, Value};

use crate::conformance::checks::{self, some};
use crate::conformance::harness::{entries, Applies, Check, Ctx};
use crate::conformance::keys::{doomed, random_keys, Rng};

/// Map sizes swept: empty, one entry, under one bucket, a few buckets, many grows.
const SIZES: [usize; 5] = [0, 1, 7, 100, 5_000];
/// Doomed fractions in permille: none, about 30% (by a hash of the key), all.
const PERMILLES: [u64; 3] = [0, 300, 1000];
/// Map sizes swept with `sweep_interleaved`, and how often it inserts (every n visits).
const INTERLEAVED: [(usize, usize); 4] = [(0, 1), (7, 1), (100, 4), (1_000, 3)];
/// The capacity of the presized map, and the entries it holds when swept.
const PRESIZED: (usize, usize) = (4_096, 64);

/// Property 1 (see the module docs).
#[derive(Debug)]
pub(crate) struct SweepExact;

impl Check for SweepExact {
    const NAME: &'static str = "sweep is exact (single-threaded)";

    fn single<V: Value, C: Contender<V>>(&self, ctx: &Ctx) -> Applies {
        for (i, &size) in SIZES.iter().enumerate() {
            for (j, &permille) in PERMILLES.iter().enumerate() {
                let seed = ctx.case_seed((i * PERMILLES.len() + j) as u64);
                sweep_case::<V, C>(entries::<V, C>(size), permille, seed);
            }
        }
        for (i, &(size, every)) in INTERLEAVED.iter().enumerate() {
            let seed = ctx.case_seed(0x1e_0000 + i as u64);
            interleaved_case::<V, C>(entries::<V, C>(size), every, seed);
        }
        presized_case::<V, C>(ctx.case_seed(0x9e_0000));
        Applies::Checked
    }
}

/// One sweep of a map of `size` random keys with `permille`/1000 of them doomed.
fn sweep_case<V: Value, C: Contender<V>>(size: usize, permille: u64, seed: u64) {
    let case = format!(
        "sweep of {size} entries, {}% doomed, seed {seed:#x}",
        permille / 10
    );
    let mut rng = Rng::new(seed);
    let salt = rng.next_u64();
    // Half the capacity, so the prefill grows the map at least once.
    let mut map = C::build(&Build::with_capacity(size / 2))
        .unwrap_or_else(|e| panic!("{case}: build failed: {e}"));

    // Prefill; every fifth key is then overwritten, so values carry versions 0 to 3.
    let keys = random_keys(&mut rng, size);
    let mut expected: HashMap<Key, u64> = HashMap::with_capacity(size);
    // The first half through `bulk_load` (what the benches prefill with), the rest one by one.
    let (bulk, single) = keys.split_at(size / 2);
    let loaded = map.bulk_load(bulk.iter().map(|&k| (k, V::new(k, k % 3))));
    assert_eq!(
        loaded,
        bulk.len(),
        "{case}: bulk_load of new keys miscounted"
    );
    expected.extend(bulk.iter().map(|&k| (k, k % 3)));
    for &k in single {
        let ver = k % 3;
        assert!(
            map.insert(k, V::new(k, ver)),
            "{case}: insert of new key {k:#x} returned false"
        );
        expected.insert(k, ver);
    }
    for &k in keys.iter().step_by(5) {
        let ver = expected[&k] + 1;
        assert!(
            !map.insert(k, V::new(k, ver)),
            "{case}: overwrite of key {k:#x} returned true"
        );
        expected.insert(k, ver);
    }
    checks::contents::<V, C>(&mut map, &expected, &[], &format!("{case}, before"));

    // The sweep. `Ops::sweep` allows a second call of the predicate on an entry before
    // removing it (a re-check against concurrent writers), so doomed keys may be passed twice;
    // a kept key must be passed exactly once.
    let doomed_keys: Vec<Key> = keys
        .iter()
        .copied()
        .filter(|&k| doomed(k, salt, permille))
        .collect();
    let mut calls: HashMap<Key, usize> = HashMap::with_capacity(size);
    let mut wrong_values = Vec::new();
    let mut unknown = Vec::new();
    let sweep = map.sweep(|k, v| {
        *calls.entry(k).or_default() += 1;
        match expected.get(&k) {
            Some(&ver) if v.check() == check_word(k, ver) => {}
            Some(_) => wrong_values.push((k, v.check())),
            None => unknown.push(k),
        }
        doomed(k, salt, permille)
    });
    assert!(
        unknown.is_empty(),
        "{case}: the predicate saw keys never inserted: {}",
        some(unknown)
    );
    assert!(
        wrong_values.is_empty(),
        "{case}: the predicate saw wrong values (key, check): {}",
        some(wrong_values)
    );
    let missed: Vec<Key> = keys
        .iter()
        .copied()
        .filter(|k| !calls.contains_key(k))
        .collect();
    assert!(
        missed.is_empty(),
        "{case}: the sweep never visited live keys: {}",
        some(missed)
    );
    let repeated: Vec<(Key, usize)> = calls
        .iter()
        .filter(|&(&k, &n)| n > if doomed(k, salt, permille) { 2 } else { 1 })
        .map(|(&k, &n)| (k, n))
        .collect();
    assert!(
        repeated.is_empty(),
        "{case}: the sweep visited keys more than once (key, calls; a doomed key may be \
         re-checked once): {}",
        some(repeated)
    );
    assert_eq!(
        (sweep.visited, sweep.removed),
        (size, doomed_keys.len()),
        "{case}: Sweep {{ visited, removed }} is wrong"
    );

    for k in &doomed_keys {
        expected.remove(k);
    }
    checks::contents::<V, C>(&mut map, &expected, &doomed_keys, &format!("{case}, after"));

    // Shrinking keeps every entry, and gives memory back rather than taking more.
    let before = map.memory().heap_bytes;
    if map.shrink() {
        let after = map.memory().heap_bytes;
        assert!(
            after <= before,
            "{case}: shrink() says it gave memory back, but heap_bytes grew from {before} to \
             {after}"
        );
    }
    checks::contents::<V, C>(
        &mut map,
        &expected,
        &doomed_keys,
        &format!("{case}, after shrink"),
    );

    // A second sweep dooming nothing visits exactly the survivors, once each.
    let mut again: HashMap<Key, usize> = HashMap::with_capacity(expected.len());
    let second = map.sweep(|k, _| {
        *again.entry(k).or_default() += 1;
        false
    });
    assert_eq!(
        (second.visited, second.removed),
        (expected.len(), 0),
        "{case}: a second sweep dooming nothing reports the wrong counts"
    );
    assert!(
        again.len() == expected.len()
            && again
                .iter()
                .all(|(k, &n)| n == 1 && expected.contains_key(k)),
        "{case}: a second sweep dooming nothing does not visit exactly the survivors once each"
    );

    // The doomed keys are really gone: inserting them again inserts.
    let reinserted: Vec<Key> = doomed_keys
        .iter()
        .copied()
        .filter(|&k| !map.insert(k, V::new(k, 9)))
        .collect();
    assert!(
        reinserted.is_empty(),
        "{case}: after the sweep, insert of a removed key says it was present: {}",
        some(reinserted)
    );
    for &k in &doomed_keys {
        expected.insert(k, 9);
    }
    checks::contents::<V, C>(
        &mut map,
        &expected,
        &[],
        &format!("{case}, after reinserting the doomed keys"),
    );
}

/// One `sweep_interleaved` of a map of `size` random keys, about 30% doomed, inserting
/// `size / 2 + 3` fresh (never doomed) keys, one after every `every` visits.
fn interleaved_case<V: Value, C: Contender<V>>(size: usize, every: usize, seed: u64) {
    let case = format!(
        "sweep_interleaved of {size} entries, 30% doomed, inserting every {every} visits, seed \
         {seed:#x}"
    );
    let mut rng = Rng::new(seed);
    let salt = rng.next_u64();
    let n_inserts = size / 2 + 3;
    let mut keys = random_keys(&mut rng, size + n_inserts);
    let inserts = keys.split_off(size);
    let mut map = C::build(&Build::with_capacity(size))
        .unwrap_or_else(|e| panic!("{case}: build failed: {e}"));
    let mut expected: HashMap<Key, u64> = HashMap::with_capacity(size + n_inserts);
    for &k in &keys {
        assert!(map.insert(k, V::new(k, 0)), "{case}: prefill insert");
        expected.insert(k, 0);
    }
    let prefilled: HashSet<Key> = keys.iter().copied().collect();
    let fresh: HashSet<Key> = inserts.iter().copied().collect();
    let is_doomed = |k: Key| prefilled.contains(&k) && doomed(k, salt, 300);
    let doomed_keys: Vec<Key> = keys.iter().copied().filter(|&k| is_doomed(k)).collect();

    let mut calls: HashMap<Key, usize> = HashMap::new();
    let mut wrong = Vec::new();
    let sweep = map.sweep_interleaved(
        |k, v| {
            *calls.entry(k).or_default() += 1;
            let ver = if prefilled.contains(&k) { 0 } else { 7 };
            if v.check() != check_word(k, ver) || !(prefilled.contains(&k) || fresh.contains(&k)) {
                wrong.push((k, v.check()));
            }
            is_doomed(k)
        },
        inserts.iter().map(|&k| (k, V::new(k, 7))),
        every,
    );
    assert!(
        wrong.is_empty(),
        "{case}: the predicate saw keys never inserted or wrong values (key, check): {}",
        some(wrong)
    );
    let bad: Vec<(Key, usize)> = keys
        .iter()
        .map(|&k| (k, calls.get(&k).copied().unwrap_or(0)))
        .filter(|&(k, n)| n == 0 || n > if is_doomed(k) { 2 } else { 1 })
        .chain(
            inserts
                .iter()
                .map(|&k| (k, calls.get(&k).copied().unwrap_or(0)))
                .filter(|&(_, n)| n > 1),
        )
        .collect();
    assert!(
        bad.is_empty(),
        "{case}: prefilled keys must be visited once (a doomed one may be re-checked once) and \
         inserted ones at most once; (key, calls): {}",
        some(bad)
    );
    assert_eq!(
        (sweep.visited, sweep.removed),
        (calls.len(), doomed_keys.len()),
        "{case}: Sweep {{ visited, removed }} must count the distinct entries visited and the \
         doomed ones removed"
    );
    for k in &doomed_keys {
        expected.remove(k);
    }
    expected.extend(inserts.iter().map(|&k| (k, 7)));
    checks::contents::<V, C>(&mut map, &expected, &doomed_keys, &format!("{case}, after"));
}

/// A sweep that removes nothing from a map presized for far more entries than it holds keeps
/// its memory: nothing was removed, so nothing may be given back.
fn presized_case<V: Value, C: Contender<V>>(seed: u64) {
    let (capacity, size) = PRESIZED;
    let case = format!(
        "sweep dooming nothing in a map built for {capacity} entries holding {size}, seed \
         {seed:#x}"
    );
    let mut rng = Rng::new(seed);
    let mut map = C::build(&Build::with_capacity(capacity))
        .unwrap_or_else(|e| panic!("{case}: build failed: {e}"));
    let keys = random_keys(&mut rng, size);
    for &k in &keys {
        assert!(map.insert(k, V::new(k, 0)), "{case}: insert");
    }
    let before = map.memory().heap_bytes;
    let sweep = map.sweep(|_, _| false);
    assert_eq!(
        (sweep.visited, sweep.removed),
        (size, 0),
        "{case}: Sweep {{ visited, removed }} is wrong"
    );
    let after = map.memory().heap_bytes;
    assert!(
        after >= before,
        "{case}: the sweep removed nothing but heap_bytes fell from {before} to {after}: it gave \
         back the room the map was built with"
    );
    let expected: HashMap<Key, u64> = keys.iter().map(|&k| (k, 0)).collect();
    checks::contents::<V, C>(&mut map, &expected, &[], &format!("{case}, after"));
}
