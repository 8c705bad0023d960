//! The `Cursor` contract (rules 1-10 on `evacmap::Cursor`), one test per rule, each run over the
//! hard cases: doubling grows, same-size grows, halvings, many grows while the cursor is parked
//! mid-chain, cursors created mid-grow, and colliding hashers. The harness in `common` checks
//! every step against rules 1-4, 6 and 7; each test adds the checks specific to its rule and
//! makes sure the case really happened (grows, same-size grows or halvings during the walk).

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::collections::HashSet;
use std::mem::size_of;
use std::sync::atomic::{AtomicU64, Ordering};

use common::{scale, scaled_min, shrinking_config, Harness, Rng, TestHasher};
use evacmap::{Config, Cursor, EvacMap, GrowKind, Stats};

/// Counts allocations per thread, so a test can check that `Cursor::next` never allocates.
struct CountingAlloc;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: every method forwards to `System` with the caller's arguments; counting touches only a
// const-initialised thread-local `Cell`, which never allocates.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which `System` shares.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: as above; `ptr` was allocated by `System` through this allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

fn allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

/// The hard cases every rule is checked under.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Case {
    /// Doubling grows while the cursor walks.
    Growth,
    /// Churn at full load: same-size grows while the cursor walks.
    SameSize,
    /// Removals under a shrink policy: halvings while the cursor walks.
    Halving,
    /// Parked mid-chain while the map doubles many times and halves back, between two steps.
    MultiGrowParked,
    /// Cursor created during a doubling.
    CreatedMidGrow,
    /// Cursor created during a same-size grow.
    CreatedMidSameSize,
    /// Cursor created during a halving.
    CreatedMidHalving,
    /// A weak hasher (5 distinct hashes): long chains, grows and halvings.
    Colliding,
    /// Every key hashes alike: a single chain.
    ConstHasher,
}

const CASES: [Case; 9] = [
    Case::Growth,
    Case::SameSize,
    Case::Halving,
    Case::MultiGrowParked,
    Case::CreatedMidGrow,
    Case::CreatedMidSameSize,
    Case::CreatedMidHalving,
    Case::Colliding,
    Case::ConstHasher,
];

/// State a case and a rule share while a walk runs.
struct Ctx {
    rng: Rng,
    /// Initial keys the case never removes (rules may).
    stable: Vec<u64>,
    /// Keys the case may remove.
    pool: Vec<u64>,
    /// Steps taken by cursor 0.
    step: usize,
    /// Stats when cursor 0 was created.
    at_start: Option<Stats>,
    /// The case needs a constant size (same-size grows): rules must not grow the map.
    keep_size: bool,
}

impl Ctx {
    fn churn(&mut self, h: &mut Harness, pairs: usize) {
        for _ in 0..pairs {
            if self.pool.is_empty() {
                return;
            }
            let i = self.rng.below(self.pool.len() as u64) as usize;
            let k = self.pool.swap_remove(i);
            h.remove(k);
            let fresh = h.insert_fresh(self.rng.next_u64());
            self.pool.push(fresh);
        }
    }

    fn grow_pool(&mut self, h: &mut Harness, n: usize) {
        for _ in 0..n {
            let k = h.insert_fresh(self.rng.next_u64());
            self.pool.push(k);
        }
    }

    fn shrink_pool(&mut self, h: &mut Harness, n: usize) {
        h.remove_random_from(&mut self.pool, n, &mut self.rng);
    }
}

/// Fills `h` with `stable` stable keys and `pool` pool keys.
fn fill(h: &mut Harness, ctx: &mut Ctx, stable: u64, pool: u64) {
    for k in 0..stable {
        h.insert(k, k);
        ctx.stable.push(k);
    }
    for k in stable..stable + pool {
        h.insert(k, k);
        ctx.pool.push(k);
    }
}

