//! Paired rounds: several scenarios of one kind measured back to back, round after round, each
//! once per round in an order shuffled per round (seeded), one of them twice (the A/A control).
//!
//! Criterion measures one scenario at a time; on a shared machine whose speed drifts over
//! seconds, two scenarios measured a few seconds apart differ by the drift as much as by what
//! they are. Here every scenario of a round is measured within the same short stretch, so the
//! times of one round can be divided by each other and the drift cancels
//! ([`reports::paired_rounds`] ranks them that way). The shuffled order keeps a scenario from
//! always running first or last in a round; the control (the scenario `control` measured a
//! second time at its own place in the round) shows what a ratio looks like when nothing
//! differs.
//!
//! Every run is the scenario's own: set up (untimed; a fresh state per run when the scenario
//! needs one), run with its counts checked, and the first run of every scenario and of the
//! control fully verified (after the run, outside the timed phase), as the criterion pass
//! does. A take gathers runs until it has timed at least [`MIN_SAMPLE`]; its time per
//! operation is the timed total over the operations; a scenario's time in a round is the
//! fastest of [`TAKES`] takes back to back. A failing run stops the rounds with the scenario's
//! id and the reason.

use std::time::{Duration, Instant};

use super::scenario::{Probe, Scenario};
use super::Runner;
use crate::keys::Rng;

/// The timed time a sample gathers at least (runs repeated, each on a fresh state when the
/// scenario needs one), so a sample of a very short run is not one clock tick.
pub(crate) const MIN_SAMPLE: Duration = Duration::from_millis(2);

/// Most runs in one take.
const MAX_RUNS: u32 = 10_000;

/// Takes per scenario per round, back to back; the round's time is the fastest. On a shared
/// 2-core machine a take the scheduler interrupted (another process's time slice: milliseconds,
/// as long as the take itself) is slower, never faster, so the fastest of a few is the one
/// least disturbed; one take alone made the A/A control's rounds vary by tens of percent at a
/// load average of 4-5 (interquartile x0.94 to x1.41 in one run).
pub(crate) const TAKES: usize = 3;

/// The fewest rounds kept when the rounds are cut short by the cell budget.
pub(crate) const MIN_ROUNDS: usize = 5;

/// The times of paired rounds.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct RoundTimes {
    /// ns per operation of every scenario per round: `times[i][r]`, in the caller's order.
    pub(crate) times: Vec<Vec<f64>>,
    /// ns per operation of the control (the second measurement of scenario `control`) per
    /// round.
    pub(crate) control: Vec<f64>,
}

/// Why paired rounds stopped: the scenario (its index in the caller's list) whose run failed,
/// and the reason.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct RoundsFailure {
    /// The failing scenario (the control's failures name the scenario it repeats).
    pub(crate) scenario: usize,
    /// What failed, with the scenario's id and the round.
    pub(crate) reason: String,
}

impl std::fmt::Display for RoundsFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason)
    }
}

impl RoundTimes {
    /// The rounds measured.
    pub(crate) fn rounds(&self) -> usize {
        self.control.len()
    }
}

