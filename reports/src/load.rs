//! [`load`]: the reader side of a run directory, with errors that point at the bad line.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::go_reference::{load_companion, GoReference};
use crate::rundir::{META_FILE, RECORDS_FILE};
use crate::schema::{
    ParamValue, Record, RunMeta, KNOB_PARAM, LOAD_FACTOR_PARAM, SCHEMA_VERSION, TUNE_WORKLOAD,
};
use crate::tune_pick::{read_picks, KnobPick};
use crate::Error;

/// A run directory read into memory.
#[derive(Debug, Clone)]
pub struct LoadedRun {
    /// The directory it was read from.
    pub dir: PathBuf,
    /// `meta.json`.
    pub meta: RunMeta,
    /// Every record, in file order.
    pub records: Vec<Record>,
    /// 1-based line of a record cut off by an interruption (only tolerated in a partial run).
    pub torn_line: Option<usize>,
    /// The tune run whose records [`merge`] added last, if any.
    pub tune: Option<TuneSource>,
    /// Every tune run [`merge`] added (one per knob), in merge order.
    pub tunes: Vec<TuneSource>,
    /// The tuning picks recorded in this run directory (a tune run's `tune.json`).
    pub picks: Vec<KnobPick>,
    /// Go's runtime map measured on this run's cells (`go-reference/`, written by
    /// `scripts/go-reference.sh`), if present: its records are in [`records`](Self::records).
    pub go_reference: Option<GoReference>,
}

impl LoadedRun {
    /// True if the run never finished: its missing data is reported as gaps.
    pub fn is_partial(&self) -> bool {
        !self.meta.complete
    }
}

/// Where the tune records of a merged run came from (see [`merge`]).
#[derive(Debug, Clone)]
pub struct TuneSource {
    /// The tune run directory.
    pub dir: PathBuf,
    /// Its `meta.json`; the report shows the benchmark run's environment, and this run's date,
    /// commit and completeness next to the tuning section.
    pub meta: RunMeta,
    /// How many tune records were merged.
    pub records: usize,
    /// The knobs of the merged records (`load_factor`, `shrink_below`, ...).
    pub knobs: Vec<String>,
    /// What `evacbench tune` chose, as it recorded it.
    pub picks: Vec<KnobPick>,
}

/// The knob a tune record sweeps: its `knob` parameter, else the growth threshold (tune runs
/// before other knobs existed).
pub fn knob_of(record: &Record) -> String {
    match record.params.get(KNOB_PARAM) {
        Some(ParamValue::Text(k)) => k.clone(),
        _ => LOAD_FACTOR_PARAM.to_owned(),
    }
}

/// Adds the tuning of `tune` (a run written by `evacbench tune`, one knob) to the benchmark
/// run `run`, so one report shows both.
///
/// The problem: benchmarks and `evacbench tune` write separate run directories, but the report
/// has one tuning section. The result keeps `run`'s directory, environment and completeness;
/// its tune records (workload [`TUNE_WORKLOAD`]) are replaced by those of `tune`, and
/// [`LoadedRun::tune`] names the tune run, which the report shows. Records of other workloads in
/// `tune` are ignored.
///
/// ```no_run
/// # fn main() -> Result<(), reports::Error> {
/// let runs = std::path::Path::new("target/evacbench/runs");
/// let mut run = reports::load(runs.join("2025-01-31-abc1234"))?;
/// if let Some(tune) = reports::find_latest_tune(runs)? {
///     run = reports::merge(run, reports::load(tune)?);
/// }
/// reports::render(&run, None, "target/evacbench/report".as_ref())?;
/// # Ok(()) }
/// ```
///
/// Merging several tune runs (one per knob, see [`find_latest_tunes`]) keeps them all: a merged
/// run replaces only the tune records of its own knobs.
pub fn merge(mut run: LoadedRun, tune: LoadedRun) -> LoadedRun {
    let tune_records: Vec<Record> = tune
        .records
        .into_iter()
        .filter(|r| r.workload == TUNE_WORKLOAD)
        .collect();
    let mut knobs: Vec<String> = tune_records.iter().map(knob_of).collect();
    knobs.sort();
    knobs.dedup();
    run.records
        .retain(|r| r.workload != TUNE_WORKLOAD || !knobs.contains(&knob_of(r)));
    run.tunes
        .retain(|t| !t.knobs.iter().any(|k| knobs.contains(k)));
    let source = TuneSource {
        dir: tune.dir,
        meta: tune.meta,
        records: tune_records.len(),
        knobs,
        picks: tune.picks,
    };
    run.tune = Some(source.clone());
    run.tunes.push(source);
    run.records.extend(tune_records);
    run
}

