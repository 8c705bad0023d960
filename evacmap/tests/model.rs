//! Model tests: random operation sequences run on an `EvacMap` and on std's `HashMap`, with
//! several live cursors stepped between operations and checked against the `Cursor` contract.
//! After every operation `check_invariants()` must pass and `len`/`get` must agree with the model.
//! Scale with `EVACMAP_TEST_SCALE` (or `PROPTEST_CASES`).

mod common;

use common::{proptest_cases, scale, scaled_min, shrinking_config, Harness, Rng, TestHasher};
use evacmap::Config;
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    Insert(u64, u64),
    Remove(u64),
    Get(u64),
    InsertRange {
        base: u64,
        n: u64,
    },
    RemoveRange {
        base: u64,
        n: u64,
    },
    /// Remove `n` random present keys and insert `n` fresh ones (constant size).
    Churn {
        n: usize,
        seed: u64,
    },
    /// Remove `n` random present keys.
    RemoveRandom {
        n: usize,
        seed: u64,
    },
    Clear,
    Retain {
        m: u64,
        r: u64,
    },
    ExtractIf {
        m: u64,
        take: usize,
    },
    ShrinkToFit,
    GetMut(u64, u64),
    ValuesMutAdd(u64),
    Drain {
        take: usize,
    },
    /// Entry API: add to (or insert) the value, or remove through the entry.
    Entry {
        k: u64,
        d: u64,
        remove: bool,
    },
    Reserve(usize),
    ShrinkTo(usize),
    /// `iter()` by `next` and by `fold` after `skip` steps.
    Iterate {
        skip: usize,
    },
    NewCursor,
    /// Clone, then `writes` random writes to the clone only.
    Clone {
        writes: usize,
        seed: u64,
    },
    /// `Cursor::retain_next` with budget `n`, removing where `k % m == r`.
    CursorRetain {
        cursor: usize,
        n: usize,
        m: u64,
        r: u64,
    },
    Step {
        cursor: usize,
        n: usize,
    },
    /// `n` steps of a cursor, each yielded entry with `k % m == r` removed with
    /// `Cursor::remove_yielded` (Go's range-and-delete loop).
    StepRemove {
        cursor: usize,
        n: usize,
        m: u64,
        r: u64,
    },
}

/// Operations over keys `0..keys`; `bulk` bounds the range and churn sizes.
fn op(keys: u64, bulk: u64) -> impl Strategy<Value = Op> {
    prop_oneof![
        20 => (0..keys, any::<u64>()).prop_map(|(k, v)| Op::Insert(k, v)),
        10 => (0..keys).prop_map(Op::Remove),
        4 => (0..keys).prop_map(Op::Get),
        8 => (0..keys, 1..bulk).prop_map(|(base, n)| Op::InsertRange { base, n }),
        5 => (0..keys, 1..bulk).prop_map(|(base, n)| Op::RemoveRange { base, n }),
        5 => (1..bulk as usize, any::<u64>()).prop_map(|(n, seed)| Op::Churn { n, seed }),
        3 => (1..bulk as usize, any::<u64>()).prop_map(|(n, seed)| Op::RemoveRandom { n, seed }),
        1 => Just(Op::Clear),
        2 => (2..5u64, 0..2u64).prop_map(|(m, r)| Op::Retain { m, r }),
        2 => (2..4u64, 0..40usize).prop_map(|(m, take)| Op::ExtractIf { m, take }),
        2 => Just(Op::ShrinkToFit),
        3 => (0..keys, any::<u64>()).prop_map(|(k, v)| Op::GetMut(k, v)),
        1 => any::<u64>().prop_map(Op::ValuesMutAdd),
        1 => (0..20usize).prop_map(|take| Op::Drain { take }),
        8 => (0..keys, any::<u64>(), any::<bool>())
            .prop_map(|(k, d, remove)| Op::Entry { k, d, remove }),
        1 => (0..bulk as usize * 4).prop_map(Op::Reserve),
        1 => (0..bulk as usize * 2).prop_map(Op::ShrinkTo),
        1 => (0..50usize).prop_map(|skip| Op::Iterate { skip }),
        4 => Just(Op::NewCursor),
        2 => (0..60usize, any::<u64>()).prop_map(|(writes, seed)| Op::Clone { writes, seed }),
        16 => (0..6usize, 1..60usize).prop_map(|(cursor, n)| Op::Step { cursor, n }),
        6 => (0..6usize, 1..200usize, 2..4u64, 0..2u64)
            .prop_map(|(cursor, n, m, r)| Op::CursorRetain { cursor, n, m, r }),
        6 => (0..6usize, 1..200usize, 2..4u64, 0..2u64)
            .prop_map(|(cursor, n, m, r)| Op::StepRemove { cursor, n, m, r }),
    ]
}

