//! Progress with an ETA: what is left of the run, estimated from what has been measured so far
//! and capped by the budgets.
//!
//! A measurement's wall time has three parts:
//! - its **timing phase** (criterion's, or the slow path's). The budgets hold it near the
//!   profile's timing budget at small n, but a fresh-state run pays its setup for every sample,
//!   so at large n (a million entries: 0.1-0.4 s of setup per sample) it grows with n;
//! - its **cache simulation** (callgrind, only on the cells that have one);
//! - **the rest** (setup, the verified run, the allocation pass), which grows with n.
//!
//! Each part of a contender x cell still to come is estimated from the same part of the
//! measurements already made on the same workload: its mean at the same size; else, once two
//! sizes of the workload are measured, the straight line `fixed + per_entry * n` through them
//! (least squares), because much of each part is fixed (process start, the cache simulation's
//! start, the timing budget) and a small cell scaled by n alone would charge that fixed part a
//! thousandfold to a large one; else (the rest only) the nearest size scaled linearly by n, or
//! (the timing phase and the simulation) their mean unscaled; else (a workload not measured
//! yet) the same line fitted through every measurement so far, or their mean while they are
//! all of one size; before anything is measured, the timing budget. Every estimate is capped
//! at what the budget lets one measurement take (twice the cell budget), so one slow contender
//! does not inflate the ETA of the others. A profile with timing rounds adds the later rounds
//! still to come ([`super::rounds`]), each estimated as the mean of those made so far.

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
    /// Later timing rounds still to come ([`super::rounds`]), and, once every measurement has
    /// had its round 1, the work they repeat: what their samples took in round 1 plus their
    /// warm-ups.
    revisits_left: usize,
    revisit_work_left: Option<Duration>,
    /// The later rounds made: their wall time, the work they repeated, and how many.
    revisited: Duration,
    revisited_work: Duration,
    revisits_done: usize,
    /// Timing rounds per measurement, and the warm-up a later round saves against round 1.
    rounds: usize,
    warm_up_saved: Duration,
    /// Round 1 of the measurements that have later rounds: how many, and their timing phases'
    /// wall time.
    first_rounds: usize,
    first_round_wall: Duration,
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
    /// Whether its measurements include a cache simulation.
    simulates: bool,
    /// Wall time of the cache simulations of the measurements made.
    simulated: Duration,
    measured: usize,
}

impl Progress {
    /// The progress of a run over `cells`, `planned[i]` measurements on cell `i`, with a cache
    /// simulation each where `simulates[i]`.
    pub(crate) fn new(
        budget: Budget,
        cells: &[Cell],
        planned: &[usize],
        simulates: &[bool],
    ) -> Progress {
        Progress {
            started: Instant::now(),
            budget,
            cells: cells
                .iter()
                .zip(planned)
                .zip(simulates)
                .map(|((c, &left), &simulates)| CellProgress {
                    workload: c.workload,
                    n: c.n,
                    left,
                    timed: Duration::ZERO,
                    rest: Duration::ZERO,
                    simulates,
                    simulated: Duration::ZERO,
                    measured: 0,
                })
                .collect(),
            revisits_left: 0,
            revisit_work_left: None,
            revisited: Duration::ZERO,
            revisited_work: Duration::ZERO,
            revisits_done: 0,
            rounds: 1,
            warm_up_saved: Duration::ZERO,
            first_rounds: 0,
            first_round_wall: Duration::ZERO,
        }
    }

    /// The same progress with `rounds` timing rounds, each later one with `warm_up_saved` less
    /// warm-up than round 1: every planned measurement is expected to come back `rounds - 1`
    /// times until it is known to be timed alone ([`Progress::round_one`]).
    pub(crate) fn with_rounds(mut self, rounds: usize, warm_up_saved: Duration) -> Progress {
        let planned: usize = self.cells.iter().map(|c| c.left).sum();
        self.revisits_left = planned * rounds.saturating_sub(1);
        self.rounds = rounds.max(1);
        self.warm_up_saved = warm_up_saved;
        self
    }

