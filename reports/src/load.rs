//! [`load`]: the reader side of a run directory, with errors that point at the bad line.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::rundir::{META_FILE, RECORDS_FILE};
use crate::schema::{Record, RunMeta, SCHEMA_VERSION};
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
}

impl LoadedRun {
    /// True if the run never finished: its missing data is reported as gaps.
    pub fn is_partial(&self) -> bool {
        !self.meta.complete
    }
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
    let (records, torn_line) = parse_records(&records_path, &records_text, meta.complete)?;
    Ok(LoadedRun {
        dir: dir.to_path_buf(),
        meta,
        records,
        torn_line,
    })
}

fn parse_meta(path: &Path, text: &str) -> Result<RunMeta, Error> {
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
fn parse_records(
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
        let record: Record = serde_json::from_str(json).map_err(corrupt)?;
        record.validate().map_err(|reason| Error::InvalidRecord {
            path: Some(path.to_path_buf()),
            line,
            reason,
        })?;
        records.push(record);
    }
    Ok((records, None))
}
