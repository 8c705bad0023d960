//! `evacbench compare` and `evacbench calibrate`: how much two runs differ by noise alone.
//!
//! `calibrate` learns the machine's run-to-run noise floors from runs of one commit
//! ([`reports::NoiseModel::calibrate`]) and writes them where `--baseline` reads them.
//! `compare` applies the baseline rule to two runs and counts what it flags: on two runs of the
//! same commit (an A/A test) every flag is a false alarm, so the count is the rule's error rate
//! on this machine. `--slowdown NAME=FACTOR` then makes one contender's times slower by FACTOR
//! in the current run and checks that the rule does flag them, so a quiet A/A is not bought by
//! a rule that sees nothing.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use reports::{compare_runs, Category, LoadedRun, NoiseModel, Outcome};

/// What `evacbench compare` was asked.
#[derive(Debug, Clone)]
pub struct CompareOptions {
    /// The earlier run.
    pub baseline: PathBuf,
    /// The later run.
    pub current: PathBuf,
    /// A calibration file instead of the shipped one.
    pub noise: Option<PathBuf>,
    /// Slow one contender's times down by a factor before comparing (`name`, `factor`).
    pub slowdown: Option<(String, f64)>,
    /// Most flagged pairs, in percent, before the command fails.
    pub budget_pct: f64,
}

