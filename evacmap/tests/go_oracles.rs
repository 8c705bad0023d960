//! The test oracles of `go-classic-map.md` section 8 that apply to evacmap, one named test each:
//! growth points, hint sizing, growth-trigger discipline, incremental progress, reads that never
//! evacuate, evacuation placement, slot reuse, same-size grows under churn, the emptyRest
//! invariant, delete semantics, and the iteration oracles 11-15 (run with `Cursor`).

mod common;

use std::collections::{HashMap, HashSet};

use common::{
    assert_tombstone_invariant, scale, scaled, scaled_min, shrinking_config, Harness, Rng,
    TestHasher,
};
use evacmap::{Config, EvacMap, GrowKind, MapView, TableView, TopHash};

type Map = EvacMap<u64, u64>;

/// Go's `overLoadFactor` at 6.5.
fn over_load(count: usize, b: u8) -> bool {
    count > 8 && count as f64 > 6.5 * (1u64 << b) as f64
}

/// A map of `n` keys `0..n` whose last insert started a doubling that is still in progress.
fn mid_doubling(n: u64) -> Map {
    let mut m = Map::new();
    for k in 0..n {
        m.insert(k, k);
    }
    let s = m.stats();
    assert!(
        s.growing && s.grow_kind == Some(GrowKind::Doubling),
        "{n} keys: {s:?}"
    );
    m
}

/// Oracle 1: the bucket count first increases at n = 9, 14, 27, 53, 105, 209, 417, 833, 1665,
/// and `2^B` is always the smallest power of two that holds `n` at load factor 6.5.
#[test]
fn growth_points_match_go() {
    let mut m = Map::new();
    let mut points = Vec::new();
    let mut prev = m.stats().buckets;
    assert_eq!(prev, 1);
    for n in 1..=1665usize {
        m.insert(n as u64, 0);
        let s = m.stats();
        if s.buckets > prev {
            points.push(n);
            assert_eq!(s.buckets, prev * 2, "a grow doubles");
            prev = s.buckets;
        }
        let want_b = (0u8..).find(|&b| !over_load(n, b)).unwrap();
        assert_eq!(s.b, want_b, "n = {n}");
    }
    assert_eq!(points, [9, 14, 27, 53, 105, 209, 417, 833, 1665]);
    assert_eq!(m.stats().same_size_grows, 0);
}

/// Oracle 2: `with_capacity` picks the smallest B that holds the hint; absurd hints give B = 0.
#[test]
fn capacity_hints_match_go() {
    for (hint, b) in [
        (0, 0),
        (8, 0),
        (9, 1),
        (13, 1),
        (14, 2),
        (26, 2),
        (27, 3),
        (52, 3),
        (53, 4),
        (104, 4),
        (105, 5),
    ] {
        let mut m = Map::with_capacity(hint);
        assert_eq!(m.stats().b, b, "with_capacity({hint})");
        for k in 0..hint as u64 {
            m.insert(k, k);
        }
        assert_eq!(
            m.stats().grows,
            0,
            "with_capacity({hint}) then {hint} inserts must not grow"
        );
        assert_eq!(m.stats().b, b);
    }
    for hint in [usize::MAX, usize::MAX / 2, 1 << 62] {
        let mut m = Map::with_capacity(hint);
        assert_eq!(m.stats().b, 0, "with_capacity({hint}) must behave as 0");
        m.insert(1, 1);
        assert_eq!(m.get(&1), Some(&1));
    }
    let config = Config::default();
    let m = EvacMap::<u64, u64, TestHasher>::with_capacity_config_and_hasher(
        105,
        config,
        TestHasher::Sip,
    );
    assert_eq!(m.stats().b, 5);
}

