//! The `cargo bench` entry point: picks the profile, opens a run directory, configures
//! criterion, runs every contender on every cell, finishes the run and renders the report.
//!
//! Output, under the cargo target directory:
//! * `evacbench/runs/<YYYY-MM-DD>-<commit>[-k]/`: `meta.json` (machine, toolchain, dependency
//!   versions, hasher, profile, seeds; `"complete": false` until the run finishes) and
//!   `records.jsonl` (one record per contender x workload x parameters x metric). A new run never
//!   touches an earlier directory, so an interrupted run leaves earlier ones intact.
//! * `evacbench/runs/latest`: the name of the last complete run (what `evacbench report` reads
//!   by default).
//! * `evacbench/report/index.html` and `report.json`: the report of that run.
//!
//! Arguments are criterion's (`--test` runs every benchmark once, verified, and writes
//! nothing; a positional filter selects benchmark ids `workload/contender/params`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use criterion::Criterion;
use reports::RunDir;

use crate::probes::cache;
use crate::runner::{self, Options, Runner};
use crate::workloads::Profile;

/// Environment variable overriding the run's base seed (decimal or `0x` hex).
pub const SEED_ENV: &str = "EVACBENCH_SEED";

/// The default base seed: runs repeat exactly unless [`SEED_ENV`] says otherwise.
pub const DEFAULT_SEED: u64 = 0x00e7_ac5e_ed00_0001;

/// The file under the runs directory naming the last complete run.
pub const LATEST_FILE: &str = "latest";

/// Where runs go: `<target>/evacbench/runs`.
pub fn runs_dir(target: &Path) -> PathBuf {
    target.join("evacbench").join("runs")
}

/// Where the report goes: `<target>/evacbench/report`.
pub fn report_dir(target: &Path) -> PathBuf {
    target.join("evacbench").join("report")
}

/// The hasher every contender uses, as recorded in `meta.json` and the report.
pub fn hasher_description() -> String {
    "foldhash 0.2.0 fast::FixedState with the cell's seed, the same for every contender \
     (evacmap then folds in its per-map seed, as Go's hash0)"
        .to_owned()
}

/// Criterion's options that take a value (so the positional filter can be told apart).
const VALUE_OPTIONS: &[&str] = &[
    "--sample-size",
    "--warm-up-time",
    "--measurement-time",
    "--nresamples",
    "--noise-threshold",
    "--confidence-level",
    "--significance-level",
    "--save-baseline",
    "--baseline",
    "--baseline-lenient",
    "--load-baseline",
    "--profile-time",
    "--output-format",
    "--color",
    "--plotting-backend",
    "--format",
    "-s",
    "-b",
    "-c",
];

struct Args {
    test_mode: bool,
    list: bool,
    filter: Option<String>,
}

fn parse_args() -> Args {
    let mut args = Args {
        test_mode: false,
        list: false,
        filter: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--test" => args.test_mode = true,
            "--list" => args.list = true,
            _ if VALUE_OPTIONS.contains(&a.as_str()) => {
                it.next();
            }
            _ if a.starts_with('-') => {}
            _ if args.filter.is_none() => args.filter = Some(a),
            _ => {}
        }
    }
    args
}

fn parse_seed(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let parsed = match t.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(&hex.replace('_', ""), 16),
        None => t.replace('_', "").parse(),
    };
    parsed.map_err(|e| {
        format!("{SEED_ENV}=`{text}` is not a seed ({e}); use a decimal or 0x-hex u64")
    })
}

/// Runs the suite; `target` is cargo's target directory. Returns the process exit code.
pub fn main(target: &Path) -> ExitCode {
    if let Ok(spec) = std::env::var(cache::CHILD_ENV) {
        return match runner::cache_child(&spec) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: cache child: {e}");
                ExitCode::FAILURE
            }
        };
    }
    match run(target) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(target: &Path) -> Result<ExitCode, String> {
    let args = parse_args();
    let profile = Profile::from_env().map_err(|e| e.to_string())?;
    let seed = match std::env::var(SEED_ENV) {
        Ok(s) => parse_seed(&s)?,
        Err(_) => DEFAULT_SEED,
    };
    if args.list {
        let names: Vec<&str> = strategies::registry::infos()
            .iter()
            .map(|i| i.name)
            .collect();
        for cell in profile.cells() {
            for name in &names {
                println!("{}/{name}/{}: benchmark", cell.workload, cell.label());
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    // evacbench draws its own plots from the records; criterion's per-benchmark plots would
    // take longer than the tiny and default profiles measure.
    let mut criterion = Criterion::default().without_plots().configure_from_args();
    let out = if args.test_mode {
        None
    } else {
        let mut env = crate::environment::probe(profile.id(), &hasher_description(), vec![seed]);
        if let Some(f) = &args.filter {
            env.profile = format!("{} (filter `{f}`)", profile.id());
        }
        let day = crate::environment::day_of(&env.date).to_owned();
        let base = format!("{day}-{}", env.git_commit);
        let runs = runs_dir(target);
        let dir = (1..)
            .map(|k| {
                if k == 1 {
                    runs.join(&base)
                } else {
                    runs.join(format!("{base}-{k}"))
                }
            })
            .find(|d| !d.exists())
            .expect("some suffix is free");
        let run = RunDir::create(&dir, env).map_err(|e| e.to_string())?;
        eprintln!("evacbench: writing run {}", dir.display());
        Some(run)
    };
    let opts = Options {
        profile,
        filter: args.filter,
        test_mode: args.test_mode,
        seed,
        out,
        exe: std::env::current_exe().map_err(|e| format!("cannot find the running binary: {e}"))?,
        scratch: target.join("evacbench").join("callgrind"),
    };
    let (out, summary) = Runner::new(&mut criterion, opts).run()?;
    criterion.final_summary();
    for (id, why) in &summary.failures {
        eprintln!("evacbench: FAILED {id}: {why}");
    }
    if args.test_mode {
        eprintln!(
            "evacbench: test mode: {} benchmarks verified and run once, {} failed",
            summary.measured,
            summary.failures.len()
        );
        return Ok(if summary.failures.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }
    let Some(out) = out else {
        return Ok(ExitCode::SUCCESS);
    };
    let dir = out.finish().map_err(|e| e.to_string())?;
    let runs = runs_dir(target);
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    reports::write_atomic(&runs.join(LATEST_FILE), |w| writeln!(w, "{name}"))
        .map_err(|e| e.to_string())?;
    eprintln!(
        "evacbench: run complete: {} records in {}",
        summary.records,
        dir.display()
    );
    eprintln!(
        "evacbench: contenders x cells: {} measured, {} beyond budget (skipped or stopped), \
         {} not measured for other reasons, {} failed verification",
        summary.measured,
        summary.beyond_budget,
        summary.not_measured,
        summary.failures.len()
    );
    let (paths, tune) = crate::report::render(&crate::report::ReportOptions {
        target: target.to_path_buf(),
        run: Some(dir),
        ..Default::default()
    })?;
    if let Some(t) = tune {
        eprintln!(
            "evacbench: the report includes the tune run {}",
            t.display()
        );
    }
    eprintln!("evacbench: report: {}", paths.html.display());
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_parse_in_decimal_and_hex_with_clear_errors() {
        assert_eq!(parse_seed("42"), Ok(42));
        assert_eq!(parse_seed("0x2a"), Ok(42));
        assert_eq!(parse_seed("1_000"), Ok(1000));
        let e = parse_seed("forty").unwrap_err();
        assert!(e.contains(SEED_ENV) && e.contains("0x-hex"), "{e}");
    }
}
