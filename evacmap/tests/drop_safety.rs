//! Drop safety: keys and values that count their drops (and live instances) are dropped exactly
//! once on every path that removes or discards entries, including mid-grow drops, partially
//! consumed iterators, and panics injected into the hasher, into `Eq` and into predicates. After
//! a caught panic the map still passes `check_invariants()`, and after it is dropped nothing is
//! alive.

mod common;

use std::cell::{Cell, RefCell};
use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::Once;

use common::shrinking_config;
use evacmap::{Config, EvacMap, GrowKind};

/// Counts instances: every construction gets a serial; drops are recorded per serial.
#[derive(Default)]
struct Tracker {
    made: Cell<u64>,
    drops: RefCell<HashMap<u64, u32>>,
    /// When non-zero, the `n`th key comparison from now panics.
    eq_panic_in: Cell<u64>,
    /// When non-zero, the `n`th value drop from now panics (after being recorded).
    drop_panic_in: Cell<u64>,
    /// When non-zero, the `n`th key or value clone from now panics.
    clone_panic_in: Cell<u64>,
}

impl Tracker {
    fn new() -> Rc<Tracker> {
        Rc::new(Tracker::default())
    }

    fn serial(&self) -> u64 {
        self.made.set(self.made.get() + 1);
        self.made.get()
    }

    fn key(self: &Rc<Self>, id: u64) -> Key {
        Key {
            id,
            serial: self.serial(),
            t: Rc::clone(self),
        }
    }

    fn val(self: &Rc<Self>, x: u64) -> Val {
        Val {
            x,
            serial: self.serial(),
            t: Rc::clone(self),
        }
    }

    /// Counts a clone; panics if it is the armed one.
    fn clone_tick(&self) {
        let n = self.clone_panic_in.get();
        if n > 0 {
            self.clone_panic_in.set(n - 1);
            if n == 1 {
                panic!("injected Clone panic");
            }
        }
    }

    fn live(&self) -> u64 {
        self.made.get() - self.drops.borrow().len() as u64
    }

    fn record_drop(&self, serial: u64) {
        let mut drops = self.drops.borrow_mut();
        let n = drops.entry(serial).or_default();
        *n += 1;
        assert_eq!(*n, 1, "instance {serial} dropped twice");
    }

    /// Live instances are exactly the map's keys and values (plus `extra` held by the test).
    fn assert_live(&self, len: usize, extra: u64) {
        assert_eq!(
            self.live(),
            2 * len as u64 + extra,
            "live instances != 2 * len + {extra}"
        );
    }

    /// Everything ever made was dropped exactly once.
    fn assert_all_dropped(&self) {
        assert_eq!(self.live(), 0, "{} instances leaked", self.live());
        assert!(self.drops.borrow().values().all(|&n| n == 1));
    }
}

struct Key {
    id: u64,
    serial: u64,
    t: Rc<Tracker>,
}

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.id.hash(state);
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Key) -> bool {
        let n = self.t.eq_panic_in.get();
        if n > 0 {
            self.t.eq_panic_in.set(n - 1);
            if n == 1 {
                panic!("injected Eq panic");
            }
        }
        self.id == other.id
    }
}

impl Eq for Key {}

impl Clone for Key {
    fn clone(&self) -> Key {
        self.t.clone_tick();
        self.t.key(self.id)
    }
}

impl Clone for Val {
    fn clone(&self) -> Val {
        self.t.clone_tick();
        self.t.val(self.x)
    }
}

impl Drop for Key {
    fn drop(&mut self) {
        self.t.record_drop(self.serial);
    }
}

struct Val {
    x: u64,
    serial: u64,
    t: Rc<Tracker>,
}

impl Drop for Val {
    fn drop(&mut self) {
        self.t.record_drop(self.serial);
        let n = self.t.drop_panic_in.get();
        if n > 0 {
            self.t.drop_panic_in.set(n - 1);
            if n == 1 {
                panic!("injected Drop panic");
            }
        }
    }
}

/// A deterministic SipHash builder that panics on its `n`th use when armed.
#[derive(Clone, Default)]
struct PanicHasher {
    calls: Rc<Cell<u64>>,
    panic_at: Rc<Cell<u64>>,
}

