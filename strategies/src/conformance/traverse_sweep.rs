//! Property 8: a traversal on one thread while another thread sweeps.
//!
//! A sweep is the most violent change a traversal can meet: most entries vanish at once, a
//! strategy may compact its table afterwards (`tombstone`), a peer may shrink it (scc), and a
//! lock-based one removes everything in one critical section. A traversal running meanwhile
//! must still yield every entry the sweep keeps and no writer touches (exactly once, or at
//! least once for [`Consistency::AtLeastOnce`](crate::Consistency::AtLeastOnce)), only values that were really written, and no
//! key twice unless its class allows it. A [`Consistency::Snapshot`](crate::Consistency::Snapshot) or
//! [`Consistency::Blocking`](crate::Consistency::Blocking) traversal sees the map at one instant, so it sees either every
//! doomed entry or none. And a traversal that starts after `sweep` returned sees no doomed
//! entry at all.
//!
//! Set-up per round: [`ENTRIES`] keys (fewer for snapshot contenders, see [`entries`]) in a map
//! built empty, so the table has grown and a sweep can shrink or compact it; about 80% are
//! doomed by a hash of the key. One thread traverses again and again, yielding the thread now
//! and then, until a traversal has started after the sweep returned; the sweep starts once the
//! first traversal is under way, and its predicate yields now and then too. Every other round
//! adds a writer that inserts and removes churn keys (never doomed) throughout, growing and
//! emptying part of the table under both walks.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

use crate::{check_word, Build, Contender, Key, Ops, Shared, Value};

use crate::conformance::checks::{self, some};
use crate::conformance::harness::{entries, join_all, Applies, Check, Ctx, SetOnDrop, Watchdog};
use crate::conformance::keys::{class_keys, doomed, version_of, Class, Rng};
use crate::conformance::traversal_rules::Rules;

/// Entries before the sweep.
const ENTRIES: usize = 4_000;
/// Doomed fraction in permille: high enough that `tombstone` compacts after the sweep.
const PERMILLE: u64 = 800;
/// Rounds per contender and value type, each with its own seed; odd rounds have the writer.
const ROUNDS: u64 = 2;
/// Most traversals per round: far more than a sweep takes, however the threads are scheduled.
const MAX_TRAVERSALS: usize = 10_000;
/// How long the traverser waits between traversals for the sweep to start.
const GAP: Duration = Duration::from_millis(2);

/// Property 8 (see the module docs).
#[derive(Debug)]
pub(crate) struct TraversalDuringSweep;

impl Check for TraversalDuringSweep {
    const NAME: &'static str = "traversal during a sweep";

    fn single<V: Value, C: Contender<V>>(&self, _: &Ctx) -> Applies {
        Applies::No
    }

    fn shared<V: Value, C: Shared<V>>(&self, ctx: &Ctx) -> Applies {
        // A shared contender cannot be exclusive; the info property reports it.
        let Some(rules) = Rules::of(C::INFO.consistency) else {
            return Applies::No;
        };
        let n = entries::<V, C>(ENTRIES);
        for round in 0..ROUNDS {
            let seed = ctx.case_seed(0x75e0_0000 + round);
            round_case::<V, C>(seed, n, round % 2 == 1, rules);
        }
        Applies::Checked
    }
}

/// The key sets of one round.
struct Keys {
    /// Prefilled keys the sweep keeps.
    kept: Vec<Key>,
    /// Prefilled keys the sweep removes.
    doomed: Vec<Key>,
    /// Prefilled key -> whether it is doomed.
    prefilled: HashMap<Key, bool>,
    /// Keys the writer inserts and removes, never doomed.
    churn: HashSet<Key>,
    /// Keys nobody inserts.
    never: Vec<Key>,
}

impl Keys {
    fn new(seed: u64, n: usize, writer: bool) -> Keys {
        let mut rng = Rng::new(seed);
        let salt = rng.next_u64();
        let all = class_keys(&mut rng, n, Class::Prefill);
        let prefilled: HashMap<Key, bool> = all
            .iter()
            .map(|&k| (k, doomed(k, salt, PERMILLE)))
            .collect();
        let (doomed_keys, kept) = all.into_iter().partition(|k| prefilled[k]);
        let churn = if writer { n / 8 } else { 0 };
        Keys {
            kept,
            doomed: doomed_keys,
            prefilled,
            churn: class_keys(&mut rng, churn, Class::Fresh)
                .into_iter()
                .collect(),
            never: class_keys(&mut rng, 100, Class::Never),
        }
    }

    /// The sweep predicate: only prefilled keys can be doomed.
    fn is_doomed(&self, k: Key) -> bool {
        self.prefilled.get(&k) == Some(&true)
    }
}

