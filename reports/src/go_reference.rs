//! Go's own map beside the Rust contenders: the companion files `scripts/go-reference.sh`
//! writes into a run directory, `go-reference/records.jsonl` and `go-reference/meta.json`.
//!
//! The Go records follow the schema of every other record (same workloads, same parameters and
//! seeds as the Rust cells, contenders named `go-*`); [`load`](crate::load()) validates them
//! with the same rules and merges them into the run, and keeps the Go meta in
//! [`LoadedRun::go_reference`]. Go hashes with its own seeded hash, not the suite's hasher: the
//! report says so wherever Go appears ([`GoReferenceMeta::hash`]).
//!
//! [`evacmap_vs_go`] compares, per cell, evacmap's best contender with Go's loop.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::load::{parse_meta_as, parse_records, LoadedRun};
use crate::schema::{Metric, Params, Record};
use crate::Error;

/// The companion directory inside a run directory.
pub const GO_REFERENCE_DIR: &str = "go-reference";

/// Prefix of every Go reference contender's name.
pub const GO_PREFIX: &str = "go-";

/// Go's loop: `for k := range m { if doomed(k) { delete(m, k) } }`.
pub const GO_LOOP: &str = "go-range-delete";

/// The same loop under a `sync.RWMutex`: Go's loop where other goroutines read.
pub const GO_LOCKED_LOOP: &str = "go-rwmutex";

/// The Rust contenders built on evacmap (the core used directly, and the five strategies).
pub const EVACMAP_CONTENDERS: [&str; 7] = [
    "evacmap-cursor",
    "evacmap-retain",
    "tombstone",
    "cow-snapshot",
    "collect-keys",
    "rwlock",
    "sharded",
];

/// One Go contender as `meta.json` describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct GoContender {
    /// `go-range-delete`, `go-collect-keys`, `go-rwmutex`, `go-sharded`, `go-sync-map`.
    pub name: String,
    /// Always `go-reference`.
    pub kind: String,
    /// `exclusive` (one goroutine) or `shared` (other goroutines may read).
    pub access: String,
    /// Consistency class, in the ids of the Rust contenders.
    pub consistency: String,
    /// Whether readers block during a sweep.
    pub readers_block: String,
    /// Memory a sweep needs beyond the map.
    pub extra_memory: String,
    /// When a Go programmer would choose it (never a recommendation for a Rust program).
    pub choose_when: String,
    /// How it deletes while iterating, in Go.
    pub how: String,
}

/// The companion `go-reference/meta.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GoReferenceMeta {
    /// Records schema version.
    pub schema: u32,
    /// True once the Go run wrote every record.
    pub complete: bool,
    /// False when Go was not measured (no toolchain, or a Swiss-table Go); see `reason`.
    pub measured: bool,
    /// Why Go was not measured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// When the Go run started (RFC 3339).
    pub date: String,
    /// `runtime.Version()`, e.g. `go1.19.8`.
    pub go_version: String,
    /// `GOGC` of the run.
    pub gogc: String,
    /// GOEXPERIMENT the binary was built with.
    pub goexperiment: String,
    /// GOMAXPROCS of the run.
    pub gomaxprocs: u32,
    /// `classic` (buckets of 8, incremental evacuation) or `swiss`.
    pub map_implementation: String,
    /// How Go hashes: its own seeded hash, not the suite's hasher.
    pub hash: String,
    /// What `ci_low`..`ci_high` of the Go records are (a min..max range over repetitions).
    pub interval: String,
    /// The clock of per-lookup latencies.
    pub clock: String,
    /// Cost of one timed empty region, included in per-lookup latencies.
    pub clock_overhead_ns: f64,
    /// Repetitions and budgets.
    pub settings: serde_json::Value,
    /// The five Go contenders.
    pub contenders: Vec<GoContender>,
    /// Cells of the Rust run the Go run went through.
    pub cells: u64,
    /// Go contenders that failed verification.
    pub failures: u64,
}