impl PanicHasher {
    /// The next `n`th hash (1 = the very next) panics.
    fn arm(&self, n: u64) {
        self.panic_at.set(self.calls.get() + n);
    }

    fn disarm(&self) {
        self.panic_at.set(0);
    }
}

impl BuildHasher for PanicHasher {
    type Hasher = DefaultHasher;

    fn build_hasher(&self) -> DefaultHasher {
        self.calls.set(self.calls.get() + 1);
        if self.calls.get() == self.panic_at.get() {
            self.panic_at.set(0);
            panic!("injected hash panic");
        }
        DefaultHasher::new()
    }
}

type Map = EvacMap<Key, Val, PanicHasher>;

/// Silences the injected panics' messages (other panics still print).
fn quiet_injected_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let msg = payload
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
                .unwrap_or("");
            if !msg.starts_with("injected") {
                previous(info);
            }
        }));
    });
}

fn new_map(config: Config) -> (Map, Rc<Tracker>, PanicHasher) {
    let hasher = PanicHasher::default();
    (
        EvacMap::with_config_and_hasher(config, hasher.clone()),
        Tracker::new(),
        hasher,
    )
}

fn fill(m: &mut Map, t: &Rc<Tracker>, keys: std::ops::Range<u64>) {
    for k in keys {
        assert!(m.insert(t.key(k), t.val(k)).is_none());
    }
}

/// A map of `n` keys in the middle of a grow of `kind`.
fn mid_grow(kind: GrowKind) -> (Map, Rc<Tracker>, PanicHasher) {
    match kind {
        GrowKind::Doubling => {
            let (mut m, t, h) = new_map(Config::default());
            fill(&mut m, &t, 0..833);
            assert_eq!(m.stats().grow_kind, Some(GrowKind::Doubling));
            (m, t, h)
        }
        GrowKind::SameSize => {
            let (mut m, t, h) = new_map(Config::default());
            fill(&mut m, &t, 0..104);
            let mut next = 104;
            while m.stats().grow_kind != Some(GrowKind::SameSize) {
                assert!(m.remove(&t.key(next - 104)).is_some());
                m.insert(t.key(next), t.val(next));
                next += 1;
                assert!(next < 2_000_000, "no same-size grow");
            }
            (m, t, h)
        }
        GrowKind::Halving => {
            let (mut m, t, h) = new_map(shrinking_config());
            fill(&mut m, &t, 0..800);
            let mut k = 0;
            while m.stats().grow_kind != Some(GrowKind::Halving) {
                m.remove(&t.key(k));
                k += 1;
            }
            (m, t, h)
        }
    }
}

const KINDS: [GrowKind; 3] = [GrowKind::Doubling, GrowKind::SameSize, GrowKind::Halving];

#[test]
fn remove_returns_the_value_and_drops_the_key_once() {
    let (mut m, t, _) = new_map(Config::default());
    fill(&mut m, &t, 0..500);
    for k in (0..500).step_by(3) {
        let v = m.remove(&t.key(k)).expect("present");
        assert_eq!(v.x, k);
        t.assert_live(m.len(), 1);
        drop(v);
        let (key, val) = m.remove_entry(&t.key(k + 1)).expect("present");
        assert_eq!((key.id, val.x), (k + 1, k + 1));
        drop((key, val));
        assert!(m.remove(&t.key(10_000)).is_none());
        t.assert_live(m.len(), 0);
    }
    m.check_invariants().unwrap();
    drop(m);
    t.assert_all_dropped();
}

#[test]
fn overwrite_returns_the_old_value_and_drops_the_new_key() {
    let (mut m, t, _) = new_map(Config::default());
    fill(&mut m, &t, 0..300);
    for k in 0..300 {
        let old = m.insert(t.key(k), t.val(k + 1000)).expect("present");
        assert_eq!(old.x, k);
        t.assert_live(m.len(), 1);
        drop(old);
        assert_eq!(m.get(&t.key(k)).map(|v| v.x), Some(k + 1000));
    }
    drop(m);
    t.assert_all_dropped();
}