/// State the threads publish.
#[derive(Default)]
struct Progress {
    /// Set once the first traversal has yielded an entry (or the traverser is gone).
    traversing: AtomicBool,
    /// Set by the predicate's first call.
    sweeping: AtomicBool,
    /// Set (Release) right after `sweep` returns (or when the sweeper panics).
    swept: AtomicBool,
    /// Set once the traverser is done; the writer then finishes its round and stops.
    traversed: AtomicBool,
    /// The writer's current round (the version of its inserts), stored before its first insert.
    churn_round: AtomicU64,
}

fn round_case<V: Value, C: Shared<V>>(seed: u64, n: usize, writer: bool, rules: Rules) {
    let case = format!(
        "traversals during a sweep of {n} entries, {}% doomed{} ({rules:?}), seed {seed:#x}",
        PERMILLE / 10,
        if writer { ", with a churn writer" } else { "" }
    );
    let keys = Keys::new(seed, n, writer);
    let mut map =
        C::build(&Build::default()).unwrap_or_else(|e| panic!("{case}: build failed: {e}"));
    for &k in keys.kept.iter().chain(&keys.doomed) {
        assert!(map.insert(k, V::new(k, 0)), "{case}: prefill insert");
    }

    let progress = Progress::default();
    let barrier = Barrier::new(2 + usize::from(writer));
    let (sweeper, traverser, churner) = (map.handle(), map.handle(), map.handle());
    let watchdog = Watchdog::start(format!("{} ({}): {case}", C::NAME, V::LABEL));
    let (traversals, overlapped) = thread::scope(|s| {
        let (keys, progress, barrier, case) = (&keys, &progress, &barrier, &case);
        let mut threads = vec![
            s.spawn(move || {
                sweep_thread::<V, _>(sweeper, keys, progress, barrier, rules, case);
                (0, 0)
            }),
            s.spawn(move || {
                traverse_thread::<V, _>(traverser, keys, progress, barrier, rules, case)
            }),
        ];
        if writer {
            threads.push(s.spawn(move || {
                churn_thread::<V, _>(churner, keys, progress, barrier, case);
                (0, 0)
            }));
        }
        join_all(threads)[1]
    });
    drop(watchdog);
    println!(
        "{} ({}): {case}: {traversals} traversals, {overlapped} of them overlapping the sweep; {} \
         churn rounds",
        C::NAME,
        V::LABEL,
        progress.churn_round.load(Ordering::Relaxed)
    );

    // The writer stops between rounds, with every churn key removed.
    let expected: HashMap<Key, u64> = keys.kept.iter().map(|&k| (k, 0)).collect();
    let absent: Vec<Key> = keys
        .doomed
        .iter()
        .chain(&keys.churn)
        .chain(&keys.never)
        .copied()
        .collect();
    checks::contents::<V, C>(&mut map, &expected, &absent, &format!("{case}, after join"));
}

fn sweep_thread<V: Value, H: Ops<V>>(
    mut h: H,
    keys: &Keys,
    progress: &Progress,
    barrier: &Barrier,
    rules: Rules,
    case: &str,
) {
    let _swept = SetOnDrop(&progress.swept);
    barrier.wait();
    while !progress.traversing.load(Ordering::Acquire) {
        thread::yield_now();
    }
    let mut calls = 0usize;
    let mut wrong = Vec::new();
    let sweep = h.sweep(|k, v| {
        progress.sweeping.store(true, Ordering::Release);
        calls += 1;
        if calls % 64 == 63 {
            thread::yield_now();
        }
        let known = if keys.prefilled.contains_key(&k) {
            v.check() == check_word(k, 0)
        } else {
            keys.churn.contains(&k)
        };
        if !known {
            wrong.push((k, v.check()));
        }
        keys.is_doomed(k)
    });
    progress.swept.store(true, Ordering::Release);
    assert!(
        wrong.is_empty(),
        "{case}: the predicate saw keys never inserted or wrong values (key, check): {}",
        some(wrong)
    );
    let prefill = keys.prefilled.len();
    let (most_visited, removed_ok) = if rules.repeats {
        (usize::MAX, sweep.removed >= keys.doomed.len())
    } else {
        (
            prefill + keys.churn.len(),
            sweep.removed == keys.doomed.len(),
        )
    };
    assert!(
        removed_ok && (prefill..=most_visited).contains(&sweep.visited),
        "{case}: {sweep:?}, but {} of the {prefill} prefilled entries were doomed and at most {} \
         churn keys were present at once",
        keys.doomed.len(),
        keys.churn.len()
    );
}

