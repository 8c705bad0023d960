//! The public API around the core: std traits (Clone, PartialEq, Debug, Extend, FromIterator,
//! Default), iterator consistency while a grow is in progress, thread-safety markers, and
//! `Config` validation.

mod common;

use std::collections::{BTreeMap, HashSet};

use evacmap::{Config, ConfigError, Cursor, EvacMap, GrowKind, MAX_LOAD_FACTOR};

type Map = EvacMap<u64, u64>;

fn mid_grow(n: u64) -> Map {
    let mut m = Map::new();
    for k in 0..n {
        m.insert(k, k * 10);
    }
    assert_eq!(m.stats().grow_kind, Some(GrowKind::Doubling));
    m
}

fn sorted(m: &Map) -> BTreeMap<u64, u64> {
    m.iter().map(|(&k, &v)| (k, v)).collect()
}

#[test]
fn clone_is_equal_independent_and_keeps_the_grow() {
    let m = mid_grow(833);
    let mut c = m.clone();
    assert_eq!(c, m);
    assert_eq!(sorted(&c), sorted(&m));
    assert!(
        c.stats().growing,
        "a clone copies the tables as they are, grow in progress included"
    );
    assert_eq!(c.stats(), m.stats());
    assert_eq!(c.view(), m.view());
    assert_eq!(c.config(), m.config());
    c.insert(1, 0);
    c.remove(&2);
    assert_eq!(m.get(&1), Some(&10));
    assert_eq!(m.get(&2), Some(&20));
    assert_ne!(c, m);
    c.check_invariants().unwrap();
    m.check_invariants().unwrap();
    let empty = Map::new();
    assert_eq!(empty.clone(), empty);
}

#[test]
fn partial_eq_ignores_order_and_layout() {
    let a: Map = (0..500).map(|k| (k, k)).collect();
    let mut b = Map::with_capacity(2000);
    for k in (0..500).rev() {
        b.insert(k, k);
    }
    assert_eq!(a, b);
    b.insert(3, 4);
    assert_ne!(a, b, "different value");
    b.insert(3, 3);
    assert_eq!(a, b);
    b.insert(1000, 0);
    assert_ne!(a, b, "different len");
    b.remove(&1000);
    b.remove(&0);
    b.insert(501, 0);
    assert_ne!(a, b, "same len, different keys");
    assert_eq!(Map::new(), Map::default());
}

#[test]
fn debug_formats_as_a_map() {
    let mut m = Map::new();
    assert_eq!(format!("{m:?}"), "{}");
    m.insert(1, 2);
    assert_eq!(format!("{m:?}"), "{1: 2}");
    m.insert(3, 4);
    let s = format!("{m:?}");
    assert!(s == "{1: 2, 3: 4}" || s == "{3: 4, 1: 2}", "{s}");
    let c = m.cursor();
    assert!(format!("{c:?}").starts_with("Cursor"));
    assert!(format!("{:?}", m.iter()).contains("remaining: 2"));
}

#[test]
fn extend_from_iterator_and_default() {
    let mut m = Map::default();
    assert!(m.is_empty());
    m.extend((0..100).map(|k| (k, k)));
    m.extend([(5, 50), (200, 2)]);
    let refs = [(300u64, 3u64), (301, 4)];
    m.extend(refs.iter().map(|(k, v)| (k, v)));
    assert_eq!(m.len(), 103);
    assert_eq!(m.get(&5), Some(&50));
    assert_eq!(m.get(&301), Some(&4));
    let f: Map = (0..1000).map(|k| (k, k + 1)).collect();
    assert_eq!(f.len(), 1000);
    assert_eq!(
        f.stats().grows,
        0,
        "from_iter sizes the map from the size hint"
    );
    assert!((0..1000).all(|k| f.get(&k) == Some(&(k + 1))));
    let dup: Map = [(1, 1), (1, 2)].into_iter().collect();
    assert_eq!((dup.len(), dup.get(&1)), (1, Some(&2)));
    f.check_invariants().unwrap();
}

