//! Progress with an ETA: what is left of the run, estimated from what has been measured so far
//! and capped by the budgets.
//!
//! A measurement's wall time has two parts: its timing phase (criterion's, or the slow path's),
//! which the budgets hold roughly constant whatever the size, and the rest (setup, the verified
//! run, the allocation pass), which grows with n. Each contender x cell still to come is
//! estimated as the mean timing phase of the measurements already made on the same workload
//! (the profile's timing budget before there are any) plus the mean rest of the same workload
//! at the same size, or at the nearest size scaled linearly by n, or of every measurement so
//! far. Every estimate is capped at what the budget lets one measurement take (twice the cell
//! budget), so one slow contender does not inflate the ETA of the others.

use std::time::{Duration, Instant};

use super::budget::{human, Budget};
use crate::workloads::{Cell, Workload};

/// The run's progress.
#[derive(Debug)]
pub(crate) struct Progress {
    started: Instant,
    budget: Budget,
    /// Per cell: its workload and size, measurements left, and the wall time of those made.
    cells: Vec<CellProgress>,
}

#[derive(Debug)]
struct CellProgress {
    workload: Workload,
    n: u64,
    left: usize,
    /// Wall time of the timing phases of the measurements made.
    timed: Duration,
    /// Wall time of the rest of them.
    rest: Duration,
    measured: usize,
}

impl Progress {
    /// The progress of a run over `cells`, `planned[i]` measurements on cell `i`.
    pub(crate) fn new(budget: Budget, cells: &[Cell], planned: &[usize]) -> Progress {
        Progress {
            started: Instant::now(),
            budget,
            cells: cells
                .iter()
                .zip(planned)
                .map(|(c, &left)| CellProgress {
                    workload: c.workload,
                    n: c.n,
                    left,
                    timed: Duration::ZERO,
                    rest: Duration::ZERO,
                    measured: 0,
                })
                .collect(),
        }
    }

    /// One measurement of cell `index` took `took`, `timed` of it in its timing phase.
    pub(crate) fn finished(&mut self, index: usize, took: Duration, timed: Duration) {
        let c = &mut self.cells[index];
        c.left = c.left.saturating_sub(1);
        let timed = timed.min(took);
        c.timed += timed;
        c.rest += took - timed;
        c.measured += 1;
    }

    /// Time since the run started.
    pub(crate) fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Estimated time left.
    pub(crate) fn left(&self) -> Duration {
        self.cells
            .iter()
            .filter(|c| c.left > 0)
            .map(|c| self.each(c.workload, c.n) * c.left as u32)
            .sum()
    }

    /// How much criterion phases should be shortened to finish within the run's budget: 1 when
    /// the estimate fits, down to 1/4.
    pub(crate) fn pace(&self) -> f64 {
        let left = self.left().as_secs_f64();
        let room = self.budget.run.saturating_sub(self.elapsed()).as_secs_f64();
        if left <= room || left == 0.0 {
            1.0
        } else {
            (room / left).clamp(0.25, 1.0)
        }
    }

    /// `[123/666 12.5 min, ~31 min left]`.
    pub(crate) fn stamp(&self, done: usize, total: usize) -> String {
        format!(
            "[{done:>3}/{total} {}, ~{} left]",
            human(self.elapsed()),
            human(self.left())
        )
    }

    /// Estimated wall time of one measurement on a cell of `workload` at size `n`.
    fn each(&self, workload: Workload, n: u64) -> Duration {
        let cap = self.budget.cell * 2;
        let mean = |cs: &[&CellProgress], part: fn(&CellProgress) -> Duration| {
            let k: usize = cs.iter().map(|c| c.measured).sum();
            (k > 0).then(|| cs.iter().map(|c| part(c)).sum::<Duration>() / k as u32)
        };
        let same: Vec<&CellProgress> = self
            .cells
            .iter()
            .filter(|c| c.measured > 0 && c.workload == workload)
            .collect();
        let all: Vec<&CellProgress> = self.cells.iter().filter(|c| c.measured > 0).collect();
        let timed = mean(&same, |c| c.timed)
            .or_else(|| mean(&all, |c| c.timed))
            .unwrap_or(self.budget.timing);
        let exact: Vec<&CellProgress> = same.iter().copied().filter(|c| c.n == n).collect();
        let rest = if let Some(r) = mean(&exact, |c| c.rest) {
            r
        } else if let Some(near) = same
            .iter()
            .min_by_key(|c| (c.n as f64 / n as f64).ln().abs().to_bits())
        {
            (near.rest / near.measured as u32).mul_f64(n as f64 / near.n as f64)
        } else {
            mean(&all, |c| c.rest).unwrap_or(Duration::ZERO)
        };
        (timed + rest).min(cap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workloads::Profile;

    #[test]
    fn eta_follows_what_was_measured_and_scales_by_size() {
        let cells = vec![
            Cell::sweep(1_000, 0.5).unwrap(),
            Cell::sweep(2_000, 0.5).unwrap(),
            Cell::churn(1_000, 10).unwrap(),
        ];
        let budget = Budget::for_profile(Profile::Full);
        let mut p = Progress::new(budget, &cells, &[2, 2, 2]);
        // Nothing measured: the timing budget for each of the six.
        assert_eq!(p.left(), budget.timing * 6);
        p.finished(0, Duration::from_secs(2), Duration::from_secs(1));
        p.finished(0, Duration::from_secs(4), Duration::from_secs(3));
        // Sweeps at n=2000: the mean timing phase (2 s) plus twice the mean rest (1 s): 2 x 4 s;
        // churn (nothing of its own yet): the overall means, 2 + 1 s, twice.
        assert_eq!(p.left(), Duration::from_secs(8 + 6));
        p.finished(2, Duration::from_secs(1_000), Duration::from_secs(1));
        // One huge churn measurement is capped at twice the cell budget.
        assert_eq!(p.left(), Duration::from_secs(8) + budget.cell * 2);
        assert!(p.stamp(3, 6).starts_with("[  3/6 "), "{}", p.stamp(3, 6));
    }
}
