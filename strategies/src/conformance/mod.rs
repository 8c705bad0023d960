//! The conformance suite as a library: every contender must prove itself honest here before
//! any benchmark times it, the built-in ones (`tests/conformance.rs`) and a user's own, from
//! the user's crate (enable the `conformance` feature).
//!
//! A benchmark of deletion during iteration is worthless if a contender is fast because it is
//! wrong: a sweep that skips entries, a reader that misses live keys while a sweep runs, a
//! traversal that repeats entries under concurrent writers, or memory figures below what the
//! entries need. Each [`Property`] is run on every contender of a
//! [`registry::ContenderList`](crate::registry::ContenderList) that it applies to, for both
//! [`V8`](crate::V8) and [`V64`](crate::V64) values. A contender that fails (or panics) does
//! not stop the others, and [`run`] returns every outcome of every property, so one call
//! reports every failing property of every contender at once.
//!
//! ```no_run
//! use strategies::conformance::{self, Property};
//! use strategies::registry::BuiltIn;
//!
//! // In a test of your crate, with `Mine` your `ContenderList`:
//! let report = conformance::run::<BuiltIn>(&Property::ALL).expect("valid environment");
//! report.assert_ok(); // panics listing every failed property x contender x value type
//! ```
//!
//! Environment (read by [`Options::from_env`], which [`run`] uses):
//! `CONFORMANCE_ONLY=name1,name2` runs only those contenders; `CONFORMANCE_SEED=<u64>` replays
//! a run (failure messages print the seed); `PROPTEST_CASES` sets the model property's cases
//! (default 24). A concurrent case that does not finish within two minutes aborts the process
//! with its contender's name instead of hanging.

mod checks;
mod config;
mod harness;
mod info;
mod keys;
mod model;
mod overwrite;
mod readers;
mod sweep;
mod traversal_rules;
mod traverse;
mod traverse_sweep;

use std::fmt;
use std::time::Duration;

use crate::registry::ContenderList;

/// One property of the conformance suite. The built-in suite (`tests/conformance.rs`) has one
/// test per property; see `strategies/README.md` for what each checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Property {
    /// Single-threaded sweeps of several sizes and doomed fractions are exact.
    SweepIsExact,
    /// Random operation sequences agree with std's `HashMap` (proptest).
    OperationsAgreeWithAModel,
    /// Shared contenders: reader and writer threads during a sweep.
    ReadersAndAWriterDuringASweep,
    /// Shared contenders: a traversal while other threads insert and remove; snapshot
    /// contenders must see one instant.
    TraversalDuringConcurrentWrites,
    /// Bad `Build` values are errors that say how to fix them.
    InvalidBuildsAreClearErrors,
    /// Each contender's `Info` is true and complete.
    InfoIsTrueAndComplete,
    /// Shared contenders: a writer replacing doomed values with kept ones while the sweep
    /// judges them: no write lost, counts right.
    DoomedValuesOverwrittenDuringASweep,
    /// Shared contenders: a traversal while another thread sweeps; snapshot and blocking
    /// contenders must see all doomed entries or none.
    TraversalDuringASweep,
}

impl Property {
    /// Every property, in the suite's order.
    pub const ALL: [Property; 8] = [
        Property::SweepIsExact,
        Property::OperationsAgreeWithAModel,
        Property::ReadersAndAWriterDuringASweep,
        Property::TraversalDuringConcurrentWrites,
        Property::InvalidBuildsAreClearErrors,
        Property::InfoIsTrueAndComplete,
        Property::DoomedValuesOverwrittenDuringASweep,
        Property::TraversalDuringASweep,
    ];

    /// The property's name in failure reports.
    pub fn name(self) -> &'static str {
        use harness::Check;
        match self {
            Property::SweepIsExact => sweep::SweepExact::NAME,
            Property::OperationsAgreeWithAModel => model::ModelOps::NAME,
            Property::ReadersAndAWriterDuringASweep => readers::ReadersDuringSweep::NAME,
            Property::TraversalDuringConcurrentWrites => traverse::TraverseDuringWrites::NAME,
            Property::InvalidBuildsAreClearErrors => config::InvalidBuilds::NAME,
            Property::InfoIsTrueAndComplete => info::InfoSane::NAME,
            Property::DoomedValuesOverwrittenDuringASweep => overwrite::OverwriteDuringSweep::NAME,
            Property::TraversalDuringASweep => traverse_sweep::TraversalDuringSweep::NAME,
        }
    }

    fn run<L: ContenderList>(self, seed: u64, only: Option<Vec<String>>) -> Vec<Outcome> {
        use harness::run as on;
        match self {
            Property::SweepIsExact => on::<L, _>(&sweep::SweepExact, seed, only),
            Property::OperationsAgreeWithAModel => on::<L, _>(&model::ModelOps, seed, only),
            Property::ReadersAndAWriterDuringASweep => {
                on::<L, _>(&readers::ReadersDuringSweep, seed, only)
            }
            Property::TraversalDuringConcurrentWrites => {
                on::<L, _>(&traverse::TraverseDuringWrites, seed, only)
            }
            Property::InvalidBuildsAreClearErrors => on::<L, _>(&config::InvalidBuilds, seed, only),
            Property::InfoIsTrueAndComplete => on::<L, _>(&info::InfoSane, seed, only),
            Property::DoomedValuesOverwrittenDuringASweep => {
                on::<L, _>(&overwrite::OverwriteDuringSweep, seed, only)
            }
            Property::TraversalDuringASweep => {
                on::<L, _>(&traverse_sweep::TraversalDuringSweep, seed, only)
            }
        }
    }
}

