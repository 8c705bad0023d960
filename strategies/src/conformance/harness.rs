//! Runs one property over every contender of a list and reports all failures at once.
//!
//! A property that stops at the first broken contender hides every later one, and a contender
//! that panics (an unimplemented method, a failed assertion) would take the whole test down
//! with it. So [`run`] visits every contender of the list for both value types, runs the
//! property on each inside [`catch_unwind`], and returns one outcome per contender and value
//! type; the [`Report`](super::Report) of all properties then fails with one line per failed
//! property x contender. `CONFORMANCE_ONLY=name1,name2` restricts the run to some contenders
//! and `CONFORMANCE_SEED=<u64>` replays the random choices of a failing run (every failure
//! message names the seed it used).

use std::any::Any;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::ScopedJoinHandle;
use std::time::{Duration, Instant};

pub(crate) use super::Applies;
use super::Outcome;
use crate::registry::{self, ContenderList, Visit};
use crate::{Consistency, Contender, Shared, Value, V64, V8};

/// The seed used when `CONFORMANCE_SEED` is not set.
pub(crate) const DEFAULT_SEED: u64 = 0xc0f0_4a11_5eed_2024;

/// What a property sees of the run.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Ctx {
    /// The run's base seed (`CONFORMANCE_SEED` or a fixed default).
    pub(crate) seed: u64,
}

impl Ctx {
    /// A seed for one case of a property, derived from the base seed and a case number, so
    /// cases are independent but all replay from the one base seed.
    pub(crate) fn case_seed(&self, case: u64) -> u64 {
        crate::conformance::keys::mix(self.seed ^ crate::conformance::keys::mix(case))
    }
}

/// `n` entries, scaled down for contenders whose writes copy the map.
///
/// A snapshot contender may copy the whole map on every write (`cow-snapshot` does: O(n) per
/// insert), so filling it with `n` entries one insert at a time costs O(n²). For
/// [`Consistency::Snapshot`] contenders a size `n` becomes `sqrt(SNAPSHOT_WORK * n)` (but not
/// below 100 nor above `n`), so that filling it (about `n'²/2 = 10 n` entry copies) costs a
/// small multiple of filling a contender with O(1) inserts: 5 000 entries become 316, 20 000
/// become 632.
pub(crate) fn entries<V: Value, C: Contender<V>>(n: usize) -> usize {
    if C::INFO.consistency == Consistency::Snapshot {
        let scaled = (SNAPSHOT_WORK * n as f64).sqrt() as usize;
        scaled.clamp(n.min(100), n)
    } else {
        n
    }
}

/// See [`entries`].
const SNAPSHOT_WORK: f64 = 20.0;

/// One conformance property: a check run on every contender it applies to.
///
/// A failed check panics (plain `assert!`s); the harness catches the panic and reports it
/// together with the other contenders' results.
pub(crate) trait Check {
    /// Short name used in the failure report.
    const NAME: &'static str;

    /// Checks `C`, which the registry visited through [`Visit::single`].
    fn single<V: Value, C: Contender<V>>(&self, ctx: &Ctx) -> Applies;

    /// Checks `C`, which the registry visited through [`Visit::shared`]; by default the same
    /// check as [`Check::single`].
    fn shared<V: Value, C: Shared<V>>(&self, ctx: &Ctx) -> Applies {
        self.single::<V, C>(ctx)
    }
}

/// The visitor that runs a property on each contender the filter lets through.
struct Runner<'a, P> {
    property: &'a P,
    ctx: Ctx,
    only: Option<Vec<String>>,
    outcomes: Vec<Outcome>,
}

impl<P: Check> Runner<'_, P> {
    fn check<V: Value>(&mut self, name: &'static str, f: impl FnOnce(&P, &Ctx) -> Applies) {
        if let Some(only) = &self.only {
            if !only.iter().any(|n| n == name) {
                return;
            }
        }
        let start = Instant::now();
        let result = catch_unwind(AssertUnwindSafe(|| f(self.property, &self.ctx)))
            .map_err(|payload| panic_message(&*payload));
        self.outcomes.push(Outcome {
            property: P::NAME,
            contender: name,
            value: V::LABEL,
            result,
            took: start.elapsed(),
        });
    }
}

