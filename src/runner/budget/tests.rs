//! Tests of the time budgets.

use std::panic;

use super::*;

/// A loop far slower than its budget: 10^9 operations of 1 ms each. The probe sees a few
/// hundred done and stops it long before the budget, with an estimate of about 10^6 s.
#[test]
fn a_run_far_beyond_its_budget_is_skipped_at_the_probe() {
    let out = within(
        Duration::from_secs(30),
        Duration::from_millis(200),
        Duration::from_millis(100),
        |_| {
            phase(1_000_000_000, ("step", 1_000_000_000), ("insert", 0));
            let mut m = Meter::new(Role::Main, 1);
            loop {
                std::thread::sleep(Duration::from_millis(1));
                m.step();
            }
        },
    );
    let stopped = out.unwrap_err();
    assert!(!stopped.at_deadline, "{stopped:?}");
    assert!(stopped.after < Duration::from_secs(30), "{stopped:?}");
    let e = stopped.estimate.clone().expect("an estimate");
    assert!(e.run > Duration::from_secs(100_000), "{e:?}");
    assert_eq!(e.what, "step");
    let reason = stopped.reason();
    assert!(
        reason.contains("beyond budget") && reason.contains("per step"),
        "{reason}"
    );
    assert!(stopped.record().estimated_run_s.unwrap() > 1e5);
}

/// No progress at all (stuck before its timed phase): stopped at the deadline, no estimate.
#[test]
fn a_run_without_progress_is_stopped_at_the_deadline() {
    let out = within(
        Duration::from_millis(300),
        Duration::from_millis(50),
        Duration::from_millis(50),
        |_| loop {
            std::thread::sleep(Duration::from_millis(2));
            check();
        },
    );
    let stopped = out.unwrap_err();
    assert!(
        stopped.at_deadline && stopped.estimate.is_none(),
        "{stopped:?}"
    );
    assert!(stopped.reason().contains("before its timed phase"));
}

/// A run that fits returns its value; a foreign panic is not mistaken for a stop.
#[test]
fn fitting_runs_return_and_other_panics_propagate() {
    let out = within(
        Duration::from_secs(5),
        Duration::from_secs(1),
        Duration::from_secs(1),
        |_| {
            phase(10, ("entry", 10), ("insert", 0));
            let mut m = Meter::new(Role::Main, 1);
            (0..10).for_each(|_| m.step());
            7
        },
    );
    assert_eq!(out, Ok(7));
    let caught = panic::catch_unwind(|| {
        within(
            Duration::from_secs(5),
            Duration::from_secs(1),
            Duration::from_secs(1),
            |_| panic::resume_unwind(Box::new("boom")),
        )
    });
    assert!(caught.is_err());
    assert!(current().is_none());
}

#[test]
fn durations_read_well() {
    assert_eq!(human(Duration::from_secs(14_000)), "3.9 h");
    assert_eq!(human(Duration::from_secs(120)), "2.0 min");
    assert_eq!(human(Duration::from_millis(33)), "33 ms");
    assert_eq!(human(Duration::from_secs_f64(4.25)), "4.2 s");
}