fn churn_thread<V: Value, H: Ops<V>>(
    mut h: H,
    keys: &Keys,
    progress: &Progress,
    barrier: &Barrier,
    case: &str,
) {
    barrier.wait();
    let mut round = 0;
    while !progress.traversed.load(Ordering::Acquire) {
        round += 1;
        progress.churn_round.store(round, Ordering::Release);
        // Yielding after every write lets a sweeper waiting for the same lock in (std's
        // locks are not fair: the writer could re-take it at once, over and over).
        for &k in &keys.churn {
            assert!(
                h.insert(k, V::new(k, round)),
                "{case}: churn insert of absent key {k:#x} says it was present"
            );
            thread::yield_now();
        }
        for &k in &keys.churn {
            assert!(
                h.remove(k),
                "{case}: churn remove of present key {k:#x} says it was absent"
            );
            thread::yield_now();
        }
    }
}

/// Traverses until a traversal has started after the sweep returned; returns how many ran,
/// and how many of them overlapped the sweep (started before it returned, ended after its
/// predicate's first call).
fn traverse_thread<V: Value, H: Ops<V>>(
    mut h: H,
    keys: &Keys,
    progress: &Progress,
    barrier: &Barrier,
    rules: Rules,
    case: &str,
) -> (usize, usize) {
    // Also releases the sweeper and the writer if this thread panics.
    let _traversing = SetOnDrop(&progress.traversing);
    let _traversed = SetOnDrop(&progress.traversed);
    barrier.wait();
    // Checked after the loop, so that the next traversal starts at once (a sweep that takes
    // its lock more than once must find a traversal waiting in between).
    let mut traversals = Vec::new();
    let mut overlapped = 0;
    for _ in 0..MAX_TRAVERSALS {
        let after_sweep = progress.swept.load(Ordering::Acquire);
        let mut yielded: Vec<(Key, u64)> = Vec::with_capacity(keys.prefilled.len());
        let returned = h.traverse(|k, v| {
            yielded.push((k, v.check()));
            if yielded.len() == 1 {
                progress.traversing.store(true, Ordering::Release);
            }
            if yielded.len() % 32 == 31 {
                thread::yield_now();
            }
        });
        progress.traversing.store(true, Ordering::Release);
        overlapped += usize::from(!after_sweep && progress.sweeping.load(Ordering::Acquire));
        let churn_round = progress.churn_round.load(Ordering::Acquire);
        traversals.push((yielded, returned, churn_round, after_sweep));
        if after_sweep {
            break;
        }
        // Until the sweep has started, leave its lock free a moment between traversals: a
        // reader re-taking std's `RwLock` at once can starve a writer it has just woken.
        let gap = Instant::now();
        while !progress.sweeping.load(Ordering::Acquire) && gap.elapsed() < GAP {
            thread::yield_now();
        }
    }
    let ran = traversals.len();
    for (t, (yielded, returned, churn_round, after_sweep)) in traversals.into_iter().enumerate() {
        let case = format!(
            "{case}, traversal {t} (started {} the sweep returned)",
            if after_sweep { "after" } else { "before" }
        );
        assert_eq!(
            returned,
            yielded.len(),
            "{case}: traverse() returns a count different from its calls"
        );
        check_traversal(keys, &yielded, churn_round, after_sweep, rules, &case);
        if after_sweep {
            return (ran, overlapped);
        }
    }
    panic!("{case}: the sweep did not return during {MAX_TRAVERSALS} traversals");
}

/// Checks one traversal's output (key, check word) against the rules in the module docs.
fn check_traversal(
    keys: &Keys,
    yielded: &[(Key, u64)],
    churn_round: u64,
    after_sweep: bool,
    rules: Rules,
    case: &str,
) {
    let mut seen = HashSet::with_capacity(yielded.len());
    let mut repeated = Vec::new();
    let mut foreign = Vec::new();
    let mut doomed_seen = 0;
    for &(k, c) in yielded {
        let first = seen.insert(k);
        if !first && !rules.repeats {
            repeated.push(k);
        }
        let ok = match keys.prefilled.get(&k) {
            Some(&is_doomed) => {
                doomed_seen += usize::from(is_doomed && first);
                c == check_word(k, 0)
            }
            None => keys.churn.contains(&k) && (1..=churn_round).contains(&version_of(k, c)),
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
        .kept
        .iter()
        .copied()
        .filter(|k| !seen.contains(k))
        .collect();
    assert!(
        missed.is_empty(),
        "{case}: the traversal missed entries the sweep keeps, present throughout: {}",
        some(missed)
    );
    assert!(
        !after_sweep || doomed_seen == 0,
        "{case}: a traversal started after the sweep returned yielded {doomed_seen} doomed \
         entries"
    );
    if rules.one_instant {
        assert!(
            doomed_seen == 0 || doomed_seen == keys.doomed.len(),
            "{case}: a traversal of one instant yielded {doomed_seen} of the {} doomed entries \
             (all or none: the sweep removes them at one instant)",
            keys.doomed.len()
        );
    }
}
