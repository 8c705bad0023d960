//! The slow path: a contender too slow for criterion's minimum sample count is timed outside
//! criterion over a few verified runs.

use std::time::{Duration, Instant};

use reports::{Metric, Outcome};
use strategies::Info;

use super::records::{round_samples, Recs};
use super::scenario::{self, Probe, Scenario};
use super::timing::SLOW_RUNS;
use super::Runner;
use crate::workloads::Cell;

impl Runner<'_> {
    /// Times a contender too slow for criterion's sample count: the verified run `first` plus
    /// as many further verified runs as fit in the budget (at most [`SLOW_RUNS`] in all);
    /// records their mean with the min..max range as its interval.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn measure_slow<S: Scenario>(
        &mut self,
        cell: &Cell,
        index: usize,
        info: Info,
        s: &S,
        id: &str,
        rec: &Recs,
        first: scenario::Measured,
        one_run: Duration,
    ) {
        let per_op = |m: scenario::Measured| m.elapsed.as_nanos() as f64 / m.ops.max(1) as f64;
        let mut samples = vec![per_op(first)];
        let started = Instant::now();
        let budget = self.timing.slow_budget;
        self.progress(
            id,
            &format!(
                "verified; slow ({one_run:.1?} a run): timed outside criterion, budget {budget:?}"
            ),
        );
        let mut state = None;
        while samples.len() < SLOW_RUNS && started.elapsed() + one_run * 2 <= budget {
            if S::FRESH || state.is_none() {
                state = match s.setup() {
                    Ok(st) => Some(st),
                    Err(e) => return self.fail(id, rec, format!("setup: {e}")),
                };
            }
            let st = state.as_mut().expect("state present");
            match s
                .run(st, &mut Probe::default())
                .and_then(|m| s.verify(st).map(|()| m))
            {
                Ok(m) => samples.push(per_op(m)),
                Err(e) => return self.fail(id, rec, e.to_string()),
            }
        }
        drop(state);
        self.timed = started.elapsed();
        let mean = samples.iter().sum::<f64>() / samples.len() as f64;
        let (lo, hi) = samples
            .iter()
            .fold((f64::INFINITY, 0.0f64), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            });
        self.progress(
            id,
            &format!(
                "{mean:.2} ns/op [min {lo:.2}, max {hi:.2}] over {} run(s)",
                samples.len()
            ),
        );
        let records = vec![rec.make(
            Metric::LatencyNsPerOp,
            Outcome::with_range(mean, round_samples(&samples)),
        )];
        let skip = (one_run * 2 > budget).then(|| {
            format!("one run took {one_run:.1?}, over half the slow budget of {budget:?}")
        });
        self.after_timing(cell, index, info, s, id, rec, records, skip);
    }
}
