//! Records schema and report rendering for evacbench.
//!
//! The benchmarks (the `evacbench` package) write a *run directory* through [`RunDir`]; the report
//! reads it with [`load()`] and writes `index.html` and `report.json` with [`render()`]. This crate
//! depends on no other crate of the workspace: it owns the schema both sides agree on.
//!
//! ```no_run
//! # fn main() -> Result<(), reports::Error> {
//! use reports::{Environment, Metric, Outcome, Params, Record, RunDir};
//! let dir = "target/evacbench/runs/2025-01-31-abc1234";
//! let mut run = RunDir::create(dir, Environment { profile: "default".into(), ..Environment::default() })?;
//! let params = Params::new().with("n", 65_536u64).with("delete_fraction", 0.5);
//! run.append(&[Record::new("evacmap-cursor", "sweep", params, Metric::LatencyNsPerOp, 42, Outcome::with_ci(8.1, 7.9, 8.4, vec![8.0, 8.2]))])?;
//! run.finish()?;
//! let paths = reports::render(&reports::load(dir)?, None, "target/evacbench/report".as_ref())?;
//! # let _ = paths; Ok(()) }
//! ```
//!
//! # Modules
//!
//! **Schema** (the contract with the producer)
//! - [`schema`]: [`Record`], [`Params`], [`Outcome`], [`Metric`] (ids, units, better direction),
//!   [`RunMeta`] and [`Environment`], [`SCHEMA_VERSION`].
//!
//! **Run directories**
//! - `rundir`: [`RunDir`], the writer (`meta.json` + `records.jsonl`, incomplete until finished).
//! - `load`: [`load()`] and [`LoadedRun`], with errors naming file and line; [`merge`] adds a tune
//!   run (the newest of every knob: [`find_latest_tunes`]) to a benchmark run.
//! - [`go_reference`]: Go's runtime map measured on the run's cells (companion files that
//!   [`load()`] merges), and [`evacmap_vs_go`], evacmap's best contender against Go's loop.
//! - `atomic`: [`write_atomic`], temp file + rename.
//! - `error`: [`Error`].
//!
//! **Report** (load -> summarize -> plot -> html)
//! - `grid`: records arranged as workload x metric tables of parameter sets x contenders.
//! - `summarize`: best contender per metric, recommendations, the report model (`model`).
//! - `scaling`: cost per operation against n, fitted on log-log axes (growth exponents) with
//!   the cells beyond the time budget at their estimate.
//! - `guide`: verdicts that follow each workload's declared objective, groups of contenders
//!   that did the same work, the decision guide and its overview plots.
//! - `charts`: which charts each workload gets; `tune`: each tuned knob's trade-off table and
//!   Pareto data; [`tune_pick`]: the one recommender `evacbench tune` and the report share, and
//!   the picks a tune run records;
//!   `baseline`: changes against an earlier run and the noise rule.
//! - `plot`: plotters SVG, one function per chart kind (lines, percentiles, bars, Pareto) and the
//!   contender palette.
//! - `html`: the page, from `html/template.html`; `render`: [`render()`] and [`ReportPaths`].

mod atomic;
mod baseline;
mod charts;
mod error;
mod fmt;
pub mod go_reference;
mod grid;
mod guide;
mod html;
mod load;
mod model;
mod noise;
pub mod paired_rounds;
mod plot;
mod render;
mod rundir;
pub mod runs;
mod scaling;
pub mod schema;
mod summarize;
mod tune;
pub mod tune_pick;

pub use atomic::write_atomic;
pub use baseline::{compare_runs, ComparisonSummary};
pub use error::Error;
pub use go_reference::{evacmap_vs_go, GoRatio, GoReference, GoReferenceMeta};
pub use load::{find_latest_tune, find_latest_tunes, knob_of, load, merge, LoadedRun, TuneSource};
pub use noise::{
    mann_whitney_p, Floor, NoiseModel, PairedFloor, DEFAULT_FLOOR, MIN_FLOOR, MIN_PAIRS, NOISE_ENV,
};
pub use render::{render, render_with_noise, ReportPaths, HTML_FILE, JSON_FILE};
pub use rundir::{RunDir, META_FILE, RECORDS_FILE};
pub use schema::{
    median, BeyondBudget, Category, ContenderInfo, Direction, Environment, Interval, Metric,
    Objective, Outcome, ParamValue, Params, Record, RunMeta, Target, SCHEMA_VERSION,
};