    /// Round 1 of a measurement took `wall` in its timing phase; `later` is false when it has
    /// no later rounds (timed alone: its setups spread its samples), so its revisits drop out.
    pub(crate) fn round_one(&mut self, wall: Duration, later: bool) {
        if later {
            self.first_rounds += 1;
            self.first_round_wall += wall;
        } else {
            self.revisits_left = self.revisits_left.saturating_sub(self.rounds - 1);
        }
    }

    /// Exactly `n` later rounds are left (known once round 1 of every cell is done), repeating
    /// `work` in all (their round-1 samples' time and their warm-ups).
    pub(crate) fn revisits_planned(&mut self, n: usize, work: Duration) {
        self.revisits_left = n;
        self.revisit_work_left = Some(work);
    }

    /// One later timing round took `took`, repeating `work`.
    pub(crate) fn revisited(&mut self, took: Duration, work: Duration) {
        self.revisits_left = self.revisits_left.saturating_sub(1);
        if let Some(left) = &mut self.revisit_work_left {
            *left = left.saturating_sub(work);
        }
        self.revisited += took;
        self.revisited_work += work;
        self.revisits_done += 1;
    }

    /// Estimated wall time of the later timing rounds left. Once some are made, the work left
    /// times the wall time per unit of work of those made (a round at 1M entries repeats far
    /// more than one at 1K, and the passes go from small cells to large, so a mean per round
    /// made would underestimate the rest); before that, [`Progress::each_revisit`] each.
    fn revisits(&self) -> Duration {
        match self.revisit_work_left {
            Some(work) if self.revisited_work > Duration::ZERO => {
                work.mul_f64(self.revisited.as_secs_f64() / self.revisited_work.as_secs_f64())
            }
            _ => self.each_revisit() * self.revisits_left as u32,
        }
    }

    /// Estimated wall time of one later timing round before round 1 is done everywhere: the
    /// mean round 1 of the measurements with later rounds less the warm-up a later round saves
    /// (it repeats round 1's samples after a shorter warm-up, with one setup and verified run
    /// more); before any, 60% of the mean timing phase.
    fn each_revisit(&self) -> Duration {
        if self.first_rounds > 0 {
            let mean = self.first_round_wall / self.first_rounds as u32;
            return mean
                .saturating_sub(self.warm_up_saved)
                .max(mean.mul_f64(0.25));
        }
        let k: usize = self.cells.iter().map(|c| c.measured).sum();
        let timed = if k > 0 {
            self.cells.iter().map(|c| c.timed).sum::<Duration>() / k as u32
        } else {
            self.budget.timing
        };
        timed.mul_f64(0.6)
    }