/// Whether a property applied to a contender.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applies {
    /// The property was checked and held.
    Checked,
    /// The property does not apply to this contender (for example a single-threaded one in a
    /// concurrency property).
    No,
}

/// The result of one property on one contender and value type.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The property's name ([`Property::name`]).
    pub property: &'static str,
    /// The contender's name.
    pub contender: &'static str,
    /// The value type's label (`V8` or `V64`).
    pub value: &'static str,
    /// Checked, not applicable, or the failure message.
    pub result: Result<Applies, String>,
    /// How long the check took.
    pub took: Duration,
}

/// How a run chooses its contenders and random cases.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// Base seed of every random choice (failure messages print it).
    pub seed: u64,
    /// Only the contenders with these names; all of the list when `None`.
    pub only: Option<Vec<String>>,
}

impl Options {
    /// `CONFORMANCE_SEED` (decimal or `0x` hex; a fixed default when unset) and
    /// `CONFORMANCE_ONLY` (comma-separated names, each checked against the list `L`).
    pub fn from_env<L: ContenderList>() -> Result<Options, String> {
        Ok(Options {
            seed: harness::base_seed()?,
            only: harness::only_filter::<L>()?,
        })
    }
}

/// Every outcome of a run: each property on each contender and value type.
#[derive(Clone, Debug)]
pub struct Report {
    /// The base seed the run used.
    pub seed: u64,
    /// One outcome per property x contender x value type, in run order.
    pub outcomes: Vec<Outcome>,
}

impl Report {
    /// The outcomes that failed.
    pub fn failures(&self) -> impl Iterator<Item = &Outcome> {
        self.outcomes.iter().filter(|o| o.result.is_err())
    }

    /// True if no property failed on any contender.
    pub fn passed(&self) -> bool {
        self.failures().next().is_none()
    }

    /// True if `property` failed for the contender called `contender` (for either value type).
    pub fn failed(&self, property: Property, contender: &str) -> bool {
        self.failures()
            .any(|o| o.property == property.name() && o.contender == contender)
    }

    /// Prints what ran (shown with `--nocapture`), then panics listing every failed property x
    /// contender x value type with its message, if any failed.
    pub fn assert_ok(&self) {
        println!("{self}");
        let failures: Vec<String> = self
            .failures()
            .map(|o| {
                format!(
                    "  - `{}` on {} ({}): {}",
                    o.property,
                    o.contender,
                    o.value,
                    o.result.as_ref().err().map_or("", String::as_str)
                )
            })
            .collect();
        assert!(
            failures.is_empty(),
            "{} of {} conformance checks failed (seed {:#x}; replay with CONFORMANCE_SEED={:#x}, \
             restrict with CONFORMANCE_ONLY=<name>):\n{}",
            failures.len(),
            self.outcomes.len(),
            self.seed,
            self.seed,
            failures.join("\n")
        );
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "conformance (seed {:#x}):", self.seed)?;
        for o in &self.outcomes {
            let status = match &o.result {
                Ok(Applies::Checked) => "ok",
                Ok(Applies::No) => "n/a",
                Err(_) => "FAILED",
            };
            writeln!(
                f,
                "  {:<40} {:<22} {:<4} {:<6} {:>8.1} ms",
                o.property,
                o.contender,
                o.value,
                status,
                o.took.as_secs_f64() * 1e3
            )?;
        }
        Ok(())
    }
}

/// Runs `properties` on every contender of the list `L` (filtered and seeded from the
/// environment, see [`Options::from_env`]), for both value types. Fails only on a bad
/// environment variable; a failing contender is an outcome in the [`Report`].
pub fn run<L: ContenderList>(properties: &[Property]) -> Result<Report, String> {
    Ok(run_with::<L>(properties, &Options::from_env::<L>()?))
}

/// [`run`] with explicit options.
pub fn run_with<L: ContenderList>(properties: &[Property], options: &Options) -> Report {
    let outcomes = properties
        .iter()
        .flat_map(|p| p.run::<L>(options.seed, options.only.clone()))
        .collect();
    Report {
        seed: options.seed,
        outcomes,
    }
}