/// The newest complete tune run under `runs` for each knob, oldest first (so merging them in
/// order leaves the newest last); see [`find_latest_tune`] for what counts as a tune run.
pub fn find_latest_tunes(runs: impl AsRef<Path>) -> Result<Vec<PathBuf>, Error> {
    let mut best: std::collections::BTreeMap<String, (String, PathBuf)> = Default::default();
    for (key, knob, dir) in tune_runs(runs.as_ref())? {
        if best.get(&knob).is_none_or(|(k, _)| key > *k) {
            best.insert(knob, (key, dir));
        }
    }
    let mut found: Vec<(String, PathBuf)> = best.into_values().collect();
    found.sort();
    Ok(found.into_iter().map(|(_, dir)| dir).collect())
}

/// The newest complete tune run under `runs` (the directory holding run directories), if any.
///
/// A tune run is a run directory whose first record has workload [`TUNE_WORKLOAD`]; the newest
/// is the one with the latest `meta.json` date, then the greatest directory name. Directories
/// that are not run directories are skipped; a tune run that cannot be read is an error naming
/// its file.
pub fn find_latest_tune(runs: impl AsRef<Path>) -> Result<Option<PathBuf>, Error> {
    Ok(tune_runs(runs.as_ref())?
        .into_iter()
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, _, dir)| dir))
}

/// Every complete tune run under `runs`: (date and name sort key, knob, directory).
fn tune_runs(runs: &Path) -> Result<Vec<(String, String, PathBuf)>, Error> {
    if !runs.is_dir() {
        return Err(Error::MissingRunDir {
            path: runs.to_path_buf(),
        });
    }
    let mut found = Vec::new();
    for entry in fs::read_dir(runs).map_err(Error::io(runs))? {
        let dir = entry.map_err(Error::io(runs))?.path();
        let meta_path = dir.join(META_FILE);
        let Ok(meta_text) = fs::read_to_string(&meta_path) else {
            continue;
        };
        let records_path = dir.join(RECORDS_FILE);
        let first = match fs::read_to_string(&records_path) {
            Ok(text) => text
                .lines()
                .find(|l| !l.trim().is_empty())
                .map(str::to_owned),
            Err(_) => None,
        };
        #[derive(Deserialize)]
        struct Probe {
            workload: String,
            #[serde(default)]
            params: crate::schema::Params,
        }
        let Some(first) = first.and_then(|l| serde_json::from_str::<Probe>(&l).ok()) else {
            continue;
        };
        if first.workload != TUNE_WORKLOAD {
            continue;
        }
        let knob = match first.params.get(KNOB_PARAM) {
            Some(ParamValue::Text(k)) => k.clone(),
            _ => LOAD_FACTOR_PARAM.to_owned(),
        };
        let meta = parse_meta(&meta_path, &meta_text)?;
        if !meta.complete {
            continue;
        }
        let key = format!("{}\u{0}{}", meta.environment.date, dir.display());
        found.push((key, knob, dir));
    }
    Ok(found)
}

/// Just enough of a record or `meta.json` to check the version before trusting the rest.
#[derive(Deserialize)]
struct VersionProbe {
    schema: u32,
}

