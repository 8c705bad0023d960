//! The named workloads and the profiles that pick their parameter sets.
//!
//! A [`Cell`] is one workload with one parameter set; the runner measures every contender on
//! every cell of the chosen [`Profile`]. Parameters are validated when a cell is made, so a
//! bad value is an error before anything runs.

use std::fmt;

use reports::schema::PHASE_PARAM;
use reports::{Metric, Objective, Params, Target};

use crate::keys::{DoomPattern, KeyOrder};

/// The workloads, each modelling one situation a service meets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Workload {
    /// Prefill N, then delete a fraction while traversing.
    Sweep,
    /// Delete while inserting enough to trigger evacuation (growth) mid-traversal.
    SweepDuringGrowth,
    /// R threads look keys up while one thread sweeps.
    ReadersDuringSweep,
    /// Steady size N under high-frequency insert and delete of random keys.
    Churn,
    /// A table that held N entries after 99% were deleted: traversal and lookups.
    SparseScan,
}

impl Workload {
    /// Every workload, in report order.
    pub const ALL: [Workload; 5] = [
        Workload::Sweep,
        Workload::SweepDuringGrowth,
        Workload::ReadersDuringSweep,
        Workload::Churn,
        Workload::SparseScan,
    ];

    /// The workload's stable id (records, bench ids, README).
    pub const fn id(self) -> &'static str {
        match self {
            Workload::Sweep => "sweep",
            Workload::SweepDuringGrowth => "sweep-during-growth",
            Workload::ReadersDuringSweep => "readers-during-sweep",
            Workload::Churn => "churn",
            Workload::SparseScan => "sparse-scan",
        }
    }

    /// What the workload models, in one line (README's workload table).
    pub const fn models(self) -> &'static str {
        match self {
            Workload::Sweep => {
                "a periodic purge: expire a fraction of a map's entries in one pass over it"
            }
            Workload::SweepDuringGrowth => {
                "a purge while new entries keep arriving, so the table grows (evacuates) mid-pass"
            }
            Workload::ReadersDuringSweep => {
                "a cache purged by a background thread while request threads keep reading it"
            }
            Workload::Churn => {
                "a session table of steady size: every arrival evicts the oldest entry"
            }
            Workload::SparseScan => {
                "the morning after a mass expiry: a big table, almost empty, still scanned and read"
            }
        }
    }

    /// What one "operation" is for this workload's per-operation metrics.
    pub const fn op(self) -> &'static str {
        match self {
            Workload::Sweep | Workload::ReadersDuringSweep => "one entry visited by the sweep",
            Workload::SweepDuringGrowth => "one entry visited or inserted",
            Workload::Churn => "one churn step (insert + remove + lookups)",
            Workload::SparseScan => "one live entry traversed",
        }
    }
}

/// A ranking metric of an objective, over every record of the metric.
fn target(metric: Metric, meaning: &str) -> Target {
    Target {
        metric,
        params: Params::new(),
        meaning: meaning.to_owned(),
    }
}

/// A ranking metric of an objective, over the records of one `readers-during-sweep` phase.
fn in_phase(metric: Metric, phase: &str, meaning: &str) -> Target {
    Target {
        params: Params::new().with(PHASE_PARAM, phase),
        ..target(metric, meaning)
    }
}

