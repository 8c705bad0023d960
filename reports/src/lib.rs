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
//! run.append(&[Record::new("evacmap-cursor", "sweep", params, Metric::LatencyNsPerOp, 42, Outcome::with_ci(8.1, 7.9, 8.4))])?;
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
//!   run (found with [`find_latest_tune`]) to a benchmark run.
//! - `atomic`: [`write_atomic`], temp file + rename.
//! - `error`: [`Error`].
//!
//! **Report** (load -> summarize -> plot -> html)
//! - `grid`: records arranged as workload x metric tables of parameter sets x contenders.
//! - `summarize`: best contender per metric, recommendations, the report model (`model`).
//! - `scaling`: cost per operation against n, fitted on log-log axes (growth exponents) with
//!   the cells beyond the time budget at their estimate.
//! - `charts`: which charts each workload gets; `tune`: load-factor trade-off and Pareto data;
//!   `baseline`: changes against an earlier run and the noise rule.
//! - `plot`: plotters SVG, one function per chart kind (lines, percentiles, bars, Pareto) and the
//!   contender palette.
//! - `html`: the page, from `html/template.html`; `render`: [`render()`] and [`ReportPaths`].

mod atomic;
mod baseline;
mod charts;
mod error;
mod fmt;
mod grid;
mod html;
mod load;
mod model;
mod plot;
mod render;
mod rundir;
mod scaling;
pub mod schema;
mod summarize;
mod tune;

pub use atomic::write_atomic;
pub use error::Error;
pub use load::{find_latest_tune, load, merge, LoadedRun, TuneSource};
pub use render::{render, ReportPaths, HTML_FILE, JSON_FILE};
pub use rundir::{RunDir, META_FILE, RECORDS_FILE};
pub use schema::{
    BeyondBudget, Category, Direction, Environment, Metric, Outcome, ParamValue, Params, Record,
    RunMeta, SCHEMA_VERSION,
};
