//! What a tune run measures and how it reports: [`TuneConfig`], its defaults, and the parsers
//! the command line uses, each rejecting bad input with a message that says what is accepted.
//!
//! A sweep is only meaningful on thresholds evacmap accepts and on tables that really reach the
//! requested size, so every value is checked before anything is measured: load factors must be
//! finite and in `(0, 16]` (evacmap's own [`Config::new`] check and message), sizes must be in
//! the compiled set (see `sizes`), the mix must sum to 100, and [`TuneConfig::validate`] checks
//! that each threshold's max-load table at `--b` is one evacmap would actually build.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use evacmap::Config;

use super::knob::Knob;
use super::mix::Mix;
use super::sizes;
use crate::workloads::Workload;

/// Thresholds swept by default: 4.0 to 8.0 in steps of 0.5 (Go's table).
pub const DEFAULT_LOAD_FACTORS: [f64; 9] = [4.0, 4.5, 5.0, 5.5, 6.0, 6.5, 7.0, 7.5, 8.0];

/// Default log2 of the bucket count of the measured tables (Go's table uses 16).
pub const DEFAULT_B: u8 = 16;

/// Smallest accepted `--b`.
pub const MIN_B: u8 = 4;

/// Largest accepted `--b` (2^24 buckets: about 2 GiB of 8-byte keys and values at load 16).
pub const MAX_B: u8 = 24;

/// Default number of timed repetitions of each measurement (after one warm-up).
pub const DEFAULT_REPEATS: usize = 9;

/// Default seed of the keys and the mixed workload.
pub const DEFAULT_SEED: u64 = 0x7475_6e65;

/// The hasher seed: the same fixed seed the core bench and the strategies use.
pub const HASH_SEED: u64 = 0x5eed_0fe7_acbe_9c00;

/// The entries `floor(load_factor * 2^b)` of a maximally loaded table: one more insert would
/// start a grow.
pub fn max_load_len(load_factor: f64, b: u8) -> usize {
    (load_factor * (1u64 << b) as f64).floor() as usize
}

/// What the recommendation optimizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Objective {
    /// Fewest overhead bytes per entry.
    Memory,
    /// Fastest on the mixed workload.
    Latency,
    /// The Pareto-optimal threshold with the lowest sum of memory and latency, each divided by
    /// its best value.
    Balanced,
}

impl Objective {
    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Objective::Memory => "memory",
            Objective::Latency => "latency",
            Objective::Balanced => "balanced",
        }
    }
}

impl FromStr for Objective {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "memory" => Ok(Objective::Memory),
            "latency" => Ok(Objective::Latency),
            "balanced" => Ok(Objective::Balanced),
            other => Err(format!(
                "unknown objective `{other}`: expected memory, latency or balanced"
            )),
        }
    }
}

impl fmt::Display for Objective {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How the results are printed on stdout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// An aligned table followed by the recommendation.
    Table,
    /// A JSON array with one object per threshold.
    Json,
    /// CSV with a header line and one line per threshold.
    Csv,
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "table" => Ok(Format::Table),
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            other => Err(format!(
                "unknown format `{other}`: expected table, json or csv"
            )),
        }
    }
}

/// Where the records for the report go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecordsTarget {
    /// `target/evacbench/runs/<YYYY-MM-DD>-<shortsha>-tune` under the current directory (with
    /// `-2`, `-3`, ... appended if that run directory exists).
    Default,
    /// This run directory (which must not hold a run yet).
    Dir(PathBuf),
    /// No records.
    Off,
}

/// Everything a tune run needs.
#[derive(Clone, Debug, PartialEq)]
pub struct TuneConfig {
    /// The knob swept (`load-factor` by default).
    pub knob: Knob,
    /// Values of a knob other than `load-factor` (`None`: its defaults); `load-factor` takes
    /// its values from `load_factors`.
    pub values: Option<Vec<f64>>,
    /// Workloads of a knob other than `load-factor` (empty: its defaults).
    pub workloads: Vec<Workload>,
    /// Growth thresholds to sweep, ascending, each in `(0, 16]`.
    pub load_factors: Vec<f64>,
    /// Key size in bytes (one of [`sizes::KEY_BYTES`]).
    pub key_bytes: usize,
    /// Value size in bytes (one of [`sizes::VALUE_BYTES`]).
    pub value_bytes: usize,
    /// log2 of the bucket count of the measured tables.
    pub b: u8,
    /// The mixed workload.
    pub mix: Mix,
    /// What to optimize; `None` means `latency` under a constraint, `balanced` otherwise.
    pub objective: Option<Objective>,
    /// Only thresholds with at most this many overhead bytes per entry qualify.
    pub max_bytes_per_entry: Option<f64>,
    /// `--repeats`: no effect since the runner measures (criterion's samples of the default
    /// profile); kept so scripts that pass it keep working.
    pub repeats: usize,
    /// Seed of the keys and the mixed workload.
    pub seed: u64,
    /// Output format on stdout.
    pub format: Format,
    /// Where the records go.
    pub records: RecordsTarget,
    /// No progress on stderr.
    pub quiet: bool,
}