/// Runs `ops` on a fresh harness; returns it (all cursors finished and checked).
fn run(hasher: TestHasher, config: Config, ops: &[Op], keys: u64) -> Harness {
    let mut h = Harness::with(hasher, config);
    // Keys chosen by the ops stay below `keys`; fresh churn keys are far above.
    h.next_fresh = keys + (1 << 32);
    for op in ops {
        match *op {
            Op::Insert(k, v) => {
                h.insert(k, v);
            }
            Op::Remove(k) => {
                h.remove(k);
            }
            Op::Get(k) => h.get(k),
            Op::InsertRange { base, n } => {
                h.check_every_op = false;
                for k in base..(base + n).min(keys) {
                    h.insert(k, k ^ 0xabcd);
                }
                h.check_every_op = true;
                h.check();
            }
            Op::RemoveRange { base, n } => {
                h.check_every_op = false;
                for k in base..base + n {
                    h.remove(k);
                }
                h.check_every_op = true;
                h.check();
            }
            Op::Churn { n, seed } => {
                let mut rng = Rng::new(seed);
                let mut present: Vec<u64> = h.model.keys().copied().collect();
                present.sort_unstable();
                h.check_every_op = false;
                for _ in 0..n {
                    if present.is_empty() {
                        break;
                    }
                    let i = rng.below(present.len() as u64) as usize;
                    let k = present.swap_remove(i);
                    h.remove(k);
                    let fresh = h.insert_fresh(rng.next_u64());
                    present.push(fresh);
                }
                h.check_every_op = true;
                h.check();
            }
            Op::RemoveRandom { n, seed } => {
                let mut rng = Rng::new(seed);
                let mut present: Vec<u64> = h.model.keys().copied().collect();
                present.sort_unstable();
                h.check_every_op = false;
                h.remove_random_from(&mut present, n, &mut rng);
                h.check_every_op = true;
                h.check();
            }
            Op::Clear => h.clear(),
            Op::Retain { m, r } => h.retain(|k, v| (k ^ v) % m != r),
            Op::ExtractIf { m, take } => h.extract_if(|k, _| k % m == 0, take),
            Op::ShrinkToFit => h.shrink_to_fit(),
            Op::Entry { k, d, remove } => h.entry_op(k, d, remove),
            Op::Reserve(n) => h.reserve(n),
            Op::ShrinkTo(n) => h.shrink_to(n),
            Op::Iterate { skip } => h.iterate(skip),
            Op::GetMut(k, v) => h.get_mut_set(k, v),
            Op::ValuesMutAdd(d) => h.values_mut_add(d),
            Op::Drain { take } => h.drain(take),
            Op::Clone { writes, seed } => h.clone_check(writes, seed),
            Op::NewCursor => {
                if h.cursors.iter().filter(|c| !c.finished).count() < 6 {
                    h.new_cursor();
                }
            }
            Op::CursorRetain { cursor, n, m, r } => {
                if !h.cursors.is_empty() {
                    let i = cursor % h.cursors.len();
                    if !h.cursors[i].finished {
                        h.cursor_retain(i, n, |k, _| k % m != r);
                    }
                }
            }
            Op::Step { cursor, n } => {
                if !h.cursors.is_empty() {
                    let i = cursor % h.cursors.len();
                    h.steps(i, n);
                }
            }
            Op::StepRemove { cursor, n, m, r } => {
                if !h.cursors.is_empty() {
                    let i = cursor % h.cursors.len();
                    for _ in 0..n {
                        match h.step(i) {
                            Some((k, v)) if k % m == r => {
                                assert_eq!(
                                    h.remove_yielded(i),
                                    Some((k, v)),
                                    "remove_yielded right after next"
                                );
                            }
                            Some(_) => {}
                            None => break,
                        }
                    }
                }
            }
        }
    }
    h.finish_all();
    h.check();
    h
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases: proptest_cases(cases),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn max_ops() -> usize {
    scaled_min(160, 8)
}

proptest! {
    #![proptest_config(config(96))]

    /// Go's defaults (no shrinking) with a good hasher: several doubling grows and churn.
    #[test]
    fn model_default_config(ops in proptest::collection::vec(op(3000, 400), 1..max_ops())) {
        run(TestHasher::Sip, Config::default(), &ops, 3000);
    }

    /// With a shrink policy: halvings interleave with doublings.
    #[test]
    fn model_with_halving(ops in proptest::collection::vec(op(3000, 400), 1..max_ops())) {
        run(TestHasher::Sip, shrinking_config(), &ops, 3000);
    }

    /// A weak hasher (13 distinct hashes): long overflow chains and same-size grows.
    #[test]
    fn model_weak_hasher(ops in proptest::collection::vec(op(600, 150), 1..max_ops())) {
        run(TestHasher::Weak(13), shrinking_config(), &ops, 600);
    }

    /// A small load factor: more grows per operation.
    #[test]
    fn model_low_load_factor(ops in proptest::collection::vec(op(1500, 200), 1..max_ops())) {
        let config = Config::new(2.0).unwrap().with_shrink_below(0.5).unwrap();
        run(TestHasher::Sip, config, &ops, 1500);
    }
}

proptest! {
    #![proptest_config(config(24))]

    /// Every key collides: one chain holds everything.
    #[test]
    fn model_constant_hasher(ops in proptest::collection::vec(op(200, 60), 1..max_ops())) {
        run(TestHasher::Const, Config::default(), &ops, 200);
    }
}

/// A fixed, long sequence that must reach doubling grows, same-size grows and halvings while
/// cursors are live, so the proptest runs are known to exercise all three.
#[test]
fn model_fixed_sequence_reaches_every_grow_kind() {
    let mut ops = vec![
        Op::InsertRange { base: 0, n: 60 },
        Op::NewCursor,
        Op::Step { cursor: 0, n: 5 },
    ];
    ops.extend([
        Op::InsertRange { base: 60, n: 1500 },
        Op::NewCursor,
        Op::Step { cursor: 1, n: 40 },
        Op::Step { cursor: 0, n: 10 },
        Op::RemoveRandom { n: 1456, seed: 7 },
        Op::Step { cursor: 1, n: 10 },
        Op::ShrinkToFit,
        Op::NewCursor,
        Op::Step { cursor: 2, n: 3 },
    ]);
    for i in 0..scaled_min(40, 10) as u64 {
        ops.push(Op::Churn { n: 100, seed: i });
        ops.push(Op::Step {
            cursor: (i % 3) as usize,
            n: 2,
        });
        if i == 3 {
            ops.push(Op::NewCursor);
        }
    }
    ops.extend([
        Op::Iterate { skip: 7 },
        Op::Entry {
            k: 5,
            d: 1,
            remove: false,
        },
        Op::Entry {
            k: 5,
            d: 0,
            remove: true,
        },
        Op::Reserve(3000),
        Op::Step { cursor: 3, n: 5 },
        Op::ShrinkTo(100),
        Op::Iterate { skip: 0 },
        Op::ExtractIf { m: 2, take: 30 },
        Op::Retain { m: 3, r: 1 },
        Op::NewCursor,
        Op::Step { cursor: 4, n: 5 },
        Op::ShrinkToFit,
        Op::Step { cursor: 4, n: 5 },
        Op::InsertRange { base: 0, n: 400 },
    ]);
    // A fixed seed (the map's random draws): with a random one, the reduced scale of the
    // valgrind run (10 churn rounds) missed the same-size grow in about 2% of runs (2 of 120).
    let h = run(TestHasher::Sip, shrinking_config().with_seed(1), &ops, 3000);
    let stats = h.map.stats();
    assert!(stats.grows >= 5, "{stats:?}");
    assert!(stats.same_size_grows >= 1, "{stats:?}");
    assert!(stats.shrinks >= 2, "{stats:?}");
    assert!(h.cursors.iter().all(|c| c.finished));
    assert!(h.cursors.iter().map(|c| c.survivors).sum::<usize>() > 0);
}

/// `Cursor::retain_next` at every budget from 1 up, on a settled map (its bucket-at-a-time and
/// 8-bucket fast paths), on long overflow chains (weak hasher) and with a shrink policy (a
/// halving may start between calls), with other cursors parked before, inside and after the
/// swept part and the map written between calls: every cursor keeps its contract and the map
/// matches the model.
#[test]
fn cursor_retain_next_with_parked_cursors() {
    let cases = [
        (TestHasher::Sip, Config::default()),
        (TestHasher::Weak(37), Config::default()),
        (TestHasher::Sip, shrinking_config()),
    ];
    for (hasher, config) in cases {
        for budget in [1usize, 3, 8, 31, 64, 256, 5_000] {
            let mut h = Harness::with(hasher.clone(), config);
            h.check_every_op = false;
            let n = scaled_min(3_000, 300) as u64;
            for k in 0..n {
                h.insert(k, k * 7);
            }
            let parked_early = h.new_cursor();
            let sweeper = h.new_cursor();
            let parked_late = h.new_cursor();
            h.steps(parked_late, 200);
            let mut rng = Rng::new(budget as u64);
            let mut calls = 0;
            while !h.cursors[sweeper].finished {
                h.cursor_retain(sweeper, budget, |k, _| k % 2 == 0 || k % 5 == 0);
                calls += 1;
                if calls % 3 == 0 {
                    // Writes between calls: the fast path must notice and re-read the bucket.
                    let k = rng.below(n);
                    h.remove(k);
                    h.insert_fresh(1);
                }
                if calls % 7 == 0 {
                    h.steps(parked_early, 3);
                }
                if calls > 10 * n as usize + 10 {
                    panic!("retain_next did not finish");
                }
            }
            h.check();
            h.finish_all();
            h.check();
            // The sweeper removed what it was asked to, except keys inserted behind it.
            let odd_left = h
                .model
                .keys()
                .filter(|&&k| k < n && k % 2 == 1 && k % 5 != 0)
                .count();
            assert_eq!(odd_left, 0, "budget {budget}: doomed keys left");
        }
    }
}

/// `Cursor::next` + `Cursor::remove_yielded` over runs of 8 buckets (the cursor's run fast path
/// and its branch-free removal), stopped at every position of the first runs and, there, the map
/// written in each way (insert, update, remove ahead, remove behind, a doubling, a retain_next
/// call, a clear) while other cursors are parked before, inside and after the run; then every
/// cursor is run to its end under the contract and the map matches the model.
#[test]
fn cursor_remove_yielded_runs_with_parked_cursors() {
    let cases = [
        (TestHasher::Sip, Config::default()),
        (TestHasher::Weak(37), Config::default()),
        (TestHasher::Sip, shrinking_config()),
    ];
    let n = scaled_min(2_000, 300) as u64;
    let stops: Vec<usize> = if scale() >= 1.0 {
        (0..80).collect()
    } else {
        vec![0, 1, 7, 8, 33, 64]
    };
    for (hasher, config) in cases {
        for &stop in &stops {
            for write in 0..7u64 {
                let mut h = Harness::with(hasher.clone(), config);
                h.check_every_op = false;
                for k in 0..n {
                    h.insert(k, k * 7);
                }
                let parked_early = h.new_cursor();
                let walker = h.new_cursor();
                let parked_late = h.new_cursor();
                h.steps(parked_late, 50);
                // Go's range-and-delete loop on the odd keys, up to `stop` entries.
                let mut walked = 0;
                while walked < stop {
                    match h.step(walker) {
                        Some((k, v)) if k % 2 == 1 => {
                            assert_eq!(h.remove_yielded(walker), Some((k, v)));
                        }
                        Some(_) => {}
                        None => break,
                    }
                    walked += 1;
                }
                h.steps(parked_early, stop % 5);
                match write {
                    0 => {
                        h.insert_fresh(3);
                    }
                    1 => {
                        h.insert(0, 1);
                    }
                    2 => {
                        // Keys ahead of the walker and behind it (some of each, in any order).
                        for k in (0..n).step_by(97) {
                            h.remove(k);
                        }
                    }
                    3 => {
                        for _ in 0..n {
                            h.insert_fresh(4);
                        }
                    }
                    4 => {
                        h.cursor_retain(parked_early, 13, |k, _| k % 3 != 0);
                    }
                    5 => h.clear(),
                    _ => {
                        // Nothing written: the walker's next removal must still be allowed.
                    }
                }
                // The rest of the walk, removing the odd keys it meets.
                let mut steps = 0;
                while let Some((k, v)) = h.step(walker) {
                    if k % 2 == 1 {
                        assert_eq!(h.remove_yielded(walker), Some((k, v)));
                    }
                    steps += 1;
                    if steps % 50 == 0 {
                        h.steps(parked_early, 1);
                    }
                    assert!(steps < 100 * n as usize, "the walk does not end");
                }
                h.check();
                h.finish_all();
                h.check();
                if write != 5 {
                    let odd_left = h.model.keys().filter(|&&k| k < n && k % 2 == 1).count();
                    assert_eq!(odd_left, 0, "stop {stop}, write {write}: odd keys left");
                }
            }
        }
    }
}

/// proptest's minimal input (model_weak_hasher) that once reached `remove_yielded` with a
/// remembered cell of a table the map no longer owned: a halving finished by the removals of
/// one cursor's `retain_next`, then another cursor's range-and-delete loop, then a shrink.
#[test]
fn remove_yielded_after_a_halving_and_a_shrink() {
    let ops = [
        Op::InsertRange { base: 221, n: 10 },
        Op::NewCursor,
        Op::CursorRetain {
            cursor: 1,
            n: 62,
            m: 2,
            r: 1,
        },
        Op::NewCursor,
        Op::StepRemove {
            cursor: 5,
            n: 87,
            m: 2,
            r: 0,
        },
        Op::ShrinkToFit,
    ];
    for seed in 0..scaled_min(2000, 200) as u64 {
        run(
            TestHasher::Weak(13),
            shrinking_config().with_seed(seed),
            &ops,
            600,
        );
    }
}
