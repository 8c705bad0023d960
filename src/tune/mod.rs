//! `evacbench tune`: sweep a threshold a user of these strategies sets, measured by the suite's
//! own runner, and recommend a value.
//!
//! Knobs ([`Knob`]): evacmap's growth threshold (`load-factor`, the default) and shrink
//! threshold (`shrink-below`), `tombstone`'s compaction threshold (`compact-above`) and
//! `sharded`'s shard count (`shards`). Nothing here times anything: every measurement is a
//! scenario the runner verifies, times with criterion and passes through its allocation pass.
//!
//! - `config`: [`TuneConfig`], defaults and the argument parsers (each error says what is
//!   accepted); `knob`: the knobs, their values' rules, default values, workloads and cells;
//! - `knob_sweep`: a build-setting knob on its workloads through the runner, its rows, output
//!   and records;
//! - the growth threshold, on evacmap's max-load tables for the user's key and value sizes and
//!   mix: `sizes` (key and value types per accepted size), `keys`, `mix` and
//!   `max_load_inputs` (the keys and schedule of a table), `load_factor_rows` (the runner's
//!   max-load scenarios per threshold, [`Row`], [`Metrics`]), `recommend` (objectives and
//!   constraints, [`Recommendation`]), `output` (table, JSON and CSV);
//! - `records`: the run directory for the report, with the recommendation recorded.
//!
//! Every recommendation is [`reports::tune_pick::pick`], the computation the report uses.
//!
//! [`run`] ties them together: it validates (nothing is written for invalid settings), writes
//! progress to stderr, measures, prints the results on stdout, and writes the records.

pub mod aa_check;
mod config;
mod keys;
pub mod knob;
pub mod knob_sweep;
mod load_factor_rows;
pub(crate) mod max_load_inputs;
mod mix;
pub mod output;
mod recommend;
pub mod records;
mod row;
mod sizes;

use std::fmt;
use std::io::{self, Write};
use std::path::PathBuf;

pub use config::{
    max_load_len, parse_b, parse_key_bytes, parse_load_factors, parse_max_bytes_per_entry,
    parse_repeats, parse_seed, parse_value_bytes, Format, Objective, RecordsTarget, TuneConfig,
    DEFAULT_B, DEFAULT_LOAD_FACTORS, DEFAULT_REPEATS, DEFAULT_SEED, HASH_SEED, MAX_B, MIN_B,
};
pub use knob::Knob;
pub use mix::Mix;
pub use recommend::{recommend, Paired, Recommendation};
pub use row::{Metrics, Row, Timing};
pub use sizes::{KEY_BYTES, VALUE_BYTES};

/// The settings every row shares, as printed and recorded.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// log2 of the bucket count.
    pub b: u8,
    /// Key size in bytes.
    pub key_bytes: usize,
    /// Value size in bytes.
    pub value_bytes: usize,
    /// The mixed workload.
    pub mix: Mix,
    /// Timed repetitions per quantity.
    pub repeats: usize,
    /// Seed of the keys and the schedule.
    pub seed: u64,
    /// The hasher, with its seed.
    pub hasher: String,
}

/// The hasher description printed and recorded.
pub fn hasher_description() -> String {
    format!(
        "foldhash::fast::FixedState::with_seed({HASH_SEED:#x}) (folded with evacmap's per-map \
         random seed)"
    )
}

/// What a finished run produced.
#[derive(Clone, Debug)]
pub struct TuneOutcome {
    /// The shared settings.
    pub settings: Settings,
    /// One row per threshold, ascending.
    pub rows: Vec<Row>,
    /// The recommendation, or why there is none.
    pub recommendation: Result<Recommendation, String>,
    /// The run directory written, if records were on.
    pub records_dir: Option<PathBuf>,
}

/// Why a run stopped or ended without a recommendation.
#[derive(Debug)]
pub enum TuneError {
    /// A setting is invalid; nothing was measured or printed.
    Invalid(String),
    /// The run directory could not be written.
    Records(reports::Error),
    /// Writing the output failed.
    Io(io::Error),
    /// The runner could not measure (records could not be written, or it stopped).
    Measure(String),
    /// Everything was measured and printed, but no threshold qualifies (all failed
    /// verification, or none meets the memory limit).
    NoRecommendation(String),
}

/// The noise calibration the recommendation holds time differences against: the one
/// `EVACBENCH_NOISE` names, else the shipped one (as `evacbench compare`).
pub(crate) fn noise_model() -> Result<reports::NoiseModel, TuneError> {
    reports::NoiseModel::from_env().map_err(|e| {
        TuneError::Invalid(format!(
            "{}: {e}; point it at a calibration written by `evacbench calibrate`, or unset it to \
             use the shipped one",
            reports::NOISE_ENV
        ))
    })
}

impl TuneError {
    /// The process exit code: 2 for invalid settings, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            TuneError::Invalid(_) => 2,
            _ => 1,
        }
    }
}

impl fmt::Display for TuneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TuneError::Invalid(e) => f.write_str(e),
            TuneError::Records(e) => write!(f, "writing the tune records: {e}"),
            TuneError::Io(e) => write!(f, "writing the output: {e}"),
            TuneError::Measure(e) => write!(f, "measuring: {e}"),
            TuneError::NoRecommendation(e) => f.write_str(e),
        }
    }
}