impl Default for TuneConfig {
    fn default() -> Self {
        TuneConfig {
            knob: Knob::LoadFactor,
            values: None,
            workloads: Vec::new(),
            load_factors: DEFAULT_LOAD_FACTORS.to_vec(),
            key_bytes: 8,
            value_bytes: 8,
            b: DEFAULT_B,
            mix: Mix::DEFAULT,
            objective: None,
            max_bytes_per_entry: None,
            repeats: DEFAULT_REPEATS,
            seed: DEFAULT_SEED,
            format: Format::Table,
            records: RecordsTarget::Default,
            quiet: false,
        }
    }
}

impl TuneConfig {
    /// The objective in force: the given one, else `latency` under a constraint, else
    /// `balanced`.
    pub fn effective_objective(&self) -> Objective {
        self.objective
            .unwrap_or(if self.max_bytes_per_entry.is_some() {
                Objective::Latency
            } else {
                Objective::Balanced
            })
    }

    /// The values swept by a knob other than `load-factor`: `--values`, else its defaults.
    pub fn knob_values(&self) -> Vec<f64> {
        self.values
            .clone()
            .unwrap_or_else(|| self.knob.default_values())
    }

    /// The workloads of a knob other than `load-factor`: `--workload`, else its defaults.
    pub fn knob_workloads(&self) -> Vec<Workload> {
        if self.workloads.is_empty() {
            self.knob.default_workloads()
        } else {
            self.workloads.clone()
        }
    }

