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
//!
//! The contenders are a [`ContenderList`]: [`main`] runs the built-in ones
//! ([`BuiltIn`]), [`main_with`] any list, so a crate outside this workspace benchmarks its
//! own map beside them with `main_with::<(BuiltIn, Mine)>` (or alone with `main_with::<Mine>`
//! or a filter), writing the same run directory, records and report.
//! [`bench_main!`](crate::bench_main) writes that `benches/` entry point:
//!
//! ```ignore
//! // benches/suite.rs of your crate, with `[[bench]] name = "suite", harness = false`:
//! evacbench::bench_main!((strategies::registry::BuiltIn, my_crate::Mine));
//! ```

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use criterion::Criterion;
use reports::RunDir;
use strategies::registry::{infos_of, BuiltIn, ContenderList};

use crate::probes::cache;
use crate::runner::{self, Options, Runner};
use crate::workloads::Profile;

/// Environment variable overriding the run's base seed (decimal or `0x` hex).
pub const SEED_ENV: &str = "EVACBENCH_SEED";

/// The default base seed: runs repeat exactly unless [`SEED_ENV`] says otherwise.
pub const DEFAULT_SEED: u64 = 0x00e7_ac5e_ed00_0001;

pub use reports::runs::{runs_dir, LATEST_FILE};

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

/// Runs the suite on the built-in contenders; `target` is cargo's target directory. Returns
/// the process exit code. The same as [`main_with::<BuiltIn>`](main_with).
pub fn main(target: &Path) -> ExitCode {
    main_with::<BuiltIn>(target)
}

/// Runs the suite on the contenders of the list `L`; `target` is cargo's target directory.
/// Returns the process exit code (2, with the reason, when the list or the environment is
/// wrong). The measuring binary must use [`Counting`](crate::probes::alloc::Counting) as its
/// global allocator for the allocation metrics (else they are recorded as not measured).
pub fn main_with<L: ContenderList>(target: &Path) -> ExitCode {
    if let Ok(spec) = std::env::var(cache::CHILD_ENV) {
        return match runner::cache_child::<L>(&spec) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: cache child: {e}");
                ExitCode::FAILURE
            }
        };
    }
    match run::<L>(target) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// Names of a contender list, checked: kebab-case and unique (records, bench ids and the
/// cache child find a contender by its name).
fn checked_names<L: ContenderList>() -> Result<Vec<&'static str>, String> {
    let names: Vec<&'static str> = infos_of::<L>().iter().map(|i| i.name).collect();
    if names.is_empty() {
        return Err("the contender list is empty; list at least one contender".into());
    }
    for (k, n) in names.iter().enumerate() {
        let kebab = !n.is_empty()
            && n.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !kebab {
            return Err(format!(
                "contender name `{n}` is not kebab-case (a-z, 0-9, `-`); rename it in its Info"
            ));
        }
        if names[..k].contains(n) {
            return Err(format!(
                "two contenders of the list are named `{n}`; names must be unique (a user's \
                 contender must not reuse a built-in name)"
            ));
        }
    }
    Ok(names)
}

fn run<L: ContenderList>(target: &Path) -> Result<ExitCode, String> {
    let names = checked_names::<L>()?;
    let args = parse_args();
    let profile = Profile::from_env().map_err(|e| e.to_string())?;
    let seed = match std::env::var(SEED_ENV) {
        Ok(s) => parse_seed(&s)?,
        Err(_) => DEFAULT_SEED,
    };
    if args.list {
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
        env.contenders = crate::contenders::infos_of::<L>();
        if let Some(f) = &args.filter {
            env.profile = format!("{} (filter `{f}`)", profile.id());
        }
        let dir = reports::runs::next_free(&runs_dir(target), &reports::runs::run_stem(&env, None));
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
    let (out, summary) = Runner::new(&mut criterion, opts).run::<L>()?;
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
    reports::runs::set_latest(&runs_dir(target), &dir).map_err(|e| e.to_string())?;
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

/// Writes the `main` of a `benches/` target (`harness = false`) that runs the suite on a
/// contender list, with the counting allocator the allocation metrics need:
///
/// ```ignore
/// evacbench::bench_main!((strategies::registry::BuiltIn, my_crate::Mine));
/// ```
///
/// Run it as `cargo bench` (`EVACBENCH_PROFILE=tiny|default|full`, a positional filter such
/// as `cargo bench -- my-map` for one contender); the run directory and the report go under
/// the crate's own `target/evacbench/`.
#[macro_export]
macro_rules! bench_main {
    ($list:ty) => {
        // Allocation metrics need every allocation of the process to go through the counter.
        #[global_allocator]
        static ALLOCATOR: $crate::probes::alloc::Counting = $crate::probes::alloc::Counting;

        fn main() -> ::std::process::ExitCode {
            // CARGO_TARGET_TMPDIR is `<target>/tmp`: its parent is the target directory.
            let tmp = ::std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
            let target = tmp.parent().unwrap_or(tmp);
            $crate::suite::main_with::<$list>(target)
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_list_has_valid_names_and_a_duplicate_is_a_clear_error() {
        assert_eq!(
            checked_names::<BuiltIn>().unwrap().len(),
            strategies::registry::infos().len()
        );
        let e = checked_names::<(BuiltIn, BuiltIn)>().unwrap_err();
        assert!(e.contains("evacmap-cursor") && e.contains("unique"), "{e}");
    }

    #[test]
    fn seeds_parse_in_decimal_and_hex_with_clear_errors() {
        assert_eq!(parse_seed("42"), Ok(42));
        assert_eq!(parse_seed("0x2a"), Ok(42));
        assert_eq!(parse_seed("1_000"), Ok(1000));
        let e = parse_seed("forty").unwrap_err();
        assert!(e.contains(SEED_ENV) && e.contains("0x-hex"), "{e}");
    }
}
