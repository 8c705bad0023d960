//! The conformance suite on every built-in contender: every contender of the registry must
//! prove itself honest here before any benchmark times it.
//!
//! The suite itself is a library module, [`strategies::conformance`] (cargo feature
//! `conformance`), so a crate outside this workspace runs the same properties on its own
//! contender. Here each test is one property, run on every contender of
//! [`BuiltIn`] that it applies to, for both `V8` and `V64` values. A contender that fails
//! (or panics) does not stop the others: each test ends by listing every failed contender with
//! its message.
//!
//! Environment: `CONFORMANCE_ONLY=name1,name2` runs only those contenders;
//! `CONFORMANCE_SEED=<u64>` replays a run (failure messages print the seed);
//! `PROPTEST_CASES` sets the model test's cases (default 24). `--nocapture` prints each
//! contender's result and time per property.

use strategies::conformance::{self, Property};
use strategies::registry::{self, BuiltIn, Visit};
use strategies::{Contender, Shared, Value, V64, V8};

/// Runs `property` on every built-in contender and fails listing every failure.
fn check(property: Property) {
    conformance::run::<BuiltIn>(&[property])
        .unwrap_or_else(|e| panic!("{e}"))
        .assert_ok();
}

/// Property 1: single-threaded sweeps are exact (`src/conformance/sweep.rs`).
#[test]
fn sweep_is_exact() {
    check(Property::SweepIsExact);
}

/// Property 2: operation sequences agree with a `HashMap` model (`src/conformance/model.rs`).
#[test]
fn operations_agree_with_a_model() {
    check(Property::OperationsAgreeWithAModel);
}

/// Property 3: readers and a writer during a sweep (`src/conformance/readers.rs`).
#[test]
fn readers_and_a_writer_during_a_sweep() {
    check(Property::ReadersAndAWriterDuringASweep);
}

/// Property 4: a traversal during concurrent inserts and removes
/// (`src/conformance/traverse.rs`).
#[test]
fn traversal_during_concurrent_writes() {
    check(Property::TraversalDuringConcurrentWrites);
}

/// Property 5: invalid builds are clear errors (`src/conformance/config.rs`).
#[test]
fn invalid_builds_are_clear_errors() {
    check(Property::InvalidBuildsAreClearErrors);
}

/// Property 6: every contender's `Info` is true and complete (`src/conformance/info.rs`).
#[test]
fn info_is_true_and_complete() {
    check(Property::InfoIsTrueAndComplete);
}

/// Property 7: doomed values overwritten with kept ones during a sweep
/// (`src/conformance/overwrite.rs`).
#[test]
fn doomed_values_overwritten_during_a_sweep() {
    check(Property::DoomedValuesOverwrittenDuringASweep);
}

/// Property 8: a traversal while another thread sweeps (`src/conformance/traverse_sweep.rs`).
#[test]
fn traversal_during_a_sweep() {
    check(Property::TraversalDuringASweep);
}

/// Every property is one of the tests above, and every built-in contender is checked.
#[test]
fn every_property_has_a_test_and_checks_every_contender() {
    assert_eq!(Property::ALL.len(), 8);
    let options = conformance::Options {
        seed: 1,
        only: None,
    };
    let report = conformance::run_with::<BuiltIn>(&[Property::InfoIsTrueAndComplete], &options);
    let checked: Vec<&str> = report
        .outcomes
        .iter()
        .filter(|o| o.value == V8::LABEL)
        .map(|o| o.contender)
        .collect();
    let names: Vec<&str> = registry::infos().iter().map(|i| i.name).collect();
    assert_eq!(checked, names);
}

/// The registry lists the same contenders, the same way, for both value types.
#[test]
fn registry_is_the_same_for_both_value_types() {
    #[derive(Default)]
    struct List(Vec<(&'static str, bool)>);
    impl<V: Value> Visit<V> for List {
        fn single<C: Contender<V>>(&mut self) {
            self.0.push((C::NAME, false));
        }
        fn shared<C: Shared<V>>(&mut self) {
            self.0.push((C::NAME, true));
        }
    }
    let (mut v8, mut v64) = (List::default(), List::default());
    registry::visit::<V8, _>(&mut v8);
    registry::visit::<V64, _>(&mut v64);
    assert_eq!(v8.0, v64.0);
    assert!(v8.0.iter().any(|&(_, shared)| shared) && v8.0.iter().any(|&(_, shared)| !shared));
}
