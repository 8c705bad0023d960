//! Property 7: a writer replaces doomed values with kept ones while the sweep judges them.
//!
//! A sweep whose predicate depends on the value (expired at version 0, say) decides on the
//! value it was shown; a writer may replace that value with a kept one before the removal
//! happens. A strategy that then removes the key without looking again loses the writer's
//! value (papaya's `iter` + `remove` did), and one that counts the removal it attempted rather
//! than the one it made reports a wrong `Sweep`. After the sweep, every value the writer wrote
//! must be in the map, every doomed value the writer did not touch must be gone, and
//! `Sweep::removed` must equal the number of doomed values the sweep really removed (a key the
//! writer found absent had its doomed value removed; one it overwrote had not). Contenders of
//! class [`Consistency::AtLeastOnce`] count predicate calls, which they may repeat when a
//! removal loses to a concurrent update, so for them `removed` is only a lower bound and
//! `visited` at least the number of entries.
//!
//! Set-up per round: [`ENTRIES`] keys (fewer for snapshot contenders, see [`entries`]) at
//! version 0; about half are *selected*, and a selected key is doomed while its value is at
//! version 0. The predicate is a pure function of key and value, but at some of the doomed
//! values it judges (at most [`MEETINGS`], spread over the walk) it publishes the key and waits
//! for the writer to overwrite it with version 1, as a preempted sweeper would; the writer
//! also overwrites a random half of the selected keys on its own while the sweep runs. A
//! contender whose sweep holds a lock the writer needs cannot be overtaken that way: the
//! predicate stops waiting once the writer has been stuck in its insert for [`BLOCKED`], and
//! waits no more in that sweep.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

use crate::{check_word, Build, Consistency, Contender, Key, Ops, Shared, Sweep, Value};

use crate::conformance::checks::{self, some};
use crate::conformance::harness::{entries, Applies, Check, Ctx, SetOnDrop, Watchdog};
use crate::conformance::keys::{class_keys, doomed, Class, Rng};

/// Entries before the sweep.
const ENTRIES: usize = 2_000;
/// Selected fraction in permille.
const PERMILLE: u64 = 500;
/// Rounds per contender and value type, each with its own seed.
const ROUNDS: u64 = 3;
/// Most times one sweep's predicate waits for the writer.
const MEETINGS: usize = 8;
/// How long the predicate waits for the writer to take up a request.
const PATIENCE: Duration = Duration::from_millis(200);
/// How long the predicate waits while the writer is inside one insert (the requested one or
/// one of its own): an insert that takes longer is taken to wait for a lock the sweep holds.
const BLOCKED: Duration = Duration::from_millis(10);

/// The predicate asks the writer to overwrite [`Meeting::key`].
const ASKED: u8 = 1;
/// The writer has taken up the request.
const WRITING: u8 = 2;
/// The writer's insert for the request returned.
const WRITTEN: u8 = 3;

/// Property 7 (see the module docs).
#[derive(Debug)]
pub(crate) struct OverwriteDuringSweep;

impl Check for OverwriteDuringSweep {
    const NAME: &'static str = "doomed values overwritten with kept ones during a sweep";

    fn single<V: Value, C: Contender<V>>(&self, _: &Ctx) -> Applies {
        Applies::No
    }

    fn shared<V: Value, C: Shared<V>>(&self, ctx: &Ctx) -> Applies {
        if C::INFO.consistency == Consistency::Exclusive {
            // A shared contender cannot be exclusive; the info property reports it.
            return Applies::No;
        }
        let n = entries::<V, C>(ENTRIES);
        for round in 0..ROUNDS {
            round_case::<V, C>(ctx.case_seed(0x0e4e_0000 + round), n);
        }
        Applies::Checked
    }
}

/// The key sets of one round.
struct Keys {
    /// Every key, in random order.
    all: Vec<Key>,
    /// Key -> whether it is selected (doomed while at version 0).
    selected: HashMap<Key, bool>,
    /// Selected keys the writer overwrites on its own, in order.
    free: Vec<Key>,
    /// Selected keys the predicate waits at: one in every `spacing` doomed values it judges.
    spacing: usize,
}

impl Keys {
    fn new(seed: u64, n: usize) -> Keys {
        let mut rng = Rng::new(seed);
        let salt = rng.next_u64();
        let all = class_keys(&mut rng, n, Class::Prefill);
        let selected: HashMap<Key, bool> = all
            .iter()
            .map(|&k| (k, doomed(k, salt, PERMILLE)))
            .collect();
        let chosen: Vec<Key> = all.iter().copied().filter(|k| selected[k]).collect();
        let free = chosen
            .iter()
            .copied()
            .filter(|_| rng.below(2) == 0)
            .collect();
        Keys {
            spacing: (chosen.len() / MEETINGS).max(1),
            all,
            selected,
            free,
        }
    }

