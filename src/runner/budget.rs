//! Time budgets: every contender x cell gets a budget, enforced before and during the
//! measurement, so no profile can hang on one quadratic cell.
//!
//! How it works:
//! * The runner runs each contender x cell inside [`within`], under a [`Watch`]: a deadline
//!   (the budget) and a probe point (a fraction of it). A watchdog thread wakes at the probe
//!   point and then every [`Watch::tick`].
//! * The scenario loops report progress through [`Meter`]s: the sweep predicate, the insert
//!   loop, churn steps, traversals, prefill. A meter publishes its count every few operations
//!   (a plain store to an atomic the watchdog reads) and, when the watch has expired, stops the
//!   measurement by unwinding with an [`Overrun`] payload (`resume_unwind`: no panic message).
//! * At the probe point and at each tick, the watchdog extrapolates the timed phase from the
//!   progress so far (`elapsed x total / done` for each kind of operation, the slowest kind
//!   deciding). If one run would take longer than the budget, it expires the watch at once:
//!   the cell is **skipped on its estimate** after spending only the probe time. A run that
//!   reaches the deadline anyway is **stopped** there. Either way [`within`] returns a
//!   [`Stopped`] with the estimate, which the runner records as not measured with the reason
//!   and the estimate ([`reports::BeyondBudget`]), and the run goes on.
//!
//! The check costs one counter increment and a predictable branch per operation, and an atomic
//! store every [`Meter`] period; it is the same for every contender. Loops outside the scenarios
//! (criterion's, the oracle's) are bounded by the run they follow, which passed the budget.
//! A measurement stuck inside one contender operation (a deadlock) never reaches a check: the
//! watchdog then ends the process after a grace period, so even that cannot hang a profile.

use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::workloads::Profile;

/// The time budgets of a profile.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Budget {
    /// Wall time one contender may spend on one cell. One verified run (setup included) must
    /// fit in it; the later passes are planned to fit in it too, and nothing runs past twice it.
    pub cell: Duration,
    /// When the first estimate of a run is made (then every [`Budget::tick`]).
    pub probe: Duration,
    /// How often the estimate is made again after the probe point.
    pub tick: Duration,
    /// Wall time the criterion phase of one contender x cell should take at most (criterion's
    /// warm-up and measurement times are scaled down when the untimed setup would make it
    /// longer), before pacing.
    pub timing: Duration,
    /// The whole run's expected wall time; when the estimate of what is left exceeds what is
    /// left of it, criterion phases are shortened (down to a quarter) to catch up.
    pub run: Duration,
}

impl Budget {
    /// The budgets of `profile`.
    pub fn for_profile(profile: Profile) -> Budget {
        match profile {
            Profile::Tiny => Budget {
                cell: Duration::from_secs(10),
                probe: Duration::from_secs(1),
                tick: Duration::from_millis(500),
                timing: Duration::from_millis(500),
                run: Duration::from_secs(120),
            },
            Profile::Default => Budget {
                cell: Duration::from_secs(90),
                probe: Duration::from_secs(5),
                tick: Duration::from_secs(2),
                timing: Duration::from_secs(2),
                run: Duration::from_secs(8 * 60),
            },
            Profile::Full => Budget {
                cell: Duration::from_secs(120),
                probe: Duration::from_secs(8),
                tick: Duration::from_secs(4),
                timing: Duration::from_secs(3),
                run: Duration::from_secs(45 * 60),
            },
        }
    }
}

/// Kinds of operation a scenario counts separately: they progress at different rates (a sweep
/// visit costs nanoseconds, a copy-on-write insert milliseconds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// Entries visited by a sweep or traversal, or churn steps.
    Main = 0,
    /// Keys inserted while the sweep runs.
    Insert = 1,
}

const ROLES: usize = 2;

/// A counter on its own cache line, so the sweep thread and a writer thread do not share one.
#[repr(align(128))]
#[derive(Debug, Default)]
struct Padded(AtomicU64);