/// Mid-grow, every view of the entries agrees: iter, iter_mut, keys, values, values_mut,
/// into_iter, len and the size hints.
#[test]
fn iterators_agree_with_len_mid_grow() {
    for kind in ["doubling", "halving"] {
        let mut m = if kind == "doubling" {
            mid_grow(1665)
        } else {
            let mut m = Map::with_config(common::shrinking_config());
            for k in 0..1600 {
                m.insert(k, k * 10);
            }
            let mut k = 1599;
            while m.stats().grow_kind != Some(GrowKind::Halving) {
                m.remove(&k);
                k -= 1;
            }
            m
        };
        assert!(m.stats().growing);
        let n = m.len();
        let it = m.iter();
        assert_eq!(it.len(), n);
        assert_eq!(it.size_hint(), (n, Some(n)));
        let keys: HashSet<u64> = m.keys().copied().collect();
        assert_eq!(keys.len(), n);
        assert_eq!(m.keys().len(), n);
        assert_eq!(m.values().len(), n);
        assert!(m.iter().all(|(k, v)| *v == k * 10 && keys.contains(k)));
        assert_eq!(m.values().map(|v| v / 10).collect::<HashSet<_>>(), keys);
        for (k, v) in m.iter_mut() {
            *v = k + 1;
        }
        assert!(keys.iter().all(|k| m.get(k) == Some(&(k + 1))));
        for v in m.values_mut() {
            *v += 1;
        }
        assert!(keys.iter().all(|k| m.get(k) == Some(&(k + 2))));
        assert_eq!((&mut m).into_iter().len(), n);
        assert_eq!((&m).into_iter().count(), n);
        let mut it = m.iter();
        for left in (0..n).rev() {
            assert!(it.next().is_some());
            assert_eq!(it.len(), left);
        }
        assert!(it.next().is_none() && it.next().is_none());
        assert!(m.stats().growing, "iteration must not evacuate");
        m.check_invariants().unwrap();
        let owned: HashSet<u64> = m.into_iter().map(|(k, _)| k).collect();
        assert_eq!(owned, keys);
    }
}

#[test]
fn drain_mid_grow_yields_everything_and_keeps_b() {
    let mut m = mid_grow(833);
    let b = m.stats().b;
    let mut drained: Vec<u64> = m.drain().map(|(k, _)| k).collect();
    drained.sort_unstable();
    assert_eq!(drained, (0..833).collect::<Vec<_>>());
    let s = m.stats();
    assert_eq!((s.len, s.b, s.growing), (0, b, false));
    m.insert(1, 1);
    assert_eq!(m.get(&1), Some(&1));
    m.check_invariants().unwrap();
}

#[test]
fn send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<EvacMap<u64, u64>>();
    assert_send_sync::<Cursor<u64, u64>>();
    assert_send_sync::<evacmap::Iter<'static, u64, u64>>();
    assert_send_sync::<Config>();
    // A cursor made on one thread walks the map on another.
    let m: Map = (0..1000).map(|k| (k, k)).collect();
    let mut c = m.cursor();
    let n = std::thread::scope(|s| {
        s.spawn(|| {
            let mut n = 0;
            while c.next(&m).is_some() {
                n += 1;
            }
            n
        })
        .join()
        .unwrap()
    });
    assert_eq!(n, 1000);
}

