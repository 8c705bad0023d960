//! The command line of the `evacbench` binary: one subcommand per tool, parsed with clap.
//!
//! Each subcommand is a variant of [`Command`] holding its own argument struct, so adding one
//! (`run`, `report`) means adding a variant and a struct here and a match arm in `main.rs`.
//! Values are checked while parsing, by the library's parsers, so an invalid value stops the
//! program with a message naming the flag and what it accepts, before anything runs.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use evacbench::tune::{self, Format, Knob, Mix, Objective, RecordsTarget, TuneConfig};
use evacbench::workloads::Workload;

/// Benchmarks of deleting from a hash map while iterating it, built on evacmap, a Rust
/// reimplementation of Go's classic runtime map.
#[derive(Debug, Parser)]
#[command(name = "evacbench", version, about, long_about = None)]
pub(crate) struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Sweep a threshold you set (evacmap's growth or shrink threshold, tombstone's compaction
    /// threshold, sharded's shard count) and recommend a value.
    ///
    /// --knob load-factor (the default) sweeps evacmap's growth threshold for your key and value
    /// sizes and mix of operations, as described below. The other knobs run the chosen
    /// workloads (--workload, or the knob's defaults) once per value (--values, or the knob's
    /// defaults) through the suite's runner, with the same verification, records and intervals
    /// as `cargo bench`, and recommend the Pareto-optimal value of memory against time.
    ///
    /// For each threshold, a table at 2^B buckets holding exactly floor(lf * 2^B) random keys
    /// (the most before it grows) is measured: buckets with overflow, overhead bytes per entry and
    /// probe lengths (evacmap's probe_stats), lookup hit and miss time, amortized insert time
    /// (growth included), sweep time per entry, the mixed workload's time per operation, and heap
    /// bytes per entry over a typical fill. Every answer the map gives is verified. Progress goes
    /// to stderr; the results go to stdout; records for the report go to a run directory.
    Tune(TuneArgs),

    /// Render the HTML report of a benchmark run (by default the last complete one), with the
    /// newest tune run's load-factor section and, with --baseline, every metric's change
    /// against an earlier run.
    Report(ReportArgs),

    /// Compare two runs by the baseline rule and count what it flags: on two runs of one commit
    /// (an A/A test) every flag is a false alarm. Prints `A/A: X of Y comparisons flagged (Z%)`
    /// and exits 1 above --budget or if any exact (deterministic) value differs. On two
    /// load-factor tune runs: their picks and paired ratios side by side; exits 1 if the picks
    /// differ.
    Compare(CompareArgs),

    /// Learn this machine's run-to-run noise floors from two or more runs of one commit and
    /// write them (default: reports/noise.json, the calibration `--baseline` uses). On three or
    /// more load-factor tune runs: the run-to-run floor of the tuner's paired ratios.
    Calibrate(CalibrateArgs),
}

/// Arguments of `evacbench compare`.
#[derive(Debug, Args)]
pub(crate) struct CompareArgs {
    /// The earlier run directory.
    #[arg(value_name = "BASELINE_DIR")]
    pub(crate) baseline: PathBuf,

    /// The later run directory.
    #[arg(value_name = "CURRENT_DIR")]
    pub(crate) current: PathBuf,

    /// A noise calibration file (default: $EVACBENCH_NOISE, else the shipped one).
    #[arg(long, value_name = "FILE")]
    pub(crate) noise: Option<PathBuf>,

    /// Also check that a real slowdown is caught: make CONTENDER's times FACTOR slower in the
    /// current run and count how many are flagged (fails below half). On tune runs: a load
    /// factor's paired ratio, e.g. `--slowdown 8=1.2`.
    #[arg(long, value_name = "CONTENDER=FACTOR", value_parser = evacbench::noise_check::parse_slowdown)]
    pub(crate) slowdown: Option<(String, f64)>,

    /// Most flagged comparisons, in percent, before the command fails.
    #[arg(long, default_value_t = 5.0, value_name = "PCT")]
    pub(crate) budget: f64,
}

/// Arguments of `evacbench calibrate`.
#[derive(Debug, Args)]
pub(crate) struct CalibrateArgs {
    /// Two or more run directories of the same commit.
    #[arg(value_name = "RUN_DIR", num_args = 2.., required = true)]
    pub(crate) runs: Vec<PathBuf>,

    /// Where to write the calibration.
    #[arg(long, value_name = "FILE", default_value = "reports/noise.json")]
    pub(crate) out: PathBuf,
}

/// Arguments of `evacbench report`.
#[derive(Debug, Args)]
pub(crate) struct ReportArgs {
    /// The run directory to render (default: the one named by
    /// <target>/evacbench/runs/latest).
    #[arg(value_name = "RUN_DIR")]
    pub(crate) run: Option<PathBuf>,

    /// An earlier run directory to compare against.
    #[arg(long, value_name = "RUN_DIR")]
    pub(crate) baseline: Option<PathBuf>,

    /// Where to write index.html and report.json (default: <target>/evacbench/report).
    #[arg(long, value_name = "DIR")]
    pub(crate) out: Option<PathBuf>,

    /// Leave out the newest tune run.
    #[arg(long)]
    pub(crate) no_tune: bool,

    /// The cargo target directory (default: $CARGO_TARGET_DIR, else ./target).
    #[arg(long, value_name = "DIR")]
    pub(crate) target_dir: Option<PathBuf>,
}

impl ReportArgs {
    /// The library's options.
    pub(crate) fn into_options(self) -> evacbench::report::ReportOptions {
        evacbench::report::ReportOptions {
            target: self
                .target_dir
                .unwrap_or_else(evacbench::report::default_target),
            run: self.run,
            baseline: self.baseline,
            out: self.out,
            no_tune: self.no_tune,
        }
    }
}

