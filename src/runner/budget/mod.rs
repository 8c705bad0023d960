//! Time budgets: every contender x cell gets a budget, enforced before and during the
//! measurement, so no profile can hang on one quadratic cell.
//!
//! How it works:
//! * The runner runs each contender x cell inside `within`, under a `Watch`: a deadline
//!   (the budget) and a probe point (a fraction of it). A watchdog thread wakes at the probe
//!   point and then every `Watch::tick`.
//! * The scenario loops report progress through `Meter`s: the sweep predicate, the insert
//!   loop, churn steps, traversals, prefill. A meter publishes its count every few operations
//!   (a plain store to an atomic the watchdog reads) and, when the watch has expired, stops the
//!   measurement by unwinding with an `Overrun` payload (`resume_unwind`: no panic message).
//! * At the probe point and at each tick, the watchdog extrapolates the timed phase from the
//!   progress so far (`elapsed x total / done` for each kind of operation, the slowest kind
//!   deciding). If one run would take longer than the budget, it expires the watch at once:
//!   the cell is **skipped on its estimate** after spending only the probe time. A run that
//!   reaches the deadline anyway is **stopped** there. Either way `within` returns a
//!   `Stopped` with the estimate, which the runner records as not measured with the reason
//!   and the estimate ([`reports::BeyondBudget`]), and the run goes on.
//!
//! The check costs one counter increment and a predictable branch per operation, and an atomic
//! store every `Meter` period; it is the same for every contender. Loops outside the scenarios
//! (criterion's, the oracle's) are bounded by the run they follow, which passed the budget.
//! A measurement stuck inside one contender operation (a deadlock) never reaches a check: the
//! watchdog then ends the process after a grace period, so even that cannot hang a profile.
//!
//! [`Budget`] and the verdicts (`Stopped`, `Estimate`) live here; the watch, the meters
//! and the watchdog in `watch`.

#[cfg(test)]
mod tests;
mod watch;

pub(crate) use watch::{check, current, phase, within, Meter, Role, Watch};

use std::time::Duration;

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