/// Oracle 3: only inserting a new key starts a grow; updates and removes never do; no grow
/// starts while one is in progress; B changes at the triggering insert; a doubling starts iff
/// the insert would pass the load factor, else (same-size) only with `noverflow >= 2^min(B,15)`.
#[test]
fn growth_trigger_discipline() {
    let mut m = Map::new();
    let mut rng = Rng::new(3);
    let mut keys: Vec<u64> = Vec::new();
    let mut next = 0u64;
    let (mut doublings, mut same_size) = (0, 0);
    // Phase 1 grows to ~3000 keys with updates and removes mixed in; phase 2 churns at 104
    // entries (B = 4, fully loaded) so overflow buckets pile up and same-size grows start.
    let phase1 = 6000;
    let total = phase1 + scaled_min(40_000, 8_000);
    for step in 0.. {
        // Churn until at least one same-size grow started (it may take a while at B = 4).
        if step >= total && same_size >= 1 {
            break;
        }
        assert!(step < 4_000_000, "no same-size grow after {step} steps");
        if step == phase1 {
            while keys.len() > 104 {
                let k = keys.swap_remove(rng.below(keys.len() as u64) as usize);
                m.remove(&k);
            }
            m.shrink_to_fit();
            assert_eq!(m.stats().b, 4);
        }
        let before = m.stats();
        let roll = rng.below(100);
        let kind = if step < phase1 {
            if roll < 60 {
                "insert"
            } else if roll < 80 {
                "update"
            } else if roll < 95 {
                "remove"
            } else {
                "remove-absent"
            }
        } else if step % 2 == 0 {
            "remove"
        } else {
            "insert"
        };
        match kind {
            "insert" => {
                next += 1;
                assert_eq!(m.insert(next, step as u64), None);
                keys.push(next);
            }
            "update" if !keys.is_empty() => {
                let k = keys[rng.below(keys.len() as u64) as usize];
                assert!(m.insert(k, 7).is_some());
            }
            "remove" if !keys.is_empty() => {
                let k = keys.swap_remove(rng.below(keys.len() as u64) as usize);
                assert!(m.remove(&k).is_some());
            }
            _ => assert_eq!(m.remove(&u64::MAX), None),
        }
        let after = m.stats();
        let started =
            (after.grows - before.grows) + (after.same_size_grows - before.same_size_grows);
        if kind != "insert" || before.growing {
            assert_eq!(
                started, 0,
                "{kind} started a grow (growing before: {})",
                before.growing
            );
            assert_eq!(after.b, before.b, "B changed without a grow starting");
            continue;
        }
        assert!(started <= 1);
        if after.grows > before.grows {
            doublings += 1;
            assert!(
                over_load(before.len + 1, before.b),
                "doubling without passing the load factor: {before:?}"
            );
            assert_eq!(after.b, before.b + 1, "B changes at the triggering insert");
        } else if after.same_size_grows > before.same_size_grows {
            same_size += 1;
            assert!(!over_load(before.len + 1, before.b));
            assert!(
                u32::from(before.noverflow) >= 1 << before.b.min(15),
                "same-size grow without enough overflow buckets: {before:?}"
            );
            assert_eq!(after.b, before.b);
        } else {
            assert!(
                !over_load(before.len + 1, before.b),
                "an insert past the load factor did not grow: {before:?}"
            );
            assert!(u32::from(before.noverflow) < 1 << before.b.min(15));
            assert_eq!(after.b, before.b);
        }
    }
    assert!(doublings >= 8, "only {doublings} doublings");
    assert!(same_size >= 1, "no same-size grow in the churn phase");
}

/// Oracle 3/4: the state right after a triggering insert.
#[test]
fn mid_grow_state_after_triggering_insert() {
    // 1 and 2 old buckets: the triggering insert finishes the grow by itself (Go observed).
    for n in [9u64, 14] {
        let mut m = Map::new();
        for k in 0..n {
            m.insert(k, k);
        }
        let s = m.stats();
        assert!(!s.growing, "{n}: {s:?}");
        assert_eq!(s.grows, if n == 9 { 1 } else { 2 });
    }
    for (n, old_units) in [
        (53u64, 8usize),
        (105, 16),
        (209, 32),
        (833, 128),
        (1665, 256),
    ] {
        let mut m = Map::new();
        for k in 0..n - 1 {
            m.insert(k, k);
        }
        let before = m.stats();
        assert!(!before.growing);
        m.insert(n - 1, n - 1);
        let s = m.stats();
        assert_eq!(s.grows, before.grows + 1);
        assert_eq!(s.b, before.b + 1);
        assert_eq!(s.b as usize, old_units.trailing_zeros() as usize + 1);
        assert_eq!(s.evacuation_units, old_units);
        assert!(s.evacuated >= 1 && s.evacuated < old_units, "{s:?}");
        let evacuated = s.evacuations - before.evacuations;
        assert!(
            (1..=2).contains(&evacuated),
            "the trigger evacuated {evacuated} units: {s:?}"
        );
        let view = m.view();
        assert_eq!(view.grow_kind, Some(GrowKind::Doubling));
        assert_eq!(view.old.as_ref().map(|t| t.b), Some(s.b - 1));
        assert_eq!(view.current.as_ref().map(|t| t.b), Some(s.b));
        m.check_invariants().unwrap();
        for k in 0..n {
            assert_eq!(m.get(&k), Some(&k));
        }
    }
}

