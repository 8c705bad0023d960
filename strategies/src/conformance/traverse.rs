//! Property 4: a traversal while other threads insert and remove.
//!
//! A traversal that runs while writers change the map is where iterators skip entries
//! (a table doubled under them) or repeat them (an entry moved behind the walk). Every shared
//! contender promises that each entry present throughout the traversal is yielded, nothing
//! that was never inserted, and only values that were really written. A
//! [`Consistency::WeaklyConsistent`](crate::Consistency::WeaklyConsistent) traversal also yields no key twice;
//! [`Consistency::AtLeastOnce`](crate::Consistency::AtLeastOnce) relaxes that: any key may be yielded more than once (a key
//! removed and re-inserted meanwhile can land ahead of the walk, and scc's walk can revisit
//! entries present throughout when a concurrent shrink merges buckets), but every key present
//! throughout still at least once. A [`Consistency::Snapshot`](crate::Consistency::Snapshot) contender promises more: the
//! traversal sees the map as it was at one instant, each key once; so does a
//! [`Consistency::Blocking`](crate::Consistency::Blocking) one, whose operations are linearizable (its traversal holds a lock
//! that writers wait for).
//!
//! Set-up: [`STABLE`] keys present throughout (fewer for snapshot contenders, see
//! [`entries`]); a bulk writer that inserts half as many churn keys in a fixed order (all with
//! the round's version) and then removes them in the same order, round after round, growing and
//! emptying the table under the traversal; a pair writer that moves a sixteenth as many tokens
//! each between two keys, inserting the new key before removing the old one, so at every
//! instant at least one key of each pair is present. The traversal yields the thread now and
//! then so writers run in the middle of it, and traversals go on until each writer has
//! completed [`WRITER_ROUNDS`] rounds. At one instant the bulk keys present are a prefix of the
//! order (inserting) or a suffix (removing), all of one version, and every pair has a key
//! present: a traversal of one instant must see exactly that, while a weakly consistent one may
//! not.
//!
//! The bulk writer checks the stop flag only between rounds, so no traversal ever sees a round
//! cut short.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Barrier, Mutex};
use std::thread;

use crate::{Build, Contender, Key, Ops, Shared, Value};

use crate::conformance::checks::{self, some};
use crate::conformance::harness::{entries, join_all, Applies, Check, Ctx, SetOnDrop, Watchdog};
use crate::conformance::keys::{class_keys, version_of, Class, Rng};
use crate::conformance::traversal_rules::Rules;

/// Keys present throughout; the bulk writer churns half as many keys and the pair writer
/// moves a sixteenth as many tokens.
const STABLE: usize = 2_000;
/// Traversals per round, at least; more until each writer has completed [`WRITER_ROUNDS`]
/// rounds, so the writers really run during traversals.
const TRAVERSALS: usize = 4;
/// Rounds each writer completes during the traversals (see [`TRAVERSALS`]).
const WRITER_ROUNDS: u64 = 2;
/// Most traversals per round, whatever the writers do.
const MAX_TRAVERSALS: usize = 2_000;
/// Rounds per contender and value type, each with its own seed.
const ROUNDS: u64 = 2;

/// Property 4 (see the module docs).
#[derive(Debug)]
pub(crate) struct TraverseDuringWrites;

impl Check for TraverseDuringWrites {
    const NAME: &'static str = "traversal during concurrent inserts and removes";

    fn single<V: Value, C: Contender<V>>(&self, _: &Ctx) -> Applies {
        Applies::No
    }

    fn shared<V: Value, C: Shared<V>>(&self, ctx: &Ctx) -> Applies {
        // A shared contender cannot be exclusive; the info property reports it.
        let Some(rules) = Rules::of(C::INFO.consistency) else {
            return Applies::No;
        };
        let stable = entries::<V, C>(STABLE);
        let sizes = Sizes {
            stable,
            bulk: stable / 2,
            pairs: (stable / 16).max(8),
        };
        for round in 0..ROUNDS {
            round_case::<V, C>(ctx.case_seed(0x7a4e_0000 + round), sizes, rules);
        }
        Applies::Checked
    }
}

