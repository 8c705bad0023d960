//! The report of real records: a trimmed copy of a tiny-profile run (six contenders, with a
//! failed verification, single-threaded contenders and contenders without a shrink operation),
//! and a synthetic run with exactly the parameter design of the default profile.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::scratch;
use reports::{load, render, Metric, Outcome, Params, Record, RunDir};
use serde_json::Value;

/// The trimmed tiny-profile run (records of 2026-11-23, commit 85dd757).
fn tiny_run() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/tiny-run")
}

fn render_dir(run: &Path, name: &str) -> (String, Value) {
    let out = scratch(name).join("report");
    let paths = render(&load(run).unwrap(), None, &out).unwrap();
    let json = serde_json::from_str(&fs::read_to_string(&paths.json).unwrap()).unwrap();
    (fs::read_to_string(&paths.html).unwrap(), json)
}

fn workload<'a>(json: &'a Value, name: &str) -> &'a Value {
    json["summary"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["workload"] == name)
        .unwrap_or_else(|| panic!("no summary of {name}"))
}

fn status<'a>(json: &'a Value, name: &str, contender: &str) -> &'a Value {
    workload(json, name)["contenders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == contender)
        .unwrap_or_else(|| panic!("{contender} not in {name}"))
}

/// `(section, workload, chart)` for every chart of the benchmark sections.
fn charts(json: &Value) -> Vec<(&str, &str, &Value)> {
    let mut out = Vec::new();
    for section in json["sections"].as_array().unwrap() {
        for part in section["workloads"].as_array().unwrap() {
            for chart in part["charts"].as_array().unwrap() {
                out.push((
                    section["category"].as_str().unwrap(),
                    part["workload"].as_str().unwrap(),
                    chart,
                ));
            }
        }
    }
    out
}

/// The part of the page between `<h2>{title}</h2>` and the end of its section.
fn section<'a>(html: &'a str, title: &str) -> &'a str {
    html.split(&format!("<h2>{title}</h2>"))
        .nth(1)
        .unwrap_or_else(|| panic!("no section {title}"))
        .split("</section>")
        .next()
        .unwrap()
}

