//! Progress with an ETA: what is left of the run, estimated from what has been measured so far
//! and capped by the budgets.
//!
//! Each contender x cell still to come is estimated as the mean wall time of the measurements
//! already made on cells of the same workload and size; failing that, of the same workload at
//! the nearest size, scaled linearly by size (setup and sweeps are linear in n); failing that,
//! of every measurement so far; before anything is measured, the profile's criterion budget.
//! Every estimate is capped at what the budget lets one measurement take (twice the cell
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
    spent: Duration,
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
                    spent: Duration::ZERO,
                    measured: 0,
                })
                .collect(),
        }
    }

    /// One measurement of cell `index` took `took`.
    pub(crate) fn finished(&mut self, index: usize, took: Duration) {
        let c = &mut self.cells[index];
        c.left = c.left.saturating_sub(1);
        c.spent += took;
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
        let mean = |c: &CellProgress| c.spent / c.measured as u32;
        let same: Vec<&CellProgress> = self
            .cells
            .iter()
            .filter(|c| c.measured > 0 && c.workload == workload)
            .collect();
        let exact: Vec<&CellProgress> = same.iter().copied().filter(|c| c.n == n).collect();
        let est = if !exact.is_empty() {
            let (t, k) = exact.iter().fold((Duration::ZERO, 0), |(t, k), c| {
                (t + c.spent, k + c.measured)
            });
            t / k as u32
        } else if let Some(near) = same
            .iter()
            .min_by_key(|c| (c.n as f64 / n as f64).ln().abs().to_bits())
        {
            mean(near).mul_f64(n as f64 / near.n as f64)
        } else {
            let (t, k) = self.cells.iter().fold((Duration::ZERO, 0), |(t, k), c| {
                (t + c.spent, k + c.measured)
            });
            if k > 0 {
                t / k as u32
            } else {
                self.budget.timing
            }
        };
        est.min(cap)
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
        // Nothing measured: the criterion budget for each of the six.
        assert_eq!(p.left(), budget.timing * 6);
        p.finished(0, Duration::from_secs(1));
        p.finished(0, Duration::from_secs(3));
        // Sweeps at n=2000 take twice the mean at n=1000 (2 s): 2 x 4 s; churn: the mean, 2 s.
        assert_eq!(p.left(), Duration::from_secs(8 + 4));
        p.finished(2, Duration::from_secs(1_000));
        // One huge churn measurement is capped at twice the cell budget.
        assert_eq!(p.left(), Duration::from_secs(8) + budget.cell * 2);
        assert!(p.stamp(3, 6).starts_with("[  3/6 "), "{}", p.stamp(3, 6));
    }
}
