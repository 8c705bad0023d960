//! The one error type of this crate; every message names the file (and line) at fault.

use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::schema::SCHEMA_VERSION;

/// What went wrong while writing, loading or rendering a run.
#[derive(Debug)]
pub enum Error {
    /// The run directory does not exist.
    MissingRunDir {
        /// The directory asked for.
        path: PathBuf,
    },
    /// The directory exists but holds no `meta.json`, so it is not a run directory.
    MissingMeta {
        /// The missing `meta.json`.
        path: PathBuf,
    },
    /// A complete run has no `records.jsonl`.
    MissingRecords {
        /// The missing `records.jsonl`.
        path: PathBuf,
    },
    /// [`RunDir::create`](crate::RunDir::create) found a run already there; it never overwrites one.
    RunExists {
        /// The existing run directory.
        path: PathBuf,
    },
    /// A line (or `meta.json`) is not valid JSON for the schema.
    Corrupt {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What the parser said.
        message: String,
    },
    /// The last line of a complete run's records ends mid-record.
    Truncated {
        /// The file.
        path: PathBuf,
        /// 1-based line number of the cut line.
        line: usize,
    },
    /// The file was written by a newer evacbench than this one.
    NewerSchema {
        /// The file.
        path: PathBuf,
        /// 1-based line number, for records.
        line: Option<usize>,
        /// The version found.
        found: u32,
    },
    /// A record parses but breaks a rule of the schema (see [`Record::validate`](crate::Record::validate)).
    InvalidRecord {
        /// The file, or `None` when the record was rejected before it was written.
        path: Option<PathBuf>,
        /// 1-based line number within `path`.
        line: usize,
        /// The broken rule.
        reason: String,
    },
    /// Reading or writing a file failed.
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// plotters failed to draw a chart.
    Plot {
        /// Title of the chart.
        chart: String,
        /// What plotters said.
        message: String,
    },
}

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io { path, source }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::MissingRunDir { path } => {
                write!(f, "{}: run directory not found (run `cargo bench` first, or pass an existing run directory)", path.display())
            }
            Error::MissingMeta { path } => {
                write!(
                    f,
                    "{}: missing; the directory is not an evacbench run directory",
                    path.display()
                )
            }
            Error::MissingRecords { path } => {
                write!(
                    f,
                    "{}: missing, although meta.json marks the run complete",
                    path.display()
                )
            }
            Error::RunExists { path } => {
                write!(
                    f,
                    "{}: a run already exists here; choose a new run directory",
                    path.display()
                )
            }
            Error::Corrupt {
                path,
                line,
                message,
            } => {
                write!(f, "{}:{line}: corrupt record: {message}", path.display())
            }
            Error::Truncated { path, line } => write!(
                f,
                "{}:{line}: truncated record (the file ends in the middle of a line)",
                path.display()
            ),
            Error::NewerSchema { path, line, found } => {
                write!(f, "{}", path.display())?;
                if let Some(line) = line {
                    write!(f, ":{line}")?;
                }
                write!(
                    f,
                    ": written with records schema version {found}, but this evacbench reads versions up to {SCHEMA_VERSION}; update evacbench (pull the latest version and rebuild) to read this run"
                )
            }
            Error::InvalidRecord {
                path: Some(path),
                line,
                reason,
            } => {
                write!(f, "{}:{line}: invalid record: {reason}", path.display())
            }
            Error::InvalidRecord {
                path: None,
                line,
                reason,
            } => {
                write!(f, "record {line} of the batch rejected: {reason}")
            }
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Error::Plot { chart, message } => write!(f, "drawing chart \"{chart}\": {message}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
