//! `meta.json`: where, when and with what a run was made, and whether it finished.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Metric, Params};

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
    /// What each contender of the run is and promises (from its `Info`), so the report can
    /// compare like with like; empty in runs of schema version 1.
    #[serde(default)]
    pub contenders: Vec<ContenderInfo>,
    /// What each workload exists to measure, in the order the report ranks by; empty in runs of
    /// schema version 1 (the report then falls back to time per operation).
    #[serde(default)]
    pub objectives: Vec<Objective>,
}

/// A contender's declared properties, as written into `meta.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContenderInfo {
    /// Stable kebab-case id, as in the records.
    pub name: String,
    /// `evacmap`, `strategy`, `peer`, `user` (a user's own contender, added from a crate
    /// outside the workspace) or `go-reference` (records of the Go reference, never
    /// recommended).
    pub kind: String,
    /// `exclusive` (one thread owns the map) or `shared` (several threads use it at once).
    pub access: String,
    /// Consistency class of traversals and of reads during a sweep, e.g. `weakly-consistent`.
    pub consistency: String,
    /// How a sweep affects readers: `not-shared`, `whole-sweep`, `delete-phase`,
    /// `one-shard-at-a-time` or `never`.
    pub readers_block: String,
    /// Memory a sweep needs beyond the map itself.
    pub extra_memory: String,
    /// When to choose it.
    pub choose_when: String,
    /// Whether traversals keep insertion order (and a sweep keeps it for the survivors).
    #[serde(default)]
    pub keeps_order: bool,
    /// Per workload, how the contender ran it where contenders run it differently (e.g.
    /// `sweep-during-growth`: `inserts between steps`); the report ranks each group apart.
    #[serde(default)]
    pub modes: BTreeMap<String, String>,
}

impl ContenderInfo {
    /// Kind of the Go reference records, which the decision guide never chooses.
    pub const GO_REFERENCE: &'static str = "go-reference";

    /// Kind of a user's own contender (see `strategies/README.md`, out-of-tree contenders).
    pub const USER: &'static str = "user";

    /// True if several threads can use the contender at once.
    pub fn is_shared(&self) -> bool {
        self.access == "shared"
    }
}

/// One metric a workload is judged by, optionally restricted to records whose parameters
/// include `params` (e.g. the readers' p99 in `phase = sweep`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// The metric.
    pub metric: Metric,
    /// Parameters a record must have to count; empty for every record of the metric.
    #[serde(default, skip_serializing_if = "Params::is_empty")]
    pub params: Params,
    /// What it means for this workload, e.g. `ns per visited entry`.
    pub meaning: String,
}

/// What a workload exists to measure: the question, the metric that ranks contenders and the
/// tie-breakers, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Objective {
    /// Workload id.
    pub workload: String,
    /// The question the workload answers.
    pub question: String,
    /// The ranking metric first, then any further primary metrics shown beside it.
    pub primary: Vec<Target>,
    /// Metrics that break a tie on the first primary metric, in order.
    pub tie_breakers: Vec<Target>,
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
