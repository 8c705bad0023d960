//! Runs one property over every contender of the registry and reports all failures at once.
//!
//! A property that stops at the first broken contender hides every later one, and a contender
//! that panics (an unimplemented method, a failed assertion) would take the whole test down
//! with it. So [`run`] visits every contender for both value types, runs the property
//! on each inside [`catch_unwind`], and only at the end fails with one line per failed
//! contender. `CONFORMANCE_ONLY=name1,name2` restricts the run to some contenders and
//! `CONFORMANCE_SEED=<u64>` replays the random choices of a failing run (every failure message
//! names the seed it used).

use std::any::Any;
use std::fmt::Write as _;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::ScopedJoinHandle;
use std::time::{Duration, Instant};

use strategies::registry::{self, Visit};
use strategies::{Consistency, Contender, Shared, Value, V64, V8};

/// The seed used when `CONFORMANCE_SEED` is not set.
const DEFAULT_SEED: u64 = 0xc0f0_4a11_5eed_2024;

/// Whether a property applied to a contender.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Applies {
    /// The property was checked and held.
    Checked,
    /// The property does not apply to this contender (for example a single-threaded one in a
    /// concurrency property).
    No,
}

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
pub(crate) trait Property {
    /// Short name used in the failure report.
    const NAME: &'static str;

    /// Checks `C`, which the registry visited through [`Visit::single`].
    fn single<V: Value, C: Contender<V>>(&self, ctx: &Ctx) -> Applies;

    /// Checks `C`, which the registry visited through [`Visit::shared`]; by default the same
    /// check as [`Property::single`].
    fn shared<V: Value, C: Shared<V>>(&self, ctx: &Ctx) -> Applies {
        self.single::<V, C>(ctx)
    }
}

/// The result of one property on one contender and value type.
#[derive(Debug)]
struct Outcome {
    contender: &'static str,
    value: &'static str,
    result: Result<Applies, String>,
    took: Duration,
}

/// The visitor that runs a property on each contender the filter lets through.
struct Runner<'a, P> {
    property: &'a P,
    ctx: Ctx,
    only: Option<Vec<String>>,
    outcomes: Vec<Outcome>,
}

impl<P: Property> Runner<'_, P> {
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
            contender: name,
            value: V::LABEL,
            result,
            took: start.elapsed(),
        });
    }
}

impl<V: Value, P: Property> Visit<V> for Runner<'_, P> {
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
pub(crate) fn base_seed() -> u64 {
    match std::env::var("CONFORMANCE_SEED") {
        Ok(s) => {
            let s = s.trim();
            let parsed = match s.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16),
                None => s.parse(),
            };
            parsed.unwrap_or_else(|e| {
                panic!("CONFORMANCE_SEED={s:?} is not a u64 (decimal or 0x hex): {e}")
            })
        }
        Err(_) => DEFAULT_SEED,
    }
}

/// The contender names in `CONFORMANCE_ONLY`, checked against the registry; `None` when unset.
fn only_filter() -> Option<Vec<String>> {
    let raw = std::env::var("CONFORMANCE_ONLY").ok()?;
    let names: Vec<String> = raw
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .collect();
    for name in &names {
        if let Err(e) = registry::find(name) {
            panic!("CONFORMANCE_ONLY: {e}");
        }
    }
    Some(names)
}

/// Runs `property` on every contender of the registry (filtered by `CONFORMANCE_ONLY`), for
/// [`V8`] and [`V64`], and panics listing every contender that failed.
pub(crate) fn run<P: Property>(property: &P) {
    let mut runner = Runner {
        property,
        ctx: Ctx { seed: base_seed() },
        only: only_filter(),
        outcomes: Vec::new(),
    };
    registry::visit::<V8, _>(&mut runner);
    registry::visit::<V64, _>(&mut runner);

    let mut summary = String::new();
    let mut failures = String::new();
    let mut failed = 0;
    for o in &runner.outcomes {
        let status = match &o.result {
            Ok(Applies::Checked) => "ok",
            Ok(Applies::No) => "n/a",
            Err(message) => {
                failed += 1;
                let _ = writeln!(failures, "  - {} ({}): {message}", o.contender, o.value);
                "FAILED"
            }
        };
        let _ = writeln!(
            summary,
            "  {:<22} {:<4} {:<6} {:>8.1} ms",
            o.contender,
            o.value,
            status,
            o.took.as_secs_f64() * 1e3
        );
    }
    // Shown with `--nocapture`: what ran and how long each took.
    println!(
        "property `{}` (seed {:#x}):\n{summary}",
        P::NAME,
        runner.ctx.seed
    );
    assert!(
        failed == 0,
        "property `{}` failed for {failed} of {} contender runs (seed {:#x}; replay with \
         CONFORMANCE_SEED={:#x}, restrict with CONFORMANCE_ONLY=<name>):\n{failures}",
        P::NAME,
        runner.outcomes.len(),
        runner.ctx.seed,
        runner.ctx.seed
    );
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