/// Builds the map of `case`, ready for its cursor (not created yet).
fn build(case: Case, seed: u64) -> (Harness, Ctx) {
    let (hasher, config) = match case {
        Case::Halving | Case::MultiGrowParked | Case::CreatedMidHalving => {
            (TestHasher::Sip, shrinking_config())
        }
        Case::Colliding => (TestHasher::Weak(5), shrinking_config()),
        Case::ConstHasher => (TestHasher::Const, Config::default()),
        _ => (TestHasher::Sip, Config::default()),
    };
    let mut h = Harness::with(hasher, config);
    h.check_every_op = false;
    let keep_size = matches!(case, Case::SameSize | Case::CreatedMidSameSize);
    let mut ctx = Ctx {
        rng: Rng::new(seed),
        stable: Vec::new(),
        pool: Vec::new(),
        step: 0,
        at_start: None,
        keep_size,
    };
    match case {
        Case::Growth => fill(&mut h, &mut ctx, 40, 0),
        Case::SameSize => fill(&mut h, &mut ctx, 60, 44),
        Case::Halving => fill(&mut h, &mut ctx, 100, 700),
        Case::MultiGrowParked => fill(&mut h, &mut ctx, 30, 0),
        Case::CreatedMidGrow => {
            fill(&mut h, &mut ctx, 53, 0);
            assert_eq!(h.map.stats().grow_kind, Some(GrowKind::Doubling));
        }
        Case::CreatedMidSameSize => {
            fill(&mut h, &mut ctx, 60, 44);
            let mut pairs = 0;
            while h.map.stats().grow_kind != Some(GrowKind::SameSize) {
                ctx.churn(&mut h, 1);
                pairs += 1;
                assert!(pairs < 1_000_000, "no same-size grow");
            }
        }
        Case::CreatedMidHalving => {
            fill(&mut h, &mut ctx, 100, 700);
            while h.map.stats().grow_kind != Some(GrowKind::Halving) {
                ctx.shrink_pool(&mut h, 1);
            }
        }
        Case::Colliding => fill(&mut h, &mut ctx, 60, 0),
        Case::ConstHasher => fill(&mut h, &mut ctx, 50, 0),
    }
    h.check();
    (h, ctx)
}

/// The case's own mutation between step `ctx.step` and the next.
fn drive(case: Case, h: &mut Harness, ctx: &mut Ctx) {
    let step = ctx.step;
    match case {
        Case::Growth if step < 30 => ctx.grow_pool(h, 40),
        Case::SameSize if step == 1 => {
            // Churn until a same-size grow starts under the cursor.
            let before = h.map.stats().same_size_grows;
            let mut pairs = 0;
            while h.map.stats().same_size_grows == before {
                ctx.churn(h, 1);
                pairs += 1;
                assert!(pairs < 1_000_000, "no same-size grow");
            }
        }
        Case::SameSize | Case::CreatedMidSameSize => ctx.churn(h, 30),
        Case::Halving | Case::CreatedMidHalving => ctx.shrink_pool(h, 25),
        Case::MultiGrowParked if (step == 3 || step == 6) && h.clears == 0 => {
            let debug = format!("{:?}", h.cursors[0].cursor);
            assert!(
                debug.contains("in_chain: true"),
                "not parked mid-chain: {debug}"
            );
            let b = h.map.stats().b;
            ctx.grow_pool(h, scaled_min(1500, 600));
            assert!(
                h.map.stats().b >= b + 4,
                "the map did not grow several times"
            );
            if step == 3 {
                ctx.shrink_pool(h, scaled_min(1500, 600));
                h.shrink_to_fit();
                assert!(h.map.stats().b <= b, "the map did not shrink back");
            }
        }
        Case::CreatedMidGrow if step < 20 => ctx.grow_pool(h, 5),
        Case::Colliding if step < 20 => ctx.grow_pool(h, 10),
        Case::Colliding => ctx.shrink_pool(h, 10),
        Case::ConstHasher if step < 20 => ctx.grow_pool(h, 5),
        Case::ConstHasher => ctx.churn(h, 3),
        _ => {}
    }
}

