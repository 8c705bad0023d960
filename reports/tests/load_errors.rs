//! Bad input: every case gives its own error naming the file and, for records, the line.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{records, scratch, write_run};
use reports::{load, Error, META_FILE, RECORDS_FILE, SCHEMA_VERSION};

/// A finished fixture run with its records file replaced by `lines`.
fn run_with_lines(name: &str, lines: &str) -> PathBuf {
    let dir = scratch(name).join("run");
    write_run(&dir, &records(1.0)[..3]);
    fs::write(dir.join(RECORDS_FILE), lines).unwrap();
    dir
}

fn good_lines(n: usize) -> String {
    records(1.0)[..n]
        .iter()
        .map(|r| serde_json::to_string(r).unwrap() + "\n")
        .collect()
}

fn mark_incomplete(dir: &Path) {
    let meta = fs::read_to_string(dir.join(META_FILE)).unwrap();
    fs::write(
        dir.join(META_FILE),
        meta.replace("\"complete\": true", "\"complete\": false"),
    )
    .unwrap();
}

#[test]
fn missing_run_directory() {
    let dir = scratch("missing-dir").join("nope");
    let err = load(&dir).unwrap_err();
    assert!(
        matches!(&err, Error::MissingRunDir { path } if *path == dir),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("nope") && err.to_string().contains("not found"),
        "{err}"
    );
}

#[test]
fn directory_without_meta_json() {
    let dir = scratch("missing-meta");
    let err = load(&dir).unwrap_err();
    assert!(
        matches!(&err, Error::MissingMeta { path } if *path == dir.join(META_FILE)),
        "{err:?}"
    );
    assert!(err.to_string().contains("meta.json"), "{err}");
}

#[test]
fn complete_run_without_records_file() {
    let dir = run_with_lines("missing-records", "");
    fs::remove_file(dir.join(RECORDS_FILE)).unwrap();
    assert!(matches!(
        load(&dir).unwrap_err(),
        Error::MissingRecords { .. }
    ));
    mark_incomplete(&dir);
    assert!(
        load(&dir).unwrap().records.is_empty(),
        "an incomplete run may not have written records yet"
    );
}

#[test]
fn corrupt_line_is_named_with_file_and_line() {
    let mut lines = good_lines(2);
    lines.push_str("{\"schema\":1, this is not json}\n");
    lines.push_str(&good_lines(1));
    let dir = run_with_lines("corrupt", &lines);
    let err = load(&dir).unwrap_err();
    assert!(
        matches!(&err, Error::Corrupt { line: 3, path, .. } if path.ends_with(RECORDS_FILE)),
        "{err:?}"
    );
    assert!(err.to_string().contains("records.jsonl:3:"), "{err}");
}

#[test]
fn unknown_metric_is_corrupt_at_its_line() {
    let lines = good_lines(1) + &good_lines(1).replace("latency-ns-per-op", "latency-fortnights");
    let err = load(run_with_lines("unknown-metric", &lines)).unwrap_err();
    assert!(matches!(&err, Error::Corrupt { line: 2, .. }), "{err:?}");
    assert!(err.to_string().contains("latency-fortnights"), "{err}");
}

#[test]
fn truncated_last_line_is_an_error_in_a_complete_run() {
    let full = good_lines(3);
    let cut = &full[..full.len() - 20]; // ends mid-record, no newline
    let dir = run_with_lines("truncated", cut);
    let err = load(&dir).unwrap_err();
    assert!(matches!(&err, Error::Truncated { line: 3, .. }), "{err:?}");
    assert!(
        err.to_string().contains("records.jsonl:3:") && err.to_string().contains("truncated"),
        "{err}"
    );

    // The same torn tail in an interrupted run is the interruption: skipped and reported.
    mark_incomplete(&dir);
    let run = load(&dir).unwrap();
    assert!(run.is_partial());
    assert_eq!(run.records.len(), 2);
    assert_eq!(run.torn_line, Some(3));
}

#[test]
fn record_of_a_newer_schema_says_which_version_and_what_to_do() {
    let newer = SCHEMA_VERSION + 1;
    let lines = good_lines(1)
        + &good_lines(1).replace(
            &format!("\"schema\":{SCHEMA_VERSION}"),
            &format!("\"schema\":{newer},\"future\":true"),
        );
    let err = load(run_with_lines("newer-record", &lines)).unwrap_err();
    assert!(
        matches!(&err, Error::NewerSchema { line: Some(2), found, .. } if *found == newer),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("records.jsonl:2")
            && msg.contains(&format!("version {newer}"))
            && msg.contains("update evacbench"),
        "{msg}"
    );
}

#[test]
fn meta_of_a_newer_schema_is_refused() {
    let dir = run_with_lines("newer-meta", &good_lines(1));
    let meta = fs::read_to_string(dir.join(META_FILE)).unwrap();
    fs::write(
        dir.join(META_FILE),
        meta.replace(&format!("\"schema\": {SCHEMA_VERSION}"), "\"schema\": 9"),
    )
    .unwrap();
    let err = load(&dir).unwrap_err();
    assert!(
        matches!(
            &err,
            Error::NewerSchema {
                line: None,
                found: 9,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("meta.json"), "{err}");
}

#[test]
fn corrupt_meta_names_its_line() {
    let dir = run_with_lines("corrupt-meta", &good_lines(1));
    fs::write(
        dir.join(META_FILE),
        "{\n  \"schema\": 1,\n  \"complete\": @,\n}\n",
    )
    .unwrap();
    let err = load(&dir).unwrap_err();
    assert!(
        matches!(&err, Error::Corrupt { line: 3, path, .. } if path.ends_with(META_FILE)),
        "{err:?}"
    );
}

#[test]
fn record_breaking_a_schema_rule_is_invalid_at_its_line() {
    let bad = good_lines(1).replacen("\"ci_low\":", "\"ci_low\":1e9,\"x\":", 1);
    assert_ne!(bad, good_lines(1), "fixture's first record has a CI");
    let err = load(run_with_lines("invalid", &(good_lines(1) + &bad))).unwrap_err();
    assert!(
        matches!(
            &err,
            Error::InvalidRecord {
                line: 2,
                path: Some(_),
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("records.jsonl:2") && err.to_string().contains("interval"),
        "{err}"
    );
}
