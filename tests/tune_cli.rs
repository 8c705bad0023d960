//! `evacbench tune` end to end: the built binary on tiny tables (B = 8), its three output
//! formats, its errors, and the records it writes rendered by the `reports` crate.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

/// Tiny settings: two thresholds on 256-bucket tables, one timed repetition.
const TINY: [&str; 6] = ["--b", "8", "--load-factors", "4,6.5", "--repeats", "1"];

fn tune(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_evacbench"))
        .arg("tune")
        .args(args)
        .output()
        .expect("the evacbench binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8 output")
}

/// A fresh, empty temporary directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("evacbench-tune-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn table_goes_to_stdout_with_a_recommendation_and_progress_to_stderr() {
    let out = tune(&[&TINY[..], &["--no-records"]].concat());
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("load_factor") && stdout.contains("bytes/entry"),
        "{stdout}"
    );
    let rows: Vec<&str> = stdout
        .lines()
        .filter(|l| l.trim_start().starts_with("4 ") || l.trim_start().starts_with("6.5 "))
        .collect();
    assert_eq!(rows.len(), 2, "{stdout}");
    assert!(rows[1].contains("Go default"), "{stdout}");
    assert!(
        stdout.contains("recommendation (balanced): load factor "),
        "{stdout}"
    );
    // The mix is measured again in paired rounds; time differences are held against the
    // threshold its A/A control gives, and the reason says which.
    assert!(
        stdout.contains("paired ratios, from the A/A control: the default against itself"),
        "{stdout}"
    );
    assert!(
        stdout.contains("mix/ref") && stdout.contains("the A/A control (6.5 measured twice"),
        "{stdout}"
    );
    assert!(
        stderr.contains("paired round 10/10 (2 scenarios and the control, shuffled)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("[1/2] load factor 4: 1024 keys in 2^8 buckets"),
        "{stderr}"
    );
    assert!(
        stderr.contains("[2/2] load factor 6.5: 1664 keys"),
        "{stderr}"
    );
    assert!(!stdout.contains("[1/2]"), "progress leaked into stdout");
    // The runner's progress lines name what is measured: a max-load table, not a workload cell.
    assert!(
        stderr.contains("tune/evacmap-max-load-mix/load_factor=4/b=8/n=1024: verified"),
        "{stderr}"
    );
    assert!(
        stderr.contains("[ 10/10 "),
        "two thresholds, five quantities each: {stderr}"
    );
    assert!(!stderr.contains("sweep/evacmap-max-load"), "{stderr}");
}

#[test]
fn json_is_an_array_with_the_report_fields() {
    let out = tune(&[&TINY[..], &["--no-records", "--format", "json"]].concat());
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let rows: Value = serde_json::from_slice(&out.stdout).expect("stdout is only JSON");
    let rows = rows.as_array().expect("an array");
    assert_eq!(rows.len(), 2);
    for row in rows {
        for field in [
            "load_factor",
            "overflow_pct",
            "bytes_per_entry",
            "hit_probe",
            "miss_probe",
            "lookup_hit_ns",
            "lookup_miss_ns",
            "insert_ns",
            "sweep_ns_per_entry",
            "mix_ns_per_op",
            "mix_vs_reference",
            "mix_vs_reference_q1",
            "mix_vs_reference_q3",
            "fill_bytes_per_entry",
        ] {
            let v = row[field]
                .as_f64()
                .unwrap_or_else(|| panic!("{field}: {row}"));
            assert!(v.is_finite(), "{field}: {row}");
        }
        assert_eq!(row["status"], "ok");
        assert_eq!(row["b"], 8);
        assert_eq!(row["key_bytes"], 8);
    }
    assert_eq!(rows[0]["load_factor"], 4.0);
    assert_eq!(rows[1]["is_default"], true);
    // The measured max-load table: probe lengths as in Go's table (missprobe = load factor).
    assert_eq!(rows[0]["miss_probe"], 4.0);
    assert_eq!(rows[1]["miss_probe"], 6.5);
    assert_eq!(
        rows.iter().filter(|r| r["recommended"] == true).count(),
        1,
        "exactly one row is recommended"
    );
    assert!(stderr.contains("recommendation (balanced)"), "{stderr}");
}