/// What happened during a walk.
struct Walk {
    h: Harness,
    ctx: Ctx,
    /// Stats when the cursor was created and when it ended.
    start: Stats,
    end: Stats,
}

/// Runs cursor 0 over `case` to its end, with the case's mutation and then `rule`'s between
/// steps; checks that the case's structural event happened during the walk.
fn walk(case: Case, seed: u64, rule: &mut dyn FnMut(&mut Harness, &mut Ctx)) -> Walk {
    let (mut h, mut ctx) = build(case, seed);
    let start = h.map.stats();
    if matches!(
        case,
        Case::CreatedMidGrow | Case::CreatedMidSameSize | Case::CreatedMidHalving
    ) {
        assert!(start.growing, "{case:?}: not growing at cursor creation");
    }
    ctx.at_start = Some(start.clone());
    let c = h.new_cursor();
    assert_eq!(c, 0);
    // Full model checks after every step at full scale; fewer at reduced scale (valgrind).
    let check_period = if scale() >= 1.0 { 1 } else { 16 };
    while h.step(0).is_some() {
        ctx.step += 1;
        rule(&mut h, &mut ctx);
        drive(case, &mut h, &mut ctx);
        if (h.map.len() < 400 && ctx.step % check_period == 0) || ctx.step % 64 == 0 {
            h.check();
        }
        assert!(ctx.step < 1_000_000, "the walk does not end");
    }
    h.check();
    let end = h.map.stats();
    let happened = match case {
        Case::Growth | Case::MultiGrowParked | Case::Colliding => end.grows > start.grows,
        Case::SameSize => end.same_size_grows > start.same_size_grows,
        Case::Halving => end.shrinks > start.shrinks,
        Case::CreatedMidGrow | Case::CreatedMidSameSize | Case::CreatedMidHalving => {
            end.evacuations > start.evacuations
        }
        Case::ConstHasher => true,
    };
    // A rule that clears may end the walk before the case's event.
    let cleared = h.clears > 0;
    assert!(
        happened || cleared,
        "{case:?} (seed {seed}): the hard case did not happen: {start:?} -> {end:?}"
    );
    if case == Case::MultiGrowParked && !cleared {
        assert!(end.shrinks > start.shrinks);
    }
    Walk { h, ctx, start, end }
}

fn seeds() -> impl Iterator<Item = u64> {
    0..scaled_min(3, 1) as u64
}

/// Rule 1: an entry present from the cursor's creation to its end, and never removed, is
/// yielded exactly once, however often it was evacuated meanwhile.
#[test]
fn rule_1_exactly_once_for_surviving_entries() {
    for case in CASES {
        for seed in seeds() {
            let w = walk(case, seed, &mut |h, ctx| {
                // Updates keep an entry the same entry; unrelated removes and inserts stir.
                let k = ctx.stable[ctx.rng.below(ctx.stable.len() as u64) as usize];
                h.insert(k, ctx.rng.next_u64());
                if ctx.rng.one_in(3) {
                    ctx.churn(h, 1);
                }
            });
            let t = &w.h.cursors[0];
            // The harness checked exactly-once at the end; make sure it had work to do.
            assert!(
                t.survivors >= w.ctx.stable.len(),
                "{case:?}: {} survivors",
                t.survivors
            );
            for &k in &w.ctx.stable {
                assert_eq!(
                    t.order.iter().filter(|&&y| y == k).count(),
                    1,
                    "{case:?}: stable key {k}"
                );
            }
        }
    }
}