#[test]
fn clear_drops_everything_once() {
    for kind in KINDS {
        let (mut m, t, _) = mid_grow(kind);
        let mut c = m.cursor();
        assert!(c.next(&m).is_some());
        m.clear();
        t.assert_live(0, 0);
        assert!(c.next(&m).is_none());
        fill(&mut m, &t, 0..100);
        m.check_invariants().unwrap();
        drop(m);
        drop(c);
        t.assert_all_dropped();
    }
}

#[test]
fn drop_mid_grow_drops_everything_once() {
    for kind in KINDS {
        for with_cursor in [false, true] {
            let (m, t, _) = mid_grow(kind);
            assert!(m.stats().growing);
            let mut c = m.cursor();
            if with_cursor {
                // A cursor parked on a table keeps it alive past the map; it must not own entries.
                for _ in 0..5 {
                    c.next(&m);
                }
                drop(m);
                t.assert_all_dropped();
                drop(c);
            } else {
                drop(c);
                drop(m);
            }
            t.assert_all_dropped();
        }
    }
}

/// A structural clone makes one instance of every key and value, dropped once with the clone;
/// a `clone` that panics part way drops the copies made so far and leaves the original as it was.
#[test]
fn clone_drops_once_and_survives_a_panicking_clone() {
    quiet_injected_panics();
    for kind in KINDS {
        let (m, t, _) = mid_grow(kind);
        let (view, n) = (m.view(), m.len());
        let c = m.clone();
        t.assert_live(2 * n, 0);
        assert_eq!(c.view(), view);
        drop(c);
        t.assert_live(n, 0);
        // Panics in the first clone, in a key and in a value, in the middle, in the last one.
        for at in [
            1,
            2,
            3,
            2 * n as u64 / 2,
            2 * n as u64 / 2 + 1,
            2 * n as u64,
        ] {
            t.clone_panic_in.set(at);
            let r = catch_unwind(AssertUnwindSafe(|| m.clone()));
            assert!(r.is_err(), "clone number {at} should have panicked");
            t.clone_panic_in.set(0);
            t.assert_live(n, 0);
            assert_eq!(m.view(), view, "a failed clone changed the original");
            m.check_invariants().unwrap();
        }
        drop(m);
        t.assert_all_dropped();
    }
}

#[test]
fn drain_fully_and_partially_consumed() {
    for kind in KINDS {
        for take in [0usize, 1, 50, usize::MAX] {
            let (mut m, t, _) = mid_grow(kind);
            let n = m.len();
            let mut got = 0;
            {
                let mut d = m.drain();
                assert_eq!(d.len(), n);
                for (k, v) in d.by_ref().take(take) {
                    assert_eq!(k.id, v.x);
                    got += 1;
                }
                assert_eq!(d.len(), n - got);
            }
            assert_eq!(got, take.min(n));
            assert!(m.is_empty());
            t.assert_live(0, 0);
            fill(&mut m, &t, 0..10);
            m.check_invariants().unwrap();
            drop(m);
            t.assert_all_dropped();
        }
    }
}

#[test]
fn into_iter_partially_consumed() {
    for kind in KINDS {
        for take in [0usize, 7, usize::MAX] {
            let (m, t, _) = mid_grow(kind);
            let n = m.len();
            let mut it = m.into_iter();
            assert_eq!(it.len(), n);
            let got: Vec<(Key, Val)> = it.by_ref().take(take).collect();
            assert_eq!(got.len(), take.min(n));
            assert!(got.iter().all(|(k, v)| k.id == v.x));
            t.assert_live(n, 0);
            drop(it);
            t.assert_live(got.len(), 0);
            drop(got);
            t.assert_all_dropped();
        }
    }
}

#[test]
fn retain_drops_removed_entries_once() {
    for kind in KINDS {
        let (mut m, t, _) = mid_grow(kind);
        m.retain(|k, v| {
            v.x += 1;
            k.id % 3 != 0
        });
        t.assert_live(m.len(), 0);
        m.check_invariants().unwrap();
        assert!(m.iter().all(|(k, v)| k.id % 3 != 0 && v.x == k.id + 1));
        drop(m);
        t.assert_all_dropped();
    }
}