/// The sizes of one round.
#[derive(Clone, Copy, Debug)]
struct Sizes {
    /// Keys present throughout.
    stable: usize,
    /// Keys the bulk writer inserts and removes each round.
    bulk: usize,
    /// Tokens the pair writer moves between two keys each.
    pairs: usize,
}

/// The key sets of one round.
struct Keys {
    sizes: Sizes,
    stable: Vec<Key>,
    /// The bulk keys, in the writer's order.
    bulk: Vec<Key>,
    /// Bulk key -> its position in the order.
    bulk_index: HashMap<Key, usize>,
    /// Pair `i` is `(pairs[2i], pairs[2i + 1])`; the first starts present.
    pairs: Vec<Key>,
    /// Pair key -> its pair number.
    pair_index: HashMap<Key, usize>,
    never: Vec<Key>,
}

impl Keys {
    fn new(seed: u64, sizes: Sizes) -> Keys {
        let mut rng = Rng::new(seed);
        let bulk = class_keys(&mut rng, sizes.bulk, Class::Fresh);
        let pairs = class_keys(&mut rng, 2 * sizes.pairs, Class::Pair);
        Keys {
            sizes,
            stable: class_keys(&mut rng, sizes.stable, Class::Prefill),
            bulk_index: bulk.iter().enumerate().map(|(i, &k)| (k, i)).collect(),
            bulk,
            pair_index: pairs.iter().enumerate().map(|(i, &k)| (k, i / 2)).collect(),
            pairs,
            never: class_keys(&mut rng, 100, Class::Never),
        }
    }
}

/// State the writers publish.
#[derive(Default)]
struct Progress {
    stop: AtomicBool,
    /// The latest bulk round started (its version), stored before its first insert.
    bulk_round: AtomicU64,
    /// The latest pair pass started (its version), stored before its first insert.
    pair_round: AtomicU64,
    /// Bulk rounds completed.
    bulk_done: AtomicU64,
    /// Pair passes completed.
    pair_done: AtomicU64,
    /// Traversals done.
    traversals: AtomicUsize,
    /// The pair keys present at the end, with their versions.
    pairs_at_end: Mutex<Vec<(Key, u64)>>,
}

fn round_case<V: Value, C: Shared<V>>(seed: u64, sizes: Sizes, rules: Rules) {
    let case = format!(
        "traversal of {} stable entries during churn ({rules:?}), seed {seed:#x}",
        sizes.stable
    );
    let keys = Keys::new(seed, sizes);
    let mut map = C::build(&Build::with_capacity(sizes.stable))
        .unwrap_or_else(|e| panic!("{case}: build failed: {e}"));
    for &k in keys.stable.iter().chain(keys.pairs.iter().step_by(2)) {
        assert!(map.insert(k, V::new(k, 0)), "{case}: prefill insert");
    }

    let progress = Progress::default();
    let barrier = Barrier::new(3);
    let (bulk, pair, traverser) = (map.handle(), map.handle(), map.handle());
    let watchdog = Watchdog::start(format!("{} ({}): {case}", C::NAME, V::LABEL));
    thread::scope(|s| {
        let (keys, progress, barrier, case) = (&keys, &progress, &barrier, &case);
        join_all(vec![
            s.spawn(move || bulk_writer::<V, _>(bulk, keys, progress, barrier, case)),
            s.spawn(move || pair_writer::<V, _>(pair, keys, progress, barrier, case)),
            s.spawn(move || {
                traverse_thread::<V, _>(traverser, keys, progress, barrier, rules, case);
            }),
        ]);
    });
    drop(watchdog);
    println!(
        "{} ({}): {case}: {} traversals during {} bulk rounds and {} pair passes",
        C::NAME,
        V::LABEL,
        progress.traversals.load(Ordering::Relaxed),
        progress.bulk_done.load(Ordering::Relaxed),
        progress.pair_done.load(Ordering::Relaxed),
    );

    let mut expected: HashMap<Key, u64> = keys.stable.iter().map(|&k| (k, 0)).collect();
    let pairs_at_end = progress.pairs_at_end.lock().unwrap().clone();
    expected.extend(pairs_at_end.iter().copied());
    let absent: Vec<Key> = keys
        .bulk
        .iter()
        .chain(&keys.never)
        .chain(&keys.pairs)
        .copied()
        .filter(|k| !expected.contains_key(k))
        .collect();
    checks::contents::<V, C>(&mut map, &expected, &absent, &format!("{case}, after join"));
}