/// Oracle 4: each write while growing evacuates at most 2 units and advances the evacuation mark
/// by at least 1, so the grow ends after at most #old-buckets writes (counting the trigger).
#[test]
fn incremental_progress_two_units_per_write() {
    for mode in ["updates", "mixed"] {
        let n = 6656u64; // 6.5 * 1024: B = 10, fully loaded
        let mut m = Map::new();
        for k in 0..n {
            m.insert(k, k);
        }
        assert_eq!(m.stats().b, 10);
        assert!(!m.stats().growing);
        let before = m.stats();
        m.insert(n, n);
        let mut s = m.stats();
        assert!(s.growing && s.b == 11 && s.evacuation_units == 1024);
        assert!(s.evacuations - before.evacuations <= 2);
        let mut writes = 1;
        let mut rng = Rng::new(11);
        let mut next = n + 1;
        while s.growing {
            let k = rng.below(n);
            match (mode, writes % 4) {
                ("updates", _) | (_, 0) => {
                    m.insert(k, writes);
                }
                (_, 1) => {
                    m.remove(&k);
                }
                (_, 2) => {
                    next += 1;
                    m.insert(next, 0);
                }
                _ => {
                    m.remove(&u64::MAX);
                }
            }
            writes += 1;
            let t = m.stats();
            assert!(
                t.evacuations - s.evacuations <= 2,
                "a write evacuated more than 2 units"
            );
            assert!(t.grows == s.grows && t.same_size_grows == s.same_size_grows);
            if t.growing {
                assert!(
                    t.evacuated > s.evacuated,
                    "a write did not advance the evacuation mark"
                );
            }
            s = t;
            assert!(
                writes <= 1024,
                "the grow did not end within 1024 writes ({mode})"
            );
        }
        assert_eq!(
            s.evacuations - before.evacuations,
            1024,
            "every old bucket evacuated once"
        );
        m.check_invariants().unwrap();
    }
}

/// Oracle 4: reads never evacuate. 1000 lookups, plain iteration, cursor walks, probe stats and
/// clones leave the stats and every cell unchanged, and the map still growing.
#[test]
fn reads_never_evacuate() {
    let mut m = mid_doubling(6657);
    let stats = m.stats();
    let view = m.view();
    let mut rng = Rng::new(5);
    for _ in 0..1000 {
        let k = rng.below(8000);
        assert_eq!(m.get(&k).is_some(), k < 6657);
        assert_eq!(m.contains_key(&k), k < 6657);
        assert_eq!(
            m.get_key_value(&k).map(|(k, _)| *k),
            (k < 6657).then_some(k)
        );
        assert_eq!(m.get_mut(&k).is_some(), k < 6657);
    }
    assert_eq!(m.iter().count(), 6657);
    assert_eq!(m.keys().count(), 6657);
    assert_eq!(m.values().count(), 6657);
    assert_eq!(m.iter_mut().count(), 6657);
    for _ in 0..3 {
        let mut c = m.cursor();
        let mut n = 0;
        while c.next(&m).is_some() {
            n += 1;
        }
        assert_eq!(n, 6657);
    }
    let _ = m.probe_stats();
    m.check_invariants().unwrap();
    let clone = m.clone();
    assert_eq!(clone, m);
    assert_eq!(format!("{:?}", m).len(), format!("{:?}", m).len());
    assert_eq!(m.stats(), stats, "reads changed the stats");
    assert_eq!(m.view(), view, "reads changed cells");
    assert!(m.stats().growing);
}