/// Rule 2: an entry removed before the cursor reached it is not yielded.
#[test]
fn rule_2_removed_ahead_is_skipped() {
    for case in CASES {
        for seed in seeds() {
            let w = walk(case, seed, &mut |h, ctx| {
                // Remove a stable key this cursor has not yielded yet.
                if ctx.stable.len() > 5 && ctx.rng.one_in(2) {
                    let ahead: Vec<u64> = ctx
                        .stable
                        .iter()
                        .copied()
                        .filter(|k| !h.cursors[0].yielded_keys.contains(k))
                        .collect();
                    if let Some(&k) = ahead.get(ctx.rng.below(ahead.len().max(1) as u64) as usize) {
                        h.remove(k);
                        ctx.stable.retain(|&s| s != k);
                        if ctx.keep_size {
                            let fresh = h.insert_fresh(0);
                            ctx.pool.push(fresh);
                        }
                    }
                }
            });
            let t = &w.h.cursors[0];
            assert!(
                !t.removed_ahead.is_empty(),
                "{case:?}: nothing was removed ahead"
            );
            for k in &t.removed_ahead {
                assert!(
                    !t.yielded_keys.contains(k),
                    "{case:?}: {k} yielded after it was removed ahead"
                );
            }
        }
    }
}

/// Rule 3: an entry inserted during the walk is yielded at most once.
#[test]
fn rule_3_inserted_at_most_once() {
    for case in CASES {
        for seed in seeds() {
            let mut inserted = Vec::new();
            let w = walk(case, seed, &mut |h, ctx| {
                if ctx.step < 200 {
                    for _ in 0..3 {
                        if ctx.keep_size {
                            // Same-size cases stay at full load: make room first, and let the
                            // case's churn remove the new key later.
                            ctx.shrink_pool(h, 1);
                            let k = h.insert_fresh(7);
                            ctx.pool.push(k);
                            inserted.push(k);
                        } else {
                            inserted.push(h.insert_fresh(7));
                        }
                    }
                }
            });
            let t = &w.h.cursors[0];
            let mut yielded = 0;
            for k in &inserted {
                let n = t.order.iter().filter(|&y| y == k).count();
                assert!(n <= 1, "{case:?}: inserted key {k} yielded {n} times");
                yielded += n;
            }
            assert!(yielded <= inserted.len());
        }
    }
}

/// Rule 4: a yielded value is the one stored at the time of that `next` call, whether it was
/// written by `insert`, `get_mut` (in an old table, mid-grow) or `values_mut`.
#[test]
fn rule_4_current_value() {
    for case in CASES {
        for seed in seeds() {
            let mut updates = 0;
            let w = walk(case, seed, &mut |h, ctx| {
                for _ in 0..3 {
                    let k = ctx.stable[ctx.rng.below(ctx.stable.len() as u64) as usize];
                    let v = ctx.rng.next_u64();
                    if ctx.rng.one_in(2) {
                        h.insert(k, v);
                    } else {
                        h.get_mut_set(k, v);
                    }
                    updates += 1;
                }
                if ctx.step % 10 == 0 {
                    h.values_mut_add(ctx.step as u64);
                }
            });
            assert!(updates > 0);
            assert!(w.h.cursors[0].order.len() >= w.ctx.stable.len());
        }
    }
}

/// Rule 5: the walk starts at a random bucket and slot offset, in every case's map.
#[test]
fn rule_5_random_start() {
    for case in CASES {
        let (mut h, _) = build(case, 5);
        let mut firsts = HashSet::new();
        let mut orders = HashSet::new();
        for _ in 0..scaled_min(150, 40) {
            let c = h.new_cursor();
            h.finish(c);
            let order = &h.cursors[c].order;
            assert_eq!(order.len(), h.model.len());
            firsts.insert(order[0]);
            orders.insert(order.clone());
        }
        assert!(
            firsts.len() >= 4,
            "{case:?}: only {} distinct first keys",
            firsts.len()
        );
        assert!(
            orders.len() >= 4,
            "{case:?}: only {} distinct orders",
            orders.len()
        );
    }
    // A single full bucket (B = 0): only the slot offset varies the start.
    let mut m = EvacMap::<u64, u64>::new();
    for k in 0..8 {
        m.insert(k, k);
    }
    let firsts: HashSet<u64> = (0..200).map(|_| *m.cursor().next(&m).unwrap().0).collect();
    assert!(
        firsts.len() >= 4,
        "the slot offset is not random: {firsts:?}"
    );
}

