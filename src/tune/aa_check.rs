//! The tuner's A/A check: do two `evacbench tune` runs of one commit pick the same load factor,
//! and how far do their paired ratios move?
//!
//! A tune run records, beside its pick, every load factor's paired ratio to the reference
//! ([`reports::tune_pick::KnobPick::paired`]). `evacbench calibrate` on three or more such runs
//! learns the run-to-run floor of those ratios ([`reports::paired_rounds::between_runs`]) into
//! the noise calibration, where the recommender reads it: a load factor replaces the default
//! only when it is faster by more than the ratios move between runs as well as within one.
//! `evacbench compare` on two such runs prints both picks and the ratios side by side, and fails
//! if the picks differ; with `--slowdown LF=FACTOR` it also checks that a load factor made FACTOR
//! slower in the second run is flagged.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use reports::paired_rounds::PairedValue;
use reports::schema::LOAD_FACTOR_PARAM;
use reports::tune_pick::KnobPick;
use reports::NoiseModel;

/// The load-factor pick recorded in `dir`, if `dir` is a tune run of the load factor.
pub fn load_factor_pick(dir: &Path) -> Result<Option<KnobPick>, String> {
    let picks = reports::tune_pick::read_picks(dir).map_err(|e| e.to_string())?;
    Ok(picks.into_iter().find(|p| p.knob == LOAD_FACTOR_PARAM))
}

/// The pick of `dir` with its paired ratios, or an error saying what is missing.
fn paired_pick(dir: &Path) -> Result<KnobPick, String> {
    let pick = load_factor_pick(dir)?.ok_or_else(|| {
        format!(
            "{}: not a load-factor tune run (no load_factor pick in its {})",
            dir.display(),
            reports::tune_pick::PICKS_FILE
        )
    })?;
    if pick.paired.is_empty() {
        return Err(format!(
            "{}: the tune run has no paired ratios (its mix was not measured in paired rounds, \
             or it was written by an earlier evacbench); rerun `evacbench tune`",
            dir.display()
        ));
    }
    Ok(pick)
}

/// Learns the run-to-run floor of paired ratios from the tune runs `runs` (three or more, one
/// commit) and writes it into the calibration `out` (its other floors stay); returns a summary.
pub fn calibrate(runs: &[PathBuf], out: &Path) -> Result<String, String> {
    if runs.len() < 3 {
        return Err(format!(
            "a tune calibration needs at least three tune runs of the same commit (each pair of \
             runs gives one difference per load factor), got {}",
            runs.len()
        ));
    }
    let mut ratios = Vec::new();
    let mut environments = Vec::new();
    for dir in runs {
        ratios.push(paired_pick(dir)?.paired);
        let run = reports::load(dir).map_err(|e| e.to_string())?;
        environments.push(run.meta.environment);
    }
    if let Some(other) = environments
        .iter()
        .find(|e| e.git_commit != environments[0].git_commit)
    {
        return Err(format!(
            "the runs are of different commits ({} and {}): an A/A calibration needs one commit",
            environments[0].git_commit, other.git_commit
        ));
    }
    let env = &environments[0];
    let source = format!(
        "tune: {} runs of commit {} on {} ({} cores), {}; remake with `bash scripts/aa-check.sh \
         tune --calibrate`",
        runs.len(),
        env.git_commit,
        env.cpu_model,
        env.cpu_cores,
        env.date
    );
    let floor = reports::paired_rounds::between_runs(&ratios, source).ok_or_else(|| {
        "the runs measured no load factor in common besides the reference: sweep the same \
         --load-factors in every run"
            .to_owned()
    })?;
    let model = NoiseModel::read(out).unwrap_or_else(|_| NoiseModel {
        source: String::new(),
        floors: Vec::new(),
        nondeterministic: Vec::new(),
        paired: None,
    });
    let text = format!(
        "wrote {}: paired-ratio floor {:.1}% from {} between-run differences (largest {:.1}%)\n",
        out.display(),
        floor.floor * 100.0,
        floor.pairs,
        floor.max_seen * 100.0
    );
    model
        .with_paired(floor)
        .write(out)
        .map_err(|e| e.to_string())?;
    Ok(text)
}

/// True if both directories are load-factor tune runs.
pub fn are_tune_runs(dirs: &[&Path]) -> bool {
    dirs.iter()
        .all(|d| matches!(load_factor_pick(d), Ok(Some(_))))
}

