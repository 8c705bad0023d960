//! [`RunDir`]: the writer side of a run directory.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::schema::{Environment, Record, RunMeta, SCHEMA_VERSION};
use crate::{write_atomic, Error};

/// Name of the run metadata file in a run directory.
pub const META_FILE: &str = "meta.json";

/// Name of the records file (JSON Lines, one [`Record`] per line) in a run directory.
pub const RECORDS_FILE: &str = "records.jsonl";

/// A run directory being written: `meta.json` plus `records.jsonl`.
///
/// `meta.json` says `"complete": false` until [`finish`](RunDir::finish); a run that is dropped
/// or killed before then stays marked incomplete and loads as partial. The directory must be new
/// (or hold no run), so an interrupted run can never damage an earlier one.
///
/// ```no_run
/// # fn main() -> Result<(), reports::Error> {
/// use reports::{Environment, Metric, Outcome, Params, Record, RunDir};
/// let mut run = RunDir::create("target/evacbench/runs/2025-01-31-abc1234", Environment::default())?;
/// let params = Params::new().with("n", 65_536u64).with("delete_fraction", 0.5);
/// run.append(&[Record::new("evacmap-cursor", "sweep", params, Metric::LatencyNsPerOp, 42, Outcome::with_ci(8.1, 7.9, 8.4, vec![8.0, 8.2]))])?;
/// let dir = run.finish()?;
/// # let _ = dir; Ok(()) }
/// ```
#[derive(Debug)]
pub struct RunDir {
    dir: PathBuf,
    meta: RunMeta,
    records: File,
    written: usize,
}

impl RunDir {
    /// Creates `dir` (and its parents), writes `meta.json` marked incomplete and an empty
    /// `records.jsonl`. Fails with [`Error::RunExists`] if `dir` already holds a run.
    pub fn create(dir: impl Into<PathBuf>, environment: Environment) -> Result<RunDir, Error> {
        let dir = dir.into();
        let meta_path = dir.join(META_FILE);
        if meta_path.exists() || dir.join(RECORDS_FILE).exists() {
            return Err(Error::RunExists { path: dir });
        }
        fs::create_dir_all(&dir).map_err(Error::io(&dir))?;
        let records_path = dir.join(RECORDS_FILE);
        let records = OpenOptions::new()
            .append(true)
            .create_new(true)
            .open(&records_path)
            .map_err(Error::io(&records_path))?;
        let meta = RunMeta {
            schema: SCHEMA_VERSION,
            complete: false,
            environment,
        };
        write_meta(&dir, &meta)?;
        Ok(RunDir {
            dir,
            meta,
            records,
            written: 0,
        })
    }

    /// The run directory.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Validates `records` and appends them to `records.jsonl` in a single write of whole lines.
    ///
    /// Nothing is written if any record is invalid ([`Error::InvalidRecord`] names its index,
    /// 1-based, within `records`).
    pub fn append(&mut self, records: &[Record]) -> Result<(), Error> {
        let mut lines = String::new();
        for (i, record) in records.iter().enumerate() {
            record.validate().map_err(|reason| Error::InvalidRecord {
                path: None,
                line: i + 1,
                reason,
            })?;
            let json = serde_json::to_string(record).map_err(|e| Error::InvalidRecord {
                path: None,
                line: i + 1,
                reason: e.to_string(),
            })?;
            lines.push_str(&json);
            lines.push('\n');
        }
        let path = self.dir.join(RECORDS_FILE);
        self.records
            .write_all(lines.as_bytes())
            .map_err(Error::io(&path))?;
        self.written += records.len();
        Ok(())
    }

    /// Number of records appended so far.
    pub fn len(&self) -> usize {
        self.written
    }

    /// True if no record was appended yet.
    pub fn is_empty(&self) -> bool {
        self.written == 0
    }

    /// Flushes the records to disk, then atomically rewrites `meta.json` with `"complete": true`.
    /// Returns the run directory, ready for [`load`](crate::load()).
    pub fn finish(mut self) -> Result<PathBuf, Error> {
        let path = self.dir.join(RECORDS_FILE);
        self.records.sync_all().map_err(Error::io(&path))?;
        self.meta.complete = true;
        write_meta(&self.dir, &self.meta)?;
        Ok(self.dir)
    }
}

fn write_meta(dir: &Path, meta: &RunMeta) -> Result<(), Error> {
    write_atomic(&dir.join(META_FILE), |out| {
        serde_json::to_writer_pretty(&mut *out, meta)?;
        out.write_all(b"\n")
    })
}