#[test]
fn extract_if_partially_consumed() {
    for kind in KINDS {
        for take in [0usize, 5, usize::MAX] {
            let (mut m, t, _) = mid_grow(kind);
            let n = m.len();
            let got: Vec<(Key, Val)> = m.extract_if(|k, _| k.id % 2 == 0).take(take).collect();
            assert!(got.iter().all(|(k, _)| k.id % 2 == 0));
            assert_eq!(m.len(), n - got.len());
            t.assert_live(m.len(), 2 * got.len() as u64);
            drop(got);
            m.check_invariants().unwrap();
            if take == usize::MAX {
                assert!(m.keys().all(|k| k.id % 2 == 1));
            }
            drop(m);
            t.assert_all_dropped();
        }
    }
}

#[test]
fn shrink_to_fit_moves_without_dropping() {
    let (mut m, t, _) = new_map(Config::default());
    fill(&mut m, &t, 0..2000);
    for k in 0..1950 {
        m.remove(&t.key(k));
    }
    let b = m.stats().b;
    m.shrink_to_fit();
    assert!(m.stats().b < b);
    t.assert_live(50, 0);
    m.check_invariants().unwrap();
    drop(m);
    t.assert_all_dropped();
}

/// A hasher panic inside `insert` (hashing the new key) leaves the map untouched and drops the
/// key and value passed in.
#[test]
fn hasher_panic_during_insert() {
    quiet_injected_panics();
    for kind in KINDS {
        let (mut m, t, h) = mid_grow(kind);
        let n = m.len();
        let stats = m.stats();
        h.arm(1);
        let r = catch_unwind(AssertUnwindSafe(|| m.insert(t.key(1_000_000), t.val(0))));
        assert!(r.is_err(), "the hasher did not panic");
        h.disarm();
        assert_eq!(m.stats(), stats, "a panicking hash changed the map");
        t.assert_live(n, 0);
        m.check_invariants().unwrap();
        m.insert(t.key(1_000_000), t.val(0));
        drop(m);
        t.assert_all_dropped();
    }
}

/// A hasher panic while `grow_work` evacuates (doubling rehashes the old chain's keys) leaves
/// the map consistent and usable.
#[test]
fn hasher_panic_during_evacuation() {
    quiet_injected_panics();
    let mut panicked = 0;
    for nth in 2..8 {
        let (mut m, t, h) = mid_grow(GrowKind::Doubling);
        let n = m.len() as u64;
        // An update: hash #1 is the key's; evacuation hashes the old chain's keys next.
        h.arm(nth);
        let r = catch_unwind(AssertUnwindSafe(|| m.insert(t.key(5), t.val(5))));
        h.disarm();
        if r.is_err() {
            panicked += 1;
        }
        // Without a panic (the seed decides how many keys evacuation hashes) `r` holds the
        // replaced value: drop it before counting live instances.
        drop(r);
        m.check_invariants().unwrap();
        t.assert_live(m.len(), 0);
        for k in 0..n {
            assert_eq!(m.get(&t.key(k)).map(|v| v.x), Some(k), "key {k} lost");
        }
        while m.stats().growing {
            m.insert(t.key(0), t.val(0));
        }
        m.check_invariants().unwrap();
        drop(m);
        t.assert_all_dropped();
    }
    assert!(
        panicked >= 4,
        "the evacuation hashes were not reached ({panicked} panics)"
    );
}

