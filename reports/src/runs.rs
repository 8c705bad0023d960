//! The runs directory, `<target>/evacbench/runs/`: where run directories go, how they are named
//! and numbered, and the `latest` pointer. The benchmark suite and `evacbench tune` both name
//! their runs here, so the two can never disagree on a name or overwrite each other's runs.
//!
//! A run is named `<YYYY-MM-DD>-<commit>[-<kind>]` (kind `tune` for tune runs), with `-2`,
//! `-3`, ... appended while that name is taken: a new run never touches an earlier directory.
//! `latest` holds the name of the last complete benchmark run (what `evacbench report` reads
//! by default).

use std::path::{Path, PathBuf};

use crate::schema::Environment;
use crate::{write_atomic, Error};

/// The file in the runs directory naming the last complete benchmark run.
pub const LATEST_FILE: &str = "latest";

/// Where runs go: `<target>/evacbench/runs`.
pub fn runs_dir(target: &Path) -> PathBuf {
    target.join("evacbench").join("runs")
}

/// The `YYYY-MM-DD` prefix of an RFC 3339 date such as [`Environment::date`].
pub fn day_of(date: &str) -> &str {
    date.get(..10).unwrap_or(date)
}

/// The name of a run made in `environment`: `<YYYY-MM-DD>-<commit>`, then `-<kind>` if given.
pub fn run_stem(environment: &Environment, kind: Option<&str>) -> String {
    let base = format!("{}-{}", day_of(&environment.date), environment.git_commit);
    match kind {
        Some(k) => format!("{base}-{k}"),
        None => base,
    }
}

/// The first of `runs/<stem>`, `runs/<stem>-2`, `runs/<stem>-3`, ... that does not exist yet.
pub fn next_free(runs: &Path, stem: &str) -> PathBuf {
    (1..)
        .map(|k| {
            if k == 1 {
                runs.join(stem)
            } else {
                runs.join(format!("{stem}-{k}"))
            }
        })
        .find(|d| !d.exists())
        .expect("some suffix is free")
}

/// Points `runs/latest` at `run` (a directory inside `runs`), atomically.
pub fn set_latest(runs: &Path, run: &Path) -> Result<(), Error> {
    let name = run
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    write_atomic(&runs.join(LATEST_FILE), |w| writeln!(w, "{name}"))
}

/// The run `runs/latest` names; the error says what is wrong and what to do.
pub fn latest(runs: &Path) -> Result<PathBuf, String> {
    let latest = runs.join(LATEST_FILE);
    let name = std::fs::read_to_string(&latest).map_err(|e| {
        format!(
            "no finished benchmark run to report: cannot read {} ({e}); run `cargo bench --bench \
             evacbench` (or `bash scripts/bench.sh`) first, or pass a run directory",
            latest.display()
        )
    })?;
    let name = name.trim();
    if name.is_empty() || name.contains(['/', '\\']) {
        return Err(format!(
            "{} is corrupt (`{name}` is not a run directory name); pass a run directory",
            latest.display()
        ));
    }
    Ok(runs.join(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_are_numbered_and_latest_points_at_one() {
        let runs = std::env::temp_dir().join(format!("evacbench-runs-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&runs);
        let env = Environment {
            date: "2026-01-31T10:00:00Z".into(),
            git_commit: "abc1234".into(),
            ..Environment::default()
        };
        assert_eq!(run_stem(&env, None), "2026-01-31-abc1234");
        let stem = run_stem(&env, Some("tune"));
        assert_eq!(stem, "2026-01-31-abc1234-tune");
        let first = next_free(&runs, &stem);
        assert_eq!(first, runs.join(&stem));
        std::fs::create_dir_all(&first).unwrap();
        let second = next_free(&runs, &stem);
        assert_eq!(second, runs.join(format!("{stem}-2")));
        std::fs::create_dir_all(&second).unwrap();
        assert_eq!(next_free(&runs, &stem), runs.join(format!("{stem}-3")));

        let e = latest(&runs).unwrap_err();
        assert!(e.contains("cargo bench"), "{e}");
        set_latest(&runs, &second).unwrap();
        assert_eq!(latest(&runs).unwrap(), second);
        std::fs::write(runs.join(LATEST_FILE), "../elsewhere\n").unwrap();
        assert!(latest(&runs).unwrap_err().contains("corrupt"));
        let _ = std::fs::remove_dir_all(&runs);
    }
}