#[test]
fn config_rejects_bad_load_factors() {
    for bad in [
        f64::NAN,
        0.0,
        -0.0,
        -1.0,
        f64::INFINITY,
        f64::NEG_INFINITY,
        16.000001,
        100.0,
    ] {
        let err = Config::new(bad).expect_err("must be rejected");
        assert!(matches!(err, ConfigError::LoadFactor(_)), "{err:?}");
        assert!(err.to_string().contains("invalid load factor"), "{err}");
        assert!(Config {
            load_factor: bad,
            shrink_below: None,
            seed: None,
        }
        .validate()
        .is_err());
    }
    for good in [0.5, 1.0, 6.5, MAX_LOAD_FACTOR] {
        assert_eq!(Config::new(good).unwrap().load_factor, good);
    }
    let lf = Config::default();
    for bad in [f64::NAN, 0.0, -1.0, f64::INFINITY, 3.25, 4.0] {
        let err = lf.with_shrink_below(bad).expect_err("must be rejected");
        assert!(matches!(err, ConfigError::ShrinkBelow { .. }), "{err:?}");
        assert!(
            err.to_string().contains("invalid shrink threshold"),
            "{err}"
        );
    }
    assert!(lf.with_shrink_below(3.2).is_ok());
    let e: &dyn std::error::Error = &ConfigError::LoadFactor(0.0);
    assert!(e.to_string().contains("Go uses 6.5"));
}

#[test]
#[should_panic(expected = "invalid load factor")]
fn with_config_panics_on_nan_load_factor() {
    let _ = Map::with_config(Config {
        load_factor: f64::NAN,
        shrink_below: None,
        seed: None,
    });
}

#[test]
#[should_panic(expected = "invalid load factor")]
fn with_config_panics_on_load_factor_above_16() {
    let _ = Map::with_config(Config {
        load_factor: 17.0,
        shrink_below: None,
        seed: None,
    });
}

#[test]
#[should_panic(expected = "invalid shrink threshold")]
fn with_config_panics_on_bad_shrink_threshold() {
    let _ = Map::with_config(Config {
        load_factor: 6.5,
        shrink_below: Some(6.0),
        seed: None,
    });
}

/// A custom load factor moves the growth points accordingly.
#[test]
fn custom_load_factor_moves_growth_points() {
    let mut m = Map::with_config(Config::new(2.0).unwrap());
    let mut points = Vec::new();
    let mut prev = m.stats().b;
    for n in 1..=200u64 {
        m.insert(n, n);
        if m.stats().b != prev {
            prev = m.stats().b;
            points.push(n);
        }
    }
    // More than 8 entries and more than 2 * 2^B.
    assert_eq!(points, [9, 17, 33, 65, 129]);
    assert_eq!(m.config().load_factor, 2.0);
}

/// `get_key_value`, `remove_entry`, `hasher`, borrowed lookups.
#[test]
fn borrowed_lookups_and_accessors() {
    let mut m: EvacMap<String, u64> = EvacMap::new();
    for k in 0..200 {
        m.insert(format!("k{k}"), k);
    }
    assert_eq!(m.get("k7"), Some(&7));
    assert_eq!(
        m.get_key_value("k8").map(|(k, v)| (k.as_str(), *v)),
        Some(("k8", 8))
    );
    assert!(m.contains_key("k199") && !m.contains_key("k200"));
    *m.get_mut("k9").unwrap() = 90;
    assert_eq!(m.remove_entry("k9"), Some(("k9".to_string(), 90)));
    assert_eq!(m.remove("k9"), None);
    let _ = m.hasher();
    m.check_invariants().unwrap();
}

/// With a load factor above 8, a one- or two-bucket table needs overflow buckets before it may
/// double; a same-size grow cannot remove them. Go never meets this (6.5 < 8): restarting the
/// assignment after each grow used to start same-size grows forever on the 10th insert.
#[test]
fn high_load_factors_never_loop_on_tiny_tables() {
    for lf in [8.5, 10.0, 12.0, 16.0] {
        let mut m: EvacMap<u64, u64> = EvacMap::with_config(Config::new(lf).unwrap());
        for k in 0..5_000u64 {
            m.insert(k, k);
            if k < 64 {
                m.check_invariants()
                    .unwrap_or_else(|e| panic!("lf {lf}, after {k}: {e}"));
            }
        }
        assert_eq!(m.len(), 5_000);
        m.check_invariants().unwrap();
        assert!((0..5_000u64).all(|k| m.get(&k) == Some(&k)), "lf {lf}");
    }
}