/// What the timed phase of a run is made of, declared when it starts ([`phase`]).
#[derive(Clone, Copy, Debug)]
struct Phase {
    /// When it started, since the watch was armed.
    at: Duration,
    /// The workload's operations in one run (the unit of `latency-ns-per-op`).
    ops: u64,
    /// (name of one operation, how many) for each [`Role`].
    roles: [(&'static str, u64); ROLES],
}

/// One run's estimated cost, extrapolated from its progress.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Estimate {
    /// Estimated wall time of one run, setup included.
    pub(crate) run: Duration,
    /// Estimated time per workload operation.
    pub(crate) ns_per_op: f64,
    /// The operation that decided the estimate, its time each, how many were done and of how
    /// many, and in how long.
    pub(crate) what: &'static str,
    pub(crate) each: Duration,
    pub(crate) done: u64,
    pub(crate) total: u64,
    pub(crate) over: Duration,
}

/// Why a measurement did not finish: skipped on its estimate or stopped at the deadline.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Stopped {
    /// The budget.
    pub(crate) budget: Duration,
    /// When it was stopped, since the watch was armed.
    pub(crate) after: Duration,
    /// True if the deadline was reached; false if the estimate exceeded the budget first.
    pub(crate) at_deadline: bool,
    /// The estimate, if the timed phase had made measurable progress.
    pub(crate) estimate: Option<Estimate>,
    /// True if a verified run had fitted the budget and a later pass reached the hard limit.
    pub(crate) after_verified: bool,
}

impl Stopped {
    /// The reason recorded for the measurement, e.g. "beyond budget: one run would take
    /// ~3.9 h at ~33 ms per insert (...); budget 120 s".
    pub(crate) fn reason(&self) -> String {
        let budget = human(self.budget);
        if self.after_verified {
            return format!(
                "beyond budget: a verified run fitted the budget of {budget}, but the passes after \
                 it reached the hard limit of {} and were stopped",
                human(self.after)
            );
        }
        match (&self.estimate, self.at_deadline) {
            (Some(e), at_deadline) => format!(
                "beyond budget: one run would take ~{} at ~{} per {} (extrapolated from {} of {} \
                 in {}); budget {budget}{}",
                human(e.run),
                human(e.each),
                e.what,
                e.done,
                e.total,
                human(e.over),
                if at_deadline {
                    ", stopped when it ran out".to_owned()
                } else {
                    format!(", stopped on this estimate after {}", human(self.after))
                }
            ),
            (None, _) => format!(
                "beyond budget: stopped at its budget of {budget} before its timed phase made \
                 measurable progress (setup or verification alone took that long)"
            ),
        }
    }

    /// The machine-readable part of the record.
    pub(crate) fn record(&self) -> reports::BeyondBudget {
        reports::BeyondBudget {
            budget_s: self.budget.as_secs_f64(),
            estimated_run_s: self.estimate.as_ref().map(|e| e.run.as_secs_f64()),
            estimate_ns_per_op: self.estimate.as_ref().map(|e| e.ns_per_op),
            stopped: self.at_deadline,
        }
    }
}

/// A duration for people: `850 ns`, `12 ms`, `4.2 s`, `7.5 min`, `3.9 h`.
pub(crate) fn human(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 5400.0 {
        format!("{:.1} h", s / 3600.0)
    } else if s >= 90.0 {
        format!("{:.1} min", s / 60.0)
    } else if s >= 10.0 {
        format!("{s:.0} s")
    } else if s >= 1.0 {
        format!("{s:.1} s")
    } else if s >= 1e-3 {
        format!("{:.0} ms", s * 1e3)
    } else if s >= 1e-6 {
        format!("{:.0} µs", s * 1e6)
    } else {
        format!("{:.0} ns", s * 1e9)
    }
}

/// The payload a measurement unwinds with when its watch has expired.
#[derive(Debug)]
pub(crate) struct Overrun;

/// A deadline with a probe point, and the progress of the run it watches.
#[derive(Debug)]
pub(crate) struct Watch {
    armed: Instant,
    budget: Duration,
    deadline: Mutex<Duration>,
    probe: Duration,
    tick: Duration,
    expired: AtomicBool,
    done: [Padded; ROLES],
    phase: Mutex<Option<Phase>>,
    verdict: Mutex<Option<Stopped>>,
    disarmed: AtomicBool,
}