impl GoReferenceMeta {
    /// One line for the report, wherever Go appears: version, map, GOGC and the hash caveat.
    pub fn note(&self) -> String {
        if !self.measured {
            return format!(
                "Go's runtime map was not measured: {}",
                self.reason.as_deref().unwrap_or("no reason given")
            );
        }
        format!(
            "Go reference contenders (go-*): {} ({} map), GOGC={}, GOMAXPROCS={}. Go hashes with \
             {}. Their intervals: {}.",
            self.go_version,
            self.map_implementation,
            self.gogc,
            self.gomaxprocs,
            self.hash,
            self.interval
        )
    }
}

/// The Go companion of a loaded run.
#[derive(Debug, Clone)]
pub struct GoReference {
    /// The companion directory.
    pub dir: PathBuf,
    /// Its `meta.json`.
    pub meta: GoReferenceMeta,
    /// How many Go records were merged into the run.
    pub records: usize,
}

/// Reads `run_dir/go-reference/` if it exists: its meta and its records, validated like the
/// run's own (errors name the file and line). Every record must name a `go-*` contender.
pub(crate) fn load_companion(run_dir: &Path) -> Result<Option<(GoReference, Vec<Record>)>, Error> {
    let dir = run_dir.join(GO_REFERENCE_DIR);
    let meta_path = dir.join(crate::META_FILE);
    let meta_text = match fs::read_to_string(&meta_path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        result => result.map_err(Error::io(&meta_path))?,
    };
    let meta: GoReferenceMeta = parse_meta_as(&meta_path, &meta_text)?;
    let records_path = dir.join(crate::RECORDS_FILE);
    let text = match fs::read_to_string(&records_path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(Error::MissingRecords { path: records_path })
        }
        result => result.map_err(Error::io(&records_path))?,
    };
    let (records, _) = parse_records(&records_path, &text, true)?;
    let lines: Vec<usize> = text
        .split_inclusive('\n')
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, _)| i + 1)
        .collect();
    for (r, line) in records.iter().zip(lines) {
        if !r.contender.starts_with(GO_PREFIX) {
            return Err(Error::InvalidRecord {
                path: Some(records_path.clone()),
                line,
                reason: format!(
                    "contender `{}` in the Go companion does not start with `{GO_PREFIX}`",
                    r.contender
                ),
            });
        }
    }
    let n = records.len();
    Ok(Some((
        GoReference {
            dir,
            meta,
            records: n,
        },
        records,
    )))
}

/// evacmap's best contender against Go's loop on one cell (time per operation).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GoRatio {
    /// The workload.
    pub workload: String,
    /// The cell's parameters.
    pub params: Params,
    /// The fastest verified evacmap-based contender of the cell.
    pub evacmap: String,
    /// Its time per operation (ns).
    pub evacmap_ns: f64,
    /// Go's loop: [`GO_LOOP`], or [`GO_LOCKED_LOOP`] where readers run (a plain Go map cannot
    /// be read during a delete).
    pub go: String,
    /// Its time per operation (ns).
    pub go_ns: f64,
    /// `go_ns / evacmap_ns`: above 1, evacmap is faster by that factor.
    pub ratio: f64,
}