/// Compares the tune runs `baseline` and `current`: the text to print and whether the picks
/// agree (and, with `slowdown` = (load factor, factor), whether that load factor made slower in
/// `current` is flagged).
pub fn compare(
    baseline: &Path,
    current: &Path,
    noise: &NoiseModel,
    slowdown: Option<(&str, f64)>,
) -> Result<(String, bool), String> {
    let a = paired_pick(baseline).map_err(|e| format!("baseline: {e}"))?;
    let mut b = paired_pick(current).map_err(|e| format!("current: {e}"))?;
    let value = |p: &KnobPick| p.pick.as_ref().map(|x| x.value);
    // The threshold each run's recommender used (the control's, raised to the calibrated
    // run-to-run floor); a ratio difference beyond the larger one is flagged.
    let used = |p: &KnobPick| {
        p.pick
            .as_ref()
            .and_then(|x| x.threshold.as_ref())
            .map_or(0.0, |t| t.floor)
    };
    let floor = used(&a)
        .max(used(&b))
        .max(noise.paired.as_ref().map_or(0.0, |p| p.floor));
    let mut out = String::new();
    let same = value(&a) == value(&b);
    let show = |v: Option<f64>| v.map_or("none".to_owned(), |x| x.to_string());
    writeln!(
        out,
        "tune A/A: load factor picked {} and {} ({})",
        show(value(&a)),
        show(value(&b)),
        if same { "the same" } else { "DIFFERENT" }
    )
    .ok();
    let (lines, flagged, compared) = ratio_lines(&a.paired, &b.paired, floor);
    writeln!(
        out,
        "paired ratios to the reference (median over the rounds): {flagged} of {compared} \
         differ by more than {:.1}% (the larger of the runs' thresholds and the calibrated \
         run-to-run floor)",
        floor * 100.0
    )
    .ok();
    out.push_str(&lines);
    match &noise.paired {
        Some(p) => writeln!(
            out,
            "run-to-run floor of paired ratios: {:.1}% ({})",
            p.floor * 100.0,
            p.source
        ),
        None => writeln!(
            out,
            "run-to-run floor of paired ratios: not calibrated (bash scripts/aa-check.sh tune \
             --calibrate)"
        ),
    }
    .ok();
    let mut ok = same;
    if let Some((name, factor)) = slowdown {
        let lf: f64 = name.parse().map_err(|_| {
            format!("--slowdown: `{name}` is not a load factor (tune runs: --slowdown LF=FACTOR)")
        })?;
        let slowed = b
            .paired
            .iter_mut()
            .find(|p| p.value == lf && p.ratio.median != 1.0)
            .ok_or_else(|| {
                format!(
                    "--slowdown: load factor {lf} has no paired ratio other than the reference's \
                     in the current run"
                )
            })?;
        slowed.ratio.median *= factor;
        let (_, flagged_after, _) = ratio_lines(&a.paired, &b.paired, floor);
        let caught = flagged_after > flagged;
        writeln!(
            out,
            "slowdown check: load factor {lf} made {:.0}% slower in the current run: {}",
            (factor - 1.0) * 100.0,
            if caught { "flagged" } else { "NOT flagged" }
        )
        .ok();
        ok &= caught;
    }
    Ok((out, ok))
}

