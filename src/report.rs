//! `evacbench report`: renders a run directory (by default the last complete benchmark run) into
//! `target/evacbench/report/`, together with the newest tune run (its load-factor section) and,
//! if asked, a baseline run to compare against. The end of `cargo bench --bench evacbench` calls
//! the same function.

use std::path::{Path, PathBuf};

use reports::ReportPaths;

use crate::suite::{report_dir, runs_dir};

/// What to render.
#[derive(Clone, Debug, Default)]
pub struct ReportOptions {
    /// The cargo target directory (`CARGO_TARGET_DIR`, else `target`).
    pub target: PathBuf,
    /// The run to render; `None` for the one named by `runs/latest`.
    pub run: Option<PathBuf>,
    /// An earlier run to compare every metric against.
    pub baseline: Option<PathBuf>,
    /// Where to write `index.html` and `report.json`; `None` for `<target>/evacbench/report`.
    pub out: Option<PathBuf>,
    /// Leave out the newest tune run.
    pub no_tune: bool,
}

/// The cargo target directory a command run from the workspace uses.
pub fn default_target() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target"))
}

/// The run named by `<target>/evacbench/runs/latest`.
pub fn latest_run(target: &Path) -> Result<PathBuf, String> {
    reports::runs::latest(&runs_dir(target))
}

/// Loads, merges (the newest tune run of every knob) and renders; returns the written paths and
/// the newest tune run included, if any.
pub fn render(opts: &ReportOptions) -> Result<(ReportPaths, Option<PathBuf>), String> {
    let dir = match &opts.run {
        Some(d) => d.clone(),
        None => latest_run(&opts.target)?,
    };
    let mut run = reports::load(&dir).map_err(|e| e.to_string())?;
    let mut tune_dir = None;
    if !opts.no_tune {
        let runs = dir
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| runs_dir(&opts.target));
        // The newest tune run of each knob, the newest last (the one named on the page).
        for t in reports::find_latest_tunes(&runs).map_err(|e| e.to_string())? {
            if t != dir {
                run = reports::merge(run, reports::load(&t).map_err(|e| e.to_string())?);
                tune_dir = Some(t);
            }
        }
    }
    let baseline = match &opts.baseline {
        Some(b) => Some(reports::load(b).map_err(|e| format!("baseline: {e}"))?),
        None => None,
    };
    let out = opts.out.clone().unwrap_or_else(|| report_dir(&opts.target));
    let paths = reports::render(&run, baseline.as_ref(), &out).map_err(|e| e.to_string())?;
    Ok((paths, tune_dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_latest_run_says_what_to_do() {
        let dir =
            std::env::temp_dir().join(format!("evacbench-report-test-{}", std::process::id()));
        let e = latest_run(&dir).unwrap_err();
        assert!(e.contains("cargo bench --bench evacbench"), "{e}");
        let e = render(&ReportOptions {
            target: dir.clone(),
            run: Some(dir.join("no-such-run")),
            ..ReportOptions::default()
        })
        .unwrap_err();
        assert!(e.contains("no-such-run"), "{e}");
    }
}