/// Checks Go's evacuation placement on `view` given `before`, the old table's cells before any
/// evacuation: evacuated old chains hold only marks (X/Y for entries, evacuatedEmpty for empty
/// cells), and each destination holds exactly its sources' entries, packed in chain order with
/// their tophash values, then `emptyRest`. `extra` entries inserted since may follow a packed
/// prefix. Returns the number of destinations checked.
fn check_placement(before: &TableView, view: &MapView, extra: usize) -> usize {
    let kind = view.grow_kind.expect("growing");
    let old = view.old.as_ref().expect("growing");
    let cur = view.current.as_ref().expect("growing");
    assert_eq!(old.chains.len(), before.chains.len());
    let evacuated = |i: usize| old.chains[i][0][0].is_evacuated();
    // Old chains: unevacuated ones unchanged; evacuated ones marked cell by cell.
    for (i, chain) in old.chains.iter().enumerate() {
        if !evacuated(i) {
            assert_eq!(
                chain, &before.chains[i],
                "unevacuated old chain {i} changed"
            );
            continue;
        }
        assert_eq!(
            chain.len(),
            before.chains[i].len(),
            "old chain {i} changed length"
        );
        for (was, now) in before.chains[i]
            .iter()
            .flatten()
            .zip(chain.iter().flatten())
        {
            if was.is_full() {
                let ok = *now == TopHash::EVACUATED_X
                    || (kind == GrowKind::Doubling && *now == TopHash::EVACUATED_Y);
                assert!(ok, "old chain {i}: full cell marked {now:?} ({kind:?})");
            } else {
                assert_eq!(
                    *now,
                    TopHash::EVACUATED_EMPTY,
                    "old chain {i}: empty cell marked {now:?}"
                );
            }
        }
    }
    let marked = |i: usize, mark: TopHash| -> Vec<TopHash> {
        before.chains[i]
            .iter()
            .flatten()
            .zip(old.chains[i].iter().flatten())
            .filter(|(_, now)| **now == mark)
            .map(|(was, _)| *was)
            .collect()
    };
    let mut extra_left = extra;
    let mut checked = 0;
    for (d, chain) in cur.chains.iter().enumerate() {
        let (sources, mark): (Vec<usize>, TopHash) = match kind {
            GrowKind::Doubling => {
                let half = old.chains.len();
                (
                    vec![d % half],
                    if d < half {
                        TopHash::EVACUATED_X
                    } else {
                        TopHash::EVACUATED_Y
                    },
                )
            }
            GrowKind::SameSize => (vec![d], TopHash::EVACUATED_X),
            GrowKind::Halving => (vec![d, d + cur.chains.len()], TopHash::EVACUATED_X),
        };
        if !sources.iter().all(|&s| evacuated(s)) {
            continue;
        }
        checked += 1;
        let expected: Vec<TopHash> = sources.iter().flat_map(|&s| marked(s, mark)).collect();
        let cells: Vec<TopHash> = chain.iter().flatten().copied().collect();
        assert_eq!(
            &cells[..expected.len()],
            &expected[..],
            "destination {d} is not the packed {kind:?} entries"
        );
        let mut rest = &cells[expected.len()..];
        while let Some((first, tail)) = rest.split_first() {
            if first.is_full() && extra_left > 0 {
                extra_left -= 1;
                rest = tail;
            } else {
                break;
            }
        }
        assert!(
            rest.iter().all(|&t| t == TopHash::EMPTY_REST),
            "destination {d} not packed: {cells:?}"
        );
        let used = cells.len() - rest.len();
        assert_eq!(
            chain.len(),
            used.div_ceil(8).max(1),
            "destination {d} has surplus overflow buckets"
        );
    }
    checked
}

/// Drives a grow to its end with updates of `keys`, checking placement after every write.
fn updates_until_grown(m: &mut Map, keys: &[u64], before: &TableView, extra: usize) {
    let mut checked = 0;
    let mut i = 0;
    while m.stats().growing {
        checked = checked.max(check_placement(before, &m.view(), extra));
        m.insert(keys[i % keys.len()], i as u64);
        i += 1;
        m.check_invariants().unwrap();
    }
    assert!(checked > 0, "no destination was checked");
}

/// Oracle 5, doubling: X/Y marks in the old chain, destinations packed in chain order.
#[test]
fn evacuation_placement_doubling() {
    for n in [52u64, 104, 832] {
        let mut m = Map::new();
        for k in 0..n {
            m.insert(k, k);
        }
        // Holes (emptyOne) in the old chains must not become holes in the destinations.
        for k in (0..n).step_by(5) {
            m.remove(&k);
            m.insert(k, k);
        }
        let keys: Vec<u64> = (0..n).collect();
        let before = m.view().current.unwrap();
        m.insert(n, n);
        assert_eq!(m.stats().grow_kind, Some(GrowKind::Doubling));
        updates_until_grown(&mut m, &keys, &before, 1);
    }
}

/// Oracle 5, same-size grow: everything goes to X, holes and surplus overflow buckets vanish.
#[test]
fn evacuation_placement_same_size() {
    let mut m = Map::new();
    let mut keys: Vec<u64> = (0..104).collect();
    for &k in &keys {
        m.insert(k, k);
    }
    let mut rng = Rng::new(9);
    let mut next = 1000;
    for _ in 0..200_000 {
        let k = keys.swap_remove(rng.below(keys.len() as u64) as usize);
        m.remove(&k);
        next += 1;
        let before = m.view().current.unwrap();
        let s = m.stats();
        m.insert(next, next);
        keys.push(next);
        if m.stats().same_size_grows > s.same_size_grows {
            assert!(s.overflow_buckets > 0 && s.tombstones > 0, "{s:?}");
            assert_eq!(m.stats().b, s.b);
            updates_until_grown(&mut m, &keys, &before, 1);
            return;
        }
    }
    panic!("no same-size grow in 200000 churn pairs at 104 entries");
}

/// Oracle 5, halving (beyond Go): old buckets `i` and `i + 2^newB` packed, in that order, into `i`.
#[test]
fn evacuation_placement_halving() {
    let mut m = Map::with_config(shrinking_config());
    for k in 0..800 {
        m.insert(k, k);
    }
    while m.stats().growing {
        m.insert(0, 0);
    }
    let b = m.stats().b;
    let mut k = 0;
    while !m.stats().growing {
        m.remove(&k);
        k += 1;
    }
    assert_eq!(m.stats().grow_kind, Some(GrowKind::Halving));
    assert_eq!(m.stats().b, b - 1);
    // Nothing is evacuated when a halving starts, so the old table is the "before" state.
    let before = m.view().old.unwrap();
    assert!(before.chains.iter().all(|c| !c[0][0].is_evacuated()));
    let keys: Vec<u64> = (k..800).collect();
    updates_until_grown(&mut m, &keys, &before, 0);
}