/// A hasher panic inside `Cursor::next` (it hashes keys it follows through evacuation marks)
/// leaves the map untouched.
#[test]
fn hasher_panic_in_cursor() {
    quiet_injected_panics();
    let (mut m, t, h) = new_map(Config::default());
    fill(&mut m, &t, 0..8);
    let mut c = m.cursor();
    let mut yielded = vec![c.next(&m).expect("8 entries").0.id];
    // Grow under the parked cursor: the rest of its chain is now evacuation marks.
    fill(&mut m, &t, 8..500);
    while m.stats().growing {
        m.insert(t.key(0), t.val(0));
    }
    let stats = m.stats();
    let mut panicked = false;
    for _ in 0..20 {
        h.arm(1);
        match catch_unwind(AssertUnwindSafe(|| c.next(&m).map(|(k, _)| k.id))) {
            Err(_) => {
                panicked = true;
                break;
            }
            Ok(None) => break,
            Ok(Some(id)) => yielded.push(id),
        }
    }
    h.disarm();
    assert!(panicked, "the cursor never hashed");
    assert_eq!(m.stats(), stats);
    m.check_invariants().unwrap();
    // The walk goes on after the caught panic and skips nothing: the 8 keys present since the
    // cursor was made are each yielded exactly once.
    while let Some((k, _)) = c.next(&m) {
        yielded.push(k.id);
    }
    for id in 0..8 {
        assert_eq!(
            yielded.iter().filter(|&&y| y == id).count(),
            1,
            "key {id}: {yielded:?}"
        );
    }
    t.assert_live(m.len(), 0);
    drop(c);
    drop(m);
    t.assert_all_dropped();
}

/// A value destructor panicking inside `clear`: the map is already empty and consistent, running
/// cursors are stopped, `remove_yielded` refuses the stale cell (it was dropped), and every other
/// entry is still dropped, each exactly once.
#[test]
fn drop_panic_during_clear() {
    quiet_injected_panics();
    for kind in KINDS {
        let (mut m, t, _) = mid_grow(kind);
        let mut c = m.cursor();
        assert!(c.next(&m).is_some());
        t.drop_panic_in.set(3);
        assert!(
            catch_unwind(AssertUnwindSafe(|| m.clear())).is_err(),
            "{kind:?}: no panic"
        );
        t.drop_panic_in.set(0);
        assert_eq!(m.len(), 0);
        t.assert_live(0, 0);
        m.check_invariants().unwrap();
        assert!(
            c.remove_yielded(&mut m).is_none(),
            "{kind:?}: a cleared cell was removed again"
        );
        assert!(c.next(&m).is_none());
        fill(&mut m, &t, 0..50);
        m.check_invariants().unwrap();
        assert_eq!(m.len(), 50);
    }
}

/// A panicking `Eq` during insert, remove and lookup, mid-grow of each kind.
#[test]
fn eq_panic_during_insert_remove_and_get() {
    quiet_injected_panics();
    for kind in KINDS {
        let (mut m, t, _) = mid_grow(kind);
        let present: Vec<u64> = m.keys().map(|k| k.id).take(20).collect();
        for (i, &k) in present.iter().enumerate() {
            let n = m.len();
            t.eq_panic_in.set(1);
            let r = match i % 4 {
                0 => catch_unwind(AssertUnwindSafe(|| {
                    m.insert(t.key(k), t.val(1));
                })),
                1 => catch_unwind(AssertUnwindSafe(|| {
                    m.remove(&t.key(k));
                })),
                2 => catch_unwind(AssertUnwindSafe(|| {
                    m.get(&t.key(k));
                })),
                _ => catch_unwind(AssertUnwindSafe(|| {
                    m.remove_entry(&t.key(k));
                })),
            };
            t.eq_panic_in.set(0);
            assert!(r.is_err(), "Eq was not called for present key {k}");
            assert_eq!(m.len(), n);
            t.assert_live(n, 0);
            m.check_invariants().unwrap();
            assert!(m.contains_key(&t.key(k)));
        }
        drop(m);
        t.assert_all_dropped();
    }
}

/// A panicking `retain` predicate: entries removed before the panic stay removed (and dropped),
/// the rest stay, and the map stays consistent.
#[test]
fn retain_predicate_panic() {
    quiet_injected_panics();
    for kind in KINDS {
        for after in [0u64, 1, 37, 300] {
            let (mut m, t, _) = mid_grow(kind);
            let n = m.len();
            let after = after.min(n as u64 - 1);
            let mut calls = 0;
            let r = catch_unwind(AssertUnwindSafe(|| {
                m.retain(|k, _| {
                    calls += 1;
                    if calls > after {
                        panic!("injected predicate panic");
                    }
                    k.id % 2 == 0
                })
            }));
            assert!(r.is_err());
            assert!(m.len() <= n && m.len() + after as usize >= n);
            t.assert_live(m.len(), 0);
            m.check_invariants().unwrap();
            fill(&mut m, &t, 5_000..5_100);
            m.check_invariants().unwrap();
            drop(m);
            t.assert_all_dropped();
        }
    }
}