impl Watch {
    fn new(budget: Duration, probe: Duration, tick: Duration) -> Watch {
        Watch {
            armed: Instant::now(),
            budget,
            deadline: Mutex::new(budget),
            probe: probe.min(budget),
            tick: tick.max(Duration::from_millis(10)),
            expired: AtomicBool::new(false),
            done: Default::default(),
            phase: Mutex::new(None),
            verdict: Mutex::new(None),
            disarmed: AtomicBool::new(false),
        }
    }

    /// Whether the measurement must stop.
    #[inline]
    pub(crate) fn expired(&self) -> bool {
        self.expired.load(Ordering::Relaxed)
    }

    /// Moves the hard deadline to `after` since the watch was armed (never earlier than now's
    /// deadline): the passes after a verified run get room beyond the budget, up to a limit.
    pub(crate) fn extend_to(&self, after: Duration) {
        let mut d = lock(&self.deadline);
        *d = (*d).max(after);
    }

    /// Time since the watch was armed.
    pub(crate) fn elapsed(&self) -> Duration {
        self.armed.elapsed()
    }

    /// The estimate of one run from the progress so far, if the timed phase made any.
    fn estimate(&self) -> Option<Estimate> {
        let phase = (*lock(&self.phase))?;
        let now = self.armed.elapsed();
        let over = now.checked_sub(phase.at)?;
        let mut best: Option<Estimate> = None;
        for (i, &(what, total)) in phase.roles.iter().enumerate() {
            let done = self.done[i].0.load(Ordering::Relaxed).min(total);
            if total == 0 || done == 0 {
                continue;
            }
            let each = over.as_secs_f64() / done as f64;
            let timed = each * total as f64;
            if best
                .as_ref()
                .is_none_or(|b| timed > b.run.as_secs_f64() - phase.at.as_secs_f64())
            {
                best = Some(Estimate {
                    run: Duration::from_secs_f64(phase.at.as_secs_f64() + timed),
                    ns_per_op: timed * 1e9 / phase.ops.max(1) as f64,
                    what,
                    each: Duration::from_secs_f64(each),
                    done,
                    total,
                    over,
                });
            }
        }
        best
    }

    /// The watchdog's decision at one wake-up: expire on the deadline, or on an estimate past
    /// the budget once the probe point has passed.
    fn judge(&self) {
        if self.expired() {
            return;
        }
        let now = self.armed.elapsed();
        let deadline = *lock(&self.deadline);
        let estimate = if now >= self.probe {
            self.estimate()
        } else {
            None
        };
        let over_estimate = estimate.as_ref().is_some_and(|e| e.run > self.budget);
        let at_deadline = now >= deadline;
        // Once the run is known to fit (a verified run passed), only the deadline stops it.
        let verified = deadline > self.budget;
        if at_deadline || (over_estimate && !verified) {
            *lock(&self.verdict) = Some(Stopped {
                budget: self.budget,
                after: now,
                at_deadline,
                estimate,
                after_verified: verified,
            });
            self.expired.store(true, Ordering::Relaxed);
        }
    }