impl Workload {
    /// What the workload exists to measure: its question, the metric its recommendation ranks
    /// by (the first primary target) and the tie-breakers, in order. This is the one place they
    /// are declared; the run writes them into `meta.json` and the report ranks by them.
    pub fn objective(self) -> Objective {
        let (question, primary, tie_breakers) = match self {
            Workload::Sweep => (
                "Which contender purges a fraction of a map fastest in one pass, and what does it keep allocated afterwards?",
                vec![target(Metric::LatencyNsPerOp, "ns per visited entry")],
                vec![
                    target(Metric::RetainedBytesPerEntry, "heap retained per live entry after the sweep"),
                    target(Metric::PeakExtraHeapBytes, "extra heap at the sweep's peak"),
                ],
            ),
            Workload::SweepDuringGrowth => (
                "Which contender sweeps fastest while new entries keep arriving, among contenders that absorbed the inserts the same way (between steps, after the sweep, or from a concurrent writer)?",
                vec![target(Metric::LatencyNsPerOp, "ns per operation (entry visited or inserted)")],
                vec![target(Metric::PeakExtraHeapBytes, "extra heap at the peak")],
            ),
            Workload::ReadersDuringSweep => (
                "What do readers suffer while a background purge runs: their tail latency during the sweep, and its slowdown against the same readers with no sweep?",
                vec![
                    in_phase(Metric::LatencyP99Ns, "sweep", "readers' p99 lookup latency during the sweep"),
                    target(Metric::ReaderP99Slowdown, "readers' p99 during the sweep / with no sweep"),
                    in_phase(Metric::LatencyMaxNs, "sweep", "readers' slowest lookup during the sweep (shown, never ranked: one sample)"),
                ],
                vec![
                    in_phase(Metric::LatencyP999Ns, "sweep", "readers' p99.9 lookup latency during the sweep"),
                    target(Metric::ReaderP99Slowdown, "readers' p99 during the sweep / with no sweep"),
                    target(Metric::LatencyNsPerOp, "sweep time per visited entry"),
                ],
            ),
            Workload::Churn => (
                "Which contender keeps a steady-size map cheapest when every arrival evicts the oldest entry, per step and in its tail?",
                vec![
                    target(Metric::LatencyNsPerOp, "ns per step (insert + remove + 2 lookups)"),
                    target(Metric::LatencyP99Ns, "p99 of single steps"),
                ],
                vec![
                    target(Metric::LatencyP99Ns, "p99 of single steps"),
                    target(Metric::AllocBytesPerOp, "bytes allocated per step"),
                ],
            ),
            Workload::SparseScan => (
                "After a mass deletion, which contender scans the few survivors cheapest, and which gives the memory back?",
                vec![
                    target(Metric::LatencyNsPerOp, "ns per live entry traversed"),
                    target(Metric::RetainedBytesPerEntry, "heap retained per live entry"),
                ],
                vec![target(Metric::RetainedBytesPerEntry, "heap retained per live entry")],
            ),
        };
        Objective {
            workload: self.id().to_owned(),
            question: question.to_owned(),
            primary,
            tie_breakers,
        }
    }
}

impl fmt::Display for Workload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// Value size of a cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ValueSize {
    /// 8-byte values.
    V8,
    /// 64-byte values.
    V64,
}

impl ValueSize {
    /// Bytes per value.
    pub const fn bytes(self) -> u64 {
        match self {
            ValueSize::V8 => 8,
            ValueSize::V64 => 64,
        }
    }
}

/// One workload with one validated parameter set.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cell {
    /// The workload.
    pub workload: Workload,
    /// Entries prefilled (for `sparse-scan`: the peak before deletion).
    pub n: u64,
    /// Fraction of the prefilled entries the sweep dooms (`sparse-scan`: 0.99; `churn`: 0).
    pub delete_fraction: f64,
    /// Key order.
    pub keys: KeyOrder,
    /// Which entries are doomed.
    pub doom: DoomPattern,
    /// Value size.
    pub value: ValueSize,
    /// `readers-during-sweep`: reader threads (0 otherwise).
    pub readers: u32,
    /// `sweep-during-growth`: keys inserted during the sweep; `churn`: steps per run.
    pub inserts: u64,
    /// `sparse-scan`: whether the table is shrunk after the deletion.
    pub shrink: bool,
    /// Build settings (thresholds, shard count); every one unset (the contenders' defaults)
    /// in the profiles' cells. `evacbench tune` varies them.
    pub settings: BuildSettings,
    /// `sparse-scan`: how the 99% are deleted ([`Removal::Sweep`] in the profiles' cells).
    pub removal: Removal,
}

/// How `sparse-scan` deletes its 99%.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Removal {
    /// One sweep (the contender's delete-while-iterating), as a purge does.
    #[default]
    Sweep,
    /// One `remove` per key, as expiry by key does. evacmap makes progress on a halving it
    /// started (its shrink threshold) only on writes such as these, not during a sweep.
    ByKey,
}

/// Build settings a cell can vary: the thresholds and shard count a user of a strategy sets.
/// `None` keeps the contender's default. Only contenders that have the setting read it (evacmap's
/// `Config` reads the load factor and the shrink threshold, `tombstone` its compaction
/// threshold, `sharded` its shard count); see [`BuildSettings::apply`].
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BuildSettings {
    /// evacmap's growth threshold (average entries per bucket), `Config::load_factor`.
    pub load_factor: Option<f64>,
    /// evacmap's shrink threshold, `Config::shrink_below` (below half the load factor).
    pub shrink_below: Option<f64>,
    /// `tombstone`'s compaction threshold, `Build::compact_above`, in `(0, 1]`.
    pub compact_above: Option<f64>,
    /// `sharded`'s shard count, `Build::shards`, at least 1.
    pub shards: Option<usize>,
}

