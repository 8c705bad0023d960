//! Property 2: a random sequence of operations behaves like std's `HashMap`.
//!
//! Fixed scenarios only find the bugs someone thought of. Here proptest generates sequences of
//! inserts, overwrites, lookups, removals, sweeps with random predicates, traversals and
//! `len`/`memory` calls over a small key space (so keys collide, come back after removal and
//! are swept while overwritten), runs them on the contender and on a `HashMap<Key, version>`,
//! and compares every answer. Shared contenders get each operation through the map itself or
//! one of two handles, chosen at random, so handles must really share one map. A failure is
//! shrunk to a short sequence.
//!
//! Cases: `PROPTEST_CASES` if set, else [`DEFAULT_CASES`]. The proptest seed is fixed from the
//! conformance seed unless `PROPTEST_RNG_SEED` is set.

use std::collections::{HashMap, HashSet};

use crate::{check_word, Build, Contender, Key, Ops, Shared, Value};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestError, TestRunner};

use crate::conformance::checks::{self, some};
use crate::conformance::harness::{Applies, Check, Ctx};
use crate::conformance::keys::mix;

/// Cases per contender and value type when `PROPTEST_CASES` is not set.
pub(crate) const DEFAULT_CASES: u32 = 24;
/// Distinct keys the operations draw from: small, so operations meet on the same keys.
const KEY_SPACE: u8 = 48;
/// Most operations in one case.
const MAX_OPS: usize = 300;

/// The key with index `ix`: the edge keys `0` and `u64::MAX`, then scattered keys.
fn key_of(ix: u8) -> Key {
    match ix {
        0 => 0,
        1 => u64::MAX,
        _ => mix(u64::from(ix)),
    }
}

/// Whether a random sweep predicate dooms an entry: a pure function of the key and the value's
/// version, so sweeps also check that the predicate sees the current value.
fn doomed_by(key: Key, version: u64, salt: u64, permille: u16) -> bool {
    (mix(key ^ salt).wrapping_add(version)) % 1000 < u64::from(permille)
}

/// One operation of a sequence.
#[derive(Clone, Debug)]
enum Op {
    /// Insert or overwrite key `key` with a value of `version`.
    Insert { key: u8, version: u8 },
    /// Look key `key` up.
    Get { key: u8 },
    /// Remove key `key`.
    Remove { key: u8 },
    /// Sweep with [`doomed_by`] under `salt` and `permille`.
    Sweep { salt: u8, permille: u16 },
    /// Traverse and compare everything yielded.
    Traverse,
    /// Compare `len`.
    Len,
    /// Check the memory figures.
    Memory,
}

/// An operation and, for shared contenders, whom to send it through (0: the map itself,
/// 1 and 2: two handles).
#[derive(Clone, Debug)]
struct Step {
    via: u8,
    op: Op,
}

fn step() -> impl Strategy<Value = Step> {
    let key = 0..KEY_SPACE;
    let op = prop_oneof![
        30 => (key.clone(), 0..4u8).prop_map(|(key, version)| Op::Insert { key, version }),
        25 => key.clone().prop_map(|key| Op::Get { key }),
        20 => key.prop_map(|key| Op::Remove { key }),
        5 => (any::<u8>(), prop_oneof![Just(0u16), Just(1000u16), 0..=1000u16])
            .prop_map(|(salt, permille)| Op::Sweep { salt, permille }),
        5 => Just(Op::Traverse),
        10 => Just(Op::Len),
        5 => Just(Op::Memory),
    ];
    (0..3u8, op).prop_map(|(via, op)| Step { via, op })
}

/// Applies `op` (operation number `i`) to `map` and to `model`, and compares the answers.
fn apply<V: Value, O: Ops<V>>(
    map: &mut O,
    model: &mut HashMap<Key, u64>,
    i: usize,
    op: &Op,
) -> Result<(), TestCaseError> {
    match *op {
        Op::Insert { key, version } => {
            let k = key_of(key);
            let ver = u64::from(version);
            let absent = model.insert(k, ver).is_none();
            prop_assert_eq!(
                map.insert(k, V::new(k, ver)),
                absent,
                "op {}: insert({:#x}) must return whether the key was absent",
                i,
                k
            );
        }
        Op::Get { key } => {
            let k = key_of(key);
            let want = model.get(&k).map(|&ver| check_word(k, ver));
            prop_assert_eq!(map.get(k), want, "op {}: get({:#x})", i, k);
        }
        Op::Remove { key } => {
            let k = key_of(key);
            let present = model.remove(&k).is_some();
            prop_assert_eq!(
                map.remove(k),
                present,
                "op {}: remove({:#x}) must return whether the key was present",
                i,
                k
            );
        }
        Op::Sweep { salt, permille } => {
            let salt = mix(u64::from(salt));
            let mut calls: HashMap<Key, usize> = HashMap::new();
            let mut wrong = Vec::new();
            let sweep = map.sweep(|k, v| {
                *calls.entry(k).or_default() += 1;
                match model.get(&k) {
                    Some(&ver) if v.check() == check_word(k, ver) => {
                        doomed_by(k, ver, salt, permille)
                    }
                    _ => {
                        wrong.push((k, v.check()));
                        false
                    }
                }
            });
            prop_assert!(
                wrong.is_empty(),
                "op {}: sweep passed keys not in the map or wrong values (key, check): {}",
                i,
                some(wrong)
            );
            let doomed: HashSet<Key> = model
                .iter()
                .filter(|&(&k, &ver)| doomed_by(k, ver, salt, permille))
                .map(|(&k, _)| k)
                .collect();
            let bad_visits: Vec<(Key, usize)> = model
                .keys()
                .map(|&k| (k, calls.get(&k).copied().unwrap_or(0)))
                .filter(|&(k, n)| n == 0 || n > if doomed.contains(&k) { 2 } else { 1 })
                .collect();
            prop_assert!(
                bad_visits.is_empty(),
                "op {}: sweep must visit each live entry once (a doomed one may be re-checked \
                 once); (key, calls): {}",
                i,
                some(bad_visits)
            );
            prop_assert_eq!(
                (sweep.visited, sweep.removed),
                (model.len(), doomed.len()),
                "op {}: Sweep {{ visited, removed }}",
                i
            );
            model.retain(|k, _| !doomed.contains(k));
        }
        Op::Traverse => {
            let mut seen: HashMap<Key, usize> = HashMap::new();
            let mut wrong = Vec::new();
            let n = map.traverse(|k, v| {
                *seen.entry(k).or_default() += 1;
                if model.get(&k).map(|&ver| check_word(k, ver)) != Some(v.check()) {
                    wrong.push((k, v.check()));
                }
            });
            prop_assert!(
                wrong.is_empty(),
                "op {}: traverse yielded keys not in the map or wrong values (key, check): {}",
                i,
                some(wrong)
            );
            prop_assert!(
                seen.len() == model.len() && seen.values().all(|&c| c == 1),
                "op {}: traverse must yield each of the {} live keys once; yielded {:?}",
                i,
                model.len(),
                seen
            );
            prop_assert_eq!(n, model.len(), "op {}: traverse's returned count", i);
        }
        Op::Len => {
            prop_assert_eq!(map.len(), model.len(), "op {}: len", i);
        }
        Op::Memory => {
            let m = map.memory();
            let floor = model.len() * (8 + V::BYTES);
            prop_assert!(
                m.heap_bytes >= floor && m.garbage_bytes <= m.heap_bytes,
                "op {}: memory {:?} with {} entries (needs heap_bytes >= {} and \
                 garbage_bytes <= heap_bytes)",
                i,
                m,
                model.len(),
                floor
            );
        }
    }
    Ok(())
}