impl<V: Value, P: Check> Visit<V> for Runner<'_, P> {
    fn single<C: Contender<V>>(&mut self) {
        self.check::<V>(C::NAME, |p, ctx| p.single::<V, C>(ctx));
    }

    fn shared<C: Shared<V>>(&mut self) {
        self.check::<V>(C::NAME, |p, ctx| p.shared::<V, C>(ctx));
    }
}

/// The text of a panic payload (`panic!` with a literal or with format arguments).
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panicked with a non-string payload".to_owned()
    }
}

/// The run's base seed: `CONFORMANCE_SEED` (decimal or `0x` hex) or a fixed default.
pub(crate) fn base_seed() -> Result<u64, String> {
    match std::env::var("CONFORMANCE_SEED") {
        Ok(s) => {
            let s = s.trim();
            let parsed = match s.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16),
                None => s.parse(),
            };
            parsed.map_err(|e| {
                format!("CONFORMANCE_SEED={s:?} is not a u64 (decimal or 0x hex): {e}")
            })
        }
        Err(_) => Ok(DEFAULT_SEED),
    }
}

/// The contender names in `CONFORMANCE_ONLY`, checked against the list `L`; `None` when
/// unset.
pub(crate) fn only_filter<L: ContenderList>() -> Result<Option<Vec<String>>, String> {
    let Ok(raw) = std::env::var("CONFORMANCE_ONLY") else {
        return Ok(None);
    };
    let names: Vec<String> = raw
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .collect();
    for name in &names {
        registry::find_in::<L>(name).map_err(|e| format!("CONFORMANCE_ONLY: {e}"))?;
    }
    Ok(Some(names))
}

/// Runs `property` on every contender of the list `L` that `only` lets through (all when
/// `None`), for [`V8`] and [`V64`]; returns one outcome per contender and value type, a
/// contender that panicked among them as failed.
pub(crate) fn run<L: ContenderList, P: Check>(
    property: &P,
    seed: u64,
    only: Option<Vec<String>>,
) -> Vec<Outcome> {
    let mut runner = Runner {
        property,
        ctx: Ctx { seed },
        only,
        outcomes: Vec::new(),
    };
    L::visit::<V8, _>(&mut runner);
    L::visit::<V64, _>(&mut runner);
    runner.outcomes
}

/// Joins every thread of a scope, then re-raises the first panic among them, so the failure
/// message of a thread (not "a scoped thread panicked") reaches the harness.
pub(crate) fn join_all<T>(handles: Vec<ScopedJoinHandle<'_, T>>) -> Vec<T> {
    let mut results = Vec::with_capacity(handles.len());
    let mut first_panic = None;
    for h in handles {
        match h.join() {
            Ok(t) => results.push(t),
            Err(payload) => {
                first_panic.get_or_insert(payload);
            }
        }
    }
    if let Some(payload) = first_panic {
        resume_unwind(payload);
    }
    results
}

/// Sets a flag when dropped, also while unwinding, so threads waiting for a panicking thread's
/// "done" flag stop waiting.
#[derive(Debug)]
pub(crate) struct SetOnDrop<'a>(pub(crate) &'a AtomicBool);

impl Drop for SetOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Release);
    }
}

/// Aborts the test process if it is not dropped within a time limit: a contender that
/// deadlocks under concurrency must fail the suite with its name, not hang it forever.
#[derive(Debug)]
pub(crate) struct Watchdog {
    _alive: Sender<()>,
}

impl Watchdog {
    /// How long a concurrent case may take before it is taken for a deadlock (cases take well
    /// under a second in a debug build).
    pub(crate) const LIMIT: Duration = Duration::from_secs(120);

    /// Starts watching the case described by `case`.
    pub(crate) fn start(case: String) -> Watchdog {
        let (alive, dropped) = mpsc::channel::<()>();
        std::thread::spawn(move || {
            if let Err(RecvTimeoutError::Timeout) = dropped.recv_timeout(Watchdog::LIMIT) {
                eprintln!(
                    "conformance: {case} did not finish within {:?}; taking it for a deadlock \
                     and aborting",
                    Watchdog::LIMIT
                );
                std::process::abort();
            }
        });
        Watchdog { _alive: alive }
    }
}
