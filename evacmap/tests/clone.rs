//! `Clone` is structural: the clone has the original's seed, B, cells (tombstones and overflow
//! chains included) and grow in progress, so its layout, statistics and later growth are the
//! original's, while the two maps are independent.

mod common;

use common::{shrinking_config, test_map, Rng, TestHasher, TestMap};
use evacmap::{Config, GrowKind};

/// The clone is the same layout: every cell, every statistic, the probe lengths.
fn assert_same_layout(a: &TestMap, b: &TestMap) {
    assert_eq!(a.view(), b.view(), "cells differ");
    assert_eq!(a.stats(), b.stats(), "stats differ");
    assert_eq!(a.probe_stats(), b.probe_stats(), "probe stats differ");
    a.check_invariants().unwrap();
    b.check_invariants().unwrap();
}

/// Clones `m`, checks the copy, then drives both with the same writes and checks after each
/// that they stay identical (same seed and same cells, so the same placement and growth), and
/// that both hold the same entries as a model.
fn clone_and_follow(m: &mut TestMap, rng: &mut Rng, keys: u64, writes: usize) {
    let mut c = m.clone();
    assert_same_layout(m, &c);
    for _ in 0..writes {
        let k = rng.below(keys);
        if rng.one_in(3) {
            assert_eq!(m.remove(&k), c.remove(&k));
        } else {
            let v = rng.next_u64();
            assert_eq!(m.insert(k, v), c.insert(k, v));
        }
        assert_eq!(m.view(), c.view(), "the clone's layout diverged");
    }
    assert_same_layout(m, &c);
    let mut all: Vec<(u64, u64)> = m.iter().map(|(&k, &v)| (k, v)).collect();
    let mut all_c: Vec<(u64, u64)> = c.iter().map(|(&k, &v)| (k, v)).collect();
    all.sort_unstable();
    all_c.sort_unstable();
    assert_eq!(all, all_c);
}

#[test]
fn clone_copies_every_cell_in_every_state() {
    let mut rng = Rng::new(14);
    // Empty, never allocated (seeded: a map that becomes empty redraws its seed).
    let mut m = test_map(TestHasher::Sip, Config::default().with_seed(3));
    clone_and_follow(&mut m, &mut rng, 100, 50);
    // Mid doubling, with tombstones.
    let mut m = test_map(TestHasher::Sip, Config::default());
    for k in 0..833 {
        m.insert(k, k);
    }
    for k in (0..833).step_by(60) {
        m.remove(&k);
    }
    assert_eq!(m.stats().grow_kind, Some(GrowKind::Doubling));
    assert!(m.stats().tombstones > 0);
    clone_and_follow(&mut m, &mut rng, 2000, 400);
    // Long overflow chains (32 chains at most).
    let mut m = test_map(TestHasher::Weak(32), Config::default());
    let mut seen_overflow = false;
    for round in 0..40 {
        for _ in 0..40 {
            let k = rng.below(600);
            if rng.one_in(2) {
                m.remove(&k);
            } else {
                m.insert(k, round);
            }
        }
        seen_overflow |= m.stats().overflow_buckets > 0;
        clone_and_follow(&mut m, &mut rng, 600, 30);
    }
    assert!(
        seen_overflow,
        "the weak hasher should chain overflow buckets"
    );
    // Mid same-size grow: churn at a constant size (fresh keys in, old ones out).
    let mut m = test_map(TestHasher::Sip, Config::default());
    for k in 0..104 {
        m.insert(k, k);
    }
    let mut next = 104;
    while m.stats().grow_kind != Some(GrowKind::SameSize) {
        m.remove(&(next - 104));
        m.insert(next, next);
        next += 1;
        assert!(next < 2_000_000, "no same-size grow");
    }
    clone_and_follow(&mut m, &mut rng, next, 100);
    // Mid halving.
    let mut m = test_map(TestHasher::Sip, shrinking_config());
    for k in 0..4000 {
        m.insert(k, k);
    }
    let mut k = 0;
    while m.stats().grow_kind != Some(GrowKind::Halving) {
        m.remove(&k);
        k += 1;
    }
    clone_and_follow(&mut m, &mut rng, 4000, 300);
}

#[test]
fn clone_of_a_seeded_map_repeats_its_draws() {
    let mut m = test_map(TestHasher::Sip, Config::default().with_seed(7));
    for k in 0..300 {
        m.insert(k, k);
    }
    let c = m.clone();
    let order = |m: &TestMap| m.iter().map(|(&k, _)| k).collect::<Vec<_>>();
    assert_eq!(
        order(&m),
        order(&c),
        "same state and seed: same iteration order"
    );
    let (mut a, mut b) = (m.cursor(), c.cursor());
    while let Some((ka, _)) = a.next(&m) {
        assert_eq!(Some(ka), b.next(&c).map(|(k, _)| k));
    }
    assert!(b.next(&c).is_none());
}

#[test]
fn clone_and_original_are_independent() {
    let mut m = test_map(TestHasher::Weak(8), Config::default());
    for k in 0..200 {
        m.insert(k, k);
    }
    let view = m.view();
    let mut c = m.clone();
    c.retain(|&k, _| k % 3 == 0);
    for k in 1000..1500 {
        c.insert(k, k);
    }
    c.clear();
    assert_eq!(m.view(), view, "writes to the clone reached the original");
    assert_eq!(m.len(), 200);
    m.check_invariants().unwrap();
    drop(m);
    c.insert(1, 1);
    assert_eq!(c.get(&1), Some(&1));
}