    /// One measurement of cell `index` took `took`: `timed` of it in its timing phase,
    /// `simulated` in its cache simulation.
    pub(crate) fn finished(
        &mut self,
        index: usize,
        took: Duration,
        timed: Duration,
        simulated: Duration,
    ) {
        let c = &mut self.cells[index];
        c.left = c.left.saturating_sub(1);
        let timed = timed.min(took);
        let simulated = simulated.min(took - timed);
        c.timed += timed;
        c.simulated += simulated;
        c.rest += took - timed - simulated;
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
            .map(|c| self.each(c.workload, c.n, c.simulates) * c.left as u32)
            .sum::<Duration>()
            + self.revisits()
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
    fn each(&self, workload: Workload, n: u64, simulates: bool) -> Duration {
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
        let exact: Vec<&CellProgress> = same.iter().copied().filter(|c| c.n == n).collect();
        // The timing phase is held near the budget at small n, but a fresh-state run pays its
        // setup for every sample, so at large n it grows with n too: fitted like the rest.
        let timed = mean(&exact, |c| c.timed)
            .or_else(|| fitted(&same, n, |c| c.timed))
            .or_else(|| mean(&same, |c| c.timed))
            .or_else(|| fitted(&all, n, |c| c.timed))
            .or_else(|| mean(&all, |c| c.timed))
            .unwrap_or(self.budget.timing);
        let rest = if let Some(r) = mean(&exact, |c| c.rest) {
            r
        } else if let Some(r) = fitted(&same, n, |c| c.rest) {
            r
        } else if let Some(near) = same
            .iter()
            .min_by_key(|c| (c.n as f64 / n as f64).ln().abs().to_bits())
        {
            (near.rest / near.measured as u32).mul_f64(n as f64 / near.n as f64)
        } else {
            fitted(&all, n, |c| c.rest)
                .or_else(|| mean(&all, |c| c.rest))
                .unwrap_or(Duration::ZERO)
        };
        let simulated = if simulates {
            let same: Vec<&CellProgress> = same.iter().copied().filter(|c| c.simulates).collect();
            let all: Vec<&CellProgress> = all.iter().copied().filter(|c| c.simulates).collect();
            let exact: Vec<&CellProgress> = same.iter().copied().filter(|c| c.n == n).collect();
            mean(&exact, |c| c.simulated)
                .or_else(|| fitted(&same, n, |c| c.simulated))
                .or_else(|| mean(&same, |c| c.simulated))
                .or_else(|| fitted(&all, n, |c| c.simulated))
                .or_else(|| mean(&all, |c| c.simulated))
                .unwrap_or(Duration::ZERO)
        } else {
            Duration::ZERO
        };
        (timed + rest + simulated).min(cap)
    }
}

/// One `part` of a measurement (its rest, or its cache simulation) at size `n`, from the line
/// `fixed + per_entry * n` fitted (least squares, both parts kept non-negative) through the
/// mean of that part at each measured size of `cells`; `None` with fewer than two sizes.
fn fitted(
    cells: &[&CellProgress],
    n: u64,
    part: fn(&CellProgress) -> Duration,
) -> Option<Duration> {
    let mut sizes: Vec<(f64, f64, f64)> = Vec::new(); // (n, total of the part in s, measurements)
    for c in cells {
        let n = c.n as f64;
        match sizes.iter_mut().find(|s| s.0 == n) {
            Some(s) => {
                s.1 += part(c).as_secs_f64();
                s.2 += c.measured as f64;
            }
            None => sizes.push((n, part(c).as_secs_f64(), c.measured as f64)),
        }
    }
    if sizes.len() < 2 {
        return None;
    }
    let points: Vec<(f64, f64)> = sizes.iter().map(|&(n, t, k)| (n, t / k)).collect();
    let count = points.len() as f64;
    let mx = points.iter().map(|p| p.0).sum::<f64>() / count;
    let my = points.iter().map(|p| p.1).sum::<f64>() / count;
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let per_entry = (sxy / sxx).max(0.0);
    let fixed = (my - per_entry * mx).max(0.0);
    Some(Duration::from_secs_f64(fixed + per_entry * n as f64))
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
        let mut p = Progress::new(budget, &cells, &[2, 2, 2], &[false; 3]);
        // Nothing measured: the timing budget for each of the six.
        assert_eq!(p.left(), budget.timing * 6);
        p.finished(
            0,
            Duration::from_secs(2),
            Duration::from_secs(1),
            Duration::ZERO,
        );
        p.finished(
            0,
            Duration::from_secs(4),
            Duration::from_secs(3),
            Duration::ZERO,
        );
        // Sweeps at n=2000: the mean timing phase (2 s) plus twice the mean rest (1 s): 2 x 4 s;
        // churn (nothing of its own yet): the overall means, 2 + 1 s, twice.
        assert_eq!(p.left(), Duration::from_secs(8 + 6));
        p.finished(
            2,
            Duration::from_secs(1_000),
            Duration::from_secs(1),
            Duration::ZERO,
        );
        // One huge churn measurement is capped at twice the cell budget.
        assert_eq!(p.left(), Duration::from_secs(8) + budget.cell * 2);
        assert!(p.stamp(3, 6).starts_with("[  3/6 "), "{}", p.stamp(3, 6));
    }

