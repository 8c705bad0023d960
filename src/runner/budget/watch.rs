//! The watch over one measurement: its deadline and probe point, the progress the scenario
//! meters publish, the watchdog thread that judges it, and [`within`], which runs a
//! measurement under a watch.

use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::{human, Estimate, Stopped};

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
