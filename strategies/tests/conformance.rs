//! The conformance suite: every contender of the registry must prove itself honest here before
//! any benchmark times it.
//!
//! A benchmark of deletion during iteration is worthless if a contender is fast because it is
//! wrong: a sweep that skips entries, a reader that misses live keys while a sweep runs, a
//! traversal that repeats entries under concurrent writers, or memory figures below what the
//! entries need. Each test below is one property, run on every contender of
//! [`strategies::registry::visit`] that it applies to, for both `V8` and `V64` values. A
//! contender that fails (or panics) does not stop the others: each test ends by listing every
//! failed contender with its message.
//!
//! 1. [`sweep_is_exact`]: single-threaded sweeps of several sizes and doomed fractions.
//! 2. [`operations_agree_with_a_model`]: random operation sequences against std's `HashMap`.
//! 3. [`readers_and_a_writer_during_a_sweep`]: shared contenders, reader and writer threads
//!    during a sweep.
//! 4. [`traversal_during_concurrent_writes`]: shared contenders, a traversal while other
//!    threads insert and remove; snapshot contenders must see one instant.
//! 5. [`invalid_builds_are_clear_errors`]: bad `Build` values are errors that say how to fix
//!    them.
//! 6. [`info_is_true_and_complete`]: each contender's `Info` agrees with the registry.
//! 7. [`doomed_values_overwritten_during_a_sweep`]: shared contenders, a writer replacing
//!    doomed values with kept ones while the sweep judges them: no write lost, counts right.
//! 8. [`traversal_during_a_sweep`]: shared contenders, a traversal while another thread
//!    sweeps; snapshot and blocking contenders must see all doomed entries or none.
//!
//! Environment: `CONFORMANCE_ONLY=name1,name2` runs only those contenders;
//! `CONFORMANCE_SEED=<u64>` replays a run (failure messages print the seed);
//! `PROPTEST_CASES` sets the model test's cases (default 24). `--nocapture` prints each
//! contender's result and time per property.

mod conformance {
    pub(crate) mod checks;
    pub(crate) mod config;
    pub(crate) mod harness;
    pub(crate) mod info;
    pub(crate) mod keys;
    pub(crate) mod model;
    pub(crate) mod overwrite;
    pub(crate) mod readers;
    pub(crate) mod sweep;
    pub(crate) mod traverse;
    pub(crate) mod traverse_sweep;
}

use conformance::harness::run;
use strategies::registry::{self, Visit};
use strategies::{Contender, Shared, Value, V64, V8};

/// Property 1: single-threaded sweeps are exact (`conformance/sweep.rs`).
#[test]
fn sweep_is_exact() {
    run(&conformance::sweep::SweepExact);
}

/// Property 2: operation sequences agree with a `HashMap` model (`conformance/model.rs`).
#[test]
fn operations_agree_with_a_model() {
    run(&conformance::model::ModelOps);
}

/// Property 3: readers and a writer during a sweep (`conformance/readers.rs`).
#[test]
fn readers_and_a_writer_during_a_sweep() {
    run(&conformance::readers::ReadersDuringSweep);
}

/// Property 4: a traversal during concurrent inserts and removes (`conformance/traverse.rs`).
#[test]
fn traversal_during_concurrent_writes() {
    run(&conformance::traverse::TraverseDuringWrites);
}

/// Property 5: invalid builds are clear errors (`conformance/config.rs`).
#[test]
fn invalid_builds_are_clear_errors() {
    run(&conformance::config::InvalidBuilds);
}

/// Property 6: every contender's `Info` is true and complete (`conformance/info.rs`).
#[test]
fn info_is_true_and_complete() {
    run(&conformance::info::InfoSane);
}

/// Property 7: doomed values overwritten with kept ones during a sweep
/// (`conformance/overwrite.rs`).
#[test]
fn doomed_values_overwritten_during_a_sweep() {
    run(&conformance::overwrite::OverwriteDuringSweep);
}

/// Property 8: a traversal while another thread sweeps (`conformance/traverse_sweep.rs`).
#[test]
fn traversal_during_a_sweep() {
    run(&conformance::traverse_sweep::TraversalDuringSweep);
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