impl BuildSettings {
    /// True when every setting is the contenders' default.
    pub fn is_default(&self) -> bool {
        *self == BuildSettings::default()
    }

    /// `build` with these settings applied (unset ones left as they are).
    pub fn apply(&self, mut build: strategies::Build) -> strategies::Build {
        if let Some(lf) = self.load_factor {
            build.map.load_factor = lf;
        }
        if let Some(t) = self.shrink_below {
            build.map.shrink_below = Some(t);
        }
        if let Some(t) = self.compact_above {
            build.compact_above = t;
        }
        if let Some(n) = self.shards {
            build.shards = Some(n);
        }
        build
    }

    /// Checks the settings with the contenders' own rules and messages
    /// ([`strategies::Build::validate`], which checks evacmap's `Config` too).
    pub fn validate(&self) -> Result<(), strategies::BuildError> {
        self.apply(strategies::Build::default()).validate()
    }

    /// The settings as record parameters, in a fixed order (only those set).
    pub fn params(&self) -> Vec<(&'static str, f64)> {
        [
            ("load_factor", self.load_factor),
            ("shrink_below", self.shrink_below),
            ("compact_above", self.compact_above),
            ("shards", self.shards.map(|n| n as f64)),
        ]
        .into_iter()
        .filter_map(|(name, v)| v.map(|v| (name, v)))
        .collect()
    }
}

/// An invalid parameter, with what would be accepted.
#[derive(Clone, Debug, PartialEq)]
pub struct CellError(pub String);

impl fmt::Display for CellError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CellError {}

/// Largest prefill accepted (keys and doom bitmaps must fit in memory comfortably).
pub const MAX_N: u64 = 1 << 26;

impl Cell {
    fn base(workload: Workload, n: u64, delete_fraction: f64) -> Cell {
        Cell {
            workload,
            n,
            delete_fraction,
            keys: KeyOrder::Uniform,
            doom: DoomPattern::Uniform,
            value: ValueSize::V8,
            readers: 0,
            inserts: 0,
            shrink: false,
            settings: BuildSettings::default(),
            removal: Removal::Sweep,
        }
    }

    /// `sweep`: prefill `n`, delete `fraction` while traversing.
    pub fn sweep(n: u64, fraction: f64) -> Result<Cell, CellError> {
        Cell::base(Workload::Sweep, n, fraction).validated()
    }

    /// `sweep-during-growth`: prefill `n`, delete `fraction` while inserting `inserts` keys.
    pub fn sweep_during_growth(n: u64, fraction: f64, inserts: u64) -> Result<Cell, CellError> {
        Cell {
            inserts,
            ..Cell::base(Workload::SweepDuringGrowth, n, fraction)
        }
        .validated()
    }

    /// `readers-during-sweep`: `readers` threads look up while one thread sweeps.
    pub fn readers_during_sweep(n: u64, fraction: f64, readers: u32) -> Result<Cell, CellError> {
        Cell {
            readers,
            ..Cell::base(Workload::ReadersDuringSweep, n, fraction)
        }
        .validated()
    }

    /// `churn`: steady size `n`, `steps` insert+remove steps per measured run.
    pub fn churn(n: u64, steps: u64) -> Result<Cell, CellError> {
        Cell {
            inserts: steps,
            ..Cell::base(Workload::Churn, n, 0.0)
        }
        .validated()
    }

    /// `sparse-scan`: `peak` entries, 99% deleted, then optionally shrunk.
    pub fn sparse_scan(peak: u64, shrink: bool) -> Result<Cell, CellError> {
        Cell {
            shrink,
            ..Cell::base(Workload::SparseScan, peak, 0.99)
        }
        .validated()
    }

    /// The same cell with another key order.
    pub fn with_keys(self, keys: KeyOrder) -> Cell {
        Cell { keys, ..self }
    }

    /// The same cell with another doom pattern.
    pub fn with_doom(self, doom: DoomPattern) -> Cell {
        Cell { doom, ..self }
    }

    /// The same cell with another value size.
    pub fn with_value(self, value: ValueSize) -> Cell {
        Cell { value, ..self }
    }

    /// The same `sparse-scan` cell with its 99% deleted by `removal`.
    pub fn with_removal(self, removal: Removal) -> Cell {
        Cell { removal, ..self }
    }

