//! The conformance suite on this crate's contenders, as a library call: every property on
//! `byo-rwlock-btree` must hold, and the deliberately broken `byo-forgetful-btree` must be
//! caught.

use byo_map::broken::Broken;
use byo_map::Mine;
use strategies::conformance::{self, Options, Property};

/// Every property holds for `byo-rwlock-btree`; a failure lists every failing property at once.
#[test]
fn my_map_passes_every_property() {
    let report = conformance::run::<Mine>(&Property::ALL).unwrap_or_else(|e| panic!("{e}"));
    report.assert_ok();
    // Both value types, every property: nothing was silently skipped.
    assert_eq!(report.outcomes.len(), Property::ALL.len() * 2);
}

/// The broken sweep keeps one doomed entry while reporting it removed: the suite catches it in
/// `sweep_is_exact` (and the model and concurrent properties), and says which entry.
#[test]
fn the_broken_map_is_caught() {
    let options = Options {
        seed: 0x5eed,
        only: None,
    };
    let report = conformance::run_with::<Broken>(&Property::ALL, &options);
    assert!(
        !report.passed(),
        "the broken sweep went unnoticed:\n{report}"
    );
    assert!(
        report.failed(Property::SweepIsExact, "byo-forgetful-btree"),
        "sweep_is_exact did not catch the broken sweep:\n{report}"
    );
    assert!(report.failed(Property::OperationsAgreeWithAModel, "byo-forgetful-btree"));
    // Properties the bug does not touch still pass: the failure is the sweep's.
    assert!(!report.failed(Property::InvalidBuildsAreClearErrors, "byo-forgetful-btree"));
    assert!(!report.failed(Property::InfoIsTrueAndComplete, "byo-forgetful-btree"));
    let failures: Vec<_> = report.failures().map(|o| o.property).collect();
    println!("caught by: {failures:?}");
}