/// Rule 6: after `clear` (or `drain`) the cursor yields nothing more, even when the map is
/// refilled and grows again.
#[test]
fn rule_6_clear_ends_the_walk() {
    for case in CASES {
        for seed in seeds() {
            for how in ["clear", "drain-partial", "drain-none"] {
                let mut at = None;
                let w = walk(case, seed, &mut |h, ctx| {
                    if at.is_none() && ctx.step == 2 + seed as usize {
                        match how {
                            "clear" => h.clear(),
                            "drain-partial" => h.drain(3),
                            _ => h.drain(0),
                        }
                        at = Some(h.cursors[0].order.len());
                        ctx.pool.clear();
                        ctx.stable.clear();
                        // Refill past several grows; the cursor must still stop.
                        ctx.grow_pool(h, 500);
                    }
                });
                let t = &w.h.cursors[0];
                assert_eq!(
                    Some(t.order.len()),
                    at,
                    "{case:?}/{how}: yielded after {how}"
                );
                assert!(t.cursor.is_finished());
            }
        }
    }
}

/// Rule 7: once `next` returned `None` it always does, whatever happens to the map.
#[test]
fn rule_7_fused() {
    for case in CASES {
        let mut w = walk(case, 1, &mut |_, _| {});
        let h = &mut w.h;
        assert!(h.cursors[0].finished);
        for round in 0..4 {
            h.ctx_free_ops(round);
            assert!(
                h.step(0).is_none(),
                "{case:?}: yielded after None (round {round})"
            );
            assert!(h.cursors[0].cursor.is_finished());
        }
        assert!(w.end.len > 0 || w.start.len > 0);
    }
}

trait FreeOps {
    fn ctx_free_ops(&mut self, round: usize);
}

impl FreeOps for Harness {
    /// Mutations that do not need a case context: grows, removals, clears.
    fn ctx_free_ops(&mut self, round: usize) {
        match round {
            0 => {
                for _ in 0..700 {
                    self.insert_fresh(1);
                }
            }
            1 => {
                let keys: Vec<u64> = self.model.keys().copied().take(600).collect();
                for k in keys {
                    self.remove(k);
                }
            }
            2 => self.shrink_to_fit(),
            _ => {
                self.clear();
                self.insert_fresh(2);
            }
        }
    }
}

/// Rule 10: `remove_yielded` removes exactly the entry the last `next` returned, if the map was
/// not written since; otherwise (or twice in a row) it returns `None` and removes nothing.
#[test]
fn rule_10_remove_yielded() {
    for case in CASES {
        for seed in seeds() {
            let (mut removed, mut refused) = (0, 0);
            let w = walk(case, seed, &mut |h, ctx| {
                let last = *h.cursors[0].order.last().expect("a step just yielded");
                match ctx.rng.below(3) {
                    0 => {
                        let got = h.remove_yielded(0).expect("no write since next");
                        assert_eq!(got.0, last, "{case:?}: removed another entry");
                        assert!(h.remove_yielded(0).is_none(), "removed twice");
                        removed += 1;
                        if ctx.keep_size {
                            let k = h.insert_fresh(0);
                            ctx.pool.push(k);
                        }
                        ctx.stable.retain(|&k| k != last);
                        ctx.pool.retain(|&k| k != last);
                    }
                    1 => {
                        // Any write in between (here an update) makes it refuse.
                        let k = ctx.stable.first().copied().unwrap_or(last);
                        if h.model.contains_key(&k) {
                            h.insert(k, 1);
                            assert!(
                                h.remove_yielded(0).is_none(),
                                "{case:?}: removed after a write"
                            );
                            assert!(h.model.contains_key(&last));
                            refused += 1;
                        }
                    }
                    _ => {}
                }
                if ctx.stable.is_empty() {
                    ctx.stable.push(h.insert_fresh(0));
                }
            });
            assert!(
                removed > 0 && refused > 0,
                "{case:?}: {removed} removed, {refused} refused"
            );
            assert!(w.h.cursors[0].finished);
        }
    }
    // Go's range-and-delete loop, with remove_yielded: every key once, the map empty at the end.
    for n in [1u64, 8, 100, 1665, 5000] {
        let mut m = EvacMap::<u64, u64>::with_config(shrinking_config());
        for k in 0..n {
            m.insert(k, k);
        }
        let mut c = m.cursor();
        let mut seen = HashSet::new();
        while let Some((&k, _)) = c.next(&m) {
            assert!(seen.insert(k));
            assert_eq!(c.remove_yielded(&mut m), Some((k, k)));
        }
        assert_eq!(seen.len() as u64, n);
        assert!(m.is_empty());
        m.check_invariants().unwrap();
    }
}

