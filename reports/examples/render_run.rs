//! Renders a run directory into a report directory, for looking at real runs by hand.
//!
//! Usage: `cargo run -p reports --example render_run -- RUN_DIR OUT_DIR [--baseline DIR] [--tune DIR]`.
//! Errors are printed with the file and line at fault and exit with status 1.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    match run() {
        Ok(html) => {
            println!("{}", html.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("render_run: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<PathBuf, String> {
    let mut args = std::env::args().skip(1);
    let mut positional = Vec::new();
    let (mut baseline, mut tune) = (None, None);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--baseline" => baseline = Some(args.next().ok_or("--baseline needs a directory")?),
            "--tune" => tune = Some(args.next().ok_or("--tune needs a directory")?),
            _ => positional.push(arg),
        }
    }
    let [run_dir, out_dir] = <[String; 2]>::try_from(positional)
        .map_err(|_| "usage: render_run RUN_DIR OUT_DIR [--baseline DIR] [--tune DIR]")?;
    let mut run = reports::load(&run_dir).map_err(|e| e.to_string())?;
    if let Some(tune) = tune {
        run = reports::merge(run, reports::load(tune).map_err(|e| e.to_string())?);
    }
    let baseline = baseline
        .map(reports::load)
        .transpose()
        .map_err(|e| e.to_string())?;
    let paths =
        reports::render(&run, baseline.as_ref(), out_dir.as_ref()).map_err(|e| e.to_string())?;
    Ok(paths.html)
}
