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
}

/// Most runs timed for a contender over [`Timing::slow_run`].
pub const SLOW_RUNS: usize = 3;

impl Timing {
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
            },
            Profile::Default => Timing {
                sample_size: 10,
                warm_up: Duration::from_millis(50),
                measurement: Duration::from_millis(150),
                resamples: 10_000,
                slow_run: Duration::from_millis(600),
                slow_budget: Duration::from_secs(8),
            },
            Profile::Full => Timing {
                sample_size: 20,
                warm_up: Duration::from_millis(300),
                measurement: Duration::from_millis(1200),
                resamples: 100_000,
                slow_run: Duration::from_secs(10),
                slow_budget: Duration::from_secs(120),
            },
        }
    }
}
