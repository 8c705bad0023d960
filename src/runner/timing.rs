//! How long criterion measures in each profile, and when a contender is too slow for it.

use std::time::Duration;

use crate::workloads::Profile;

/// How long criterion measures, per profile.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    /// Samples per benchmark (criterion's minimum is 10).
    pub sample_size: usize,
    /// Criterion's warm-up time.
    pub warm_up: Duration,
    /// Criterion's target measurement time (setup time comes on top).
    pub measurement: Duration,
    /// Bootstrap resamples for the confidence interval.
    pub resamples: usize,
    /// A contender whose verified run (setup included) takes longer than this is too slow for
    /// criterion's minimum of 10 samples within the profile's budget: it is timed outside
    /// criterion over at most [`SLOW_RUNS`] verified runs (the verification run included) that
    /// fit in `slow_budget`, its interval being their minimum and maximum.
    pub slow_run: Duration,
    /// Wall time a slow contender may spend on one cell; its allocation pass is skipped
    /// (recorded as not measured) when one run alone exceeds half of it.
    pub slow_budget: Duration,
    /// A fresh-state run whose setup and verified run together take longer than this is
    /// timed with criterion's minimum of [`MIN_SAMPLES`] samples rather than `sample_size`:
    /// each sample of it pays a whole setup (building a map of a million entries takes
    /// 0.1-0.4 s here) for a timed phase of a few milliseconds, so ten more samples would
    /// cost seconds of setup per cell and narrow an interval that is already tight.
    pub heavy_run: Duration,
    /// Rounds of the timing phase: criterion's measurement is split into this many rounds,
    /// the first at the measurement's place in the run and each other one in a later pass over
    /// every cell, and `latency-ns-per-op` is the fastest round's median sample with the
    /// min..max of the round medians as its interval (see [`super::rounds`]). On a shared
    /// machine a burst of contention lasting a few hundred milliseconds moves every sample of
    /// one window together; rounds minutes apart rarely all fall into one. 1: one window, the
    /// mean of its samples with a bootstrap 95% CI. A measurement whose runs each need a fresh
    /// state taking [`SPREAD_RUN`] or more has one round only ([`Timing::spread_by_setup`]).
    pub rounds: usize,
}

/// A fresh-state run (setup and verified run) at least this long spreads criterion's samples
/// over a second or more of wall time by itself: ten samples, each after a setup of its own
/// (building a map of a million entries takes 0.1-0.4 s here). Such a measurement is timed in
/// round 1 only: later rounds would repeat every setup for a spread it already has (in the
/// default profile they cost about two of its six minutes, almost all in the 1M-entry cells).
pub(crate) const SPREAD_RUN: Duration = Duration::from_millis(100);

/// Criterion's minimum sample count.
pub const MIN_SAMPLES: usize = 10;

/// Most runs timed for a contender over [`Timing::slow_run`].
pub const SLOW_RUNS: usize = 3;

impl Timing {
    /// The samples criterion takes of a scenario that builds a `fresh` state for every run,
    /// whose setup and verified run took `setup_and_run`.
    pub fn samples_for(&self, fresh: bool, setup_and_run: Duration) -> usize {
        if fresh && setup_and_run > self.heavy_run {
            self.sample_size.min(MIN_SAMPLES)
        } else {
            self.sample_size
        }
    }

    /// True if a scenario that builds a `fresh` state for every run, whose setup and verified
    /// run took `setup_and_run`, has its samples spread in time by its setups alone, and so is
    /// timed in one round ([`SPREAD_RUN`]).
    pub fn spread_by_setup(&self, fresh: bool, setup_and_run: Duration) -> bool {
        fresh && setup_and_run >= SPREAD_RUN
    }

    /// The timing of `profile`.
    pub fn for_profile(profile: Profile) -> Timing {
        match profile {
            Profile::Tiny => Timing {
                sample_size: 10,
                warm_up: Duration::from_millis(10),
                measurement: Duration::from_millis(20),
                resamples: 1_000,
                slow_run: Duration::from_millis(250),
                slow_budget: Duration::from_secs(2),
                heavy_run: Duration::from_millis(50),
                rounds: 4,
            },
            Profile::Default => Timing {
                sample_size: 10,
                warm_up: Duration::from_millis(50),
                measurement: Duration::from_millis(150),
                resamples: 10_000,
                slow_run: Duration::from_millis(600),
                slow_budget: Duration::from_secs(8),
                heavy_run: Duration::from_millis(50),
                rounds: 4,
            },
            Profile::Full => Timing {
                sample_size: 20,
                warm_up: Duration::from_millis(300),
                measurement: Duration::from_millis(1200),
                resamples: 100_000,
                slow_run: Duration::from_secs(10),
                slow_budget: Duration::from_secs(120),
                heavy_run: Duration::from_millis(50),
                rounds: 1,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_heavy_fresh_run_gets_criterions_minimum_of_samples_in_the_full_profile() {
        let full = Timing::for_profile(Profile::Full);
        assert_eq!(full.sample_size, 20);
        let light = Duration::from_millis(5);
        let heavy = Duration::from_millis(300);
        assert_eq!(full.samples_for(true, light), 20);
        assert_eq!(full.samples_for(true, heavy), MIN_SAMPLES);
        // A persistent state pays its setup once: it keeps every sample.
        assert_eq!(full.samples_for(false, heavy), 20);
        let default = Timing::for_profile(Profile::Default);
        assert_eq!(default.samples_for(true, heavy), default.sample_size);
    }
}
