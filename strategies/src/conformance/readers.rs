//! Property 3: readers, and a writer, during a sweep on another thread.
//!
//! This is the situation the shared strategies exist for: a service sweeps expired entries
//! while other threads keep looking keys up and inserting new ones. Whatever a strategy does
//! (a lock, marks, snapshots, shards), a reader must never miss a key the sweep keeps, never
//! see a value that was not written for its key, and never see a key that was never inserted;
//! once the sweep has returned, no doomed key may be found, by any thread that knows it
//! returned. A writer inserting fresh keys during the sweep must not lose them.
//!
//! Set-up per round: [`PREFILL`] keys (fewer for snapshot contenders, see
//! [`entries`]), about half doomed by a hash of the key; [`READERS`]
//! reader threads look up random kept, doomed, fresh and never-inserted keys in a loop; one
//! thread sweeps; one writer inserts fresh keys and overwrites some kept ones (version 1)
//! while the sweep runs, publishing its progress through atomics so readers know which writes
//! have certainly happened. The sweeper sets `swept` (Release) right after `sweep` returns; a
//! reader that loads it (Acquire) as true before looking a doomed key up must not find it.
//! The sweep starts once every reader is looking keys up, and its predicate yields the thread
//! now and then, so readers run in the middle of it even on two cores. The sweep itself must
//! judge every prefilled key (all are present throughout it: only the sweep removes doomed
//! ones); its counts are exact, and each kept key judged once, except for
//! [`Consistency::AtLeastOnce`] contenders, which may judge an entry again (papaya repeats the
//! predicate when a removal loses to a concurrent update or a resize; scc's walk revisits
//! entries a concurrent shrink moved) and count the calls: for them `visited` and `removed`
//! are lower bounds.
//!
//! Rounds alternate between readers alone and readers with the writer: without the writer,
//! nothing writes after the sweep returns, so a contender that only makes removals visible at
//! its next write (a deferred delete) is caught too.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Barrier;
use std::thread;

use crate::{check_word, Build, Consistency, Contender, Key, Ops, Shared, Value};

use crate::conformance::checks::{self, some};
use crate::conformance::harness::{entries, join_all, Applies, Check, Ctx, SetOnDrop, Watchdog};
use crate::conformance::keys::{class_keys, doomed, version_of, Class, Rng};

/// Entries before the sweep.
const PREFILL: usize = 20_000;
/// Reader threads.
const READERS: usize = 2;
/// Lookups each reader makes at least after the sweep returned, before its final check.
const AFTER_SWEEP: usize = 1_024;
/// Never-inserted keys the readers probe.
const NEVER: usize = 1_000;
/// Rounds per contender and value type, each with its own seed.
const ROUNDS: u64 = 2;
/// Doomed fraction in permille.
const PERMILLE: u64 = 500;

/// Property 3 (see the module docs).
#[derive(Debug)]
pub(crate) struct ReadersDuringSweep;

impl Check for ReadersDuringSweep {
    const NAME: &'static str = "readers and a writer during a sweep";

    fn single<V: Value, C: Contender<V>>(&self, _: &Ctx) -> Applies {
        Applies::No
    }

    fn shared<V: Value, C: Shared<V>>(&self, ctx: &Ctx) -> Applies {
        for round in 0..ROUNDS {
            let mut sizes = Sizes::for_prefill(entries::<V, C>(PREFILL));
            if round % 2 == 0 {
                sizes = sizes.without_writer();
            }
            round_case::<V, C>(ctx.case_seed(0x4ead_0000 + round), sizes);
        }
        Applies::Checked
    }
}

/// The sizes of one round.
#[derive(Clone, Copy, Debug)]
struct Sizes {
    /// Entries before the sweep.
    prefill: usize,
    /// Most fresh keys the writer inserts (it stops earlier once the sweep is over).
    max_fresh: usize,
    /// Fresh keys the writer inserts at least, even if the sweep is over before it starts.
    min_fresh: usize,
    /// Kept keys the writer overwrites with version 1.
    overwrites: usize,
    /// Whether the round has a writer thread at all.
    writer: bool,
}

impl Sizes {
    /// The writer's work in proportion to the prefill: at 20 000 entries, 200 to 4 000 fresh
    /// keys and 1 000 overwrites.
    fn for_prefill(prefill: usize) -> Sizes {
        Sizes {
            prefill,
            max_fresh: prefill / 5,
            min_fresh: (prefill / 100).max(10),
            overwrites: prefill / 20,
            writer: true,
        }
    }

