//! [`render`]: load -> summarize -> plot -> html, written atomically.

use std::fs;
use std::path::{Path, PathBuf};

use crate::noise::NoiseModel;
use crate::{html, summarize, write_atomic, Error, LoadedRun};

/// Name of the HTML report in the output directory.
pub const HTML_FILE: &str = "index.html";

/// Name of the JSON file holding every number the HTML shows.
pub const JSON_FILE: &str = "report.json";

/// Where [`render`] wrote the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportPaths {
    /// The self-contained HTML report.
    pub html: PathBuf,
    /// The numbers behind it.
    pub json: PathBuf,
}

/// Renders `run` (compared with `baseline`, if given) into `out_dir/index.html` and
/// `out_dir/report.json`, creating `out_dir`.
///
/// Each file is replaced atomically, so a failed render leaves the previous report intact.
///
/// ```no_run
/// # fn main() -> Result<(), reports::Error> {
/// let run = reports::load("target/evacbench/runs/2025-01-31-abc1234")?;
/// let paths = reports::render(&run, None, "target/evacbench/report".as_ref())?;
/// println!("report: {}", paths.html.display());
/// # Ok(()) }
/// ```
pub fn render(
    run: &LoadedRun,
    baseline: Option<&LoadedRun>,
    out_dir: &Path,
) -> Result<ReportPaths, Error> {
    // A calibration named by EVACBENCH_NOISE that cannot be read is an error, not a fallback.
    let noise = match baseline {
        Some(_) => NoiseModel::from_env()?,
        None => NoiseModel::shipped(),
    };
    render_with_noise(run, baseline, &noise, out_dir)
}

/// [`render`] with the noise calibration `noise` for the baseline comparison.
pub fn render_with_noise(
    run: &LoadedRun,
    baseline: Option<&LoadedRun>,
    noise: &NoiseModel,
    out_dir: &Path,
) -> Result<ReportPaths, Error> {
    let report = summarize::summarize_with(run, baseline, noise);
    let page = html::page(&report)?;
    fs::create_dir_all(out_dir).map_err(Error::io(out_dir))?;
    let paths = ReportPaths {
        html: out_dir.join(HTML_FILE),
        json: out_dir.join(JSON_FILE),
    };
    write_atomic(&paths.json, |out| {
        serde_json::to_writer_pretty(&mut *out, &report)?;
        out.write_all(b"\n")
    })?;
    write_atomic(&paths.html, |out| out.write_all(page.as_bytes()))?;
    Ok(paths)
}