#[test]
fn csv_has_a_header_and_a_line_per_threshold() {
    let out = tune(
        &[
            &TINY[..],
            &[
                "--no-records",
                "--format",
                "csv",
                "--key-bytes",
                "32",
                "--value-bytes",
                "0",
            ],
        ]
        .concat(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(
        lines[0].starts_with(
            "load_factor,status,overflow_pct,bytes_per_entry,hit_probe,miss_probe,lookup_hit_ns,\
             lookup_miss_ns,insert_ns,sweep_ns_per_entry,mix_ns_per_op"
        ),
        "{}",
        lines[0]
    );
    assert!(lines[1].starts_with("4,ok,"), "{}", lines[1]);
    assert!(lines[2].starts_with("6.5,ok,"), "{}", lines[2]);
    assert!(
        lines[1].contains(",32,0,\"lookup=80,insert=10,delete=10\","),
        "{}",
        lines[1]
    );
}

#[test]
fn invalid_settings_are_clear_errors_with_nothing_on_stdout() {
    for (args, says) in [
        (&["--load-factors", "nan"][..], "invalid load factor NaN"),
        (&["--load-factors", "0"], "invalid load factor 0"),
        (&["--load-factors", "-1"], "invalid load factor -1"),
        (&["--load-factors", "17"], "invalid load factor 17"),
        (&["--load-factors", "4,x"], "`x` is not a number"),
        (
            &["--key-bytes", "7"],
            "accepted key sizes are 8, 16, 24, 32, 64, 128, 256 bytes",
        ),
        (
            &["--value-bytes", "2048"],
            "accepted value sizes are 0, 8, 16",
        ),
        (&["--mix", "lookup=90,insert=20"], "sum to 110, not 100"),
        (&["--b", "30"], "expected an integer from 4 to 24"),
        (&["--load-factors", "0.5", "--b", "4"], "use --b 5 or more"),
        (
            &["--max-bytes-per-entry", "-3"],
            "expected a finite number of bytes above 0",
        ),
    ] {
        let out = tune(&[args, &["--no-records"]].concat());
        let stderr = text(&out.stderr);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(
            out.stdout.is_empty(),
            "{args:?} wrote to stdout: {}",
            text(&out.stdout)
        );
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(
            stderr.contains("(0, 16]") || !says.contains("load factor "),
            "{stderr}"
        );
    }
}

#[test]
fn an_unreadable_noise_calibration_is_a_clear_error_before_anything_runs() {
    let dir = scratch("noise");
    let out = Command::new(env!("CARGO_BIN_EXE_evacbench"))
        .args(["tune", "--b", "8", "--load-factors", "4", "--out"])
        .arg(&dir)
        .env("EVACBENCH_NOISE", dir.join("missing-noise.json"))
        .output()
        .expect("the evacbench binary runs");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    assert!(stderr.contains("EVACBENCH_NOISE: "), "{stderr}");
    assert!(
        stderr.contains("unset it to use the shipped one"),
        "{stderr}"
    );
    assert!(!dir.exists(), "a run directory was written");
}

#[test]
fn an_unmet_memory_limit_prints_the_table_and_fails() {
    let out = tune(&[&TINY[..], &["--no-records", "--max-bytes-per-entry", "0.5"]].concat());
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stdout.contains("no recommendation: no load factor meets --max-bytes-per-entry 0.5"),
        "{stdout}"
    );
    assert!(stderr.contains("error: no load factor meets"), "{stderr}");
}

#[test]
fn records_render_as_a_pareto_plot_in_the_report() {
    let dir = scratch("run");
    let report_dir = scratch("report");
    let out = tune(&[&TINY[..], &["--out", dir.to_str().unwrap(), "-q"]].concat());
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).is_empty() || !text(&out.stderr).contains("[1/2]"),
        "quiet"
    );

    let run = reports::load(&dir).expect("the run directory loads");
    assert!(!run.is_partial());
    assert_eq!(run.records.len(), 2 * 9);
    assert!(run.meta.environment.hasher.contains("foldhash"));
    assert!(run.meta.environment.seeds.contains(&0x7475_6e65));
    assert!(run
        .records
        .iter()
        .all(|r| r.workload == reports::schema::TUNE_WORKLOAD && r.value().is_some()));

    let paths = reports::render(&run, None, &report_dir).expect("the report renders");
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&paths.json).unwrap()).unwrap();
    let tuning = report["tuning"].as_array().expect("a tuning section");
    assert_eq!(tuning.len(), 1, "one sweep: {}", report["tuning"]);
    let chart = &tuning[0]["chart"]["kind"];
    assert_eq!(chart["kind"], "pareto", "{chart}");
    assert_eq!(chart["points"].as_array().unwrap().len(), 2, "{chart}");
    assert_eq!(chart["default"], 6.5);
    assert!(tuning[0]["recommendation"].is_object(), "{}", tuning[0]);
    // The report shows the pick the command recorded (one recommender, recorded in the run).
    let picks = reports::tune_pick::read_picks(&dir).unwrap();
    assert_eq!(picks.len(), 1);
    let recorded = picks[0].pick.as_ref().expect("a pick").value;
    assert_eq!(chart["recommended"].as_f64(), Some(recorded));
    assert_eq!(
        tuning[0]["recommendation"]["reason"].as_str(),
        Some(picks[0].reason.as_str())
    );
    let html = std::fs::read_to_string(&paths.html).unwrap();
    assert!(
        html.contains("<h2>Tuning</h2>") && html.contains("<svg"),
        "no Pareto plot"
    );

    // A second run into the same directory is refused before measuring anything.
    let again = tune(&[&TINY[..], &["--out", dir.to_str().unwrap()]].concat());
    assert!(!again.status.success());
    assert!(again.stdout.is_empty());
    assert!(
        text(&again.stderr).contains("error: writing the tune records"),
        "{}",
        text(&again.stderr)
    );

    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&report_dir);
}