/// Arguments of `evacbench tune`.
#[derive(Debug, Args)]
pub(crate) struct TuneArgs {
    /// The threshold to sweep: load-factor (evacmap's growth threshold), shrink-below
    /// (evacmap's shrink threshold), compact-above (tombstone's compaction threshold) or shards
    /// (sharded's shard count).
    #[arg(long, value_name = "KNOB", value_parser = str::parse::<Knob>, default_value = "load-factor")]
    pub(crate) knob: Knob,

    /// The knob's values, comma-separated [default: load-factor 4,4.5,...,8; shrink-below
    /// 0.25,1,1.625,3; compact-above 0.25,0.5,0.75,1; shards 1,2,4,8,16]. Each is checked with
    /// the contender's own rule (a shrink threshold below half the load factor 6.5, a compaction
    /// threshold in (0, 1], at least 1 shard).
    #[arg(long, value_name = "LIST", value_parser = tune::knob::parse_values,
          allow_hyphen_values = true, conflicts_with = "load_factors")]
    pub(crate) values: Option<::std::vec::Vec<f64>>,

    /// A workload to measure the knob on (repeat for several) [default: shrink-below:
    /// sparse-scan and churn; compact-above: sweep, sparse-scan and readers-during-sweep;
    /// shards: readers-during-sweep and churn]. The recommendation weighs the first one's
    /// primary time against its retained heap per live entry.
    #[arg(long = "workload", value_name = "WORKLOAD", value_parser = tune::knob::parse_workload)]
    pub(crate) workloads: Vec<Workload>,

    /// Growth thresholds to sweep, comma-separated, each in (0, 16].
    #[arg(long, value_name = "LIST", value_parser = tune::parse_load_factors,
          allow_hyphen_values = true, default_value = "4,4.5,5,5.5,6,6.5,7,7.5,8")]
    pub(crate) load_factors: ::std::vec::Vec<f64>,

    /// Key size in bytes: 8, 16, 24, 32, 64, 128 or 256.
    #[arg(long, value_name = "BYTES", value_parser = tune::parse_key_bytes, allow_negative_numbers = true, default_value = "8")]
    pub(crate) key_bytes: usize,

    /// Value size in bytes: 0, 8, 16, 24, 32, 64, 128, 256, 512 or 1024.
    #[arg(long, value_name = "BYTES", value_parser = tune::parse_value_bytes, allow_negative_numbers = true, default_value = "8")]
    pub(crate) value_bytes: usize,

    /// log2 of the bucket count of the measured tables (4 to 24).
    #[arg(long = "b", value_name = "B", value_parser = tune::parse_b, allow_negative_numbers = true, default_value = "16")]
    pub(crate) b: u8,

    /// Mixed workload in percent: lookups of live keys, inserts of new keys, deletes of live
    /// keys, summing to 100.
    #[arg(long, value_name = "MIX", value_parser = Mix::parse,
          default_value = "lookup=80,insert=10,delete=10")]
    pub(crate) mix: Mix,

    /// What the recommendation optimizes: memory, latency or balanced [default: balanced, or
    /// latency with --max-bytes-per-entry].
    #[arg(long, value_name = "OBJECTIVE", value_parser = str::parse::<Objective>)]
    pub(crate) objective: Option<Objective>,

    /// Recommend only among thresholds with at most this many overhead bytes per entry (the
    /// bytes_per_entry column).
    #[arg(long, value_name = "X", value_parser = tune::parse_max_bytes_per_entry, allow_negative_numbers = true)]
    pub(crate) max_bytes_per_entry: Option<f64>,

    /// Output on stdout: table, json or csv.
    #[arg(long, value_name = "FORMAT", value_parser = str::parse::<Format>, default_value = "table")]
    pub(crate) format: Format,

    /// No effect since tune measures through the suite's runner (criterion's samples of the
    /// default profile, 10 per quantity); accepted so scripts that pass it keep working.
    #[arg(long, value_name = "N", value_parser = tune::parse_repeats, allow_negative_numbers = true, default_value = "9")]
    pub(crate) repeats: usize,

    /// Seed of the keys and of the mixed workload (decimal or 0x-hex).
    #[arg(long, value_name = "SEED", value_parser = tune::parse_seed, allow_negative_numbers = true, default_value = "0x74756e65")]
    pub(crate) seed: u64,

    /// Run directory for the records [default: target/evacbench/runs/<date>-<commit>-tune].
    #[arg(long, value_name = "DIR", conflicts_with = "no_records")]
    pub(crate) out: Option<PathBuf>,

    /// Write no records.
    #[arg(long)]
    pub(crate) no_records: bool,

    /// No progress on stderr.
    #[arg(long, short)]
    pub(crate) quiet: bool,
}

impl TuneArgs {
    /// The library's configuration for these arguments.
    pub(crate) fn into_config(self) -> TuneConfig {
        let (load_factors, values) = match (self.knob, self.values) {
            (Knob::LoadFactor, Some(v)) => (v, None),
            (_, values) => (self.load_factors, values),
        };
        TuneConfig {
            knob: self.knob,
            values,
            workloads: self.workloads,
            load_factors,
            key_bytes: self.key_bytes,
            value_bytes: self.value_bytes,
            b: self.b,
            mix: self.mix,
            objective: self.objective,
            max_bytes_per_entry: self.max_bytes_per_entry,
            repeats: self.repeats,
            seed: self.seed,
            format: self.format,
            records: match (self.no_records, self.out) {
                (true, _) => RecordsTarget::Off,
                (false, Some(dir)) => RecordsTarget::Dir(dir),
                (false, None) => RecordsTarget::Default,
            },
            quiet: self.quiet,
        }
    }
}