fn bulk_writer<V: Value, H: Ops<V>>(
    mut h: H,
    keys: &Keys,
    progress: &Progress,
    barrier: &Barrier,
    case: &str,
) {
    // A writer that panics stops the traversals too.
    let _stop = SetOnDrop(&progress.stop);
    barrier.wait();
    let mut round = 0;
    while !progress.stop.load(Ordering::Acquire) {
        round += 1;
        progress.bulk_round.store(round, Ordering::Release);
        for (i, &k) in keys.bulk.iter().enumerate() {
            assert!(
                h.insert(k, V::new(k, round)),
                "{case}: bulk insert of absent key {k:#x} says it was present"
            );
            if i % 64 == 63 {
                thread::yield_now();
            }
        }
        for &k in &keys.bulk {
            assert!(
                h.remove(k),
                "{case}: bulk remove of present key {k:#x} says it was absent"
            );
        }
        progress.bulk_done.store(round, Ordering::Release);
    }
}

fn pair_writer<V: Value, H: Ops<V>>(
    mut h: H,
    keys: &Keys,
    progress: &Progress,
    barrier: &Barrier,
    case: &str,
) {
    // A writer that panics stops the traversals too.
    let _stop = SetOnDrop(&progress.stop);
    barrier.wait();
    // Which key of each pair holds the token now, and with which version.
    let mut at: Vec<(usize, u64)> = vec![(0, 0); keys.sizes.pairs];
    let mut round = 0;
    while !progress.stop.load(Ordering::Acquire) {
        round += 1;
        progress.pair_round.store(round, Ordering::Release);
        for (i, slot) in at.iter_mut().enumerate() {
            let old = keys.pairs[2 * i + slot.0];
            let new = keys.pairs[2 * i + 1 - slot.0];
            assert!(
                h.insert(new, V::new(new, round)),
                "{case}: pair insert of absent key {new:#x} says it was present"
            );
            assert!(
                h.remove(old),
                "{case}: pair remove of present key {old:#x} says it was absent"
            );
            *slot = (1 - slot.0, round);
            if i % 16 == 15 {
                thread::yield_now();
            }
        }
        progress.pair_done.store(round, Ordering::Release);
    }
    *progress.pairs_at_end.lock().unwrap() = at
        .iter()
        .enumerate()
        .map(|(i, &(side, ver))| (keys.pairs[2 * i + side], ver))
        .collect();
}