/// Oracle 9: slot reuse. In a full B = 0 map, removing the key in slot 3 leaves `emptyOne`
/// there; the next new key lands in slot 3, with no overflow bucket. The backward walk turns a
/// trailing run of `emptyOne` into `emptyRest`, across an overflow boundary.
#[test]
fn slot_reuse_after_delete() {
    let mut m = Map::new();
    for k in 0..8 {
        m.insert(k, k);
    }
    let cells = |m: &Map| m.view().current.unwrap().chains[0].clone();
    assert_eq!(cells(&m).len(), 1);
    assert!(cells(&m)[0].iter().all(|t| t.is_full()));
    // B = 0: the keys filled bucket 0's slots in insertion order (iteration order is random,
    // as Go's `range`, so it cannot tell).
    let slot3 = 3;
    m.remove(&slot3);
    assert_eq!(cells(&m)[0][3], TopHash::EMPTY_ONE);
    assert_eq!(m.stats().tombstones, 1);
    m.insert(100, 100);
    let chain = cells(&m);
    assert_eq!(chain.len(), 1, "no overflow bucket");
    assert!(chain[0][3].is_full());
    assert_eq!(m.get(&100), Some(&100), "the new key took slot 3");
    let s = m.stats();
    assert_eq!(
        (s.b, s.overflow_buckets, s.noverflow, s.tombstones),
        (0, 0, 0, 0)
    );

    // Backward walk: remove slots 7, 5, then 6 -> slots 5..8 become emptyRest.
    let (k5, k6, k7) = (5, 6, 7);
    m.remove(&k7);
    assert_eq!(cells(&m)[0][7], TopHash::EMPTY_REST);
    m.remove(&k5);
    assert_eq!(cells(&m)[0][5], TopHash::EMPTY_ONE);
    m.remove(&k6);
    assert_eq!(&cells(&m)[0][5..], &[TopHash::EMPTY_REST; 3]);
    assert_eq!(m.stats().tombstones, 0);
    m.check_invariants().unwrap();

    // Across an overflow boundary: one chain (constant hasher) of 13 entries at B = 1.
    let mut c = EvacMap::<u64, u64, TestHasher>::with_hasher(TestHasher::Const);
    for k in 0..13 {
        c.insert(k, k);
    }
    let chain_of = |c: &EvacMap<u64, u64, TestHasher>| {
        let v = c.view().current.unwrap();
        v.chains.into_iter().find(|ch| ch[0][0].is_full()).unwrap()
    };
    assert_eq!(chain_of(&c).len(), 2);
    for k in [12, 8, 9, 10, 11] {
        c.remove(&k);
    }
    let chain = chain_of(&c);
    assert!(chain[0].iter().all(|t| t.is_full()));
    assert_eq!(
        chain[1],
        [TopHash::EMPTY_REST; 8],
        "the walk crossed back into the overflow bucket"
    );
    let overflow = c.stats().overflow_buckets;
    c.insert(50, 50);
    assert_eq!(
        c.stats().overflow_buckets,
        overflow,
        "reused the overflow bucket's slot 0"
    );
    assert!(chain_of(&c)[1][0].is_full());
    c.check_invariants().unwrap();
}

/// Oracle 10 / golang/go#16070: churn at a constant 832 entries causes same-size grows, no
/// doubling, B stays 7, and Go's `noverflow` peaks exactly at the threshold `2^B`.
#[test]
fn churn_at_constant_size_causes_same_size_grows() {
    // Full scale is Go's experiment; small scales churn a smaller fully loaded map.
    let (n, b, pairs) = if scale() >= 1.0 {
        (832u64, 7u8, 200_000)
    } else {
        (104, 4, 30_000)
    };
    let mut m = Map::new();
    let mut keys: Vec<u64> = (0..n).collect();
    for &k in &keys {
        m.insert(k, k);
    }
    assert_eq!(m.stats().b, b);
    let grows = m.stats().grows;
    let mut rng = Rng::new(1);
    let mut peak = 0;
    for i in 0.. {
        if i >= pairs && m.stats().same_size_grows > 0 {
            break;
        }
        assert!(i < 2_000_000, "no same-size grow after {i} pairs");
        let k = keys.swap_remove(rng.below(keys.len() as u64) as usize);
        assert!(m.remove(&k).is_some());
        let fresh = n + 1 + i;
        m.insert(fresh, i);
        keys.push(fresh);
        peak = peak.max(m.stats().noverflow);
    }
    let s = m.stats();
    assert!(s.same_size_grows > 0, "{s:?}");
    assert_eq!(s.grows, grows, "churn at constant size must not double");
    assert_eq!(s.b, b);
    assert_eq!(s.len, n as usize);
    assert_eq!(
        u32::from(peak),
        1 << b,
        "noverflow peaks at the same-size threshold"
    );
    m.check_invariants().unwrap();
}