impl Runner<'_> {
    /// Measures `scenarios` (an id for messages, and the scenario) in `rounds` rounds, seeded
    /// by `seed`, with scenario `control` measured twice per round. The rounds stop early (at
    /// [`MIN_ROUNDS`] or more) once they have taken longer than the profile's cell budget.
    pub(super) fn measure_in_rounds<S: Scenario>(
        &mut self,
        what: &str,
        scenarios: &[(String, &S)],
        control: usize,
        rounds: usize,
        seed: u64,
    ) -> Result<RoundTimes, RoundsFailure> {
        let n = scenarios.len();
        if control >= n {
            return Err(RoundsFailure {
                scenario: control,
                reason: format!("{what}: control {control} is not one of the {n} scenarios"),
            });
        }
        let slots = n + 1;
        let scenario_of = |slot: usize| if slot < n { slot } else { control };
        let mut states: Vec<Option<S::State>> = (0..slots).map(|_| None).collect();
        let mut times: Vec<Vec<f64>> = vec![Vec::with_capacity(rounds); slots];
        let mut rng = Rng::new(seed ^ 0x726f_756e_6473);
        let started = Instant::now();
        for round in 0..rounds {
            let mut order: Vec<usize> = (0..slots).collect();
            for i in (1..slots).rev() {
                order.swap(i, rng.below(i as u64 + 1) as usize);
            }
            for &slot in &order {
                let (id, s) = &scenarios[scenario_of(slot)];
                let copy = if slot == n { " (A/A control)" } else { "" };
                let fail = |e: String| RoundsFailure {
                    scenario: scenario_of(slot),
                    reason: format!("{id}{copy}: round {}: {e}", round + 1),
                };
                let mut best = f64::INFINITY;
                for take in 0..TAKES {
                    let (mut elapsed, mut ops, mut runs) = (Duration::ZERO, 0u64, 0u32);
                    while (runs == 0 || elapsed < MIN_SAMPLE) && runs < MAX_RUNS {
                        if S::FRESH || states[slot].is_none() {
                            states[slot] =
                                Some(s.setup().map_err(|e| fail(format!("setup: {e}")))?);
                        }
                        let state = states[slot].as_mut().expect("set up above");
                        let m = s
                            .run(state, &mut Probe::default())
                            .map_err(|e| fail(e.to_string()))?;
                        elapsed += m.elapsed;
                        ops += m.ops;
                        runs += 1;
                        if round == 0 && take == 0 && runs == 1 {
                            s.verify(state)
                                .map_err(|e| fail(format!("after its first run: {e}")))?;
                        }
                        if S::FRESH {
                            // Dropped before the next setup, outside the timed phase.
                            states[slot] = None;
                        }
                    }
                    if ops == 0 {
                        return Err(fail("a sample counted no operations".into()));
                    }
                    best = best.min(elapsed.as_nanos() as f64 / ops as f64);
                }
                times[slot].push(best);
            }
            self.progress(
                what,
                &format!(
                    "paired round {}/{rounds} ({} scenarios and the control, shuffled)",
                    round + 1,
                    n
                ),
            );
            if round + 1 >= MIN_ROUNDS && round + 1 < rounds && started.elapsed() > self.budget.cell
            {
                self.progress(
                    what,
                    &format!(
                        "paired rounds stopped after {} of {rounds}: over the cell budget of {}",
                        round + 1,
                        super::budget::human(self.budget.cell)
                    ),
                );
                break;
            }
        }
        let control_times = times.pop().expect("the control's slot");
        Ok(RoundTimes {
            times,
            control: control_times,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::scenario::{Measured, ScenarioError};
    use std::cell::Cell;

    /// A scenario whose run takes about `micros` µs and counts its runs; it fails its `fail_at`-th
    /// run, if any.
    struct Spin {
        micros: u64,
        runs: Cell<u32>,
        verified: Cell<u32>,
        fail_at: Option<u32>,
    }

    impl Spin {
        fn new(micros: u64) -> Spin {
            Spin {
                micros,
                runs: Cell::new(0),
                verified: Cell::new(0),
                fail_at: None,
            }
        }
    }

    impl Scenario for Spin {
        type State = ();
        const FRESH: bool = true;

        fn setup(&self) -> Result<(), ScenarioError> {
            Ok(())
        }

        fn run(&self, _: &mut (), _: &mut Probe) -> Result<Measured, ScenarioError> {
            self.runs.set(self.runs.get() + 1);
            if Some(self.runs.get()) == self.fail_at {
                return Err(ScenarioError::Failed("a wrong count".into()));
            }
            let start = Instant::now();
            while start.elapsed() < Duration::from_micros(self.micros) {
                std::hint::spin_loop();
            }
            Ok(Measured {
                elapsed: start.elapsed(),
                ops: 10,
            })
        }

        fn verify(&self, _: &mut ()) -> Result<(), ScenarioError> {
            self.verified.set(self.verified.get() + 1);
            Ok(())
        }

        fn live(&self, _: &mut ()) -> u64 {
            0
        }

        fn memory(&self, _: &mut ()) -> strategies::Memory {
            strategies::Memory {
                heap_bytes: 0,
                garbage_bytes: 0,
                exact: true,
                garbage_known: true,
            }
        }

        fn probe_stats(&self, _: &mut ()) -> Option<evacmap::ProbeStats> {
            None
        }
    }

    #[test]
    fn every_scenario_is_measured_once_per_round_and_the_control_twice() {
        let (fast, slow) = (Spin::new(300), Spin::new(900));
        let list = [("fast".to_owned(), &fast), ("slow".to_owned(), &slow)];
        let got =
            crate::runner::plan::with_session(1, |session| session.rounds("test", &list, 1, 6, 5))
                .unwrap()
                .unwrap();
        assert_eq!(got.rounds(), 6);
        assert_eq!(got.times.len(), 2);
        assert!(got.times.iter().all(|t| t.len() == 6));
        // Each take gathers at least MIN_SAMPLE of runs (2 ms / 0.3 ms: 7 runs of `fast` on an
        // idle machine, fewer when other processes stretch the spins), so more than two per take.
        assert!(
            fast.runs.get() as usize > 6 * TAKES * 2,
            "{}",
            fast.runs.get()
        );
        // `slow` is also the control: verified after its first run in each of its two slots.
        assert_eq!((fast.verified.get(), slow.verified.get()), (1, 2));
        // ns per operation: 300 µs over 10 operations is 30,000 ns, 900 µs 90,000 ns.
        for (t, low) in [(&got.times[0], 30_000.0), (&got.times[1], 90_000.0)] {
            assert!(t.iter().all(|&x| x >= low && x < low * 20.0), "{t:?}");
        }
        assert!(
            got.control.iter().all(|&x| x >= 90_000.0),
            "{:?}",
            got.control
        );
    }

    #[test]
    fn a_failing_run_stops_the_rounds_with_its_reason() {
        let ok = Spin::new(50);
        let bad = Spin {
            fail_at: Some(3),
            ..Spin::new(50)
        };
        let list = [("ok".to_owned(), &ok), ("bad".to_owned(), &bad)];
        let err =
            crate::runner::plan::with_session(1, |session| session.rounds("test", &list, 0, 6, 5))
                .unwrap()
                .unwrap_err();
        assert_eq!(err.scenario, 1);
        assert!(
            err.reason.starts_with("bad: round 1: a wrong count"),
            "{err}"
        );
        let err =
            crate::runner::plan::with_session(1, |session| session.rounds("test", &list, 2, 6, 5))
                .unwrap()
                .unwrap_err();
        assert!(
            err.reason
                .contains("control 2 is not one of the 2 scenarios"),
            "{err}"
        );
    }
}