/// Two values of a build-setting knob on one small workload, through the suite's runner.
#[test]
fn a_shrink_threshold_sweep_runs_through_the_runner_and_returns_memory() {
    let dir = scratch("shrink");
    let out = tune(&[
        "--knob",
        "shrink-below",
        "--values",
        "0.25,3",
        "--workload",
        "sparse-scan",
        "--format",
        "json",
        "--out",
        dir.to_str().unwrap(),
    ]);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let rows: Value = serde_json::from_slice(&out.stdout).expect("stdout is only JSON");
    let rows = rows.as_array().expect("an array");
    assert_eq!(rows.len(), 2);
    for row in rows {
        assert_eq!(row["knob"], "shrink_below");
        assert_eq!(row["status"], "ok", "{row}");
        for field in [
            "sparse_scan_latency_ns_per_op",
            "sparse_scan_retained_bytes_per_entry",
        ] {
            assert!(
                row[field].as_f64().is_some_and(f64::is_finite),
                "{field}: {row}"
            );
        }
    }
    assert_eq!(rows.iter().filter(|r| r["recommended"] == true).count(), 1);
    // Memory is exact for the seed: after 99% of the keys are removed, a threshold of 3
    // entries per bucket has halved the table many times, 0.25 has not finished one halving.
    let bytes = |i: usize| {
        rows[i]["sparse_scan_retained_bytes_per_entry"]
            .as_f64()
            .unwrap()
    };
    assert!(bytes(1) * 10.0 < bytes(0), "{rows:?}");
    assert!(
        stderr.contains("recommendation (balanced): shrink_below 3"),
        "{stderr}"
    );
    let picks = reports::tune_pick::read_picks(&dir).unwrap();
    assert_eq!(picks[0].knob, "shrink_below");
    let run = reports::load(&dir).unwrap();
    assert!(run
        .records
        .iter()
        .all(|r| r.workload == reports::schema::TUNE_WORKLOAD && r.validate().is_ok()));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_knob_input_is_a_clear_error_and_writes_nothing() {
    let dir = scratch("bad-knob");
    for (args, says) in [
        (&["--knob", "growth"][..], "unknown knob `growth`"),
        (
            &["--knob", "shrink-below", "--values", "3.5"],
            "invalid shrink threshold 3.5",
        ),
        (
            &["--knob", "shards", "--values", "0"],
            "shards must be at least 1",
        ),
        (&["--knob", "shards", "--values", "1.5"], "whole number"),
        (
            &["--knob", "compact-above", "--values", "nan"],
            "compact threshold must be a fraction in (0, 1] (got NaN)",
        ),
        (
            &["--knob", "shrink-below", "--values", "NaN"],
            "invalid shrink threshold NaN",
        ),
        (
            &[
                "--knob",
                "shrink-below",
                "--workload",
                "readers-during-sweep",
            ],
            "does not apply",
        ),
        (
            &["--knob", "compact-above", "--workload", "churn"],
            "never sweeps",
        ),
        (&["--workload", "churn"], "max-load tables"),
        (
            &["--knob", "shards", "--workload", "scan"],
            "unknown workload `scan`",
        ),
    ] {
        let out = tune(&[args, &["--out", dir.to_str().unwrap()]].concat());
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?} wrote to stdout");
        assert!(
            stderr.contains("error") && stderr.contains(says),
            "{args:?}: {stderr}"
        );
        assert!(!dir.exists(), "{args:?} left {}", dir.display());
    }
}