/// Oracle 7 (Go's `TestMapTombstones`): the emptyRest invariant after filling, deleting the
/// evens, refilling and deleting everything; B stays and the seed changes when emptied.
#[test]
fn tombstones_keep_the_empty_rest_invariant() {
    let n = scaled_min(10_000, 1_000) as u64;
    let mut m = Map::new();
    let check = |m: &Map| {
        m.check_invariants().unwrap();
        assert_tombstone_invariant(&m.view());
    };
    for k in 0..n {
        m.insert(k, k);
    }
    check(&m);
    for k in (0..n).step_by(2) {
        m.remove(&k);
    }
    check(&m);
    for k in n..n * 3 / 2 {
        m.insert(k, k);
    }
    check(&m);
    let b = m.stats().b;
    let seed = m.stats().seed;
    for k in 0..n * 3 / 2 {
        m.remove(&k);
    }
    check(&m);
    let s = m.stats();
    assert_eq!(s.len, 0);
    assert_eq!(s.b, b, "B is kept when the map empties");
    if n == 10_000 {
        assert_eq!(b, 11);
    }
    assert_ne!(s.seed, seed, "the seed is redrawn when the map empties");
    assert_eq!(s.tombstones, 0);
    let cur = m.view().current.unwrap();
    assert!(cur
        .chains
        .iter()
        .flatten()
        .flatten()
        .all(|&t| t == TopHash::EMPTY_REST));
}

/// Oracle 8: removing an absent key is a no-op; removing from an empty map does no grow work;
/// emptying the map (by remove, retain or extract_if) redraws the seed and keeps B.
#[test]
fn delete_semantics() {
    let mut m = Map::new();
    let s = m.stats();
    assert_eq!(m.remove(&1), None);
    assert_eq!(m.stats(), s, "remove on a new map changed something");

    for k in 0..100 {
        m.insert(k, k);
    }
    while m.stats().growing {
        m.insert(0, 0);
    }
    let (s, v) = (m.stats(), m.view());
    assert_eq!(m.remove(&1000), None);
    assert_eq!(m.remove_entry(&1001), None);
    assert_eq!(
        (m.stats(), m.view()),
        (s, v),
        "removing an absent key changed the map"
    );

    // While growing, a remove of an absent key does grow work (count > 0) but removes nothing.
    let mut m = mid_doubling(53);
    let s = m.stats();
    assert_eq!(m.remove(&1000), None);
    assert_eq!(m.len(), 53);
    assert!(m.stats().evacuations - s.evacuations <= 2);
    // Empty the map while the grow is still in progress (removal order keeps it going).
    let mut m = mid_doubling(1665);
    let mut k = 0;
    while !m.is_empty() {
        m.remove(&k);
        k += 1;
    }
    let s = m.stats();
    assert_eq!(m.remove(&5), None);
    assert_eq!(
        m.stats(),
        s,
        "a remove on an empty (growing: {}) map did grow work",
        s.growing
    );

    // Emptying redraws the seed and keeps B, by each removal path.
    for how in ["remove", "retain", "extract_if", "remove_entry"] {
        let mut m = Map::new();
        for k in 0..300 {
            m.insert(k, k);
        }
        let (b, seed) = (m.stats().b, m.stats().seed);
        match how {
            "remove" => (0..300).for_each(|k| assert_eq!(m.remove(&k), Some(k))),
            "remove_entry" => (0..300).for_each(|k| assert_eq!(m.remove_entry(&k), Some((k, k)))),
            "retain" => m.retain(|_, _| false),
            _ => assert_eq!(m.extract_if(|_, _| true).count(), 300),
        }
        let s = m.stats();
        assert!(m.is_empty());
        assert_ne!(s.seed, seed, "{how}: seed not redrawn");
        assert!(s.b >= b.saturating_sub(0) && s.b == b, "{how}: B changed");
        // Go's m[k] += 1 after delete yields 1: a removed key comes back fresh.
        assert_eq!(m.insert(7, 1), None);
        assert_eq!(m.get(&7), Some(&1));
    }
}

