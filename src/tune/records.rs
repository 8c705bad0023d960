//! The tune run as records for the report: one run directory in the `reports` schema.
//!
//! The report draws the trade-off (a Pareto plot of bytes per entry against lookup time, with
//! Go's 6.5 and the report's recommendation marked) from records, not from stdout. Each row
//! becomes one record per metric of the report's tune section, under workload
//! [`reports::schema::TUNE_WORKLOAD`], contender [`CONTENDER`], with the threshold in
//! [`reports::schema::LOAD_FACTOR_PARAM`] and the fixed settings (B, key and value bytes, mix)
//! as further parameters, so runs with other sizes form their own tables. Timed metrics carry
//! the range of the repetitions as their interval; a row that failed verification is recorded
//! as failed for every metric, never with a number.

use std::path::{Path, PathBuf};

use reports::schema::{LOAD_FACTOR_PARAM, TUNE_WORKLOAD};
use reports::{Environment, Metric, Outcome, Params, Record, RunDir};

use super::row::{Metrics, Row, Timing};
use super::Settings;

/// The contender name of tune records.
pub const CONTENDER: &str = "evacmap";

/// The parameters of the records of threshold `load_factor`.
pub fn params(settings: &Settings, load_factor: f64) -> Params {
    Params::new()
        .with(LOAD_FACTOR_PARAM, load_factor)
        .with("b", u32::from(settings.b))
        .with("key_bytes", settings.key_bytes)
        .with("value_bytes", settings.value_bytes)
        .with("mix", settings.mix.to_string())
}

fn timed(t: &Timing) -> Outcome {
    Outcome::range(t.median, t.min, t.max, t.runs)
}

/// A metric of the report's tune section and how a row's metrics give its outcome.
type Column = (Metric, fn(&Metrics) -> Outcome);

/// The records of `rows`: 9 per row, in the report's column order (the mix's time per
/// operation, the recommendation's time axis, as `latency-ns-per-op`).
pub fn records(rows: &[Row], settings: &Settings) -> Vec<Record> {
    let metrics: [Column; 9] = [
        (Metric::OverflowPct, |m| Outcome::value(m.overflow_pct)),
        (Metric::BytesPerEntry, |m| Outcome::value(m.bytes_per_entry)),
        (Metric::HitProbe, |m| Outcome::value(m.hit_probe)),
        (Metric::MissProbe, |m| Outcome::value(m.miss_probe)),
        (Metric::LookupHitNs, |m| timed(&m.lookup_hit_ns)),
        (Metric::LookupMissNs, |m| timed(&m.lookup_miss_ns)),
        (Metric::InsertNs, |m| timed(&m.insert_ns)),
        (Metric::SweepNsPerEntry, |m| timed(&m.sweep_ns_per_entry)),
        (Metric::LatencyNsPerOp, |m| timed(&m.mix_ns_per_op)),
    ];
    rows.iter()
        .flat_map(|row| {
            metrics.iter().map(move |(metric, outcome)| {
                Record::new(
                    CONTENDER,
                    TUNE_WORKLOAD,
                    params(settings, row.load_factor),
                    *metric,
                    settings.seed,
                    match &row.result {
                        Ok(m) => outcome(m),
                        Err(reason) => Outcome::failed(reason.clone()),
                    },
                )
            })
        })
        .collect()
}

/// `<target>/evacbench/runs/<YYYY-MM-DD>-<commit>-tune`, where `<target>` is `CARGO_TARGET_DIR`
/// or `target` under the current directory (beside the benchmark runs, where the report looks),
/// with `-2`, `-3`, ... appended while that directory already holds a run.
/// Knobs other than `load-factor` add their name: `...-tune-shrink-below`.
pub fn default_dir(environment: &Environment, knob: &str) -> PathBuf {
    let runs = reports::runs::runs_dir(&crate::report::default_target());
    let suffix = if knob == "load-factor" {
        "tune".to_owned()
    } else {
        format!("tune-{knob}")
    };
    reports::runs::next_free(&runs, &reports::runs::run_stem(environment, Some(&suffix)))
}

/// Opens the run directory `dir` (marked incomplete until [`finish`]).
pub fn create(dir: &Path, environment: Environment) -> Result<RunDir, reports::Error> {
    RunDir::create(dir, environment)
}

/// Appends `records`, records `picks` (the recommendation, [`reports::tune_pick::PICKS_FILE`])
/// and marks the run complete.
pub fn finish_with(
    mut run: RunDir,
    records: &[Record],
    picks: &[reports::tune_pick::KnobPick],
) -> Result<PathBuf, reports::Error> {
    run.append(records)?;
    reports::tune_pick::write_picks(run.path(), picks)?;
    run.finish()
}

/// Appends the records of `rows`, records the pick and marks the run complete.
pub fn finish(
    run: RunDir,
    rows: &[Row],
    settings: &Settings,
    pick: &reports::tune_pick::KnobPick,
) -> Result<PathBuf, reports::Error> {
    finish_with(run, &records(rows, settings), std::slice::from_ref(pick))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tune::mix::Mix;

    #[test]
    fn failed_rows_are_recorded_as_failed_for_every_metric() {
        let settings = Settings {
            b: 8,
            key_bytes: 8,
            value_bytes: 8,
            mix: Mix::DEFAULT,
            repeats: 1,
            seed: 4,
            hasher: "h".into(),
        };
        let rows = [Row {
            load_factor: 6.5,
            entries: 1664,
            result: Err("lookup hit: key 0x1 not found".into()),
        }];
        let recs = records(&rows, &settings);
        assert_eq!(recs.len(), 9);
        for r in &recs {
            assert!(r.validate().is_ok());
            assert_eq!(r.workload, TUNE_WORKLOAD);
            assert_eq!(r.params.num(LOAD_FACTOR_PARAM), Some(6.5));
            assert_eq!(r.params.num("key_bytes"), Some(8.0));
            assert!(
                matches!(&r.outcome, Outcome::FailedVerification { reason } if reason.contains("not found"))
            );
        }
    }
}