    /// Checks the knob, its values and its workloads.
    fn validate_knob(&self) -> Result<(), String> {
        let k = self.knob;
        if k == Knob::LoadFactor {
            if let Some(w) = self.workloads.first() {
                return Err(format!(
                    "--workload {w}: the load-factor knob is measured on evacmap's max-load tables \
                     (sized by --b, --key-bytes and --value-bytes), not on a workload; --workload \
                     goes with --knob shrink-below, compact-above or shards"
                ));
            }
            return Ok(());
        }
        let values = self.knob_values();
        if values.is_empty() {
            return Err("--values: at least one value is needed".into());
        }
        for v in values {
            k.check(v)
                .map_err(|e| format!("--values {v} for --knob {k}: {e}"))?;
        }
        let applies = k.applies_to();
        for w in &self.workloads {
            if !applies.contains(w) {
                return Err(format!(
                    "--workload {w}: the {k} knob does not apply to it ({} {}); it applies to: {}",
                    k.contender(),
                    match k {
                        Knob::ShrinkBelow =>
                            "is single-threaded, so no reader can run during its sweep",
                        Knob::CompactAbove =>
                            "compacts only after a sweep, and this workload never sweeps",
                        _ => "does not run it",
                    },
                    applies
                        .iter()
                        .map(|w| w.id())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
        if self.max_bytes_per_entry.is_some() {
            return Err(format!(
                "--max-bytes-per-entry limits evacmap's overhead bytes per entry of the \
                 load-factor sweep; it does not apply to --knob {k}"
            ));
        }
        Ok(())
    }

    /// Checks every field and their combinations; the error says what to change.
    pub fn validate(&self) -> Result<(), String> {
        self.validate_knob()?;
        if self.knob != Knob::LoadFactor {
            return Ok(());
        }
        if self.load_factors.is_empty() {
            return Err("--load-factors: at least one load factor is needed".into());
        }
        for &lf in &self.load_factors {
            check_load_factor(lf).map_err(|e| format!("--load-factors: {e}"))?;
        }
        sizes::check_key_bytes(self.key_bytes).map_err(|e| format!("--key-bytes: {e}"))?;
        sizes::check_value_bytes(self.value_bytes).map_err(|e| format!("--value-bytes: {e}"))?;
        parse_b(&self.b.to_string()).map_err(|e| format!("--b: {e}"))?;
        Mix::parse(&self.mix.to_string()).map_err(|e| format!("--mix: {e}"))?;
        if let Some(x) = self.max_bytes_per_entry {
            parse_max_bytes_per_entry(&x.to_string())
                .map_err(|e| format!("--max-bytes-per-entry: {e}"))?;
        }
        parse_repeats(&self.repeats.to_string()).map_err(|e| format!("--repeats: {e}"))?;
        for &lf in &self.load_factors {
            let n = max_load_len(lf, self.b);
            if n <= 8 {
                let need = (0..=MAX_B)
                    .find(|&b| max_load_len(lf, b) > 8)
                    .unwrap_or(MAX_B);
                return Err(format!(
                    "load factor {lf} at --b {} gives a max-load table of {n} entries; evacmap never \
                     grows a table of 8 entries or fewer, so it would not be at its threshold: use \
                     --b {need} or more",
                    self.b
                ));
            }
        }
        Ok(())
    }

    /// A rough peak of the memory the run needs: the measured table and a copy of it at the
    /// largest threshold, with the old table of a grow, plus the key lists.
    pub fn estimated_peak_bytes(&self) -> u64 {
        let lf = self.load_factors.iter().copied().fold(0.0, f64::max);
        let n = max_load_len(lf, self.b) as u64;
        let entry = (self.key_bytes + self.value_bytes) as u64 + 2;
        3 * n * entry * 2 + 4 * n * 8
    }
}

fn check_load_factor(lf: f64) -> Result<f64, String> {
    Config::new(lf)
        .map(|c| c.load_factor)
        .map_err(|e| e.to_string())
}

/// Parses `--load-factors`: comma-separated numbers, each finite and in `(0, 16]`, no
/// duplicates; returned ascending.
pub fn parse_load_factors(text: &str) -> Result<Vec<f64>, String> {
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim) {
        if part.is_empty() {
            return Err(format!(
                "empty entry in `{text}`: expected comma-separated numbers in \
                 (0, 16], e.g. 4,5,6.5,8"
            ));
        }
        let lf: f64 = part.parse().map_err(|_| {
            format!(
                "`{part}` is not a number: expected comma-separated numbers in \
                 (0, 16], e.g. 4,5,6.5,8"
            )
        })?;
        check_load_factor(lf)?;
        if out.contains(&lf) {
            return Err(format!("{lf} is listed twice"));
        }
        out.push(lf);
    }
    out.sort_by(f64::total_cmp);
    Ok(out)
}

/// Parses `--key-bytes`.
pub fn parse_key_bytes(text: &str) -> Result<usize, String> {
    let n = text.trim().parse::<usize>().map_err(|_| {
        format!(
            "`{text}` is not a size in bytes: accepted key sizes are {:?} bytes",
            sizes::KEY_BYTES
        )
    })?;
    sizes::check_key_bytes(n)
}

/// Parses `--value-bytes`.
pub fn parse_value_bytes(text: &str) -> Result<usize, String> {
    let n = text.trim().parse::<usize>().map_err(|_| {
        format!(
            "`{text}` is not a size in bytes: accepted value sizes are {:?} bytes",
            sizes::VALUE_BYTES
        )
    })?;
    sizes::check_value_bytes(n)
}

/// Parses `--b`: an integer in `MIN_B..=MAX_B`.
pub fn parse_b(text: &str) -> Result<u8, String> {
    match text.trim().parse::<u8>() {
        Ok(b) if (MIN_B..=MAX_B).contains(&b) => Ok(b),
        _ => Err(format!(
            "`{text}`: expected an integer from {MIN_B} to {MAX_B} (log2 of the bucket count; \
             Go's table uses 16)"
        )),
    }
}

/// Parses `--repeats`: an integer from 1 to 1000.
pub fn parse_repeats(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(r) if (1..=1000).contains(&r) => Ok(r),
        _ => Err(format!("`{text}`: expected an integer from 1 to 1000")),
    }
}

/// Parses `--max-bytes-per-entry`: a finite number above 0.
pub fn parse_max_bytes_per_entry(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 => Ok(x),
        _ => Err(format!(
            "`{text}`: expected a finite number of bytes above 0 (overhead \
             bytes per entry, the bytes_per_entry column)"
        )),
    }
}

/// Parses `--seed`: decimal or `0x` hexadecimal.
pub fn parse_seed(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let parsed = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => t.parse(),
    };
    parsed.map_err(|_| format!("`{text}`: expected a decimal or 0x-hex 64-bit integer"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn load_factor_lists_are_checked_with_the_maps_own_rule() {
        assert_eq!(parse_load_factors("8, 4,6.5"), Ok(vec![4.0, 6.5, 8.0]));
        assert_eq!(parse_load_factors("16"), Ok(vec![16.0]));
        for (bad, says) in [
            ("nan", "invalid load factor NaN"),
            ("0", "invalid load factor 0"),
            ("-1", "invalid load factor -1"),
            ("17", "invalid load factor 17"),
            ("inf", "invalid load factor inf"),
            ("4,,5", "empty entry"),
            ("four", "`four` is not a number"),
            ("4,4.0", "4 is listed twice"),
        ] {
            let err = parse_load_factors(bad).unwrap_err();
            assert!(err.contains(says), "{bad}: {err}");
        }
        let nan = parse_load_factors("nan").unwrap_err();
        assert!(nan.contains("(0, 16]"), "{nan}");
    }

    #[test]
    fn other_parsers_name_what_is_accepted() {
        assert_eq!(parse_key_bytes("32"), Ok(32));
        assert!(parse_key_bytes("7").unwrap_err().contains("8, 16, 24"));
        assert!(parse_key_bytes("x").unwrap_err().contains("not a size"));
        assert_eq!(parse_value_bytes("0"), Ok(0));
        assert!(parse_value_bytes("2048").unwrap_err().contains("1024"));
        assert_eq!(parse_b("16"), Ok(16));
        assert!(parse_b("3").is_err() && parse_b("25").is_err());
        assert_eq!(parse_repeats("1"), Ok(1));
        assert!(parse_repeats("0").is_err());
        assert_eq!(parse_max_bytes_per_entry("10.5"), Ok(10.5));
        assert!(parse_max_bytes_per_entry("nan").is_err());
        assert!(parse_max_bytes_per_entry("0").is_err());
        assert_eq!(parse_seed("0x10"), Ok(16));
        assert_eq!(parse_seed("10"), Ok(10));
        assert!(parse_seed("-1").is_err());
        assert_eq!("latency".parse(), Ok(Objective::Latency));
        assert!("fast".parse::<Objective>().is_err());
        assert_eq!("csv".parse(), Ok(Format::Csv));
    }

    #[test]
    fn knob_settings_are_validated_before_anything_runs() {
        let k = |knob, values: Option<Vec<f64>>, workloads: Vec<Workload>| TuneConfig {
            knob,
            values,
            workloads,
            ..TuneConfig::default()
        };
        assert_eq!(
            k(Knob::ShrinkBelow, Some(vec![0.25, 1.0, 3.0]), vec![]).validate(),
            Ok(())
        );
        let e = k(Knob::ShrinkBelow, Some(vec![3.5]), vec![])
            .validate()
            .unwrap_err();
        assert!(
            e.contains("--values 3.5") && e.contains("invalid shrink threshold"),
            "{e}"
        );
        let e = k(Knob::Shards, Some(vec![0.0]), vec![])
            .validate()
            .unwrap_err();
        assert!(e.contains("shards must be at least 1"), "{e}");
        let e = k(Knob::CompactAbove, Some(vec![f64::NAN]), vec![])
            .validate()
            .unwrap_err();
        assert!(e.contains("NaN") && e.contains("(0, 1]"), "{e}");
        let e = k(Knob::ShrinkBelow, None, vec![Workload::ReadersDuringSweep])
            .validate()
            .unwrap_err();
        assert!(
            e.contains("does not apply") && e.contains("sparse-scan"),
            "{e}"
        );
        let e = k(Knob::CompactAbove, None, vec![Workload::Churn])
            .validate()
            .unwrap_err();
        assert!(e.contains("never sweeps"), "{e}");
        let e = k(Knob::LoadFactor, None, vec![Workload::Churn])
            .validate()
            .unwrap_err();
        assert!(e.contains("max-load tables"), "{e}");
        assert_eq!(
            k(Knob::Shards, None, vec![]).knob_workloads(),
            [Workload::ReadersDuringSweep, Workload::Churn]
        );
    }

    #[test]
    fn validate_refuses_tables_evacmap_would_not_grow() {
        let ok = TuneConfig::default();
        assert_eq!(ok.validate(), Ok(()));
        assert_eq!(max_load_len(6.5, 16), 425_984);
        let small = TuneConfig {
            load_factors: vec![0.5],
            b: 4,
            ..TuneConfig::default()
        };
        let err = small.validate().unwrap_err();
        assert!(err.contains("8 entries") && err.contains("--b 5"), "{err}");
        let objective = TuneConfig {
            max_bytes_per_entry: Some(12.0),
            ..TuneConfig::default()
        };
        assert_eq!(objective.effective_objective(), Objective::Latency);
        assert_eq!(ok.effective_objective(), Objective::Balanced);
    }
}