    /// The same prefill, and no writer.
    fn without_writer(self) -> Sizes {
        Sizes {
            max_fresh: 0,
            min_fresh: 0,
            overwrites: 0,
            writer: false,
            ..self
        }
    }
}

/// The key sets of one round.
struct Keys {
    sizes: Sizes,
    salt: u64,
    /// Prefilled keys the sweep keeps, in random order.
    kept: Vec<Key>,
    /// Prefilled keys the sweep removes.
    doomed: Vec<Key>,
    /// Kept key -> its index among the overwritten keys (the first `sizes.overwrites` kept
    /// ones).
    overwritten: HashMap<Key, usize>,
    /// Keys the writer inserts, in order.
    fresh: Vec<Key>,
    /// Keys nobody inserts.
    never: Vec<Key>,
}

impl Keys {
    fn new(seed: u64, sizes: Sizes) -> Keys {
        let mut rng = Rng::new(seed);
        let salt = rng.next_u64();
        let (doomed_keys, kept): (Vec<Key>, Vec<Key>) =
            class_keys(&mut rng, sizes.prefill, Class::Prefill)
                .into_iter()
                .partition(|&k| doomed(k, salt, PERMILLE));
        let overwritten = kept
            .iter()
            .take(sizes.overwrites)
            .enumerate()
            .map(|(i, &k)| (k, i))
            .collect();
        Keys {
            sizes,
            salt,
            kept,
            doomed: doomed_keys,
            overwritten,
            fresh: class_keys(&mut rng, sizes.max_fresh, Class::Fresh),
            never: class_keys(&mut rng, NEVER, Class::Never),
        }
    }

    /// The sweep predicate: only prefilled keys can be doomed.
    fn is_doomed(&self, k: Key) -> bool {
        Class::of(k) == Class::Prefill && doomed(k, self.salt, PERMILLE)
    }

    /// Whether `check` is a value ever written for `k`: version 0, or 1 for overwritten keys.
    fn valid(&self, k: Key, check: u64) -> bool {
        match version_of(k, check) {
            0 => true,
            1 => self.overwritten.contains_key(&k),
            _ => false,
        }
    }
}

/// Progress the sweeper and the writer publish to the readers.
#[derive(Default)]
struct Progress {
    /// Set (Release) right after `sweep` returns.
    swept: AtomicBool,
    sweeper_done: AtomicBool,
    writer_done: AtomicBool,
    /// Fresh keys certainly inserted (Release after each insert).
    fresh: AtomicUsize,
    /// Overwrites certainly done (Release after each).
    overwrites: AtomicUsize,
    /// Readers that have made their first lookups (or died trying); the sweep starts once all
    /// have.
    readers_started: AtomicUsize,
    /// Reader lookups made before `swept` was set, to report how much the phases overlapped.
    lookups_during: AtomicUsize,
    lookups_after: AtomicUsize,
}

fn round_case<V: Value, C: Shared<V>>(seed: u64, sizes: Sizes) {
    let case = format!(
        "{READERS} readers {} during a sweep of {} entries, seed {seed:#x}",
        if sizes.writer {
            "and a writer"
        } else {
            "alone"
        },
        sizes.prefill
    );
    let keys = Keys::new(seed, sizes);
    let mut map = C::build(&Build::with_capacity(sizes.prefill))
        .unwrap_or_else(|e| panic!("{case}: build failed: {e}"));
    for &k in keys.kept.iter().chain(&keys.doomed) {
        assert!(map.insert(k, V::new(k, 0)), "{case}: prefill insert");
    }
    assert_eq!(map.len(), sizes.prefill, "{case}: len after the prefill");

    let progress = Progress::default();
    let barrier = Barrier::new(READERS + 1 + usize::from(sizes.writer));
    if !sizes.writer {
        progress.writer_done.store(true, Ordering::Release);
    }
    let exact = C::INFO.consistency != Consistency::AtLeastOnce;
    let sweeper = map.handle();
    let writer = map.handle();
    let readers: Vec<C::Handle> = (0..READERS).map(|_| map.handle()).collect();
    let watchdog = Watchdog::start(format!("{} ({}): {case}", C::NAME, V::LABEL));

    thread::scope(|s| {
        let (keys, progress, barrier, case) = (&keys, &progress, &barrier, &case);
        let mut threads = Vec::new();
        threads.push(s.spawn(move || {
            sweep_thread::<V, _>(sweeper, keys, progress, barrier, exact, case);
        }));
        if sizes.writer {
            threads
                .push(s.spawn(move || write_thread::<V, _>(writer, keys, progress, barrier, case)));
        }
        for (r, h) in readers.into_iter().enumerate() {
            let seed = seed ^ (r as u64 + 1);
            threads.push(s.spawn(move || {
                read_thread::<V, _>(h, seed, keys, progress, barrier, case);
            }));
        }
        join_all(threads);
    });
    drop(watchdog);
    println!(
        "{} ({}): {case}: {} lookups before `swept`, {} after",
        C::NAME,
        V::LABEL,
        progress.lookups_during.load(Ordering::Relaxed),
        progress.lookups_after.load(Ordering::Relaxed)
    );

    // The final state, seen through the map itself.
    let fresh = progress.fresh.load(Ordering::Acquire);
    let mut expected: HashMap<Key, u64> = keys.kept.iter().map(|&k| (k, 0)).collect();
    for &k in keys.overwritten.keys() {
        expected.insert(k, 1);
    }
    expected.extend(keys.fresh[..fresh].iter().map(|&k| (k, 0)));
    let absent: Vec<Key> = keys
        .doomed
        .iter()
        .chain(&keys.never)
        .chain(&keys.fresh[fresh..])
        .copied()
        .collect();
    checks::contents::<V, C>(&mut map, &expected, &absent, &format!("{case}, after join"));
}