/// Parses `NAME=FACTOR` for `--slowdown` (FACTOR a finite number above 1).
pub fn parse_slowdown(s: &str) -> Result<(String, f64), String> {
    let (name, factor) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}`: expected CONTENDER=FACTOR, e.g. evacmap-retain=1.2"))?;
    let factor: f64 = factor
        .trim()
        .parse()
        .map_err(|_| format!("`{factor}` is not a number (expected e.g. 1.2)"))?;
    if !factor.is_finite() || factor <= 1.0 {
        return Err(format!(
            "slowdown factor {factor} must be a finite number above 1 (1.2 = 20% slower)"
        ));
    }
    if name.trim().is_empty() {
        return Err("the contender name is empty (expected CONTENDER=FACTOR)".into());
    }
    Ok((name.trim().to_owned(), factor))
}

fn noise_model(path: &Option<PathBuf>) -> Result<NoiseModel, String> {
    match path {
        Some(p) => NoiseModel::read(p).map_err(|e| e.to_string()),
        None => NoiseModel::from_env().map_err(|e| e.to_string()),
    }
}

/// Multiplies every timed value (latency category) of `contender` by `factor`.
fn slow_down(run: &mut LoadedRun, contender: &str, factor: f64) -> usize {
    let mut changed = 0;
    for r in run
        .records
        .iter_mut()
        .filter(|r| r.contender == contender && r.metric.category() == Category::Latency)
    {
        if let Outcome::Ok {
            value,
            ci_low,
            ci_high,
            samples,
            ..
        } = &mut r.outcome
        {
            *value *= factor;
            *ci_low = ci_low.map(|v| v * factor);
            *ci_high = ci_high.map(|v| v * factor);
            samples.iter_mut().for_each(|v| *v *= factor);
            changed += 1;
        }
    }
    changed
}

/// Runs the comparison; returns the text to print and whether it stayed within the budget
/// (and, with a slowdown, whether the slowdown was caught).
pub fn compare(opts: &CompareOptions) -> Result<(String, bool), String> {
    let noise = noise_model(&opts.noise)?;
    if crate::tune::aa_check::are_tune_runs(&[&opts.baseline, &opts.current]) {
        let slowdown = opts.slowdown.as_ref().map(|(n, f)| (n.as_str(), *f));
        return crate::tune::aa_check::compare(&opts.baseline, &opts.current, &noise, slowdown);
    }
    let baseline = reports::load(&opts.baseline).map_err(|e| format!("baseline: {e}"))?;
    let mut current = reports::load(&opts.current).map_err(|e| format!("current: {e}"))?;
    let same_commit = baseline.meta.environment.git_commit == current.meta.environment.git_commit;
    let aa = compare_runs(&current, &baseline, &noise);
    let mut out = String::new();
    let pct = |a: usize, b: usize| 100.0 * a as f64 / b.max(1) as f64;
    let label = if same_commit { "A/A" } else { "compare" };
    let flagged_pct = pct(aa.flagged, aa.comparable);
    writeln!(
        out,
        "{label}: {} of {} comparisons flagged ({:.1}%)",
        aa.flagged, aa.comparable, flagged_pct
    )
    .ok();
    writeln!(
        out,
        "deterministic (exact) values: {} of {} differ",
        aa.exact_flagged, aa.exact_comparable
    )
    .ok();
    if aa.status_changes > 0 {
        writeln!(
            out,
            "verification status changed for {} values",
            aa.status_changes
        )
        .ok();
    }
    writeln!(out, "noise calibration: {}", noise.source).ok();
    writeln!(out, "by metric (flagged / compared):").ok();
    for (metric, (n, f)) in &aa.by_metric {
        writeln!(out, "  {metric:<26} {f:>4} / {n:<5} ({:.1}%)", pct(*f, *n)).ok();
    }
    if !aa.flagged_pairs.is_empty() {
        writeln!(out, "flagged:").ok();
        for line in aa.flagged_pairs.iter().take(20) {
            writeln!(out, "  {line}").ok();
        }
        if aa.flagged_pairs.len() > 20 {
            writeln!(out, "  ... and {} more", aa.flagged_pairs.len() - 20).ok();
        }
    }
    let mut ok = flagged_pct <= opts.budget_pct && aa.exact_flagged == 0;
    if let Some((name, factor)) = &opts.slowdown {
        let scaled = slow_down(&mut current, name, *factor);
        if scaled == 0 {
            return Err(format!(
                "--slowdown: the current run has no timed value of contender `{name}`"
            ));
        }
        let slowed = compare_runs(&current, &baseline, &noise);
        let timed = |s: &reports::ComparisonSummary| {
            s.flagged_pairs
                .iter()
                .filter(|l| l.starts_with("Regression ") && l.contains(&format!("/{name}/")))
                .count()
        };
        let caught = timed(&slowed);
        let share = pct(caught, scaled);
        writeln!(
            out,
            "slowdown check: {name}'s {scaled} timed values made {:.0}% slower; {caught} flagged as \
             regressions ({share:.0}%)",
            (factor - 1.0) * 100.0
        )
        .ok();
        ok &= share >= 50.0;
    }
    Ok((out, ok))
}

/// Learns the noise floors from `runs` and writes them to `out`; returns a summary to print.
/// Tune runs of the load factor calibrate the tuner's paired-ratio floor instead
/// ([`crate::tune::aa_check::calibrate`]).
pub fn calibrate(runs: &[PathBuf], out: &Path) -> Result<String, String> {
    if runs.len() < 2 {
        return Err(format!(
            "calibration needs at least two runs of the same commit, got {}",
            runs.len()
        ));
    }
    let dirs: Vec<&Path> = runs.iter().map(PathBuf::as_path).collect();
    if crate::tune::aa_check::are_tune_runs(&dirs) {
        return crate::tune::aa_check::calibrate(runs, out);
    }
    let loaded = runs
        .iter()
        .map(|r| reports::load(r).map_err(|e| e.to_string()))
        .collect::<Result<Vec<_>, _>>()?;
    let commits: Vec<&str> = loaded
        .iter()
        .map(|r| r.meta.environment.git_commit.as_str())
        .collect();
    if commits.iter().any(|c| *c != commits[0]) {
        return Err(format!(
            "the runs are of different commits ({}): an A/A calibration needs one commit",
            commits.join(", ")
        ));
    }
    let env = &loaded[0].meta.environment;
    let source = format!(
        "{}: {} runs of commit {} on {} ({} cores), {}; remake with `bash scripts/aa-check.sh {} \
         --calibrate`",
        env.profile,
        loaded.len(),
        env.git_commit,
        env.cpu_model,
        env.cpu_cores,
        env.date,
        env.profile
    );
    let fresh = NoiseModel::calibrate(&loaded, source);
    let nondeterministic = fresh.nondeterministic.clone();
    // Other profiles' floors in the file stay; this profile's are replaced.
    let model = match NoiseModel::read(out) {
        Ok(existing) => existing.merged_with(fresh),
        Err(_) => fresh,
    };
    model.write(out).map_err(|e| e.to_string())?;
    let mut text = format!("wrote {} ({} floors)\n", out.display(), model.floors.len());
    for f in model
        .floors
        .iter()
        .filter(|f| f.workload.is_none() && f.profile.as_deref() == Some(env.profile.as_str()))
    {
        writeln!(
            text,
            "  {:<26} floor {:>6.1}% from {} pairs (largest A/A difference {:.1}%)",
            f.metric.id(),
            f.floor * 100.0,
            f.pairs,
            f.max_seen * 100.0
        )
        .ok();
    }
    if !nondeterministic.is_empty() {
        writeln!(
            text,
            "WARNING: {} exact values differ between the runs (nondeterminism):",
            nondeterministic.len()
        )
        .ok();
        for line in nondeterministic.iter().take(20) {
            writeln!(text, "  {line}").ok();
        }
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slowdown_arguments_are_checked() {
        assert_eq!(
            parse_slowdown("evacmap-retain=1.2").unwrap(),
            ("evacmap-retain".to_owned(), 1.2)
        );
        for bad in ["x", "x=abc", "x=0.9", "x=NaN", "=1.2", "x=1"] {
            assert!(parse_slowdown(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn calibration_needs_two_runs() {
        let e = calibrate(&[PathBuf::from("a")], Path::new("b")).unwrap_err();
        assert!(e.contains("at least two runs"), "{e}");
    }
}