#[test]
fn unmeasured_values_have_reasons_and_are_not_gaps() {
    let (html, json) = render_dir(&tiny_run(), "real-tiny-reasons");
    assert_eq!(json["run"]["gaps"], 0, "a complete run has no gaps");
    assert!(json["run"]["not_measured"].as_u64().unwrap() > 100);
    assert!(!html.contains("gap (no record)"));
    assert!(!html.contains("Partial run"));
    // Single-threaded contenders are not measured on readers-during-sweep, not "passed".
    for single in ["evacmap-cursor", "hashbrown-retain"] {
        let s = status(&json, "readers-during-sweep", single);
        assert_eq!(s["status"], "not-measured", "{single}: {s}");
        assert!(s["reason"].as_str().unwrap().starts_with("single-threaded"));
    }
    assert_eq!(
        status(&json, "readers-during-sweep", "rwlock")["status"],
        "passed"
    );
    let summary = section(&html, "Summary");
    let readers = summary
        .split("id=\"summary-readers-during-sweep\"")
        .nth(1)
        .unwrap();
    let readers = &readers[..readers.find("<table>").unwrap()];
    assert!(readers.contains("Passed verification (4)"), "{readers}");
    assert!(readers.contains("Not measured on this workload</span> (2)"));
    assert!(readers.contains("hashbrown-retain: single-threaded: no other thread can read it"));
    // A contender without a shrink operation: skipped at shrink=yes only, with the reason.
    let tomb = status(&json, "sparse-scan", "tombstone");
    assert_eq!(tomb["status"], "passed");
    assert_eq!(
        tomb["skipped"][0]["reason"],
        "tombstone has no shrink operation"
    );
    assert!(html.contains("not measured at n=16384, shrink=yes: tombstone has no shrink operation"));
    // Every cell of a skipped configuration carries the reason, whichever metric it is.
    let allocs = json["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["workloads"].as_array().unwrap())
        .filter(|w| w["workload"] == "sparse-scan")
        .flat_map(|w| w["tables"].as_array().unwrap())
        .find(|t| t["metric"] == "allocs-per-op")
        .unwrap();
    let col = allocs["contenders"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c == "tombstone")
        .unwrap();
    for row in allocs["rows"].as_array().unwrap() {
        let cell = &row["cells"][col];
        if row["params"]["shrink"] == "yes" {
            assert_eq!(cell["status"], "not-measured");
            assert_eq!(cell["reason"], "tombstone has no shrink operation");
        } else {
            assert_eq!(cell["status"], "ok");
        }
    }
}

#[test]
fn the_failed_contender_is_shown_as_failed_and_never_recommended() {
    let (html, json) = render_dir(&tiny_run(), "real-tiny-failed");
    let failed = status(&json, "sweep-during-growth", "papaya-retain");
    assert_eq!(failed["status"], "failed");
    assert!(failed["reason"].as_str().unwrap().contains("1533 visited"));
    let growth = workload(&json, "sweep-during-growth");
    assert_ne!(growth["recommendation"]["choice"], "papaya-retain");
    assert!(growth["recommendation"]["reason"]
        .as_str()
        .unwrap()
        .contains("`papaya-retain` failed verification and is excluded"));
    assert!(html.contains(
        "papaya-retain <span class=\"failed\">FAILED verification: sweep reported 1533 visited"
    ));
    let gc = section(&html, "GC pressure");
    assert!(
        gc.contains("papaya-retain: FAILED verification"),
        "chart notes name the failure"
    );
}

#[test]
fn every_section_has_charts_that_name_workload_parameters_and_direction() {
    let (html, json) = render_dir(&tiny_run(), "real-tiny-charts");
    let charts = charts(&json);
    for category in ["latency", "gc-pressure", "locality"] {
        assert!(
            charts.iter().filter(|c| c.0 == category).count() >= 3,
            "section {category} has few charts"
        );
    }
    for (_, workload, chart) in &charts {
        let title = chart["title"].as_str().unwrap();
        assert!(title.starts_with(&format!("{workload}: ")), "{title}");
        assert!(
            title.contains(" | ") && title.ends_with("is better"),
            "{title}"
        );
        assert!(chart["marks"].as_u64().unwrap() > 0, "empty chart {title}");
    }
    let ladders: Vec<&str> = charts
        .iter()
        .filter(|c| c.1 == "readers-during-sweep" && c.2["kind"]["kind"] == "ladder")
        .map(|c| c.2["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        ladders.len(),
        1,
        "one percentile chart per reader count: {ladders:?}"
    );
    assert!(
        ladders[0].contains("reader latency during the sweep") && ladders[0].contains("readers=1")
    );
    assert!(
        charts.iter().any(|c| c.1 == "readers-during-sweep"
            && c.2["title"].as_str().unwrap().contains("heap over time")),
        "heap-over-time lines"
    );
    // The page states its plot count, and each figure draws at least its marks.
    let plots = charts.len()
        + json["tuning"].as_array().unwrap().len()
        + json["overview"].as_array().unwrap().len();
    assert!(html.contains(&format!("data-expected-plots=\"{plots}\"")));
    let figures: Vec<&str> = html.split("<figure class=\"chart\"").skip(1).collect();
    assert_eq!(figures.len(), plots);
    for figure in figures {
        let figure = &figure[..figure.find("</figure>").unwrap()];
        let marks: usize = figure
            .split("data-marks=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .and_then(|s| s.parse().ok())
            .expect("data-marks");
        let filled = ["<circle", "<rect", "<polygon"]
            .iter()
            .map(|t| figure.matches(t).count())
            .sum::<usize>()
            - 1; // the background
        assert!(filled >= marks, "{filled} marks drawn, {marks} expected");
    }
    // The hasher is stated once, in the summary, besides the environment table.
    assert!(section(&html, "Summary").contains("Hasher: <strong>foldhash 0.2.0"));
    assert_eq!(html.matches("Hasher: ").count(), 1);
    // Recommendations give numbers.
    for w in json["summary"].as_array().unwrap() {
        let reason = w["recommendation"]["reason"].as_str().unwrap();
        assert!(reason.contains(" ns/op"), "{reason}");
    }
    // Single-threaded contenders are named once under readers-during-sweep charts, not drawn.
    let latency = section(&html, "Latency");
    let readers = latency
        .split("id=\"latency-readers-during-sweep\"")
        .nth(1)
        .unwrap();
    let readers = &readers[..readers.find("<h3").unwrap_or(readers.len())];
    assert!(readers.contains(
        "not measured: evacmap-cursor, hashbrown-retain: single-threaded: no other thread can read it during a sweep"
    ));
}

/// Records with the parameter design of the default profile (values made up, shapes real).
fn default_profile() -> Vec<Record> {
    let base = || {
        Params::new()
            .with("n", 65_536u64)
            .with("delete_fraction", 0.5)
            .with("keys", "uniform")
            .with("doom", "uniform")
            .with("value_bytes", 8u64)
    };
    let sweeps = [
        base(),
        base().with("n", 1024u64),
        base().with("n", 1_048_576u64),
        base().with("delete_fraction", 0.1),
        base().with("delete_fraction", 1.0),
        base().with("keys", "sequential"),
        base().with("doom", "zipf"),
        base().with("value_bytes", 64u64),
    ];
    let mut out = Vec::new();
    let rec =
        |c: &str, w: &str, p: &Params, m: Metric, o: Outcome| Record::new(c, w, p.clone(), m, 1, o);
    for (k, c) in ["evacmap-cursor", "rwlock", "std-retain"]
        .iter()
        .enumerate()
    {
        let f = 1.0 + k as f64;
        let single = *c == "std-retain";
        for (i, p) in sweeps.iter().enumerate() {
            let v = f * (10.0 + i as f64);
            out.push(rec(
                c,
                "sweep",
                p,
                Metric::LatencyNsPerOp,
                Outcome::with_ci(v, v * 0.9, v * 1.1, vec![]),
            ));
            out.push(rec(c, "sweep", p, Metric::AllocsPerOp, Outcome::value(f)));
            if i == 0 {
                out.push(rec(
                    c,
                    "sweep",
                    p,
                    Metric::D1MissesPerOp,
                    Outcome::value(f / 2.0),
                ));
            }
        }
        for readers in [1u64, 2] {
            let p = Params::new()
                .with("n", 65_536u64)
                .with("delete_fraction", 0.5)
                .with("readers", readers);
            if single {
                out.push(rec(
                    c,
                    "readers-during-sweep",
                    &p,
                    Metric::LatencyNsPerOp,
                    Outcome::not_measured(
                        "single-threaded: no other thread can read it during a sweep",
                    ),
                ));
                continue;
            }
            out.push(rec(
                c,
                "readers-during-sweep",
                &p,
                Metric::LatencyNsPerOp,
                Outcome::value(30.0 * f),
            ));
            out.push(rec(
                c,
                "readers-during-sweep",
                &p,
                Metric::AllocsPerOp,
                Outcome::value(f),
            ));
            for (m, v) in Metric::PERCENTILES
                .iter()
                .zip([60.0, 200.0, 900.0, 40_000.0])
            {
                out.push(rec(
                    c,
                    "readers-during-sweep",
                    &p,
                    *m,
                    Outcome::value(v * f),
                ));
            }
            for t in 0..4u64 {
                let tp = p.clone().with("t_ms", t as f64 * 1.5 + k as f64 * 0.1);
                out.push(rec(
                    c,
                    "readers-during-sweep",
                    &tp,
                    Metric::HeapBytes,
                    Outcome::value(1e5 * (t + 1) as f64),
                ));
            }
        }
    }
    out
}

#[test]
fn default_profile_design_gets_lines_along_n_and_delete_fraction_and_bars_elsewhere() {
    let root = scratch("real-default-shape");
    let mut run = RunDir::create(root.join("run"), common::environment()).unwrap();
    run.append(&default_profile()).unwrap();
    run.finish().unwrap();
    let (html, json) = render_dir(&root.join("run"), "real-default-shape-report");
    let titles: Vec<(&str, &str, String)> = charts(&json)
        .into_iter()
        .map(|(s, w, c)| {
            (
                s,
                w,
                format!(
                    "{} [{}]",
                    c["title"].as_str().unwrap(),
                    c["kind"]["kind"].as_str().unwrap()
                ),
            )
        })
        .collect();
    let has = |section: &str, text: &str| {
        titles
            .iter()
            .any(|(s, _, t)| *s == section && t.contains(text))
    };
    let all: Vec<&String> = titles.iter().map(|t| &t.2).collect();
    for wanted in [
        "sweep: time per operation (ns/op) vs n | delete_fraction=0.5, doom=uniform, keys=uniform, value_bytes=8 | lower is better [lines]",
        "sweep: time per operation (ns/op) vs delete_fraction | doom=uniform, keys=uniform, n=65536, value_bytes=8 | lower is better [lines]",
        "sweep: time per operation (ns/op) by keys | delete_fraction=0.5, doom=uniform, n=65536, value_bytes=8 | lower is better [bars]",
        "sweep: time per operation (ns/op) by doom",
        "sweep: time per operation (ns/op) by value_bytes",
        "readers-during-sweep: time per operation (ns/op) by readers | delete_fraction=0.5, n=65536 | lower is better [bars]",
        "percentiles p50 / p99 / p99.9 / max (ns) | delete_fraction=0.5, n=65536, readers=1 | lower is better [ladder]",
        "percentiles p50 / p99 / p99.9 / max (ns) | delete_fraction=0.5, n=65536, readers=2 | lower is better [ladder]",
        "readers-during-sweep: heap over time (bytes) vs t_ms | delete_fraction=0.5, n=65536, readers=1",
    ] {
        assert!(all.iter().any(|t| t.contains(wanted)), "no chart {wanted:?} in {all:#?}");
    }
    assert!(has(
        "gc-pressure",
        "sweep: allocations per operation (allocations/op) vs n"
    ));
    assert!(
        !has("gc-pressure", "by keys"),
        "metrics other than time get lines only when lines exist"
    );
    assert!(has(
        "locality",
        "sweep: D1 misses per operation (misses/op) | delete_fraction=0.5, doom=uniform, keys=uniform, n=65536, value_bytes=8 | lower is better [bars]"
    ));
    // Tables: a row per contender, a column per configuration named by what differs.
    assert!(html.contains(
        "Column \"base\": delete_fraction=0.5, doom=uniform, keys=uniform, n=65536, value_bytes=8"
    ));
    assert!(html.contains(">keys=sequential</span></th>"));
    // The single-threaded contender is not measured on readers-during-sweep, not a gap.
    assert_eq!(json["run"]["absent"], 0);
    assert_eq!(
        status(&json, "readers-during-sweep", "std-retain")["status"],
        "not-measured"
    );
}