    /// The same cell built with `settings`, checked with the contenders' own rules.
    pub fn with_settings(self, settings: BuildSettings) -> Result<Cell, CellError> {
        settings
            .validate()
            .map_err(|e| CellError(format!("{}: {e}", self.workload)))?;
        Ok(Cell { settings, ..self })
    }

    /// Checks every parameter.
    pub fn validated(self) -> Result<Cell, CellError> {
        let w = self.workload;
        if self.n == 0 || self.n > MAX_N {
            return Err(CellError(format!(
                "{w}: n must be in 1..={MAX_N} (got {})",
                self.n
            )));
        }
        let f = self.delete_fraction;
        if !f.is_finite() || !(0.0..=1.0).contains(&f) {
            return Err(CellError(format!(
                "{w}: delete fraction must be a number in [0, 1] (got {f})"
            )));
        }
        match w {
            Workload::ReadersDuringSweep if self.readers == 0 || self.readers > 256 => {
                Err(CellError(format!(
                    "{w}: readers must be in 1..=256 (got {})",
                    self.readers
                )))
            }
            Workload::SweepDuringGrowth | Workload::Churn if self.inserts == 0 => Err(CellError(
                format!("{w}: the insert/step count must be at least 1"),
            )),
            _ => Ok(self),
        }
    }

    /// The record parameters of this cell (every parameter that varies for its workload).
    pub fn params(&self) -> Params {
        let mut p = Params::new().with("n", self.n);
        match self.workload {
            Workload::Sweep => {
                p = p
                    .with("delete_fraction", self.delete_fraction)
                    .with("keys", self.keys.id())
                    .with("doom", self.doom.id())
                    .with("value_bytes", self.value.bytes());
            }
            Workload::SweepDuringGrowth => {
                p = p
                    .with("delete_fraction", self.delete_fraction)
                    .with("inserts", self.inserts);
            }
            Workload::ReadersDuringSweep => {
                p = p
                    .with("delete_fraction", self.delete_fraction)
                    .with("readers", u64::from(self.readers));
            }
            Workload::Churn => p = p.with("steps", self.inserts),
            Workload::SparseScan => {
                p = p.with("shrink", if self.shrink { "yes" } else { "no" });
                if self.removal == Removal::ByKey {
                    p = p.with("removal", "by-key");
                }
            }
        }
        for (name, v) in self.settings.params() {
            p = p.with(name, v);
        }
        p
    }

    /// A short id for bench names: `n=65536/f=0.5/...` (the workload and contender go around it).
    pub fn label(&self) -> String {
        let mut s = format!("n={}", self.n);
        match self.workload {
            Workload::Sweep => {
                s += &format!("/f={}", self.delete_fraction);
                if self.keys != KeyOrder::Uniform {
                    s += &format!("/keys={}", self.keys.id());
                }
                if self.doom != DoomPattern::Uniform {
                    s += &format!("/doom={}", self.doom.id());
                }
                if self.value != ValueSize::V8 {
                    s += &format!("/v={}", self.value.bytes());
                }
            }
            Workload::SweepDuringGrowth => {
                s += &format!("/f={}/inserts={}", self.delete_fraction, self.inserts)
            }
            Workload::ReadersDuringSweep => {
                s += &format!("/f={}/readers={}", self.delete_fraction, self.readers)
            }
            Workload::Churn => s += &format!("/steps={}", self.inserts),
            Workload::SparseScan => {
                s += if self.shrink { "/shrunk" } else { "/as-is" };
                if self.removal == Removal::ByKey {
                    s += "/by-key";
                }
            }
        }
        for (name, v) in self.settings.params() {
            s += &format!("/{name}={v}");
        }
        s
    }

    /// Keys doomed by the sweep (`sparse-scan`'s 99% deletion included).
    pub fn doomed(&self) -> u64 {
        ((self.n as f64) * self.delete_fraction).round() as u64
    }
}

/// A set of cells and measurement settings, chosen with `EVACBENCH_PROFILE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Profile {
    /// A few small cells with minimal timing: proves the pipeline end to end (CI).
    Tiny,
    /// The default `cargo bench`: every workload, the most telling parameters, at most about
    /// 10 minutes on 2 cores.
    Default,
    /// The whole matrix.
    Full,
}

/// The environment variable that picks the profile.
pub const PROFILE_ENV: &str = "EVACBENCH_PROFILE";