impl std::error::Error for TuneError {}

/// Runs a sweep: validates `config`, reports progress on `stderr` (unless quiet), measures every
/// threshold, writes the records, and prints the results on `stdout` in the chosen format. For
/// JSON and CSV the recommendation goes to `stderr`, so stdout stays machine-readable.
///
/// Nothing is written to `stdout` unless the settings are valid and the measurement finished.
pub fn run(
    config: &TuneConfig,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<Swept, TuneError> {
    config.validate().map_err(TuneError::Invalid)?;
    if config.repeats != DEFAULT_REPEATS && !config.quiet {
        let _ = writeln!(
            stderr,
            "tune: --repeats has no effect: the suite's runner takes criterion's samples of the \
             default profile"
        );
    }
    match config.knob {
        Knob::LoadFactor => load_factor(config, stdout, stderr).map(Swept::LoadFactor),
        _ => knob_sweep::run(config, stdout, stderr).map(Swept::Knob),
    }
}

/// What a sweep produced, per kind of knob.
#[derive(Clone, Debug)]
pub enum Swept {
    /// The growth threshold's rows.
    LoadFactor(TuneOutcome),
    /// Another knob's rows.
    Knob(knob_sweep::KnobOutcome),
}

/// The `load-factor` sweep of a validated `config`.
fn load_factor(
    config: &TuneConfig,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<TuneOutcome, TuneError> {
    let settings = Settings {
        b: config.b,
        key_bytes: config.key_bytes,
        value_bytes: config.value_bytes,
        mix: config.mix,
        repeats: crate::runner::Timing::for_profile(crate::workloads::Profile::Default).sample_size,
        seed: config.seed,
        hasher: hasher_description(),
    };
    let mut sink = io::sink();
    let progress: &mut dyn Write = if config.quiet {
        &mut sink
    } else {
        &mut *stderr
    };
    let _ = writeln!(
        progress,
        "tune: {} load factors; {}",
        config.load_factors.len(),
        output::settings_line(&settings)
    );
    let noise = noise_model()?;
    let threshold = reports::tune_pick::Threshold::calibrated(
        &noise,
        reports::Metric::LatencyNsPerOp,
        reports::schema::TUNE_WORKLOAD,
    );
    let peak = config.estimated_peak_bytes();
    if peak > 4 << 30 {
        let _ = writeln!(
            progress,
            "tune: warning: this needs about {:.1} GiB of memory; lower --b to use less",
            peak as f64 / f64::from(1u32 << 30)
        );
    }
    let run_dir = match &config.records {
        RecordsTarget::Off => None,
        target => {
            let environment =
                crate::environment::probe("tune", &settings.hasher, vec![config.seed, HASH_SEED]);
            let dir = match target {
                RecordsTarget::Dir(dir) => dir.clone(),
                _ => records::default_dir(&environment, "load-factor"),
            };
            Some(records::create(&dir, environment).map_err(TuneError::Records)?)
        }
    };
    let plan = load_factor_rows::Plan {
        b: config.b,
        mix: config.mix,
        seed: config.seed,
        load_factors: &config.load_factors,
        progress,
    };
    let rows = sizes::dispatch(config.key_bytes, config.value_bytes, plan)
        .map_err(TuneError::Invalid)?
        .map_err(TuneError::Measure)?;
    let recommendation = recommend(
        &rows,
        config.effective_objective(),
        config.max_bytes_per_entry,
        &threshold,
        noise.paired.as_ref(),
    );
    let records_dir = match run_dir {
        Some(run) => {
            let pick = reports::tune_pick::KnobPick {
                knob: Knob::LoadFactor.param().to_owned(),
                contender: records::CONTENDER.to_owned(),
                memory: reports::Metric::BytesPerEntry.id().to_owned(),
                time: reports::Metric::LatencyNsPerOp.id().to_owned(),
                goal: recommend::goal(config.effective_objective()),
                default: Some(evacmap::GO_LOAD_FACTOR),
                pick: recommendation.as_ref().ok().map(|r| r.pick.clone()),
                reason: match &recommendation {
                    Ok(r) => r.reason.clone(),
                    Err(e) => e.clone(),
                },
                paired: recommend::Paired::of(&rows)
                    .map(|p| {
                        p.ratios
                            .into_iter()
                            .map(|(value, ratio)| reports::paired_rounds::PairedValue {
                                value,
                                ratio,
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            };
            let dir = records::finish(run, &rows, &settings, &pick).map_err(TuneError::Records)?;
            if !config.quiet {
                let _ = writeln!(stderr, "tune: records written to {}", dir.display());
            }
            Some(dir)
        }
        None => None,
    };
    let text = match config.format {
        Format::Table => output::table(&rows, &settings, &recommendation),
        Format::Json => output::json(&rows, &settings, recommendation.as_ref().ok()),
        Format::Csv => output::csv(&rows, &settings, recommendation.as_ref().ok()),
    };
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(TuneError::Io)?;
    if config.format != Format::Table {
        let _ = write!(stderr, "{}", output::recommendation_text(&recommendation));
    }
    match recommendation {
        Ok(_) => Ok(TuneOutcome {
            settings,
            rows,
            recommendation,
            records_dir,
        }),
        Err(e) => Err(TuneError::NoRecommendation(e)),
    }
}