/// With a shrink policy, a walk that removes most entries through `remove_yielded` (or
/// `retain_next`) shrinks the map as it goes: each removal advances the halving in progress, so
/// the map does not stay at its old size, mid-halving with both tables held.
#[test]
fn removals_through_the_cursor_advance_policy_halvings() {
    for retain in [false, true] {
        let mut m = EvacMap::<u64, u64>::with_config(shrinking_config());
        let n = 5_000u64;
        for k in 0..n {
            m.insert(k, k);
        }
        let b0 = m.stats().b;
        let mut c = m.cursor();
        let mut seen = HashSet::new();
        if retain {
            while !c.is_finished() {
                c.retain_next(&mut m, 7, |&k, _| {
                    assert!(seen.insert(k));
                    k % 50 == 0
                });
            }
        } else {
            while let Some((&k, _)) = c.next(&m) {
                assert!(seen.insert(k));
                if k % 50 != 0 {
                    assert_eq!(c.remove_yielded(&mut m), Some((k, k)));
                }
            }
        }
        assert_eq!(seen.len() as u64, n, "retain {retain}");
        assert_eq!(m.len() as u64, n / 50);
        m.check_invariants().unwrap();
        let s = m.stats();
        assert!(
            s.shrinks >= 3 && s.b + 3 <= b0,
            "retain {retain}: B {b0} -> {}, {} halvings",
            s.b,
            s.shrinks
        );
        assert!((0..n).all(|k| m.contains_key(&k) == (k % 50 == 0)));
    }
}

static UNIQUE_MADE: AtomicU64 = AtomicU64::new(0);
static UNIQUE_DROPPED: AtomicU64 = AtomicU64::new(0);

/// A key that cannot be cloned and counts its constructions and drops.
#[derive(Debug, Hash, PartialEq, Eq)]
struct Unique(u64);

impl Unique {
    fn new(k: u64) -> Unique {
        UNIQUE_MADE.fetch_add(1, Ordering::SeqCst);
        Unique(k)
    }
}

impl Drop for Unique {
    fn drop(&mut self) {
        UNIQUE_DROPPED.fetch_add(1, Ordering::SeqCst);
    }
}

fn unique_live() -> u64 {
    UNIQUE_MADE.load(Ordering::SeqCst) - UNIQUE_DROPPED.load(Ordering::SeqCst)
}