fn traverse_thread<V: Value, H: Ops<V>>(
    mut h: H,
    keys: &Keys,
    progress: &Progress,
    barrier: &Barrier,
    rules: Rules,
    case: &str,
) {
    let _stop = SetOnDrop(&progress.stop);
    barrier.wait();
    for t in 0..MAX_TRAVERSALS {
        let writers_done = progress.bulk_done.load(Ordering::Acquire) >= WRITER_ROUNDS
            && progress.pair_done.load(Ordering::Acquire) >= WRITER_ROUNDS;
        // Stopped already: a writer panicked.
        if (t >= TRAVERSALS && writers_done) || progress.stop.load(Ordering::Acquire) {
            break;
        }
        progress.traversals.store(t + 1, Ordering::Relaxed);
        let case = format!("{case}, traversal {t}");
        let mut yielded: Vec<(Key, u64)> = Vec::new();
        let returned = h.traverse(|k, v| {
            yielded.push((k, v.check()));
            if yielded.len() % 32 == 31 {
                thread::yield_now();
            }
        });
        let bulk_round = progress.bulk_round.load(Ordering::Acquire);
        let pair_round = progress.pair_round.load(Ordering::Acquire);
        assert_eq!(
            returned,
            yielded.len(),
            "{case}: traverse() returns a count different from its calls"
        );
        check_traversal(keys, &yielded, bulk_round, pair_round, rules, &case);
    }
}

/// Checks one traversal's output (key, check word) against the rules in the module docs.
fn check_traversal(
    keys: &Keys,
    yielded: &[(Key, u64)],
    bulk_round: u64,
    pair_round: u64,
    rules: Rules,
    case: &str,
) {
    let stable: HashSet<Key> = keys.stable.iter().copied().collect();
    let mut seen = HashSet::with_capacity(yielded.len());
    let mut repeated = Vec::new();
    let mut foreign = Vec::new();
    let mut bulk_seen: Vec<(usize, u64)> = Vec::new();
    let mut pair_seen = vec![false; keys.sizes.pairs];
    for &(k, c) in yielded {
        if !seen.insert(k) && !rules.repeats {
            repeated.push(k);
        }
        let ver = version_of(k, c);
        let ok = match Class::of(k) {
            Class::Prefill => stable.contains(&k) && ver == 0,
            Class::Fresh => match keys.bulk_index.get(&k) {
                Some(&i) if (1..=bulk_round).contains(&ver) => {
                    bulk_seen.push((i, ver));
                    true
                }
                _ => false,
            },
            Class::Pair => match keys.pair_index.get(&k) {
                Some(&i) if ver <= pair_round => {
                    pair_seen[i] = true;
                    true
                }
                _ => false,
            },
            Class::Never => false,
        };
        if !ok {
            foreign.push((k, c));
        }
    }
    assert!(
        repeated.is_empty(),
        "{case}: the traversal yielded keys twice: {}",
        some(repeated)
    );
    assert!(
        foreign.is_empty(),
        "{case}: the traversal yielded keys never inserted or values never written \
         (key, check): {}",
        some(foreign)
    );
    let missed: Vec<Key> = keys
        .stable
        .iter()
        .copied()
        .filter(|k| !seen.contains(k))
        .collect();
    assert!(
        missed.is_empty(),
        "{case}: the traversal missed keys present throughout it: {}",
        some(missed)
    );

    if rules.one_instant {
        let empty_pairs: Vec<usize> = (0..pair_seen.len()).filter(|&i| !pair_seen[i]).collect();
        assert!(
            empty_pairs.is_empty(),
            "{case}: a traversal of one instant saw neither key of pairs {} (one of them is \
             present at every instant)",
            some(empty_pairs)
        );
        bulk_seen.sort_unstable();
        let n = bulk_seen.len();
        let versions: HashSet<u64> = bulk_seen.iter().map(|&(_, v)| v).collect();
        let prefix = bulk_seen.iter().enumerate().all(|(j, &(i, _))| i == j);
        let suffix = bulk_seen
            .iter()
            .enumerate()
            .all(|(j, &(i, _))| i == keys.bulk.len() - n + j);
        assert!(
            versions.len() <= 1 && (prefix || suffix),
            "{case}: a traversal of one instant saw bulk keys that were never present together: \
             {n} keys at positions {} with versions {versions:?} (at one instant they are a \
             prefix or a suffix of the insertion order, all of one version)",
            some(bulk_seen.iter().map(|&(i, _)| i))
        );
    }
}