/// One line per load factor measured in both runs, the count beyond `floor` and the count
/// compared (the reference, 1 against 1 by construction, is left out).
fn ratio_lines(a: &[PairedValue], b: &[PairedValue], floor: f64) -> (String, usize, usize) {
    let mut text = String::new();
    let (mut flagged, mut compared) = (0, 0);
    for x in a {
        let Some(y) = b.iter().find(|y| y.value == x.value) else {
            continue;
        };
        let (p, q) = (x.ratio.median, y.ratio.median);
        if p == 1.0 && q == 1.0 {
            writeln!(text, "  {:>5}: the reference", x.value).ok();
            continue;
        }
        compared += 1;
        let d = reports::paired_rounds::relative_difference(p, q);
        let beyond = d > floor;
        flagged += usize::from(beyond);
        writeln!(
            text,
            "  {:>5}: x{p:.4} vs x{q:.4} ({:.1}%){}",
            x.value,
            d * 100.0,
            if beyond { "  FLAGGED" } else { "" }
        )
        .ok();
    }
    (text, flagged, compared)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reports::paired_rounds::summarize;
    use reports::tune_pick::{Goal, Pick, Threshold, Why};

    fn values(ratios: &[(f64, f64)]) -> Vec<PairedValue> {
        ratios
            .iter()
            .map(|&(value, r)| PairedValue {
                value,
                ratio: summarize(&[r]),
            })
            .collect()
    }

    fn tune_run(dir: &Path, picked: f64, ratios: &[(f64, f64)]) {
        let env = crate::environment::probe("tune", "test hasher", vec![1]);
        let run = crate::tune::records::create(dir, env).unwrap();
        let pick = KnobPick {
            knob: LOAD_FACTOR_PARAM.into(),
            contender: "evacmap".into(),
            memory: "bytes-per-entry".into(),
            time: "latency-ns-per-op".into(),
            goal: Goal::Balanced,
            default: Some(6.5),
            pick: Some(Pick {
                value: picked,
                tie: Vec::new(),
                frontier: Vec::new(),
                why: Why::LeastMemory,
                threshold: Some(Threshold {
                    floor: 0.015,
                    of: "test".into(),
                    memory_floor: 0.0,
                    paired: true,
                }),
            }),
            reason: "test".into(),
            paired: values(ratios),
        };
        crate::tune::records::finish_with(run, &[], &[pick]).unwrap();
    }

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("evacbench-tune-aa-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn two_runs_that_pick_the_same_load_factor_pass_and_a_slowdown_is_flagged() {
        let root = scratch("same");
        let (a, b) = (root.join("a"), root.join("b"));
        tune_run(&a, 6.5, &[(5.0, 0.92), (6.0, 0.97), (6.5, 1.0), (8.0, 1.2)]);
        tune_run(
            &b,
            6.5,
            &[(5.0, 0.925), (6.0, 0.965), (6.5, 1.0), (8.0, 1.21)],
        );
        assert!(are_tune_runs(&[&a, &b]));
        // The runs' own thresholds (1.5%), no calibrated run-to-run floor.
        let noise = NoiseModel {
            paired: None,
            ..NoiseModel::shipped()
        };
        let (text, ok) = compare(&a, &b, &noise, None).unwrap();
        assert!(ok, "{text}");
        assert!(text.contains("picked 6.5 and 6.5 (the same)"), "{text}");
        assert!(text.contains("0 of 3 differ"), "{text}");
        let (text, ok) = compare(&a, &b, &noise, Some(("6", 1.2))).unwrap();
        assert!(ok && text.contains("flagged"), "{text}");
        // Under a calibrated floor of 25% the same 20% is within noise, and the check says so.
        let wide = NoiseModel {
            paired: Some(reports::PairedFloor {
                floor: 0.25,
                pairs: 48,
                max_seen: 0.2,
                source: "test".into(),
            }),
            ..NoiseModel::shipped()
        };
        let (text, ok) = compare(&a, &b, &wide, Some(("6", 1.2))).unwrap();
        assert!(!ok && text.contains("NOT flagged"), "{text}");
        // A load factor that is not in the runs, or the reference: a clear error.
        assert!(compare(&a, &b, &noise, Some(("7", 1.2))).is_err());
        assert!(compare(&a, &b, &noise, Some(("6.5", 1.2))).is_err());
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn different_picks_fail_the_check() {
        let root = scratch("different");
        let (a, b) = (root.join("a"), root.join("b"));
        tune_run(&a, 6.5, &[(6.0, 0.97), (6.5, 1.0)]);
        tune_run(&b, 6.0, &[(6.0, 0.95), (6.5, 1.0)]);
        let (text, ok) = compare(&a, &b, &NoiseModel::shipped(), None).unwrap();
        assert!(!ok && text.contains("DIFFERENT"), "{text}");
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn calibration_writes_the_floor_and_keeps_the_other_floors() {
        let root = scratch("calibrate");
        let dirs: Vec<PathBuf> = (0..3).map(|i| root.join(format!("r{i}"))).collect();
        for (dir, r) in dirs.iter().zip([0.95, 0.96, 0.94]) {
            tune_run(dir, 6.5, &[(6.0, r), (6.5, 1.0)]);
        }
        let out = root.join("noise.json");
        NoiseModel::shipped().write(&out).unwrap();
        let text = calibrate(&dirs, &out).unwrap();
        assert!(text.contains("paired-ratio floor"), "{text}");
        let model = NoiseModel::read(&out).unwrap();
        let paired = model.paired.clone().unwrap();
        // Differences 1.0%, 1.0% and 2.1%: the largest is the 95th percentile.
        assert!((paired.max_seen - 0.0208).abs() < 1e-3, "{paired:?}");
        assert!(paired.floor >= paired.max_seen && paired.source.starts_with("tune: 3 runs"));
        assert_eq!(model.floors, NoiseModel::shipped().floors);
        // Two runs are too few; a benchmark run is not a tune run.
        assert!(calibrate(&dirs[..2], &out).unwrap_err().contains("three"));
        let not_tune = root.join("not-tune");
        std::fs::create_dir_all(&not_tune).unwrap();
        let err = calibrate(&[dirs[0].clone(), dirs[1].clone(), not_tune], &out).unwrap_err();
        assert!(err.contains("not a load-factor tune run"), "{err}");
        let _ = std::fs::remove_dir_all(&root);
    }
}