/// For every cell where both were measured and verified: evacmap's best contender (of
/// [`EVACMAP_CONTENDERS`], by `latency-ns-per-op`) against Go's loop ([`GO_LOOP`], or
/// [`GO_LOCKED_LOOP`] where the loop has no value, as under concurrent readers). Cells in
/// record order.
pub fn evacmap_vs_go(run: &LoadedRun) -> Vec<GoRatio> {
    let mut cells: Vec<(String, Params)> = Vec::new();
    let mut times: BTreeMap<(String, Params), BTreeMap<String, f64>> = BTreeMap::new();
    for r in &run.records {
        if r.metric != Metric::LatencyNsPerOp {
            continue;
        }
        let key = (r.workload.clone(), r.params.clone());
        if !times.contains_key(&key) {
            cells.push(key.clone());
        }
        let entry = times.entry(key).or_default();
        if let Some(v) = r.value() {
            entry.insert(r.contender.clone(), v);
        }
    }
    let mut out = Vec::new();
    for key in cells {
        let t = &times[&key];
        let best = EVACMAP_CONTENDERS
            .iter()
            .filter_map(|c| t.get(*c).map(|v| (*c, *v)))
            .min_by(|a, b| a.1.total_cmp(&b.1));
        let go = [GO_LOOP, GO_LOCKED_LOOP]
            .iter()
            .find_map(|c| t.get(*c).map(|v| (*c, *v)));
        if let (Some((e, ev)), Some((g, gv))) = (best, go) {
            if ev > 0.0 {
                out.push(GoRatio {
                    workload: key.0.clone(),
                    params: key.1.clone(),
                    evacmap: e.to_owned(),
                    evacmap_ns: ev,
                    go: g.to_owned(),
                    go_ns: gv,
                    ratio: gv / ev,
                });
            }
        }
    }
    out
}