    #[test]
    fn a_fixed_cost_measured_at_two_sizes_is_not_scaled_by_n() {
        let cells = vec![
            Cell::sweep(1_024, 0.5).unwrap(),
            Cell::sweep(16_384, 0.5).unwrap(),
            Cell::sweep(1 << 20, 0.5).unwrap(),
        ];
        let budget = Budget::for_profile(Profile::Full);
        let mut p = Progress::new(budget, &cells, &[1, 1, 1], &[false; 3]);
        // 1 s timed; a rest of 2 s at 1,024 (mostly fixed) would scale to 2,048 s at 2^20, capped.
        p.finished(
            0,
            Duration::from_secs(3),
            Duration::from_secs(1),
            Duration::ZERO,
        );
        assert_eq!(p.left(), Duration::from_secs(1 + 32) + budget.cell * 2);
        // A second size, 2.15 s of rest at 16,384: 2 s fixed plus ~9.8 ns per entry, so the
        // 2^20 cell is about 1 s timed + 12.2 s of rest.
        p.finished(
            1,
            Duration::from_secs_f64(3.15),
            Duration::from_secs(1),
            Duration::ZERO,
        );
        let left = p.left().as_secs_f64();
        assert!((13.0..13.5).contains(&left), "{left}");
    }

    #[test]
    fn a_cache_simulation_is_charged_only_to_cells_that_have_one_and_not_scaled_from_one_size() {
        let cells = vec![
            Cell::sweep(1_024, 0.5).unwrap(),
            Cell::sweep(4_096, 0.5).unwrap(),
            Cell::sweep(1 << 20, 0.5).unwrap(),
        ];
        let budget = Budget::for_profile(Profile::Full);
        let mut p = Progress::new(budget, &cells, &[1, 1, 1], &[true, true, false]);
        // 1 s timed, 2 s simulated, 0.01 s of rest.
        p.finished(
            0,
            Duration::from_secs_f64(3.01),
            Duration::from_secs(1),
            Duration::from_secs(2),
        );
        // 4,096: 1 + 2 + 0.04 s; 2^20 (no simulation): 1 + 10.24 s.
        let left = p.left().as_secs_f64();
        assert!((left - 14.28).abs() < 1e-6, "{left}");
    }

    #[test]
    fn a_cache_simulation_measured_at_two_sizes_is_fitted_to_the_size() {
        let cells = vec![
            Cell::sweep(1_024, 0.5).unwrap(),
            Cell::sweep(65_536, 0.5).unwrap(),
            Cell::sweep(1 << 20, 0.5).unwrap(),
        ];
        let budget = Budget::for_profile(Profile::Full);
        let mut p = Progress::new(budget, &cells, &[1, 1, 1], &[true; 3]);
        // Simulations of 2 s at 1,024 and 3 s at 65,536 entries: 2 s fixed plus ~15.5 ns per
        // entry, so ~18.2 s at 2^20 (the unscaled mean would say 2.5 s). No timing, no rest.
        p.finished(
            0,
            Duration::from_secs(2),
            Duration::ZERO,
            Duration::from_secs(2),
        );
        p.finished(
            1,
            Duration::from_secs(3),
            Duration::ZERO,
            Duration::from_secs(3),
        );
        let left = p.left().as_secs_f64();
        let expected = 2.0 - 1_024.0 / 64_512.0 + (1u64 << 20) as f64 / 64_512.0;
        assert!((left - expected).abs() < 1e-3, "{left} vs {expected}");
    }

    #[test]
    fn a_workload_not_measured_yet_is_estimated_from_the_size_fit_of_the_others() {
        let cells = vec![
            Cell::sweep(1_024, 0.5).unwrap(),
            Cell::sweep(65_536, 0.5).unwrap(),
            Cell::churn(1 << 20, 10).unwrap(),
        ];
        let budget = Budget::for_profile(Profile::Full);
        let mut p = Progress::new(budget, &cells, &[1, 1, 1], &[false; 3]);
        // Rests of 1 s at 1,024 and 2 s at 65,536 entries (no timing): the churn cell at 2^20,
        // not measured yet, gets that line's ~17.2 s rather than the mean 1.5 s.
        p.finished(0, Duration::from_secs(1), Duration::ZERO, Duration::ZERO);
        p.finished(1, Duration::from_secs(2), Duration::ZERO, Duration::ZERO);
        let left = p.left().as_secs_f64();
        let expected = 1.0 + ((1u64 << 20) - 1_024) as f64 / 64_512.0;
        assert!((left - expected).abs() < 1e-3, "{left} vs {expected}");
    }