impl Profile {
    /// The profile's id.
    pub const fn id(self) -> &'static str {
        match self {
            Profile::Tiny => "tiny",
            Profile::Default => "default",
            Profile::Full => "full",
        }
    }

    /// Parses a profile id.
    pub fn parse(s: &str) -> Result<Profile, CellError> {
        match s {
            "tiny" => Ok(Profile::Tiny),
            "default" | "" => Ok(Profile::Default),
            "full" => Ok(Profile::Full),
            other => Err(CellError(format!(
                "unknown profile `{other}`; use one of: tiny, default, full (set {PROFILE_ENV})"
            ))),
        }
    }

    /// The profile named by `EVACBENCH_PROFILE` (default when unset).
    pub fn from_env() -> Result<Profile, CellError> {
        match std::env::var(PROFILE_ENV) {
            Ok(v) => Profile::parse(v.trim()),
            Err(std::env::VarError::NotPresent) => Ok(Profile::Default),
            Err(e) => Err(CellError(format!("{PROFILE_ENV}: {e}"))),
        }
    }

    /// The cells of this profile, in run order.
    pub fn cells(self) -> Vec<Cell> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as u32;
        let ok = |c: Result<Cell, CellError>| c.expect("profile cells are valid");
        let mut cells = Vec::new();
        match self {
            Profile::Tiny => {
                cells.push(ok(Cell::sweep(1024, 0.5)));
                cells.push(ok(Cell::sweep(1024, 0.5)).with_value(ValueSize::V64));
                cells.push(ok(Cell::sweep_during_growth(832, 0.5, 512)));
                cells.push(ok(Cell::readers_during_sweep(1024, 0.5, 1)));
                cells.push(ok(Cell::churn(1024, 256)));
                cells.push(ok(Cell::sparse_scan(16_384, false)));
                cells.push(ok(Cell::sparse_scan(16_384, true)));
            }
            Profile::Default => {
                for f in [0.1, 0.5, 1.0] {
                    cells.push(ok(Cell::sweep(65_536, f)));
                }
                cells.push(ok(Cell::sweep(1_024, 0.5)));
                cells.push(ok(Cell::sweep(1 << 20, 0.5)));
                let mid = ok(Cell::sweep(65_536, 0.5));
                cells.push(mid.with_keys(KeyOrder::Sequential));
                cells.push(mid.with_doom(DoomPattern::Zipf));
                cells.push(mid.with_value(ValueSize::V64));
                // 53_248 = 6.5 x 2^13: evacmap at its max load, so the first insert grows it.
                cells.push(ok(Cell::sweep_during_growth(53_248, 0.5, 26_624)));
                for r in readers_counts(cores) {
                    cells.push(ok(Cell::readers_during_sweep(65_536, 0.5, r)));
                }
                cells.push(ok(Cell::churn(16_384, 1_024)));
                cells.push(ok(Cell::sparse_scan(1 << 20, false)));
                cells.push(ok(Cell::sparse_scan(1 << 20, true)));
            }
            Profile::Full => {
                for n in [1_024, 65_536, 1 << 20] {
                    for f in [0.01, 0.1, 0.5, 0.9, 1.0] {
                        cells.push(ok(Cell::sweep(n, f)));
                    }
                    let mid = ok(Cell::sweep(n, 0.5));
                    cells.push(mid.with_keys(KeyOrder::Sequential));
                    cells.push(mid.with_doom(DoomPattern::Zipf));
                    cells.push(ok(Cell::sweep(n, 0.1)).with_doom(DoomPattern::Zipf));
                    cells.push(mid.with_value(ValueSize::V64));
                }
                for (n, inserts) in [(53_248, 26_624), (851_968, 425_984)] {
                    cells.push(ok(Cell::sweep_during_growth(n, 0.5, inserts)));
                }
                for n in [65_536, 1 << 20] {
                    for r in readers_counts(cores) {
                        cells.push(ok(Cell::readers_during_sweep(n, 0.5, r)));
                    }
                }
                for n in [16_384, 262_144] {
                    cells.push(ok(Cell::churn(n, 1_024)));
                }
                cells.push(ok(Cell::sparse_scan(1 << 20, false)));
                cells.push(ok(Cell::sparse_scan(1 << 20, true)));
            }
        }
        cells
    }
}