/// The geometric mean of [`GoRatio::ratio`] per workload, in first-appearance order.
pub fn ratio_per_workload(ratios: &[GoRatio]) -> Vec<(String, f64, usize)> {
    let mut order: Vec<String> = Vec::new();
    let mut logs: BTreeMap<String, (f64, usize)> = BTreeMap::new();
    for r in ratios {
        if !logs.contains_key(&r.workload) {
            order.push(r.workload.clone());
        }
        let e = logs.entry(r.workload.clone()).or_default();
        e.0 += r.ratio.ln();
        e.1 += 1;
    }
    order
        .into_iter()
        .map(|w| {
            let (sum, n) = logs[&w];
            (w, (sum / n as f64).exp(), n)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Outcome, RunMeta, SCHEMA_VERSION};

    fn rec(contender: &str, workload: &str, n: u64, ns: Option<f64>) -> Record {
        Record::new(
            contender,
            workload,
            Params::new().with("n", n),
            Metric::LatencyNsPerOp,
            1,
            match ns {
                Some(v) => Outcome::value(v),
                None => Outcome::not_measured("x"),
            },
        )
    }

    fn run(records: Vec<Record>) -> LoadedRun {
        LoadedRun {
            dir: "run".into(),
            meta: RunMeta {
                schema: SCHEMA_VERSION,
                complete: true,
                environment: Default::default(),
            },
            records,
            torn_line: None,
            tune: None,
            tunes: Vec::new(),
            picks: Vec::new(),
            go_reference: None,
        }
    }

    #[test]
    fn best_evacmap_contender_against_gos_loop_per_cell() {
        let r = run(vec![
            rec("evacmap-cursor", "sweep", 1, Some(10.0)),
            rec("evacmap-retain", "sweep", 1, Some(8.0)),
            rec("hashbrown-retain", "sweep", 1, Some(4.0)),
            rec("go-range-delete", "sweep", 1, Some(32.0)),
            rec("go-collect-keys", "sweep", 1, Some(50.0)),
            rec("evacmap-cursor", "sweep", 2, Some(20.0)),
            rec("go-range-delete", "sweep", 2, None),
            rec("evacmap-cursor", "readers-during-sweep", 1, None),
            rec("sharded", "readers-during-sweep", 1, Some(30.0)),
            rec("rwlock", "readers-during-sweep", 1, Some(20.0)),
            rec("go-range-delete", "readers-during-sweep", 1, None),
            rec("go-rwmutex", "readers-during-sweep", 1, Some(40.0)),
        ]);
        let ratios = evacmap_vs_go(&r);
        assert_eq!(ratios.len(), 2, "{ratios:?}");
        assert_eq!(ratios[0].evacmap, "evacmap-retain");
        assert_eq!(ratios[0].go, "go-range-delete");
        assert!((ratios[0].ratio - 4.0).abs() < 1e-12);
        assert_eq!(ratios[1].workload, "readers-during-sweep");
        assert_eq!(
            (ratios[1].evacmap.as_str(), ratios[1].go.as_str()),
            ("rwlock", "go-rwmutex")
        );
        assert!((ratios[1].ratio - 2.0).abs() < 1e-12);
        let per = ratio_per_workload(&ratios);
        assert_eq!(per[0].0, "sweep");
        assert!((per[0].1 - 4.0).abs() < 1e-12);
    }

    #[test]
    fn note_states_the_hash_or_why_not_measured() {
        let m = GoReferenceMeta {
            measured: true,
            go_version: "go1.19.8".into(),
            hash: "Go runtime's seeded aeshash/memhash, not foldhash".into(),
            ..Default::default()
        };
        assert!(m.note().contains("not foldhash"), "{}", m.note());
        let m = GoReferenceMeta {
            measured: false,
            reason: Some("no Go toolchain".into()),
            ..Default::default()
        };
        assert!(m.note().contains("no Go toolchain"));
    }

    fn temp_run(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("evacbench-go-ref-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let mut run = crate::RunDir::create(&dir, Default::default()).unwrap();
        run.append(&[rec("evacmap-cursor", "sweep", 1, Some(10.0))])
            .unwrap();
        run.finish().unwrap();
        dir
    }

    fn write_companion(dir: &Path, records: &str) {
        let go = dir.join(GO_REFERENCE_DIR);
        fs::create_dir_all(&go).unwrap();
        fs::write(
            go.join(crate::META_FILE),
            r#"{"schema":1,"complete":true,"measured":true,"go_version":"go1.19.8","gogc":"100","map_implementation":"classic","hash":"Go's seeded aeshash, not foldhash","contenders":[{"name":"go-range-delete","kind":"go-reference","access":"exclusive"}]}"#,
        )
        .unwrap();
        fs::write(go.join(crate::RECORDS_FILE), records).unwrap();
    }

    #[test]
    fn load_merges_a_valid_companion_and_names_bad_lines() {
        let dir = temp_run("ok");
        let line = serde_json::to_string(&rec("go-range-delete", "sweep", 1, Some(30.0))).unwrap();
        write_companion(&dir, &format!("{line}\n"));
        let run = crate::load(&dir).unwrap();
        assert_eq!(run.records.len(), 2);
        let go = run.go_reference.as_ref().expect("companion loaded");
        assert_eq!((go.records, go.meta.go_version.as_str()), (1, "go1.19.8"));
        assert_eq!(go.meta.contenders[0].kind, "go-reference");
        assert!((evacmap_vs_go(&run)[0].ratio - 3.0).abs() < 1e-12);

        // A corrupt line: the error names the companion file and the line.
        write_companion(&dir, &format!("{line}\n{{not json\n"));
        let e = crate::load(&dir).unwrap_err().to_string();
        assert!(e.contains("go-reference") && e.contains(":2"), "{e}");
        // An invalid record (interval not around the value), same validation as the run's.
        let mut bad = rec("go-range-delete", "sweep", 1, Some(30.0));
        bad.outcome = Outcome::with_ci(30.0, 31.0, 32.0, vec![]);
        let bad = serde_json::to_string(&bad).unwrap();
        write_companion(&dir, &format!("{line}\n{bad}\n"));
        let e = crate::load(&dir).unwrap_err().to_string();
        assert!(e.contains("interval") && e.contains(":2"), "{e}");
        // A Rust contender name in the companion.
        write_companion(
            &dir,
            &format!(
                "{line}\n{}\n",
                serde_json::to_string(&rec("evacmap-cursor", "sweep", 1, Some(1.0))).unwrap()
            ),
        );
        let e = crate::load(&dir).unwrap_err().to_string();
        assert!(e.contains("go-") && e.contains(":2"), "{e}");
        // No companion: nothing merged.
        fs::remove_dir_all(dir.join(GO_REFERENCE_DIR)).unwrap();
        assert!(crate::load(&dir).unwrap().go_reference.is_none());
        let _ = fs::remove_dir_all(&dir);
    }
}