    #[test]
    fn a_timing_phase_measured_at_two_sizes_is_fitted_to_the_size() {
        let cells = vec![
            Cell::sweep(1_024, 0.5).unwrap(),
            Cell::sweep(65_536, 0.5).unwrap(),
            Cell::sweep(1 << 20, 0.5).unwrap(),
        ];
        let budget = Budget::for_profile(Profile::Full);
        let mut p = Progress::new(budget, &cells, &[1, 1, 1], &[false; 3]);
        // Timing phases of 1 s at 1,024 and 2 s at 65,536 entries (setup per sample grows with
        // n): the line says ~17.2 s at 2^20, where the mean of the two would say 1.5 s.
        p.finished(
            0,
            Duration::from_secs(1),
            Duration::from_secs(1),
            Duration::ZERO,
        );
        p.finished(
            1,
            Duration::from_secs(2),
            Duration::from_secs(2),
            Duration::ZERO,
        );
        let left = p.left().as_secs_f64();
        let expected = 1.0 - 1_024.0 / 64_512.0 + (1u64 << 20) as f64 / 64_512.0;
        assert!((left - expected).abs() < 1e-3, "{left} vs {expected}");
    }

    #[test]
    fn later_timing_rounds_are_part_of_what_is_left() {
        let cells = vec![Cell::sweep(1_024, 0.5).unwrap()];
        let budget = Budget::for_profile(Profile::Default);
        let mut p = Progress::new(budget, &cells, &[2], &[false])
            .with_rounds(4, Duration::from_millis(500));
        // Nothing measured: two measurements at the timing budget, six later rounds at 60% of it.
        let expected = budget.timing * 2 + budget.timing.mul_f64(0.6) * 6;
        assert_eq!(p.left(), expected);
        p.finished(
            0,
            Duration::from_secs(3),
            Duration::from_secs(2),
            Duration::ZERO,
        );
        p.finished(
            0,
            Duration::from_secs(3),
            Duration::from_secs(2),
            Duration::ZERO,
        );
        // Round 1 of both measurements: 2 s of timing each, 0.5 s of it warm-up a later round
        // saves; the six later rounds are then estimated at 1.5 s each.
        p.round_one(Duration::from_secs(2), true);
        p.round_one(Duration::from_secs(2), true);
        assert_eq!(
            p.left(),
            Duration::from_millis(1500) * 6,
            "round 1 informs the later rounds"
        );
        // Round 1 done; one measurement turned out to have no later rounds (slow path): three
        // later rounds, repeating 1.1 s of samples and warm-up, still 1.5 s each before any is
        // made.
        p.revisits_planned(3, Duration::from_millis(1100));
        assert_eq!(p.left(), Duration::from_millis(4500));
        // A small one (100 ms of work) took 200 ms: the 1 s of work left is estimated at 2 s,
        // not at two more rounds of 200 ms.
        p.revisited(Duration::from_millis(200), Duration::from_millis(100));
        assert_eq!(p.left(), Duration::from_secs(2));
    }

    #[test]
    fn a_measurement_timed_alone_takes_its_later_rounds_out_of_the_estimate() {
        let cells = vec![Cell::sweep(1_024, 0.5).unwrap()];
        let budget = Budget::for_profile(Profile::Default);
        let mut p = Progress::new(budget, &cells, &[2], &[false])
            .with_rounds(4, Duration::from_millis(500));
        p.finished(
            0,
            Duration::from_secs(3),
            Duration::from_secs(2),
            Duration::ZERO,
        );
        p.round_one(Duration::from_secs(2), false);
        // One measurement left (estimated from the one made: 3 s), and its three later rounds
        // at 60% of the mean timing phase: the alone one's are gone.
        assert_eq!(
            p.left(),
            Duration::from_secs(3) + Duration::from_secs(2).mul_f64(0.6) * 3
        );
    }
}