#[test]
fn a_fixed_seed_gives_the_same_layout_and_order_in_every_map() {
    type Fixed = std::hash::BuildHasherDefault<std::collections::hash_map::DefaultHasher>;
    let config = Config::default().with_seed(42);
    let build = || {
        let mut m: EvacMap<u64, u64, Fixed> =
            EvacMap::with_config_and_hasher(config, Fixed::default());
        for k in 0..5000u64 {
            m.insert(k.wrapping_mul(0x9e37_79b9_7f4a_7c15), k);
        }
        for k in (0..5000u64).step_by(3) {
            m.remove(&k.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        }
        m
    };
    let (a, b) = (build(), build());
    assert_eq!(a.stats().seed, b.stats().seed);
    assert_eq!(a.stats().overflow_buckets, b.stats().overflow_buckets);
    let walk = |m: &EvacMap<u64, u64, Fixed>| {
        let mut c = m.cursor();
        let mut order = Vec::new();
        while let Some((k, _)) = c.next(m) {
            order.push(*k);
        }
        order
    };
    assert_eq!(walk(&a), walk(&b), "cursors start at the same place");
    // Without a fixed seed, two maps get different seeds (Go's hash0).
    let mut x: EvacMap<u64, u64> = EvacMap::new();
    let mut y: EvacMap<u64, u64> = EvacMap::new();
    x.insert(1, 1);
    y.insert(1, 1);
    assert_ne!(x.stats().seed, y.stats().seed);
    // A different fixed seed gives a different hash0.
    let other: EvacMap<u64, u64> = EvacMap::with_config(Config::default().with_seed(43));
    assert_ne!(other.stats().seed, a.stats().seed);
}

/// The entry API against std's, including Go's `mapassign` behaviour: `entry` on a growing map
/// evacuates like an insert, and a vacant insert may start a grow.
#[test]
fn entry_api_matches_std_and_go() {
    use evacmap::Entry;
    use std::collections::HashMap;
    let mut m: EvacMap<u64, u64> = EvacMap::new();
    let mut std: HashMap<u64, u64> = HashMap::new();
    for k in 0..2000u64 {
        let key = k % 700;
        *m.entry(key).or_insert(0) += 1;
        *std.entry(key).or_insert(0) += 1;
        m.entry(key + 10_000)
            .and_modify(|v| *v *= 2)
            .or_insert_with(|| 1);
        std.entry(key + 10_000)
            .and_modify(|v| *v *= 2)
            .or_insert_with(|| 1);
        *m.entry(key + 20_000).or_default() += k;
        *std.entry(key + 20_000).or_default() += k;
        assert_eq!(*m.entry(key).key(), key);
    }
    assert_eq!(m.len(), std.len());
    assert!(std.iter().all(|(k, v)| m[k] == *v));
    match m.entry(3) {
        Entry::Occupied(mut e) => {
            assert_eq!((*e.key(), *e.get()), (3, std[&3]));
            assert_eq!(e.insert(99), std[&3]);
            assert_eq!(e.remove_entry(), (3, 99));
        }
        Entry::Vacant(_) => panic!("3 is present"),
    }
    assert!(!m.contains_key(&3));
    match m.entry(3) {
        Entry::Vacant(e) => assert_eq!(*e.insert(7), 7),
        Entry::Occupied(_) => panic!("3 was removed"),
    }
    assert_eq!(m[&3], 7);
    m.check_invariants().unwrap();

    // On a growing map, `entry` does growWork (evacuates), even for a present key.
    let mut g = mid_grow(833);
    let before = g.stats().evacuations;
    let _ = g.entry(5);
    assert!(g.stats().evacuations > before, "entry did no growWork");
    // A vacant insert that passes the load factor starts a doubling, as insert does.
    let mut full = Map::new();
    let mut k = 0;
    while !full.stats().growing {
        full.entry(k).or_insert(k);
        k += 1;
    }
    assert_eq!(full.stats().grow_kind, Some(GrowKind::Doubling));
    assert_eq!(full.len() as u64, k);
    assert!(format!("{:?}", full.entry(1)).starts_with("Occupied"));
}

#[test]
#[should_panic(expected = "no entry found for key")]
fn index_panics_on_a_missing_key() {
    let m = Map::from([(1, 10), (2, 20)]);
    assert_eq!(m[&1], 10);
    let _ = m[&3];
}

#[test]
fn capacity_reserve_and_shrink() {
    let mut m = Map::new();
    assert_eq!(m.capacity(), 8, "one bucket");
    m.reserve(1000);
    assert!(m.capacity() >= 1000);
    let grows = m.stats().grows;
    for k in 0..1000 {
        m.insert(k, k);
    }
    assert_eq!(m.stats().grows, grows, "reserve(1000) left room for 1000");
    // Reserving on a table that exists (and is mid-grow) finishes the grow and doubles now.
    let mut g = mid_grow(833);
    g.reserve(5000);
    assert!(!g.stats().growing && g.capacity() >= 5833);
    g.check_invariants().unwrap();
    assert!((0..833).all(|k| g[&k] == k * 10));
    assert_eq!(
        g.try_reserve(usize::MAX),
        Err(evacmap::TryReserveError::CapacityOverflow)
    );
    assert!(g.try_reserve(10).is_ok());
    // shrink_to keeps room for max(len, min).
    g.shrink_to(2000);
    assert!(g.capacity() >= 2000 && g.capacity() < 5833);
    g.shrink_to(0);
    assert!(g.capacity() >= 833);
    g.check_invariants().unwrap();
    // However the map was emptied, shrink_to_fit frees every table.
    let mut by_remove = mid_grow(833);
    for k in 0..833 {
        by_remove.remove(&k);
    }
    by_remove.shrink_to_fit();
    let mut by_clear = mid_grow(833);
    by_clear.clear();
    by_clear.shrink_to_fit();
    for m in [&by_remove, &by_clear] {
        let s = m.stats();
        assert_eq!((s.b, s.heap_bytes, s.overflow_buckets), (0, 0, 0), "{s:?}");
        m.check_invariants().unwrap();
    }
    by_remove.insert(1, 1);
    assert_eq!(by_remove[&1], 1);
}

#[test]
fn into_keys_values_from_array_and_extend_refs() {
    let m = Map::from([(1, 10), (2, 20), (3, 30)]);
    let mut keys: Vec<u64> = m.clone().into_keys().collect();
    keys.sort_unstable();
    assert_eq!(keys, [1, 2, 3]);
    let mut values: Vec<u64> = m.clone().into_values().collect();
    values.sort_unstable();
    assert_eq!(values, [10, 20, 30]);
    assert_eq!(m.clone().into_keys().len(), 3);
    let mut e = Map::new();
    e.extend(m.iter());
    e.extend(&std::collections::HashMap::from([(4u64, 40u64)]));
    assert_eq!(e.len(), 4);
    assert_eq!(e[&4], 40);
}

/// `iter()` starts at a random bucket and slot offset, like Go's `range`: even a one-bucket map
/// does not come back in insertion order every time. With `Config::seed` it repeats.
#[test]
fn iter_order_is_randomised_like_go_range() {
    let m: Map = (0..8).map(|k| (k, k)).collect();
    let firsts: HashSet<u64> = (0..200).map(|_| *m.keys().next().unwrap()).collect();
    assert!(firsts.len() > 1, "iter() always starts at the same slot");
    let big: Map = (0..5000).map(|k| (k, k)).collect();
    let firsts: HashSet<u64> = (0..200).map(|_| *big.keys().next().unwrap()).collect();
    assert!(firsts.len() > 1, "iter() always starts at the same bucket");
    type Fixed = std::hash::BuildHasherDefault<std::collections::hash_map::DefaultHasher>;
    let seeded = || {
        let mut m: EvacMap<u64, u64, Fixed> =
            EvacMap::with_config_and_hasher(Config::default().with_seed(7), Fixed::default());
        m.extend((0..500).map(|k| (k, k)));
        m
    };
    let (a, b) = (seeded(), seeded());
    assert!(a.keys().eq(b.keys()), "seeded maps iterate alike");
    assert!(
        a.keys().eq(a.keys()),
        "a seeded map iterates alike while unchanged"
    );
}

/// `Iter::fold` (8-bucket runs, a per-call offset table, chains visited between a run's
/// buckets) visits exactly what `next` visits, in the same order, on tables with overflow
/// chains at every position within a run, and when it takes over from `next` anywhere in the
/// walk (mid-bucket, mid-chain, mid-run).
#[test]
fn fold_matches_next_around_overflow_chains() {
    for n in [9u64, 60, 700, 3_000, 20_000] {
        // Seeded: two `iter()` calls on the same state start at the same place.
        let mut m: EvacMap<u64, [u64; 3]> =
            EvacMap::with_config(Config::default().with_seed(n ^ 0x5eed));
        for k in 0..n {
            m.insert(k, [k, k ^ 1, k.wrapping_mul(3)]);
        }
        // Holes and tombstones too.
        m.retain(|k, _| k % 7 != 3);
        assert!(m.probe_stats().overflow_fraction > 0.0 || n < 100);
        for _ in 0..4 {
            let by_next: Vec<(u64, [u64; 3])> = m.iter().map(|(&k, &v)| (k, v)).collect();
            let by_fold = m.iter().fold(Vec::new(), |mut acc, (&k, &v)| {
                acc.push((k, v));
                acc
            });
            assert_eq!(by_fold, by_next, "n={n}");
            assert_eq!(by_next.len(), m.len());
            assert!(by_next.iter().all(|(k, v)| v[0] == *k && v[1] == k ^ 1));
            let mut sum = 0u64;
            m.iter_mut().for_each(|(_, v)| sum = sum.wrapping_add(v[0]));
            assert_eq!(sum, m.keys().copied().fold(0u64, u64::wrapping_add));
            for skip in [1, 3, 8, 13, 29, 64, 100, 517] {
                let skip = skip.min(by_next.len());
                let mut it = m.iter();
                it.by_ref().take(skip).for_each(drop);
                let rest = it.fold(Vec::new(), |mut acc, (&k, &v)| {
                    acc.push((k, v));
                    acc
                });
                assert_eq!(rest, by_next[skip..], "n={n} skip={skip}");
            }
        }
    }
}

#[test]
fn retain_with_a_shrink_policy_returns_the_memory_at_once() {
    let config = Config::default().with_shrink_below(1.0).unwrap();
    let mut m = Map::with_config(config);
    for k in 0..(1u64 << 14) {
        m.insert(k, k);
    }
    let before = m.stats();
    // Keep 1%: far below one entry per bucket, so the policy calls for several halvings.
    m.retain(|k, _| k % 100 == 0);
    let after = m.stats();
    assert_eq!(after.len, (1u64 << 14).div_ceil(100) as usize);
    assert!(!after.growing, "the halvings are finished: {after:?}");
    assert!(after.shrinks >= 2, "{after:?}");
    m.check_invariants().unwrap();
    assert!(
        (after.len as f64) >= 1.0 * after.buckets as f64,
        "the policy's threshold holds after the halvings: {after:?}"
    );
    assert!(
        after.heap_bytes * 8 < before.heap_bytes,
        "{} -> {} bytes",
        before.heap_bytes,
        after.heap_bytes
    );
    for k in 0..(1u64 << 14) {
        assert_eq!(m.get(&k).copied(), (k % 100 == 0).then_some(k), "key {k}");
    }
    // Without a policy nothing moves (Go's behaviour).
    let mut go = Map::new();
    for k in 0..(1u64 << 14) {
        go.insert(k, k);
    }
    let b = go.stats().b;
    go.retain(|k, _| k % 100 == 0);
    assert_eq!((go.stats().b, go.stats().shrinks), (b, 0));
}
