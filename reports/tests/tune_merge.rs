//! A benchmark run rendered together with a tune run (`merge`), and finding the latest tune run.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::scratch;
use reports::{find_latest_tune, load, merge, render, Error, META_FILE, RECORDS_FILE};
use serde_json::Value;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// Copies the run directory `from` to `to`, with `date` and `complete` changed in meta.json.
fn copy_run(from: &Path, to: &Path, date: Option<&str>, complete: bool) {
    fs::create_dir_all(to).unwrap();
    let mut meta: Value =
        serde_json::from_str(&fs::read_to_string(from.join(META_FILE)).unwrap()).unwrap();
    if let Some(date) = date {
        meta["date"] = date.into();
    }
    meta["complete"] = complete.into();
    fs::write(
        to.join(META_FILE),
        serde_json::to_string_pretty(&meta).unwrap(),
    )
    .unwrap();
    fs::copy(from.join(RECORDS_FILE), to.join(RECORDS_FILE)).unwrap();
}

#[test]
fn merged_tune_run_adds_the_tuning_section_and_keeps_the_benchmark_environment() {
    let bench = load(data("tiny-run")).unwrap();
    let bench_records = bench.records.len();
    let tune = load(data("tune-run")).unwrap();
    let tune_records = tune.records.len();
    let merged = merge(bench, tune);
    assert_eq!(merged.records.len(), bench_records + tune_records);
    assert_eq!(
        merged.meta.environment.profile, "tiny",
        "the benchmark run's environment"
    );
    assert_eq!(merged.tune.as_ref().unwrap().records, tune_records);

    let out = scratch("tune-merge").join("report");
    let paths = render(&merged, None, &out).unwrap();
    let html = fs::read_to_string(&paths.html).unwrap();
    let json: Value = serde_json::from_str(&fs::read_to_string(&paths.json).unwrap()).unwrap();
    assert!(html.contains("<h2>Tuning</h2>"));
    assert!(html.contains(r##"<a href="#tuning">Tuning</a>"##));
    let tune_dir = data("tune-run").display().to_string();
    assert!(html.contains(&format!("From the tune run <code>{tune_dir}</code>")));
    assert_eq!(json["run"]["tune"]["dir"], tune_dir.as_str());
    assert_eq!(json["run"]["meta"]["profile"], "tiny");
    let tuning = json["tuning"].as_array().unwrap();
    assert_eq!(
        tuning.len(),
        1,
        "one sweep: b=16, 8-byte keys and values, one mix"
    );
    assert_eq!(tuning[0]["rows"].as_array().unwrap().len(), 9);
    assert!(tuning[0]["recommendation"]["choice"].is_string());
    // Marked as the default (and, when the balanced rule keeps it, as recommended too).
    assert!(html.contains("6.5 (default"));
    // The tune workload is not a benchmark workload: no summary, no section part.
    assert!(json["summary"]
        .as_array()
        .unwrap()
        .iter()
        .all(|w| w["workload"] != "tune"));
    assert!(
        html.contains("<th>tune run</th>"),
        "named in the environment"
    );
}

#[test]
fn merging_replaces_tune_records_of_the_benchmark_run() {
    let tune = load(data("tune-run")).unwrap();
    let twice = merge(tune.clone(), tune.clone());
    assert_eq!(twice.records.len(), tune.records.len());
}

#[test]
fn the_latest_complete_tune_run_is_found() {
    let runs = scratch("tune-latest");
    copy_run(
        &data("tune-run"),
        &runs.join("a-tune"),
        Some("2026-11-20T10:00:00Z"),
        true,
    );
    copy_run(
        &data("tune-run"),
        &runs.join("b-tune"),
        Some("2026-11-22T10:00:00Z"),
        true,
    );
    // Newer but interrupted: not used.
    copy_run(
        &data("tune-run"),
        &runs.join("c-tune"),
        Some("2026-11-23T10:00:00Z"),
        false,
    );
    // Newest, but a benchmark run.
    copy_run(
        &data("tiny-run"),
        &runs.join("d-bench"),
        Some("2026-11-24T10:00:00Z"),
        true,
    );
    fs::create_dir_all(runs.join("not-a-run")).unwrap();
    fs::write(runs.join("latest"), "d-bench\n").unwrap();
    assert_eq!(find_latest_tune(&runs).unwrap(), Some(runs.join("b-tune")));

    let empty = scratch("tune-latest-none");
    assert_eq!(find_latest_tune(&empty).unwrap(), None);
    let missing = empty.join("nope");
    assert!(matches!(
        find_latest_tune(&missing),
        Err(Error::MissingRunDir { path }) if path == missing
    ));
}