/// Rule 8: the cursor copies no key (keys that cannot be cloned, counted constructions and
/// drops), collects nothing (no allocation in `next`, whatever the map's size or state), and its
/// size does not depend on the map or on the key and value types.
#[test]
fn rule_8_bounded_memory_no_key_copies() {
    assert_eq!(
        size_of::<Cursor<u64, u64>>(),
        size_of::<Cursor<[u64; 512], String>>()
    );
    assert_eq!(size_of::<Cursor<u8, ()>>(), size_of::<Cursor<u64, u64>>());
    assert!(
        size_of::<Cursor<u64, u64>>() <= 256,
        "{}",
        size_of::<Cursor<u64, u64>>()
    );

    for n in [10u64, 1000, scaled_min(50_000, 2_000) as u64] {
        let mut m: EvacMap<Unique, u64> = EvacMap::with_config(shrinking_config());
        for k in 0..n {
            m.insert(Unique::new(k), k);
        }
        let made = UNIQUE_MADE.load(Ordering::SeqCst);
        let mut c = m.cursor();
        let mut next_key = n;
        let mut steps = 0u64;
        let mut seen = HashSet::new();
        loop {
            let before = allocations();
            let item = c.next(&m).map(|(k, v)| (k.0, *v));
            assert_eq!(
                allocations(),
                before,
                "Cursor::next allocated (n = {n}, step {steps})"
            );
            let Some((k, _)) = item else { break };
            assert!(seen.insert(k), "{k} twice");
            steps += 1;
            // Between steps: grows, then removals that halve, all under the parked cursor.
            if steps == 2 {
                for _ in 0..n * 3 {
                    m.insert(Unique::new(next_key), 0);
                    next_key += 1;
                }
            }
            if steps == 4 {
                for k in n..next_key {
                    m.remove(&Unique::new(k));
                }
            }
            assert!(
                m.len() as u64 <= unique_live(),
                "keys were dropped that the map still holds"
            );
        }
        assert!(seen.len() as u64 >= n - 4);
        m.check_invariants().unwrap();
        assert_eq!(
            UNIQUE_MADE.load(Ordering::SeqCst) - made,
            (next_key - n) + (next_key - n),
            "keys were constructed other than by the test"
        );
        drop(c);
        drop(m);
    }
    assert_eq!(unique_live(), 0, "a key was dropped twice or leaked");
}

/// Rule 9: using a cursor with another map panics with a clear message.
#[test]
#[should_panic(expected = "call cursor() on the map you want to walk")]
fn rule_9_one_map_panics() {
    let mut a = EvacMap::<u64, u64>::new();
    let mut b = EvacMap::<u64, u64>::new();
    a.insert(1, 1);
    b.insert(1, 1);
    let mut c = a.cursor();
    assert!(c.next(&a).is_some());
    let _ = c.next(&b);
}

/// Rule 9: a clone is another map (its own identity), even with equal contents; the original
/// keeps working with its cursor, also after `clear`.
#[test]
fn rule_9_clone_is_another_map() {
    let mut a = EvacMap::<u64, u64>::new();
    for k in 0..100 {
        a.insert(k, k);
    }
    let b = a.clone();
    assert_eq!(a, b);
    let mut c = a.cursor();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = c.next(&b);
    }));
    let err = r.expect_err("a cursor of `a` used with a clone must panic");
    let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        msg.contains("call cursor() on the map you want to walk"),
        "{msg}"
    );
    let mut c = a.cursor();
    assert!(c.next(&a).is_some());
    a.clear();
    assert!(c.next(&a).is_none());
}

/// Rule 8, the long way: a cursor parked mid-chain while the map grows and halves tens of
/// thousands of times keeps every later table alive through its evacuation links; dropping it
/// must free that chain without overflowing the (2 MiB) test thread stack, and the walk must
/// still be right.
#[test]
fn rule_8_parked_cursor_survives_a_long_table_chain() {
    let mut m: EvacMap<u64, u64> = EvacMap::with_config(shrinking_config());
    m.insert(0, 0);
    let mut c = m.cursor();
    assert_eq!(c.next(&m), Some((&0, &0)));
    let cycles = scaled_min(50_000, 200) as u64;
    for cycle in 0..cycles {
        for k in 1..=20 {
            m.insert(cycle * 100 + k, k);
        }
        for k in 1..=20 {
            m.remove(&(cycle * 100 + k));
        }
    }
    let s = m.stats();
    assert!(s.grows >= cycles && s.shrinks >= cycles, "{s:?}");
    assert_eq!(c.next(&m), None);
    drop(c);
    assert_eq!(m.len(), 1);
}