    /// The predicate: selected and still at version 0.
    fn is_doomed<V: Value>(&self, k: Key, v: &V) -> bool {
        self.selected.get(&k) == Some(&true) && v.check() == check_word(k, 0)
    }

    /// Whether `v` was ever written for `k`: version 0, or 1 for a selected key.
    fn written<V: Value>(&self, k: Key, v: &V) -> bool {
        match self.selected.get(&k) {
            Some(&sel) => v.check() == check_word(k, 0) || (sel && v.check() == check_word(k, 1)),
            None => false,
        }
    }
}

/// The predicate's requests to the writer.
#[derive(Default)]
struct Meeting {
    /// 0 (no request yet), [`ASKED`], [`WRITING`] or [`WRITTEN`].
    state: AtomicU8,
    /// Set while the writer is inside an insert.
    inserting: AtomicBool,
    /// The key to overwrite, stored before [`ASKED`].
    key: AtomicU64,
    /// Set by the predicate's first call.
    started: AtomicBool,
    /// Set once `sweep` has returned (or the sweeper panicked).
    swept: AtomicBool,
}

/// What the sweeper saw.
struct Judged {
    sweep: Sweep,
    /// Predicate calls per key.
    calls: HashMap<Key, usize>,
    /// Requests the writer answered in time.
    met: usize,
}

fn round_case<V: Value, C: Shared<V>>(seed: u64, n: usize) {
    let case = format!(
        "sweep of {n} entries dooming version 0 of selected keys, a writer overwriting them with \
         version 1, seed {seed:#x}"
    );
    let keys = Keys::new(seed, n);
    let mut map =
        C::build(&Build::with_capacity(n)).unwrap_or_else(|e| panic!("{case}: build failed: {e}"));
    for &k in &keys.all {
        assert!(map.insert(k, V::new(k, 0)), "{case}: prefill insert");
    }

    let meeting = Meeting::default();
    let barrier = Barrier::new(2);
    let (sweeper, writer) = (map.handle(), map.handle());
    let watchdog = Watchdog::start(format!("{} ({}): {case}", C::NAME, V::LABEL));
    let (judged, written) = thread::scope(|s| {
        let (keys, meeting, barrier, case) = (&keys, &meeting, &barrier, &case);
        let sweep = s.spawn(move || sweep_thread::<V, _>(sweeper, keys, meeting, barrier, case));
        let write = s.spawn(move || write_thread::<V, _>(writer, keys, meeting, barrier));
        // Join both before re-raising either's panic.
        let (sweep, write) = (sweep.join(), write.join());
        let judged = sweep.unwrap_or_else(|p| std::panic::resume_unwind(p));
        let written = write.unwrap_or_else(|p| std::panic::resume_unwind(p));
        (judged, written)
    });
    drop(watchdog);

    // A key the writer found absent had its doomed value removed by the sweep; one it
    // overwrote had not. Every selected key the writer left alone was doomed throughout.
    let reinserted = written.values().filter(|&&absent| absent).count();
    let untouched: Vec<Key> = keys
        .all
        .iter()
        .copied()
        .filter(|k| keys.selected[k] && !written.contains_key(k))
        .collect();
    let removed = untouched.len() + reinserted;
    let overtaken = written.values().filter(|&&absent| !absent).count();
    println!(
        "{} ({}): {case}: the writer overwrote {overtaken} doomed values before the sweep removed \
         them and found {reinserted} removed; {} of its writes answered the predicate in time",
        C::NAME,
        V::LABEL,
        judged.met
    );

    // No write is lost.
    let lost: Vec<(Key, Option<u64>)> = written
        .keys()
        .map(|&k| (k, map.get(k)))
        .filter(|&(k, got)| got != Some(check_word(k, 1)))
        .collect();
    assert!(
        lost.is_empty(),
        "{case}: the sweep lost {} of the writer's {} kept values (key, check found): {}",
        lost.len(),
        written.len(),
        some(lost)
    );

    let Judged { sweep, calls, .. } = judged;
    let missed: Vec<Key> = keys
        .all
        .iter()
        .copied()
        .filter(|k| !calls.contains_key(k))
        .collect();
    assert!(
        missed.is_empty(),
        "{case}: the sweep never judged keys present throughout it: {}",
        some(missed)
    );
    if C::INFO.consistency == Consistency::AtLeastOnce {
        assert!(
            sweep.visited >= n && sweep.removed >= removed,
            "{case}: {sweep:?}, but the sweep judged {n} entries present throughout and removed \
             {removed} doomed values (at-least-once counts are lower bounds)"
        );
    } else {
        let repeated: Vec<(Key, usize)> = calls
            .iter()
            .filter(|&(k, &c)| c > if keys.selected[k] { 2 } else { 1 })
            .map(|(&k, &c)| (k, c))
            .collect();
        assert!(
            repeated.is_empty(),
            "{case}: the sweep judged keys more than once (key, calls; a selected key may be \
             re-checked once): {}",
            some(repeated)
        );
        assert_eq!(
            sweep.removed,
            removed,
            "{case}: Sweep::removed must count the doomed values really removed ({untouched} \
             untouched, {reinserted} removed before the writer's insert); {sweep:?}",
            untouched = untouched.len()
        );
        assert!(
            (n..=n + reinserted).contains(&sweep.visited),
            "{case}: the sweep visited {} entries; {n} were present, {reinserted} re-inserted \
             after their removal",
            sweep.visited
        );
    }

    // Every doomed value left alone is gone, and every read operation agrees.
    let mut expected: HashMap<Key, u64> = keys
        .all
        .iter()
        .filter(|k| !keys.selected[k])
        .map(|&k| (k, 0))
        .collect();
    expected.extend(written.keys().map(|&k| (k, 1)));
    checks::contents::<V, C>(
        &mut map,
        &expected,
        &untouched,
        &format!("{case}, after the sweep (every key the writer wrote holds version 1)"),
    );
}

