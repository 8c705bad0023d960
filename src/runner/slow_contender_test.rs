//! A deliberately slow contender meets its budget: it is skipped on its estimate or stopped
//! at the deadline, recorded as not measured with the reason and the estimate, and the run
//! goes on. The contenders are slow by construction (each operation sleeps 1 ms; a million
//! of them would take over 16 minutes against a budget of seconds), so the outcome does not
//! depend on the machine's speed.

use std::time::Duration;

use criterion::Criterion;
use reports::{Metric, Outcome, RunDir};
use strategies::{registry, Info, Memory};

use super::budget::{self, Budget, Meter, Role};
use super::scenario::{Measured, Probe, Scenario, ScenarioError};
use super::{Options, Runner};
use crate::workloads::{Cell, Profile};

/// A scenario whose run is a million 1 ms steps; with `progress: false` it never reports one.
struct Sleepy {
    progress: bool,
}

const STEPS: u64 = 1_000_000;

impl Scenario for Sleepy {
    type State = ();
    const FRESH: bool = true;

    fn setup(&self) -> Result<(), ScenarioError> {
        Ok(())
    }

    fn run(&self, _: &mut (), _: &mut Probe) -> Result<Measured, ScenarioError> {
        let started = std::time::Instant::now();
        if self.progress {
            budget::phase(STEPS, ("sleepy step", STEPS), ("", 0));
        }
        let mut meter = Meter::new(Role::Main, 1);
        for _ in 0..STEPS {
            std::thread::sleep(Duration::from_millis(1));
            if self.progress {
                meter.step();
            } else {
                budget::check();
            }
        }
        Ok(Measured {
            elapsed: started.elapsed(),
            ops: STEPS,
        })
    }

    fn verify(&self, _: &mut ()) -> Result<(), ScenarioError> {
        Ok(())
    }
    fn live(&self, _: &mut ()) -> u64 {
        0
    }
    fn memory(&self, _: &mut ()) -> Memory {
        Memory::default()
    }
    fn probe_stats(&self, _: &mut ()) -> Option<evacmap::ProbeStats> {
        None
    }
}

#[test]
fn a_deliberately_slow_contender_is_skipped_or_stopped_at_its_budget() {
    let scratch = std::env::temp_dir().join(format!("evacbench-slow-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let out = RunDir::create(scratch.join("run"), reports::Environment::default()).unwrap();
    let mut criterion = Criterion::default().without_plots();
    let opts = Options {
        profile: Profile::Tiny,
        filter: None,
        test_mode: false,
        seed: 1,
        out: Some(out),
        exe: std::env::current_exe().unwrap(),
        scratch: scratch.clone(),
    };
    let budget = Budget {
        cell: Duration::from_secs(3),
        probe: Duration::from_millis(300),
        tick: Duration::from_millis(100),
        ..Budget::for_profile(Profile::Tiny)
    };
    let mut runner = Runner::new(&mut criterion, opts).with_budget(budget);
    let cell = Cell::sweep(1024, 0.5).unwrap();
    let info = |name| Info {
        name,
        ..registry::infos()[0]
    };
    let started = std::time::Instant::now();
    runner.measure(&cell, 0, info("sleepy"), 1, &Sleepy { progress: true });
    runner.measure(&cell, 0, info("stuck"), 1, &Sleepy { progress: false });
    // Skipped at the probe (~0.3 s) and stopped at the deadline (3 s), not 2 x 16 minutes.
    assert!(started.elapsed() < Duration::from_secs(60));
    assert_eq!(runner.summary.beyond_budget, 2);
    assert_eq!(runner.summary.measured, 0);
    let dir = runner.opts.out.take().unwrap().finish().unwrap();
    let run = reports::load(&dir).unwrap();
    let latency = |name: &str| {
        run.records
            .iter()
            .find(|r| r.contender == name && r.metric == Metric::LatencyNsPerOp)
            .unwrap_or_else(|| panic!("no latency record for {name}"))
            .clone()
    };

    let sleepy = latency("sleepy");
    let Outcome::NotMeasured { reason, .. } = &sleepy.outcome else {
        panic!("{sleepy:?}")
    };
    assert!(
        reason.contains("beyond budget") && reason.contains("per sleepy step"),
        "{reason}"
    );
    let b = sleepy.outcome.budget().expect("budget details");
    assert!(
        !b.stopped,
        "skipped on its estimate, not at the deadline: {b:?}"
    );
    assert_eq!(b.budget_s, 3.0);
    // A million steps of at least 1 ms each: at least 1000 s, about 1 ms per operation.
    assert!(b.estimated_run_s.unwrap() > 900.0, "{b:?}");
    assert!(b.estimate_ns_per_op.unwrap() > 0.9e6, "{b:?}");

    let stuck = latency("stuck");
    let b = stuck.outcome.budget().expect("budget details");
    assert!(b.stopped && b.estimated_run_s.is_none(), "{b:?}");
    let _ = std::fs::remove_dir_all(&scratch);
}