/// Rule 10 on the cursor's run path (8 whole-chain buckets popped from one mask, on a settled
/// map): a removal by another cursor, or by key, between `next` and `remove_yielded` makes it
/// refuse; so does a second call, and a call after `next` returned `None`; every refused entry
/// stays.
#[test]
fn rule_10_remove_yielded_on_the_run_path() {
    let mut m: EvacMap<u64, u64> = EvacMap::with_capacity(4096);
    for k in 0..3000u64 {
        m.insert(k, k);
    }
    assert!(!m.stats().growing);
    let mut a = m.cursor();
    let mut b = m.cursor();
    let mut present: std::collections::HashSet<u64> = (0..3000).collect();
    let mut step = 0u64;
    while let Some((&k, _)) = a.next(&m) {
        step += 1;
        match step % 4 {
            0 => {
                assert_eq!(a.remove_yielded(&mut m), Some((k, k)));
                assert_eq!(a.remove_yielded(&mut m), None, "removed twice");
                present.remove(&k);
            }
            1 => {
                // Another cursor removes what it yielded: `a` must refuse.
                if let Some((&other, _)) = b.next(&m) {
                    if other != k && b.remove_yielded(&mut m).is_some() {
                        present.remove(&other);
                        assert_eq!(a.remove_yielded(&mut m), None, "after another removal");
                    }
                }
            }
            2 => {
                let victim = present.iter().copied().find(|&v| v != k);
                if let Some(v) = victim {
                    m.remove(&v);
                    present.remove(&v);
                    assert_eq!(a.remove_yielded(&mut m), None, "after a removal by key");
                }
            }
            _ => {}
        }
    }
    assert_eq!(a.remove_yielded(&mut m), None, "after the walk ended");
    assert_eq!(m.len(), present.len());
    for k in present {
        assert_eq!(m.get(&k), Some(&k));
    }
}

/// A cursor's run covers the buckets before the first one with overflow, which the walk then
/// enters bucket by bucket: at the maximum load (a fifth of the buckets chained, at every
/// position within a run of 8) every entry is still yielded exactly once and every
/// `remove_yielded` succeeds, on the run path and off it.
#[test]
fn runs_end_where_overflow_chains_start() {
    for (n, seed) in [(3_300u64, 1u64), (6_600, 2), (13_300, 3)] {
        // Just below the load that would double the table (6.5 per bucket).
        let mut m: EvacMap<u64, u64> = EvacMap::with_config(Config::default().with_seed(seed));
        let mut k = 0u64;
        while m.len() < n as usize {
            m.insert(k, !k);
            k += 1;
        }
        assert!(!m.stats().growing);
        let overflow = m.probe_stats().overflow_fraction;
        assert!(overflow > 0.1, "n={n}: too few chains ({overflow})");
        let mut cursor = m.cursor();
        let mut seen = HashSet::new();
        while let Some((&key, &value)) = cursor.next(&m) {
            assert_eq!(value, !key);
            assert!(seen.insert(key), "n={n}: {key} yielded twice");
            if key % 3 != 0 {
                assert_eq!(cursor.remove_yielded(&mut m), Some((key, !key)), "n={n}");
            }
        }
        assert_eq!(seen.len() as u64, n, "n={n}: every entry yielded once");
        assert_eq!(m.len() as u64, n.div_ceil(3), "n={n}");
        assert!((0..n).all(|key| m.contains_key(&key) == (key % 3 == 0)));
        m.check_invariants().unwrap();
    }
}
