//! Writing run directories: round trip, incomplete runs, refusals, atomic replacement.

mod common;

use std::fs;
use std::io;

use common::{environment, records, scratch, write_run};
use reports::{
    load, write_atomic, Error, Metric, Outcome, Params, Record, RunDir, META_FILE, RECORDS_FILE,
    SCHEMA_VERSION,
};

#[test]
fn records_round_trip_through_a_finished_run() {
    let dir = scratch("round-trip").join("run");
    let written = records(1.0);
    write_run(&dir, &written);
    let run = load(&dir).unwrap();
    assert!(!run.is_partial());
    assert!(run.meta.complete);
    assert_eq!(run.meta.schema, SCHEMA_VERSION);
    assert_eq!(run.meta.environment, environment());
    assert_eq!(run.records, written);
    assert_eq!(run.torn_line, None);
    let lines = fs::read_to_string(dir.join(RECORDS_FILE)).unwrap();
    assert_eq!(lines.lines().count(), written.len());
    let version = format!("\"schema\":{SCHEMA_VERSION}");
    assert!(lines.lines().all(|l| l.contains(&version)));
}

#[test]
fn an_unfinished_run_stays_incomplete_and_loads_as_partial() {
    let dir = scratch("unfinished").join("run");
    let mut run = RunDir::create(&dir, environment()).unwrap();
    run.append(&records(1.0)[..10]).unwrap();
    assert_eq!(run.len(), 10);
    drop(run); // interrupted: finish() never called
    let meta = fs::read_to_string(dir.join(META_FILE)).unwrap();
    assert!(meta.contains("\"complete\": false"), "{meta}");
    let loaded = load(&dir).unwrap();
    assert!(loaded.is_partial());
    assert_eq!(loaded.records.len(), 10);
}

#[test]
fn create_refuses_to_overwrite_an_existing_run() {
    let dir = scratch("exists").join("run");
    write_run(&dir, &records(1.0)[..5]);
    let before = fs::read(dir.join(RECORDS_FILE)).unwrap();
    match RunDir::create(&dir, environment()) {
        Err(Error::RunExists { path }) => assert_eq!(path, dir),
        other => panic!("expected RunExists, got {other:?}"),
    }
    assert_eq!(fs::read(dir.join(RECORDS_FILE)).unwrap(), before);
    assert!(load(&dir).unwrap().meta.complete);
}

#[test]
fn append_rejects_an_invalid_batch_without_writing_any_of_it() {
    let dir = scratch("invalid-append").join("run");
    let mut run = RunDir::create(&dir, environment()).unwrap();
    let good = Record::new(
        "a",
        "sweep",
        Params::new(),
        Metric::AllocsPerOp,
        1,
        Outcome::value(1.0),
    );
    let bad = Record::new(
        "a",
        "sweep",
        Params::new(),
        Metric::AllocsPerOp,
        1,
        Outcome::value(f64::NAN),
    );
    match run.append(&[good.clone(), bad]) {
        Err(Error::InvalidRecord {
            path: None,
            line: 2,
            reason,
        }) => assert!(reason.contains("finite"), "{reason}"),
        other => panic!("expected InvalidRecord at 2, got {other:?}"),
    }
    assert!(run.is_empty());
    assert_eq!(fs::read_to_string(dir.join(RECORDS_FILE)).unwrap(), "");
    run.append(&[good]).unwrap();
    run.finish().unwrap();
    assert_eq!(load(&dir).unwrap().records.len(), 1);
}

#[test]
fn atomic_write_keeps_the_old_file_when_writing_fails() {
    let dir = scratch("atomic");
    let path = dir.join("index.html");
    fs::write(&path, "old report").unwrap();
    let err = write_atomic(&path, |out| {
        out.write_all(b"half a new rep")?;
        Err(io::Error::other("disk full"))
    })
    .unwrap_err();
    assert!(
        matches!(&err, Error::Io { path: p, .. } if *p == path),
        "{err:?}"
    );
    assert!(err.to_string().contains("disk full"));
    assert_eq!(fs::read_to_string(&path).unwrap(), "old report");
    let leftovers: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers, ["index.html"], "temporary file left behind");

    write_atomic(&path, |out| out.write_all(b"new report")).unwrap();
    assert_eq!(fs::read_to_string(&path).unwrap(), "new report");
}