/// Reader counts from 1 up to the available parallelism: every count up to 4, then doublings.
pub fn readers_counts(cores: u32) -> Vec<u32> {
    let mut v: Vec<u32> = (1..=cores.clamp(1, 4)).collect();
    let mut r = 8;
    while r <= cores {
        v.push(r);
        r *= 2;
    }
    if cores > 4 && *v.last().unwrap_or(&0) != cores {
        v.push(cores);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_parameters_are_clear_errors() {
        let e = Cell::sweep(1000, f64::NAN).unwrap_err();
        assert!(
            e.0.contains("delete fraction") && e.0.contains("[0, 1]"),
            "{e}"
        );
        assert!(Cell::sweep(1000, 1.5).is_err());
        assert!(Cell::sweep(0, 0.5).unwrap_err().0.contains("n must be"));
        assert!(Cell::readers_during_sweep(10, 0.5, 0)
            .unwrap_err()
            .0
            .contains("readers"));
        assert!(Cell::churn(10, 0).is_err());
        let e = Profile::parse("fast").unwrap_err();
        assert!(e.0.contains("tiny, default, full"), "{e}");
    }

    #[test]
    fn every_profile_covers_every_workload_with_unique_labels() {
        for profile in [Profile::Tiny, Profile::Default, Profile::Full] {
            let cells = profile.cells();
            for w in Workload::ALL {
                assert!(
                    cells.iter().any(|c| c.workload == w),
                    "{profile:?} lacks {w}"
                );
            }
            let mut ids: Vec<String> = cells
                .iter()
                .map(|c| format!("{}/{}", c.workload, c.label()))
                .collect();
            let len = ids.len();
            ids.sort();
            ids.dedup();
            assert_eq!(ids.len(), len, "{profile:?} has duplicate cells");
        }
    }

    #[test]
    fn every_objective_ranks_by_a_metric_of_its_workload() {
        for w in Workload::ALL {
            let o = w.objective();
            assert_eq!(o.workload, w.id());
            assert!(!o.question.is_empty() && !o.primary.is_empty());
            // The ranking metric is never the single-sample maximum.
            assert_ne!(o.primary[0].metric, Metric::LatencyMaxNs);
            for t in o.primary.iter().chain(&o.tie_breakers) {
                assert!(!t.meaning.is_empty(), "{w}: {:?}", t.metric);
            }
        }
        // readers-during-sweep ranks by the readers' tail, not by the sweeper's speed.
        let r = Workload::ReadersDuringSweep.objective();
        assert_eq!(r.primary[0].metric, Metric::LatencyP99Ns);
        assert_eq!(
            r.primary[0]
                .params
                .get(PHASE_PARAM)
                .map(ToString::to_string),
            Some("sweep".to_owned())
        );
    }

    #[test]
    fn build_settings_are_validated_with_the_contenders_messages_and_recorded() {
        let cell = Cell::sparse_scan(1024, false).unwrap();
        assert!(cell.settings.is_default());
        assert_eq!(
            cell.params().iter().count(),
            2,
            "profiles' cells are unchanged"
        );
        let shrink = BuildSettings {
            shrink_below: Some(3.0),
            ..BuildSettings::default()
        };
        let c = cell.with_settings(shrink).unwrap();
        assert_eq!(c.params().num("shrink_below"), Some(3.0));
        assert_eq!(c.label(), "n=1024/as-is/shrink_below=3");
        let build = c.settings.apply(strategies::Build::default());
        assert_eq!(build.map.shrink_below, Some(3.0));
        // evacmap's own rule: the shrink threshold must be below half the load factor.
        let e = cell
            .with_settings(BuildSettings {
                shrink_below: Some(3.25),
                ..BuildSettings::default()
            })
            .unwrap_err();
        assert!(
            e.0.contains("invalid shrink threshold 3.25") && e.0.contains("(0, 3.25)"),
            "{e}"
        );
        let e = cell
            .with_settings(BuildSettings {
                shards: Some(0),
                ..BuildSettings::default()
            })
            .unwrap_err();
        assert!(e.0.contains("shards must be at least 1"), "{e}");
        let e = cell
            .with_settings(BuildSettings {
                compact_above: Some(f64::NAN),
                ..BuildSettings::default()
            })
            .unwrap_err();
        assert!(
            e.0.contains("compact threshold") && e.0.contains("NaN"),
            "{e}"
        );
    }

    #[test]
    fn readers_go_up_to_the_cores() {
        assert_eq!(readers_counts(1), vec![1]);
        assert_eq!(readers_counts(2), vec![1, 2]);
        assert_eq!(readers_counts(16), vec![1, 2, 3, 4, 8, 16]);
        assert_eq!(readers_counts(12), vec![1, 2, 3, 4, 8, 12]);
    }
}