/// Checks the whole state at the end of a case.
fn finish<V: Value, O: Ops<V>>(map: &mut O, model: &HashMap<Key, u64>) {
    let absent: Vec<Key> = (0..KEY_SPACE)
        .map(key_of)
        .filter(|k| !model.contains_key(k))
        .collect();
    checks::contents::<V, O>(map, model, &absent, "end of the sequence");
}

/// Property 2 (see the module docs).
#[derive(Debug)]
pub(crate) struct ModelOps;

impl ModelOps {
    /// Runs proptest over `case`, which runs one sequence on a fresh map.
    fn run<V: Value, C: Contender<V>>(
        ctx: &Ctx,
        case: impl Fn(&mut C, &[Step], &mut HashMap<Key, u64>) -> Result<(), TestCaseError>,
    ) -> Applies {
        // Build once outside proptest, so a contender that cannot even be built fails with its
        // own message instead of a shrinking session.
        let mut probe = C::build(&Build::default()).expect("build with the default Build");
        assert!(probe.insert(1, V::new(1, 0)) && probe.get(1) == Some(check_word(1, 0)));
        drop(probe);

        let seed = ctx.case_seed(0x30de1);
        let mut config = Config {
            cases: DEFAULT_CASES,
            rng_seed: RngSeed::Fixed(seed),
            failure_persistence: None,
            max_shrink_iters: 4096,
            ..Config::default()
        };
        if let Ok(cases) = std::env::var("PROPTEST_CASES") {
            config.cases = cases.trim().parse().expect("PROPTEST_CASES must be a u32");
        }
        if let Ok(seed) = std::env::var("PROPTEST_RNG_SEED") {
            config.rng_seed = RngSeed::Fixed(seed.trim().parse().expect("PROPTEST_RNG_SEED"));
        }
        let rng_seed = config.rng_seed;
        let mut runner = TestRunner::new(config);
        let result = runner.run(&proptest::collection::vec(step(), 1..MAX_OPS), |steps| {
            let mut map = C::build(&Build::default()).expect("build");
            let mut model = HashMap::new();
            case(&mut map, &steps, &mut model)?;
            finish::<V, C>(&mut map, &model);
            Ok(())
        });
        match result {
            Ok(()) => Applies::Checked,
            Err(TestError::Fail(reason, steps)) => panic!(
                "model test failed ({rng_seed:?}): {reason}\nminimal sequence ({} ops): \
                 {steps:?}",
                steps.len()
            ),
            Err(TestError::Abort(reason)) => panic!("model test aborted: {reason}"),
        }
    }
}

impl Check for ModelOps {
    const NAME: &'static str = "operations agree with a HashMap model";

    fn single<V: Value, C: Contender<V>>(&self, ctx: &Ctx) -> Applies {
        Self::run::<V, C>(ctx, |map, steps, model| {
            for (i, s) in steps.iter().enumerate() {
                apply::<V, C>(map, model, i, &s.op)?;
            }
            Ok(())
        })
    }

    fn shared<V: Value, C: Shared<V>>(&self, ctx: &Ctx) -> Applies {
        Self::run::<V, C>(ctx, |map, steps, model| {
            let mut handles = [map.handle(), map.handle()];
            for (i, s) in steps.iter().enumerate() {
                match s.via {
                    0 => apply::<V, C>(map, model, i, &s.op)?,
                    h => apply::<V, C::Handle>(&mut handles[usize::from(h) - 1], model, i, &s.op)?,
                }
            }
            // Every handle sees the final state too.
            for h in &mut handles {
                finish::<V, C::Handle>(h, model);
            }
            Ok(())
        })
    }
}
