//! `meta.json`: where, when and with what a run was made, and whether it finished.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The machine, toolchain and settings of a run, as the producer observed them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Environment {
    /// When the run started, RFC 3339 (e.g. `2025-01-31T12:00:00Z`).
    pub date: String,
    /// `git rev-parse HEAD` of the benchmarked tree, with `-dirty` if it had local changes.
    pub git_commit: String,
    /// `rustc -V` output.
    pub rustc: String,
    /// Crate name to exact version of every benchmarked dependency (peer maps, hasher, criterion).
    pub dependencies: BTreeMap<String, String>,
    /// CPU model name (`/proc/cpuinfo` "model name").
    pub cpu_model: String,
    /// Logical cores available to the run.
    pub cpu_cores: u32,
    /// Hasher every contender used, e.g. `foldhash 0.2.0`.
    pub hasher: String,
    /// Bench profile, e.g. `default` or `full`.
    pub profile: String,
    /// Seeds the workloads were generated from.
    pub seeds: Vec<u64>,
}

/// The content of `meta.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunMeta {
    /// Schema version the run was written with.
    pub schema: u32,
    /// False until the producer called [`RunDir::finish`](crate::RunDir::finish); a run that
    /// stays false was interrupted and is reported as partial.
    pub complete: bool,
    /// Machine, toolchain and settings.
    #[serde(flatten)]
    pub environment: Environment,
}