/// A panicking `extract_if` predicate: the iterator's drop settles the map.
#[test]
fn extract_if_predicate_panic() {
    quiet_injected_panics();
    for kind in KINDS {
        let (mut m, t, _) = mid_grow(kind);
        let mut calls = 0;
        let r = catch_unwind(AssertUnwindSafe(|| {
            let got: Vec<(Key, Val)> = m
                .extract_if(|k, _| {
                    calls += 1;
                    if calls > 40 {
                        panic!("injected predicate panic");
                    }
                    k.id % 2 == 1
                })
                .collect();
            got.len()
        }));
        assert!(r.is_err());
        t.assert_live(m.len(), 0);
        m.check_invariants().unwrap();
        drop(m);
        t.assert_all_dropped();
    }
}

/// A settled map (no grow in progress) of `n` keys: `retain` takes its 8-bucket batch path on
/// runs of buckets without overflow and its per-chain path elsewhere.
fn settled(n: u64) -> (Map, Rc<Tracker>, PanicHasher) {
    let (mut m, t, h) = new_map(Config::default());
    fill(&mut m, &t, 0..n);
    while m.stats().growing {
        // Inserting and removing a key advances evacuation without changing the entries.
        m.insert(t.key(1_000_000), t.val(0));
        m.remove(&t.key(1_000_000));
    }
    (m, t, h)
}

/// A predicate panicking at every position of the first buckets (mid-bucket, at bucket edges,
/// in a batch of 8 buckets and in a chain): the answers given before the panic are applied
/// (those entries removed and dropped once), every other entry stays, nothing leaks.
#[test]
fn retain_predicate_panic_mid_bucket() {
    quiet_injected_panics();
    for n in [7u64, 60, 700] {
        for after in (0..40u64).chain([100, 333]) {
            let (mut m, t, _) = settled(n);
            if after >= n {
                continue;
            }
            let mut removed = 0;
            let mut calls = 0;
            let r = catch_unwind(AssertUnwindSafe(|| {
                m.retain(|k, _| {
                    calls += 1;
                    if calls > after {
                        panic!("injected predicate panic");
                    }
                    let keep = k.id % 3 != 0;
                    removed += usize::from(!keep);
                    keep
                })
            }));
            assert!(r.is_err());
            assert_eq!(m.len(), n as usize - removed, "n={n} after={after}");
            t.assert_live(m.len(), 0);
            m.check_invariants().unwrap();
            // Every key the predicate kept or never saw is still there, with its value.
            assert_eq!(m.iter().filter(|(k, v)| k.id == v.x).count(), m.len());
            fill(&mut m, &t, 5_000..5_100);
            m.check_invariants().unwrap();
            drop(m);
            t.assert_all_dropped();
        }
    }
}

/// A destructor of a removed value panicking inside `retain`: the other removed entries of the
/// group are still dropped, nothing is dropped twice, the map is consistent and usable.
#[test]
fn retain_drop_panic() {
    quiet_injected_panics();
    type Fixture = (Map, Rc<Tracker>, PanicHasher);
    let makers: [fn() -> Fixture; 3] = [
        || settled(60),
        || settled(700),
        || mid_grow(GrowKind::Doubling),
    ];
    for make in makers {
        for nth in [1u64, 2, 5, 17] {
            let (mut m, t, _) = make();
            let len = m.len();
            t.drop_panic_in.set(nth);
            let r = catch_unwind(AssertUnwindSafe(|| m.retain(|k, _| k.id % 2 == 0)));
            t.drop_panic_in.set(0);
            assert!(r.is_err(), "no destructor panicked");
            assert!(m.len() < len);
            m.check_invariants().unwrap();
            // The walk stopped after the panicking group: finish it.
            m.retain(|k, _| k.id % 2 == 0);
            assert!(m.iter().all(|(k, _)| k.id % 2 == 0));
            m.check_invariants().unwrap();
            t.assert_live(m.len(), 0);
            drop(m);
            t.assert_all_dropped();
        }
    }
}