/// `clear` (Go's `mapclear`): keeps B, cancels a grow, resets overflow bookkeeping, redraws the
/// seed; B never decreases without a shrink policy (oracle 10).
#[test]
fn clear_keeps_b_and_no_shrink_by_default() {
    let mut m = mid_doubling(1665);
    let s = m.stats();
    m.clear();
    let t = m.stats();
    assert_eq!(
        (
            t.len,
            t.b,
            t.growing,
            t.noverflow,
            t.overflow_buckets,
            t.tombstones
        ),
        (0, s.b, false, 0, 0, 0)
    );
    assert_ne!(t.seed, s.seed);
    assert_eq!(t.clears, s.clears + 1);
    assert_eq!(t.grows, s.grows, "lifetime counters survive clear");
    m.insert(1, 1);
    assert_eq!(m.stats().b, s.b, "B kept after clear");
    m.check_invariants().unwrap();

    let mut m = Map::new();
    let mut max_b = 0;
    for k in 0..5000 {
        m.insert(k, k);
        max_b = m.stats().b;
    }
    for k in 0..5000 {
        m.remove(&k);
        assert_eq!(m.stats().b, max_b, "B decreased without a shrink policy");
    }
    assert_eq!(m.stats().shrinks, 0);
}

/// Oracle 6: lookups agree with a model at every step of a random sequence across grows.
#[test]
fn lookups_match_model_across_grows() {
    let mut h = Harness::with(TestHasher::Sip, Config::default());
    let mut rng = Rng::new(77);
    h.check_every_op = false;
    for step in 0..scaled_min(6000, 600) as u64 {
        let k = rng.below(3000);
        if rng.below(4) == 0 {
            h.remove(k);
        } else {
            h.insert(k, step);
        }
        for probe in [k, rng.below(3000), rng.below(3000)] {
            h.get(probe);
        }
        if step % 97 == 0 {
            h.check();
        }
    }
    h.check();
    assert!(h.map.stats().grows >= 5, "{:?}", h.map.stats());
}

/// Walks a fresh cursor over `m` to the end, returning the keys in order.
fn walk(m: &Map) -> Vec<u64> {
    let mut c = m.cursor();
    let mut out = Vec::new();
    while let Some((&k, _)) = c.next(m) {
        out.push(k);
    }
    out
}

/// Oracle 11: removing each visited key yields every key exactly once and empties the map.
#[test]
fn range_and_delete_visited_key_yields_each_once() {
    let mut rng = Rng::new(11);
    for _ in 0..scaled(200) {
        let n = 1 + rng.below(3000);
        let mut m = Map::new();
        for k in 0..n {
            m.insert(k, k);
        }
        let mut c = m.cursor();
        let mut seen = vec![0u32; n as usize];
        while let Some((&k, &v)) = c.next(&m) {
            assert_eq!(k, v);
            seen[k as usize] += 1;
            assert_eq!(m.remove(&k), Some(k));
            assert!(!m.contains_key(&k));
        }
        assert!(
            seen.iter().all(|&c| c == 1),
            "n = {n}: a key was not yielded exactly once"
        );
        assert_eq!(m.len(), 0);
    }
}

/// Oracle 12 (Go's `TestIterGrowAndDelete`): at the first step insert 900 keys (growing the map)
/// and delete every odd key; then delete each visited key. No odd key is yielded after that,
/// every even initial key exactly once.
#[test]
fn iter_grow_and_delete() {
    for _ in 0..scaled_min(200, 10) {
        let mut m = Map::with_capacity(4);
        for k in 0..100 {
            m.insert(k, k);
        }
        let b = m.stats().b;
        let mut c = m.cursor();
        let mut seen: HashMap<u64, u32> = HashMap::new();
        let mut first = true;
        while let Some((&k, _)) = c.next(&m) {
            *seen.entry(k).or_default() += 1;
            if first {
                first = false;
                for j in 100..1000 {
                    m.insert(j, j);
                }
                for j in (1..1000).step_by(2) {
                    m.remove(&j);
                }
            } else {
                assert_eq!(k % 2, 0, "odd key {k} yielded after it was deleted");
                m.remove(&k);
            }
        }
        assert!(m.stats().b > b, "the map did not grow");
        assert!(seen.values().all(|&n| n == 1), "a key was yielded twice");
        for k in (0..100).step_by(2) {
            assert_eq!(
                seen.get(&k),
                Some(&1),
                "even initial key {k} not yielded exactly once"
            );
        }
    }
}