    fn next_wake(&self) -> Duration {
        let now = self.armed.elapsed();
        let deadline = *lock(&self.deadline);
        let next = if now < self.probe {
            self.probe
        } else {
            now + self.tick
        };
        next.min(deadline.max(now)).saturating_sub(now)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

thread_local! {
    static CURRENT: RefCell<Option<Arc<Watch>>> = const { RefCell::new(None) };
}

/// The watch of the measurement running on this thread, if any: scenarios take it once per
/// run and hand it to the threads they spawn.
pub(crate) fn current() -> Option<Arc<Watch>> {
    CURRENT.with(|c| c.borrow().clone())
}

/// Declares the timed phase of a run: `ops` workload operations, made of `roles` (one per
/// [`Role`]: the name of one operation and how many). Call it just before the phase starts.
pub(crate) fn phase(ops: u64, main: (&'static str, u64), inserts: (&'static str, u64)) {
    if let Some(w) = current() {
        for d in &w.done {
            d.0.store(0, Ordering::Relaxed);
        }
        *lock(&w.phase) = Some(Phase {
            at: w.armed.elapsed(),
            ops,
            roles: [main, inserts],
        });
    }
}

/// Unwinds out of the measurement if the watch of this thread has expired.
pub(crate) fn check() {
    if current().is_some_and(|w| w.expired()) {
        stop();
    }
}

#[cold]
fn stop() -> ! {
    panic::resume_unwind(Box::new(Overrun))
}

/// Counts one kind of operation in a scenario loop, publishes the count every `PERIOD`
/// operations and stops the measurement there if the watch has expired.
#[derive(Debug)]
pub(crate) struct Meter {
    watch: Option<Arc<Watch>>,
    role: Option<usize>,
    n: u64,
    mask: u64,
}

impl Meter {
    /// A meter of `role` on this thread's watch, publishing every `period` operations (a power
    /// of two: 1024 for cheap operations, fewer for expensive ones such as inserts).
    pub(crate) fn new(role: Role, period: u64) -> Meter {
        Meter::on(current(), role, period)
    }

    /// A meter on `watch` (for a thread the scenario spawned).
    pub(crate) fn on(watch: Option<Arc<Watch>>, role: Role, period: u64) -> Meter {
        debug_assert!(period.is_power_of_two());
        Meter {
            watch,
            role: Some(role as usize),
            n: 0,
            mask: period - 1,
        }
    }

    /// A meter that counts nothing towards the estimate and only checks the watch every
    /// `period` operations (prefill, setup sweeps).
    pub(crate) fn checker(period: u64) -> Meter {
        Meter {
            role: None,
            ..Meter::new(Role::Main, period)
        }
    }

    /// One operation done, for loops that end themselves instead of unwinding (threads the
    /// scenario spawned): false once the watch has expired.
    #[inline]
    pub(crate) fn advance(&mut self) -> bool {
        self.n += 1;
        if self.n & self.mask == 0 {
            if let (Some(w), Some(role)) = (&self.watch, self.role) {
                w.done[role].0.store(self.n, Ordering::Relaxed);
            }
            return !self.expired();
        }
        true
    }

    /// One operation done.
    #[inline]
    pub(crate) fn step(&mut self) {
        self.n += 1;
        if self.n & self.mask == 0 {
            self.publish();
        }
    }

    /// Whether the watch has expired (for loops that end themselves instead of unwinding,
    /// such as reader threads).
    #[inline]
    pub(crate) fn expired(&self) -> bool {
        self.watch.as_ref().is_some_and(|w| w.expired())
    }

    #[cold]
    #[inline(never)]
    fn publish(&mut self) {
        if let Some(w) = &self.watch {
            if let Some(role) = self.role {
                w.done[role].0.store(self.n, Ordering::Relaxed);
            }
            if w.expired() {
                stop();
            }
        }
    }
}

/// Runs `f` under a watch of `budget` (first estimate at `probe`, again every `tick`); returns
/// its result, or why it was stopped. A panic that is not the watch's own goes on unwinding.
/// `f` gets the watch, to extend its deadline once a verified run has shown the cell fits.
pub(crate) fn within<R>(
    budget: Duration,
    probe: Duration,
    tick: Duration,
    f: impl FnOnce(&Watch) -> R,
) -> Result<R, Box<Stopped>> {
    let watch = Arc::new(Watch::new(budget, probe, tick));
    let previous = CURRENT.with(|c| c.borrow_mut().replace(watch.clone()));
    let dog = watchdog(watch.clone());
    let result = panic::catch_unwind(AssertUnwindSafe(|| f(&watch)));
    watch.disarmed.store(true, Ordering::Relaxed);
    dog.thread().unpark();
    let _ = dog.join();
    CURRENT.with(|c| *c.borrow_mut() = previous);
    match result {
        Ok(r) => Ok(r),
        Err(payload) if payload.is::<Overrun>() || watch.expired() => {
            Err(Box::new(lock(&watch.verdict).clone().unwrap_or(Stopped {
                budget,
                after: watch.elapsed(),
                at_deadline: true,
                estimate: None,
                after_verified: false,
            })))
        }
        Err(payload) => panic::resume_unwind(payload),
    }
}

fn watchdog(watch: Arc<Watch>) -> JoinHandle<()> {
    std::thread::Builder::new()
        .name("evacbench-watchdog".into())
        .spawn(move || {
            while !watch.disarmed.load(Ordering::Relaxed) {
                let wait = watch.next_wake();
                if !wait.is_zero() {
                    std::thread::park_timeout(wait);
                }
                if watch.disarmed.load(Ordering::Relaxed) {
                    break;
                }
                watch.judge();
                if watch.expired() {
                    break;
                }
            }
            // Expired: the measurement unwinds at its next checked operation. One stuck inside
            // a single contender call (a deadlock) never reaches one; rather than hang the
            // profile, end the process after a grace period (the run stays marked incomplete).
            let grace = (watch.budget / 2).max(STUCK_GRACE);
            let expired_at = Instant::now();
            while !watch.disarmed.load(Ordering::Relaxed) {
                let left = grace.saturating_sub(expired_at.elapsed());
                if left.is_zero() {
                    eprintln!(
                        "evacbench: a measurement did not stop within {} of reaching its budget \
                         of {} (stuck inside one contender operation); ending the run, which \
                         stays marked incomplete",
                        human(grace),
                        human(watch.budget)
                    );
                    std::process::exit(3);
                }
                std::thread::park_timeout(left);
            }
        })
        .expect("cannot start the watchdog thread")
}

/// Least time a measurement gets to unwind after its watch expired before the process ends.
const STUCK_GRACE: Duration = Duration::from_secs(30);

#[cfg(test)]
mod tests {
    use super::*;

    /// A loop far slower than its budget: 10^9 operations of 1 ms each. The probe sees a few
    /// hundred done and stops it long before the budget, with an estimate of about 10^6 s.
    #[test]
    fn a_run_far_beyond_its_budget_is_skipped_at_the_probe() {
        let out = within(
            Duration::from_secs(30),
            Duration::from_millis(200),
            Duration::from_millis(100),
            |_| {
                phase(1_000_000_000, ("step", 1_000_000_000), ("insert", 0));
                let mut m = Meter::new(Role::Main, 1);
                loop {
                    std::thread::sleep(Duration::from_millis(1));
                    m.step();
                }
            },
        );
        let stopped = out.unwrap_err();
        assert!(!stopped.at_deadline, "{stopped:?}");
        assert!(stopped.after < Duration::from_secs(30), "{stopped:?}");
        let e = stopped.estimate.clone().expect("an estimate");
        assert!(e.run > Duration::from_secs(100_000), "{e:?}");
        assert_eq!(e.what, "step");
        let reason = stopped.reason();
        assert!(
            reason.contains("beyond budget") && reason.contains("per step"),
            "{reason}"
        );
        assert!(stopped.record().estimated_run_s.unwrap() > 1e5);
    }

    /// No progress at all (stuck before its timed phase): stopped at the deadline, no estimate.
    #[test]
    fn a_run_without_progress_is_stopped_at_the_deadline() {
        let out = within(
            Duration::from_millis(300),
            Duration::from_millis(50),
            Duration::from_millis(50),
            |_| loop {
                std::thread::sleep(Duration::from_millis(2));
                check();
            },
        );
        let stopped = out.unwrap_err();
        assert!(
            stopped.at_deadline && stopped.estimate.is_none(),
            "{stopped:?}"
        );
        assert!(stopped.reason().contains("before its timed phase"));
    }

    /// A run that fits returns its value; a foreign panic is not mistaken for a stop.
    #[test]
    fn fitting_runs_return_and_other_panics_propagate() {
        let out = within(
            Duration::from_secs(5),
            Duration::from_secs(1),
            Duration::from_secs(1),
            |_| {
                phase(10, ("entry", 10), ("insert", 0));
                let mut m = Meter::new(Role::Main, 1);
                (0..10).for_each(|_| m.step());
                7
            },
        );
        assert_eq!(out, Ok(7));
        let caught = panic::catch_unwind(|| {
            within(
                Duration::from_secs(5),
                Duration::from_secs(1),
                Duration::from_secs(1),
                |_| panic::resume_unwind(Box::new("boom")),
            )
        });
        assert!(caught.is_err());
        assert!(current().is_none());
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(human(Duration::from_secs(14_000)), "3.9 h");
        assert_eq!(human(Duration::from_secs(120)), "2.0 min");
        assert_eq!(human(Duration::from_millis(33)), "33 ms");
        assert_eq!(human(Duration::from_secs_f64(4.25)), "4.2 s");
    }
}