/// Reads the run directory `dir`.
///
/// Errors: [`Error::MissingRunDir`], [`Error::MissingMeta`], [`Error::NewerSchema`],
/// [`Error::Corrupt`], [`Error::Truncated`] and [`Error::InvalidRecord`], each naming the file and,
/// for records, the 1-based line. An incomplete run loads (see [`LoadedRun::is_partial`]); its
/// last line may be cut off by the interruption and is then skipped and reported in
/// [`LoadedRun::torn_line`].
pub fn load(dir: impl AsRef<Path>) -> Result<LoadedRun, Error> {
    let dir = dir.as_ref();
    if !dir.is_dir() {
        return Err(Error::MissingRunDir {
            path: dir.to_path_buf(),
        });
    }
    let meta_path = dir.join(META_FILE);
    let meta_text = match fs::read_to_string(&meta_path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(Error::MissingMeta { path: meta_path })
        }
        result => result.map_err(Error::io(&meta_path))?,
    };
    let meta = parse_meta(&meta_path, &meta_text)?;
    let records_path = dir.join(RECORDS_FILE);
    let records_text = match fs::read_to_string(&records_path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound && !meta.complete => String::new(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(Error::MissingRecords { path: records_path })
        }
        result => result.map_err(Error::io(&records_path))?,
    };
    let (mut records, torn_line) = parse_records(&records_path, &records_text, meta.complete)?;
    let mut meta = meta;
    // Go's contenders, from the companion directory (validated the same way).
    let go_reference = match load_companion(dir)? {
        Some((go, go_records)) => {
            records.extend(go_records);
            // Declared like every other contender, of kind `go-reference`, so the report
            // groups them as the Go reference and the guide never chooses them.
            for c in &go.meta.contenders {
                if !meta.environment.contenders.iter().any(|k| k.name == c.name) {
                    meta.environment
                        .contenders
                        .push(crate::schema::ContenderInfo {
                            name: c.name.clone(),
                            kind: crate::schema::ContenderInfo::GO_REFERENCE.to_owned(),
                            access: c.access.clone(),
                            consistency: c.consistency.clone(),
                            readers_block: c.readers_block.clone(),
                            extra_memory: c.extra_memory.clone(),
                            choose_when: c.choose_when.clone(),
                            keeps_order: false,
                            modes: Default::default(),
                        });
                }
            }
            Some(go)
        }
        None => None,
    };
    Ok(LoadedRun {
        dir: dir.to_path_buf(),
        meta,
        records,
        torn_line,
        tune: None,
        tunes: Vec::new(),
        picks: read_picks(dir)?,
        go_reference,
    })
}

fn parse_meta(path: &Path, text: &str) -> Result<RunMeta, Error> {
    parse_meta_as(path, text)
}

/// Parses a `meta.json`-like file after checking its schema version.
pub(crate) fn parse_meta_as<T: serde::de::DeserializeOwned>(
    path: &Path,
    text: &str,
) -> Result<T, Error> {
    let corrupt = |e: serde_json::Error| Error::Corrupt {
        path: path.to_path_buf(),
        line: e.line().max(1),
        message: e.to_string(),
    };
    let probe: VersionProbe = serde_json::from_str(text).map_err(corrupt)?;
    if probe.schema > SCHEMA_VERSION {
        return Err(Error::NewerSchema {
            path: path.to_path_buf(),
            line: None,
            found: probe.schema,
        });
    }
    serde_json::from_str(text).map_err(corrupt)
}

/// Parses JSON Lines; returns the records and the line of a tolerated torn tail.
pub(crate) fn parse_records(
    path: &Path,
    text: &str,
    complete: bool,
) -> Result<(Vec<Record>, Option<usize>), Error> {
    let mut records = Vec::new();
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    for (i, raw) in lines.iter().enumerate() {
        let line = i + 1;
        let json = raw.trim();
        if json.is_empty() {
            continue;
        }
        let corrupt = |e: serde_json::Error| Error::Corrupt {
            path: path.to_path_buf(),
            line,
            message: e.to_string(),
        };
        let probe: VersionProbe = match serde_json::from_str(json) {
            Ok(probe) => probe,
            Err(e) if e.is_eof() && line == lines.len() && !raw.ends_with('\n') => {
                if complete {
                    return Err(Error::Truncated {
                        path: path.to_path_buf(),
                        line,
                    });
                }
                return Ok((records, Some(line)));
            }
            Err(e) => return Err(corrupt(e)),
        };
        if probe.schema > SCHEMA_VERSION {
            return Err(Error::NewerSchema {
                path: path.to_path_buf(),
                line: Some(line),
                found: probe.schema,
            });
        }
        let record = serde_json::from_str::<Record>(json)
            .map_err(corrupt)?
            .upgraded();
        record.validate().map_err(|reason| Error::InvalidRecord {
            path: Some(path.to_path_buf()),
            line,
            reason,
        })?;
        records.push(record);
    }
    Ok((records, None))
}