/// Oracle 13: a cursor started mid-grow honours deletes ahead: deleting everything but the first
/// yielded key at step 1 leaves exactly one item yielded. For doubling, same-size and halving.
#[test]
fn delete_ahead_honoured_when_cursor_starts_mid_grow() {
    let mut setups: Vec<(Map, Vec<u64>)> = Vec::new();
    for _ in 0..scaled_min(20, 3) {
        for n in [53u64, 105, 833, 1665] {
            setups.push((mid_doubling(n), (0..n).collect()));
        }
        // Mid same-size grow.
        let mut m = Map::new();
        let mut keys: Vec<u64> = (0..104).collect();
        keys.iter().for_each(|&k| {
            m.insert(k, k);
        });
        let mut rng = Rng::new(keys.len() as u64);
        let mut next = 1000;
        while m.stats().grow_kind != Some(GrowKind::SameSize) {
            let k = keys.swap_remove(rng.below(keys.len() as u64) as usize);
            m.remove(&k);
            next += 1;
            m.insert(next, next);
            keys.push(next);
        }
        setups.push((m, keys));
        // Mid halving.
        let mut m = Map::with_config(shrinking_config());
        (0..800).for_each(|k| {
            m.insert(k, k);
        });
        let mut k = 0;
        while m.stats().grow_kind != Some(GrowKind::Halving) {
            m.remove(&k);
            k += 1;
        }
        setups.push((m, (k..800).collect()));
    }
    for (mut m, keys) in setups {
        assert!(m.stats().growing);
        let mut c = m.cursor();
        let (&first, _) = c.next(&m).expect("non-empty");
        for &k in &keys {
            if k != first {
                m.remove(&k);
            }
        }
        assert_eq!(m.len(), 1);
        assert!(c.next(&m).is_none(), "a deleted key was yielded");
    }
}

/// Oracle 14: values yielded after the map grew (possibly several times) under a running cursor
/// are the latest; every remaining original is yielded exactly once; inserted keys at most once.
#[test]
fn latest_value_after_growth() {
    for trial in 0..scaled_min(100, 5) as u64 {
        let mut m = Map::new();
        for k in 0..100 {
            m.insert(k, k);
        }
        let b = m.stats().b;
        let mut c = m.cursor();
        let (&first, _) = c.next(&m).unwrap();
        let extra = 200 + trial * 20;
        for j in 0..extra {
            m.insert(1000 + j, 0);
        }
        for k in 0..100 {
            m.insert(k, k + 1_000_000);
        }
        assert!(m.stats().b > b);
        let mut seen = HashSet::new();
        while let Some((&k, &v)) = c.next(&m) {
            assert!(seen.insert(k), "{k} yielded twice");
            if k < 100 {
                assert_eq!(v, k + 1_000_000, "stale value for {k}");
            }
        }
        for k in (0..100).filter(|&k| k != first) {
            assert!(seen.contains(&k), "original {k} not yielded");
        }
        assert!(!seen.contains(&first));
    }
}

/// Oracle 15 (Go's `TestMapIterOrder`, `TestMapSparseIterOrder`): walks start at random places.
#[test]
fn iteration_order_is_randomised() {
    for n in [3u64, 7, 9, 15] {
        let mut m = Map::new();
        for k in 0..n {
            m.insert(k, k);
        }
        let orders: HashSet<Vec<u64>> = (0..100).map(|_| walk(&m)).collect();
        assert!(orders.len() >= 2, "n = {n}: 100 cursors gave one order");
        assert!(orders.iter().all(|o| o.len() == n as usize));
    }
    let mut m = Map::new();
    for k in 0..1000 {
        m.insert(k, k);
    }
    for k in 0..980 {
        m.remove(&k);
    }
    let orders: HashSet<Vec<u64>> = (0..100).map(|_| walk(&m)).collect();
    assert!(orders.len() >= 2, "sparse map: 100 cursors gave one order");
    assert!(orders.iter().all(|o| o.len() == 20));
}

/// Oracle 15: a cursor on an empty map yields nothing.
#[test]
fn empty_map_cursor_yields_nothing() {
    let mut m = Map::new();
    assert!(walk(&m).is_empty());
    let mut c = m.cursor();
    assert!(c.next(&m).is_none());
    assert!(c.is_finished());
    let big = Map::with_capacity(1000);
    assert!(walk(&big).is_empty());
    for k in 0..100 {
        m.insert(k, k);
    }
    for k in 0..100 {
        m.remove(&k);
    }
    assert!(walk(&m).is_empty());
    m.insert(1, 1);
    m.clear();
    assert!(walk(&m).is_empty());
    let mut m = mid_doubling(53);
    m.retain(|_, _| false);
    assert!(m.stats().growing || m.is_empty());
    assert!(walk(&m).is_empty());
}

/// Oracle 15 / golang/go#59411: `clear` during a walk stops further yields, even mid-grow and
/// even when entries are added again afterwards.
#[test]
fn clear_during_iteration_stops_yields() {
    for n in [5u64, 53, 1000, 1665] {
        let mut m = Map::new();
        for k in 0..n {
            m.insert(k, k);
        }
        let growing = m.stats().growing;
        let mut c = m.cursor();
        assert!(c.next(&m).is_some());
        m.clear();
        for k in 0..n {
            m.insert(k + 1, k);
        }
        assert!(
            c.next(&m).is_none(),
            "n = {n} (growing: {growing}): yielded after clear"
        );
        assert!(c.next(&m).is_none());
    }
}