/// Entry API: `or_insert` on a present key drops the unused default, `insert` drops the old
/// value, `remove` hands the value out once, a vacant entry's key is dropped or given back.
#[test]
fn entry_drops_each_value_once() {
    for kind in KINDS {
        let (mut m, t, _) = mid_grow(kind);
        let n = m.len();
        let present = m.keys().next().unwrap().id;
        m.entry(t.key(present)).or_insert(t.val(1));
        let old = match m.entry(t.key(present)) {
            evacmap::Entry::Occupied(mut e) => e.insert(t.val(2)),
            evacmap::Entry::Vacant(_) => panic!("present key reported vacant"),
        };
        drop(old);
        let key = match m.entry(t.key(9_999_999)) {
            evacmap::Entry::Vacant(e) => e.into_key(),
            evacmap::Entry::Occupied(_) => panic!("absent key reported occupied"),
        };
        drop(key);
        m.entry(t.key(9_999_998)).or_insert_with(|| t.val(3));
        let v = match m.entry(t.key(present)) {
            evacmap::Entry::Occupied(e) => e.remove(),
            evacmap::Entry::Vacant(_) => panic!("present key reported vacant"),
        };
        drop(v);
        assert_eq!(m.len(), n);
        t.assert_live(m.len(), 0);
        m.check_invariants().unwrap();
        drop(m);
        t.assert_all_dropped();
    }
}

/// `Cursor::retain_next` with budgets that stop mid-bucket, mid-run and never: every removed
/// entry is dropped once, the rest stay alive, on a settled map (fast paths) and mid-grow
/// (general path).
#[test]
fn cursor_retain_next_drops_removed_entries_once() {
    type Fixture = (Map, Rc<Tracker>, PanicHasher);
    let makers: [fn() -> Fixture; 3] = [
        || settled(700),
        || settled(7),
        || mid_grow(GrowKind::Doubling),
    ];
    for make in makers {
        for budget in [1usize, 5, 64, usize::MAX] {
            let (mut m, t, _) = make();
            let len = m.len();
            let doomed = m.keys().filter(|k| k.id % 3 == 0).count();
            let mut cursor = m.cursor();
            let mut visited = 0;
            while !cursor.is_finished() {
                visited += cursor.retain_next(&mut m, budget, |k, _| k.id % 3 != 0);
            }
            assert_eq!(visited, len, "budget {budget}");
            assert_eq!(m.len(), len - doomed);
            assert!(m.keys().all(|k| k.id % 3 != 0));
            m.check_invariants().unwrap();
            t.assert_live(m.len(), 0);
            drop(m);
            t.assert_all_dropped();
        }
    }
}

/// `Cursor::next` + `Cursor::remove_yielded` (the cursor's 8-bucket runs and their branch-free
/// removal on a settled map, the general path mid-grow): each removed entry is moved out to the
/// caller exactly once, the others stay, and a panic in the caller between two steps (here a
/// removed value's destructor) leaves the map consistent and the walk able to go on.
#[test]
fn cursor_remove_yielded_moves_each_entry_once() {
    quiet_injected_panics();
    type Fixture = (Map, Rc<Tracker>, PanicHasher);
    let makers: [fn() -> Fixture; 3] = [
        || settled(700),
        || settled(7),
        || mid_grow(GrowKind::Doubling),
    ];
    for make in makers {
        for panic_at in [0u64, 1, 9, 40] {
            let (mut m, t, _) = make();
            let len = m.len();
            let doomed = m.keys().filter(|k| k.id % 3 == 0).count();
            let mut cursor = m.cursor();
            let (mut visited, mut removed) = (0, 0u64);
            while let Some((k, _)) = cursor.next(&m) {
                visited += 1;
                if k.id % 3 != 0 {
                    continue;
                }
                let entry = cursor
                    .remove_yielded(&mut m)
                    .expect("nothing was written since next");
                assert_eq!(entry.0.id % 3, 0);
                removed += 1;
                if removed == panic_at {
                    t.drop_panic_in.set(1);
                    assert!(catch_unwind(AssertUnwindSafe(|| drop(entry))).is_err());
                    t.drop_panic_in.set(0);
                    m.check_invariants().unwrap();
                } else {
                    drop(entry);
                }
            }
            assert_eq!(visited, len, "panic at {panic_at}");
            assert_eq!(removed as usize, doomed);
            assert_eq!(m.len(), len - doomed);
            assert!(m.keys().all(|k| k.id % 3 != 0));
            m.check_invariants().unwrap();
            t.assert_live(m.len(), 0);
            drop(m);
            t.assert_all_dropped();
        }
    }
}