fn sweep_thread<V: Value, H: Ops<V>>(
    mut h: H,
    keys: &Keys,
    meeting: &Meeting,
    barrier: &Barrier,
    case: &str,
) -> Judged {
    let _swept = SetOnDrop(&meeting.swept);
    barrier.wait();
    let mut calls: HashMap<Key, usize> = HashMap::with_capacity(keys.all.len());
    let mut wrong = Vec::new();
    let (mut doomed_seen, mut met, mut give_up) = (0, 0, false);
    let sweep = h.sweep(|k, v| {
        meeting.started.store(true, Ordering::Release);
        *calls.entry(k).or_default() += 1;
        if !keys.written(k, v) {
            wrong.push((k, v.check()));
        }
        let doom = keys.is_doomed(k, v);
        if doom {
            if !give_up && met < MEETINGS && doomed_seen % keys.spacing == 0 {
                if wait_for_writer(meeting, k) {
                    met += 1;
                } else {
                    give_up = true;
                }
            }
            doomed_seen += 1;
        }
        doom
    });
    meeting.swept.store(true, Ordering::Release);
    assert!(
        wrong.is_empty(),
        "{case}: the predicate saw keys never inserted or values never written (key, check): {}",
        some(wrong)
    );
    Judged { sweep, calls, met }
}

/// Asks the writer to overwrite `k` and waits until it has, or until it is clearly not going
/// to in time: it has not taken the request up within [`PATIENCE`], or it has been inside one
/// insert for [`BLOCKED`] (waiting for a lock the sweep holds). Returns whether it has.
fn wait_for_writer(meeting: &Meeting, k: Key) -> bool {
    meeting.key.store(k, Ordering::Relaxed);
    meeting.state.store(ASKED, Ordering::Release);
    let asked = Instant::now();
    let mut inserting_since = None;
    loop {
        if meeting.state.load(Ordering::Acquire) == WRITTEN {
            return true;
        }
        if meeting.inserting.load(Ordering::Acquire) {
            if inserting_since.get_or_insert_with(Instant::now).elapsed() > BLOCKED {
                return false;
            }
        } else {
            inserting_since = None;
        }
        if asked.elapsed() > PATIENCE {
            return false;
        }
        thread::yield_now();
    }
}

/// Overwrites requested keys, and free keys while the sweep runs, each at most once with
/// version 1; returns each written key with whether its insert found it absent.
fn write_thread<V: Value, H: Ops<V>>(
    mut h: H,
    keys: &Keys,
    meeting: &Meeting,
    barrier: &Barrier,
) -> HashMap<Key, bool> {
    barrier.wait();
    let mut written: HashMap<Key, bool> = HashMap::new();
    let mut write = |h: &mut H, k: Key| {
        if let Entry::Vacant(e) = written.entry(k) {
            meeting.inserting.store(true, Ordering::Release);
            e.insert(h.insert(k, V::new(k, 1)));
            meeting.inserting.store(false, Ordering::Release);
        }
    };
    while !meeting.started.load(Ordering::Acquire) && !meeting.swept.load(Ordering::Acquire) {
        thread::yield_now();
    }
    let mut free = keys.free.iter();
    let mut since_yield = 0;
    loop {
        if meeting.state.load(Ordering::Acquire) == ASKED {
            let k = meeting.key.load(Ordering::Relaxed);
            meeting.state.store(WRITING, Ordering::Release);
            write(&mut h, k);
            meeting.state.store(WRITTEN, Ordering::Release);
            continue;
        }
        if meeting.swept.load(Ordering::Acquire) {
            break;
        }
        match free.next() {
            Some(&k) => write(&mut h, k),
            None => thread::yield_now(),
        }
        since_yield += 1;
        if since_yield % 8 == 0 {
            thread::yield_now();
        }
    }
    written
}