/// Sweeps once readers are running; `exact`: the contender's counts are exact and it judges
/// each entry once (a doomed one possibly twice, to re-check it).
fn sweep_thread<V: Value, H: Ops<V>>(
    mut h: H,
    keys: &Keys,
    progress: &Progress,
    barrier: &Barrier,
    exact: bool,
    case: &str,
) {
    let _done = SetOnDrop(&progress.sweeper_done);
    barrier.wait();
    // Start once every reader is looking keys up, so readers and sweep really overlap.
    while progress.readers_started.load(Ordering::Acquire) < READERS {
        thread::yield_now();
    }
    let mut calls: HashMap<Key, usize> = HashMap::with_capacity(keys.sizes.prefill);
    let mut wrong = Vec::new();
    let sweep = h.sweep(|k, v| {
        let n = calls.entry(k).or_default();
        *n += 1;
        if calls.len() % 256 == 255 {
            thread::yield_now();
        }
        let known = match Class::of(k) {
            Class::Prefill => keys.valid(k, v.check()),
            Class::Fresh => v.check() == check_word(k, 0),
            _ => false,
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
    let missed: Vec<Key> = keys
        .kept
        .iter()
        .chain(&keys.doomed)
        .copied()
        .filter(|k| !calls.contains_key(k))
        .collect();
    assert!(
        missed.is_empty(),
        "{case}: the sweep never judged prefilled keys, present throughout it: {}",
        some(missed)
    );
    let Sizes {
        prefill, max_fresh, ..
    } = keys.sizes;
    if !exact {
        assert!(
            sweep.removed >= keys.doomed.len() && sweep.visited >= prefill,
            "{case}: {sweep:?}, but the sweep removed {} doomed entries and judged {prefill} \
             present throughout (at-least-once counts are lower bounds)",
            keys.doomed.len()
        );
        return;
    }
    let repeated: Vec<(Key, usize)> = calls
        .iter()
        .filter(|&(&k, &n)| n > if keys.is_doomed(k) { 2 } else { 1 })
        .map(|(&k, &n)| (k, n))
        .collect();
    assert!(
        repeated.is_empty(),
        "{case}: the sweep judged keys more than once (key, calls; a doomed key may be \
         re-checked once): {}",
        some(repeated)
    );
    assert_eq!(
        sweep.removed,
        keys.doomed.len(),
        "{case}: the sweep must remove exactly the doomed keys ({sweep:?})"
    );
    assert!(
        sweep.visited == calls.len() && (prefill..=prefill + max_fresh).contains(&sweep.visited),
        "{case}: the sweep reports {} visited entries and judged {} distinct keys; the prefill \
         alone is {prefill}, with at most {max_fresh} inserted during it",
        sweep.visited,
        calls.len()
    );
}

fn write_thread<V: Value, H: Ops<V>>(
    mut h: H,
    keys: &Keys,
    progress: &Progress,
    barrier: &Barrier,
    case: &str,
) {
    let _done = SetOnDrop(&progress.writer_done);
    barrier.wait();
    let overwrite = |h: &mut H, i: usize| {
        let k = keys.kept[i];
        assert!(
            !h.insert(k, V::new(k, 1)),
            "{case}: overwriting kept key {k:#x} during the sweep says it was absent"
        );
        progress.overwrites.store(i + 1, Ordering::Release);
    };
    let Sizes {
        max_fresh,
        min_fresh,
        overwrites,
        ..
    } = keys.sizes;
    let mut i = 0;
    while i < max_fresh && !(i >= min_fresh && progress.swept.load(Ordering::Acquire)) {
        let k = keys.fresh[i];
        assert!(
            h.insert(k, V::new(k, 0)),
            "{case}: inserting fresh key {k:#x} during the sweep says it was present"
        );
        progress.fresh.store(i + 1, Ordering::Release);
        if i < overwrites {
            overwrite(&mut h, i);
        }
        i += 1;
        if i % 64 == 0 {
            thread::yield_now();
        }
    }
    for j in i..overwrites {
        overwrite(&mut h, j);
    }
}

fn read_thread<V: Value, H: Ops<V>>(
    mut h: H,
    seed: u64,
    keys: &Keys,
    progress: &Progress,
    barrier: &Barrier,
    case: &str,
) {
    barrier.wait();
    // Counts this reader as started after its first lookups, or when it panics before them,
    // so the sweeper never waits for a reader that is gone.
    let mut started = Some(AddOnDrop(&progress.readers_started));
    let mut rng = Rng::new(seed);
    let (mut during, mut after) = (0, 0);
    loop {
        let finished = progress.sweeper_done.load(Ordering::Acquire)
            && progress.writer_done.load(Ordering::Acquire);
        for _ in 0..64 {
            if progress.swept.load(Ordering::Relaxed) {
                after += 1;
            } else {
                during += 1;
            }
            lookup(&mut h, &mut rng, keys, progress, case);
        }
        started.take();
        if finished && after >= AFTER_SWEEP {
            break;
        }
    }
    progress.lookups_during.fetch_add(during, Ordering::Relaxed);
    progress.lookups_after.fetch_add(after, Ordering::Relaxed);

    // The sweep is over: through this handle too, every doomed key is gone.
    assert!(
        progress.swept.load(Ordering::Acquire),
        "{case}: the sweeper finished without returning from sweep"
    );
    let found: Vec<Key> = keys
        .doomed
        .iter()
        .copied()
        .filter(|&k| h.get(k).is_some())
        .collect();
    assert!(
        found.is_empty(),
        "{case}: after the sweep returned, a reader's handle still finds doomed keys: {}",
        some(found)
    );
}

/// One lookup of a random key of a random kind, checked against what the reader knows.
fn lookup<V: Value, H: Ops<V>>(
    h: &mut H,
    rng: &mut Rng,
    keys: &Keys,
    progress: &Progress,
    case: &str,
) {
    match rng.below(8) {
        0..=2 => {
            let k = keys.kept[rng.below(keys.kept.len())];
            let done = keys
                .overwritten
                .get(&k)
                .is_some_and(|&i| i < progress.overwrites.load(Ordering::Acquire));
            match h.get(k) {
                None => panic!("{case}: a reader missed kept key {k:#x} during the sweep"),
                Some(c) if !keys.valid(k, c) => {
                    panic!("{case}: a reader got a wrong value for kept key {k:#x}: {c:#x}")
                }
                Some(c) if done && version_of(k, c) != 1 => panic!(
                    "{case}: a reader got the old value of kept key {k:#x} after its overwrite \
                     had returned"
                ),
                Some(_) => {}
            }
        }
        3..=5 => {
            let k = keys.doomed[rng.below(keys.doomed.len())];
            let swept = progress.swept.load(Ordering::Acquire);
            match h.get(k) {
                Some(_) if swept => {
                    panic!("{case}: a reader found doomed key {k:#x} after the sweep had returned")
                }
                Some(c) if c != check_word(k, 0) => {
                    panic!("{case}: a reader got a wrong value for doomed key {k:#x}: {c:#x}")
                }
                _ => {}
            }
        }
        6 if !keys.fresh.is_empty() => {
            let i = rng.below(keys.fresh.len());
            let k = keys.fresh[i];
            let inserted = i < progress.fresh.load(Ordering::Acquire);
            match h.get(k) {
                None if inserted => {
                    panic!("{case}: a reader missed fresh key {k:#x} after its insert had returned")
                }
                Some(c) if c != check_word(k, 0) => {
                    panic!("{case}: a reader got a wrong value for fresh key {k:#x}: {c:#x}")
                }
                _ => {}
            }
        }
        _ => {
            let k = keys.never[rng.below(keys.never.len())];
            if let Some(c) = h.get(k) {
                panic!("{case}: a reader found key {k:#x}, which was never inserted ({c:#x})");
            }
        }
    }
}

/// Adds one to a counter when dropped.
struct AddOnDrop<'a>(&'a AtomicUsize);

impl Drop for AddOnDrop<'_> {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::Release);
    }
}