/// A predicate panicking inside `Cursor::retain_next` at every position of the first buckets
/// (mid-bucket, at bucket edges, inside an 8-bucket run), after the cursor was stepped into a
/// bucket or not: the answers given are applied (those entries removed and dropped once), the
/// entry it panicked on stays, the map is consistent, and the cursor carries on with exactly
/// the entries it had not visited.
#[test]
fn cursor_retain_next_predicate_panic_mid_bucket() {
    quiet_injected_panics();
    for n in [7u64, 60, 700] {
        for stepped in [0usize, 3] {
            for after in (0..40u64).chain([100, 333]) {
                let (mut m, t, _) = settled(n);
                if after + stepped as u64 >= n {
                    continue;
                }
                let mut cursor = m.cursor();
                let mut seen: Vec<u64> = Vec::new();
                for _ in 0..stepped {
                    seen.push(cursor.next(&m).unwrap().0.id);
                }
                let mut removed = 0;
                let mut calls = 0;
                let r = catch_unwind(AssertUnwindSafe(|| {
                    cursor.retain_next(&mut m, usize::MAX, |k, _| {
                        calls += 1;
                        seen.push(k.id);
                        if calls > after {
                            panic!("injected predicate panic");
                        }
                        let keep = k.id % 3 != 0;
                        removed += usize::from(!keep);
                        keep
                    })
                }));
                assert!(r.is_err());
                assert_eq!(m.len(), n as usize - removed, "n={n} after={after}");
                t.assert_live(m.len(), 0);
                m.check_invariants().unwrap();
                assert_eq!(m.iter().filter(|(k, v)| k.id == v.x).count(), m.len());
                // The walk goes on after the entry it panicked on, each entry once.
                while !cursor.is_finished() {
                    cursor.retain_next(&mut m, 17, |k, _| {
                        seen.push(k.id);
                        true
                    });
                }
                seen.sort_unstable();
                assert_eq!(seen, (0..n).collect::<Vec<_>>(), "n={n} after={after}");
                fill(&mut m, &t, 5_000..5_100);
                m.check_invariants().unwrap();
                drop(m);
                t.assert_all_dropped();
            }
        }
    }
}

/// A destructor panicking inside `Cursor::retain_next`: the bucket's other removed entries are
/// still dropped, nothing twice, the map is consistent and the walk can be finished.
#[test]
fn cursor_retain_next_drop_panic() {
    quiet_injected_panics();
    for n in [60u64, 700] {
        for nth in [1u64, 2, 5, 17] {
            let (mut m, t, _) = settled(n);
            let len = m.len();
            let mut cursor = m.cursor();
            t.drop_panic_in.set(nth);
            let r = catch_unwind(AssertUnwindSafe(|| {
                cursor.retain_next(&mut m, usize::MAX, |k, _| k.id % 2 == 0)
            }));
            t.drop_panic_in.set(0);
            assert!(r.is_err(), "no destructor panicked");
            assert!(m.len() < len);
            m.check_invariants().unwrap();
            while !cursor.is_finished() {
                cursor.retain_next(&mut m, 64, |k, _| k.id % 2 == 0);
            }
            assert!(m.iter().all(|(k, _)| k.id % 2 == 0));
            assert_eq!(m.len(), (0..n).filter(|k| k % 2 == 0).count());
            m.check_invariants().unwrap();
            t.assert_live(m.len(), 0);
            drop(m);
            t.assert_all_dropped();
        }
    }
}
