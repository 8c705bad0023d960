//! Rendering the fixture run: sections, one SVG per chart, failures, gaps, baselines, escaping.

mod common;

use std::fs;
use std::path::Path;

use common::{environment, records, scratch, write_run, FAILED};
use reports::{
    load, render, render_with_noise, ContenderInfo, Metric, NoiseModel, Outcome, Params, Record,
    RunDir,
};
use serde_json::Value;

const SECTIONS: [&str; 7] = [
    "Summary",
    "Latency",
    "GC pressure",
    "Memory locality",
    "Tuning",
    "Environment",
    "Metrics and rules",
];

/// Renders `records` as a finished run (and an optional baseline) under `name`.
fn render_fixture(name: &str, records: &[Record], baseline: Option<&[Record]>) -> (String, Value) {
    let root = scratch(name);
    write_run(&root.join("run"), records);
    let run = load(root.join("run")).unwrap();
    let base = baseline.map(|b| {
        write_run(&root.join("baseline"), b);
        load(root.join("baseline")).unwrap()
    });
    // A fixed calibration (10% for every metric), not the machine's shipped one.
    let noise = NoiseModel {
        source: "test: 10% for every metric".into(),
        floors: vec![],
        nondeterministic: vec![],
        paired: None,
    };
    let paths = render_with_noise(&run, base.as_ref(), &noise, &root.join("report")).unwrap();
    assert_eq!(paths.html, root.join("report/index.html"));
    read(&paths.html, &paths.json)
}

fn read(html: &Path, json: &Path) -> (String, Value) {
    let json: Value =
        serde_json::from_str(&fs::read_to_string(json).unwrap()).expect("report.json parses");
    (fs::read_to_string(html).unwrap(), json)
}

/// Every chart object in report.json.
fn charts(json: &Value) -> Vec<&Value> {
    let mut charts: Vec<&Value> = json["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["workloads"].as_array().unwrap())
        .flat_map(|w| w["charts"].as_array().unwrap())
        .collect();
    charts.extend(
        json["tuning"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|t| t.get("chart").filter(|c| !c.is_null())),
    );
    // Scaling charts (cost per operation against n) are drawn from report.json's `scaling`.
    charts.extend(
        json["scaling"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| f.get("chart").filter(|c| !c.is_null())),
    );
    charts
}

/// Every cell object of every table in report.json (heap-over-time samples are plotted and
/// summarized, not tabulated one by one).
fn cells(json: &Value) -> Vec<&Value> {
    let tables = json["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["workloads"].as_array().unwrap())
        .flat_map(|w| w["tables"].as_array().unwrap())
        .filter(|t| t["metric"] != "heap-bytes");
    let rows = tables.flat_map(|t| t["rows"].as_array().unwrap()).chain(
        json["tuning"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|t| t["rows"].as_array().unwrap()),
    );
    rows.flat_map(|r| r["cells"].as_array().unwrap()).collect()
}

fn words(html: &str) -> impl Iterator<Item = &str> {
    html.split(|c: char| !c.is_ascii_alphanumeric())
}

#[test]
fn fixture_report_has_every_section_a_plot_per_chart_and_no_bad_numbers() {
    let (html, json) = render_fixture("full", &records(1.0), None);
    for heading in SECTIONS {
        assert!(
            html.contains(&format!("<h2>{heading}</h2>")),
            "missing section {heading}"
        );
    }
    for workload in ["sweep", "churn", "readers-during-sweep", "sparse-scan"] {
        assert!(
            html.contains(&format!(">{workload}</h3>")),
            "missing workload {workload}"
        );
    }
    let charts = charts(&json);
    assert!(charts.len() >= 15, "only {} charts", charts.len());
    assert_eq!(
        html.matches("<svg").count(),
        charts.len(),
        "one inline SVG per chart"
    );
    assert!(html.contains(&format!("data-expected-plots=\"{}\"", charts.len())));
    assert_eq!(
        html.matches("<figure class=\"chart\" id=").count(),
        charts.len()
    );
    for kind in ["lines", "ladder", "bars", "pareto"] {
        assert!(
            charts.iter().any(|c| c["kind"]["kind"] == kind),
            "no {kind} chart"
        );
    }
    for chart in &charts {
        let title = chart["title"].as_str().unwrap();
        assert!(
            title.contains("is better"),
            "title without direction: {title}"
        );
        assert!(
            html.contains(&title.split(" | ").next().unwrap().replace('&', "&amp;")),
            "title not drawn: {title}"
        );
    }
    let bad: Vec<&str> = words(&html)
        .filter(|w| ["NaN", "inf", "Infinity", "undefined"].contains(w))
        .collect();
    assert!(bad.is_empty(), "bad numbers in HTML: {bad:?}");
    // Self-contained: nothing fetched from elsewhere.
    for external in ["<link", "<script", "src=\"http", "@import", "url("] {
        assert!(!html.contains(external), "external resource: {external}");
    }
    assert!(html.contains("report.json"));
    assert!(html.contains("foldhash 0.2.0"), "hasher from meta.json");
}

#[test]
fn every_table_value_in_report_json_is_shown_in_the_html() {
    let (html, json) = render_fixture("numbers", &records(1.0), None);
    let values: Vec<f64> = cells(&json)
        .iter()
        .filter_map(|c| c.get("value").and_then(Value::as_f64))
        .collect();
    assert!(values.len() > 300, "only {} values", values.len());
    for v in values {
        // Fixture values have four significant digits, so the report prints them as `{}` does.
        assert!(
            html.contains(&format!(">{v}")),
            "value {v} from report.json not in the HTML"
        );
    }
    for summary in json["summary"].as_array().unwrap() {
        let reason = summary["recommendation"]["reason"].as_str().unwrap();
        // `names` are shown as <code>names</code>.
        let shown: String = reason
            .replace('&', "&amp;")
            .split('`')
            .enumerate()
            .map(|(i, part)| {
                if i % 2 == 1 {
                    format!("<code>{part}</code>")
                } else {
                    part.to_owned()
                }
            })
            .collect();
        assert!(html.contains(&shown), "recommendation not shown: {reason}");
    }
}

#[test]
fn failed_contender_is_marked_and_never_best() {
    let (html, json) = render_fixture("failed", &records(1.0), None);
    assert!(html.contains(&format!(
        "{FAILED} <span class=\"failed\">FAILED verification: 3 doomed keys survived the sweep"
    )));
    assert!(html.contains("<td class=\"failed\""));
    let sweep = json["summary"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["workload"] == "sweep")
        .unwrap();
    assert_eq!(
        sweep["contenders"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["status"] == "failed")
            .count(),
        1
    );
    for best in sweep["best"].as_array().unwrap() {
        assert_ne!(
            best["contender"], FAILED,
            "failed contender chosen best for {}",
            best["metric"]
        );
    }
    assert_ne!(sweep["recommendation"]["choice"], FAILED);
    let reason = sweep["recommendation"]["reason"].as_str().unwrap();
    assert!(
        reason.contains(&format!("`{FAILED}` failed verification")),
        "{reason}"
    );
    // The fixture makes contender 0 the fastest everywhere.
    assert_eq!(sweep["recommendation"]["choice"], "evacmap-cursor");
}

#[test]
fn unmeasured_metrics_say_so_and_are_not_plotted_as_values() {
    let (html, json) = render_fixture("not-measured", &records(1.0), None);
    assert!(
        html.contains("<span class=\"not-measured\">Not measured</span>: ")
            && html.contains(": valgrind not installed</p>"),
        "contenders never measured on a metric are named once, with the reason"
    );
    let d1: Vec<&Value> = cells(&json)
        .into_iter()
        .filter(|c| c["status"] == "not-measured")
        .collect();
    assert!(!d1.is_empty());
    assert!(d1.iter().all(|c| c.get("value").is_none()));
    let locality = html
        .split("<h2>Memory locality</h2>")
        .nth(1)
        .unwrap()
        .split("</section>")
        .next()
        .unwrap();
    assert!(
        locality.contains("Not measured</span>: ") && locality.contains("valgrind not installed"),
        "locality section must show the unmeasured metrics"
    );
}

#[test]
fn tuning_marks_default_and_recommended_load_factors() {
    let (html, json) = render_fixture("tune", &records(1.0), None);
    let tune = &json["tuning"][0];
    assert_eq!(tune["rows"].as_array().unwrap().len(), 9);
    let recommended = tune["chart"]["kind"]["recommended"]
        .as_f64()
        .expect("a recommended load factor");
    assert_eq!(tune["chart"]["kind"]["default"], 6.5);
    let row = tune["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["is_recommended"] == true)
        .unwrap();
    assert_eq!(row["value"].as_f64(), Some(recommended));
    assert_eq!(row["on_frontier"], true);
    // The balanced rule keeps the default unless another value beats it beyond noise.
    if recommended == 6.5 {
        assert!(html.contains("6.5 (default, recommended)"));
    } else {
        assert!(html.contains("6.5 (default)"));
    }
    assert!(html.contains(&format!("Recommended load_factor: {recommended}")));
    assert!(
        html.contains(&format!("recommended {recommended}")),
        "marked on the Pareto plot"
    );
    assert!(
        html.contains("default 6.5"),
        "default marked on the Pareto plot"
    );
}

#[test]
fn no_tuning_section_without_tune_records() {
    let bench: Vec<Record> = records(1.0)
        .into_iter()
        .filter(|r| r.workload != "tune")
        .collect();
    let (html, json) = render_fixture("no-tune", &bench, None);
    assert!(!html.contains("<h2>Tuning</h2>"));
    assert!(json["tuning"].as_array().unwrap().is_empty());
}

#[test]
fn partial_run_marks_its_gaps() {
    let root = scratch("partial");
    let all = records(1.0);
    // Interrupted: the last contender's readers and sparse-scan records were never written.
    let cut = all
        .iter()
        .rposition(|r| r.contender == "dashmap" && r.workload == "churn")
        .unwrap()
        + 1;
    let mut run = RunDir::create(root.join("run"), environment()).unwrap();
    run.append(&all[..cut]).unwrap();
    drop(run);
    let run = load(root.join("run")).unwrap();
    assert!(run.is_partial());
    let paths = render(&run, None, &root.join("report")).unwrap();
    let (html, json) = read(&paths.html, &paths.json);
    assert_eq!(json["run"]["partial"], true);
    let gaps = json["run"]["gaps"].as_u64().unwrap();
    assert!(gaps > 0, "interrupted work must show as gaps");
    assert!(html.contains("<strong>Partial run.</strong>"));
    assert_eq!(
        html.matches("gap (no record)").count() as u64,
        gaps,
        "every gap marked in a table"
    );
    assert!(html.contains("gap: no "), "gaps listed under the charts");
}

#[test]
fn baseline_reports_changes_by_the_noise_rule_and_highlights_regressions() {
    let mut slower = records(1.0);
    // evacmap-cursor got 30% slower on sparse-scan; everything else is identical.
    for r in slower
        .iter_mut()
        .filter(|r| r.contender == "evacmap-cursor" && r.workload == "sparse-scan")
    {
        if let Outcome::Ok {
            value,
            ci_low,
            ci_high,
            ..
        } = &mut r.outcome
        {
            *value *= 1.3;
            *ci_low = ci_low.map(|v| v * 1.3);
            *ci_high = ci_high.map(|v| v * 1.3);
        }
    }
    let (html, json) = render_fixture("baseline", &slower, Some(&records(1.0)));
    let changes = json["baseline"]["changes"].as_array().unwrap();
    let regressions: Vec<&Value> = changes
        .iter()
        .filter(|c| c["verdict"] == "regression")
        .collect();
    assert_eq!(regressions.len(), 2, "both sparse-scan configurations");
    for r in &regressions {
        assert_eq!(r["contender"], "evacmap-cursor");
        assert!((r["change"].as_f64().unwrap() - 0.3).abs() < 1e-9);
    }
    assert!(changes.iter().all(|c| c["verdict"] != "improvement"));
    assert!(changes.iter().any(|c| c["verdict"] == "unchanged"));
    assert_eq!(changes[0]["verdict"], "regression", "regressions first");
    assert!(html.contains("<h2>Change against baseline</h2>"));
    assert!(html.contains("<tr class=\"regression\">"));
    assert_eq!(html.matches(">REGRESSION<").count(), 2);
    assert!(html.contains("+30.0%"));
    assert!(
        html.contains("changes only if |change| exceeds its noise floor"),
        "noise rule stated"
    );
}

#[test]
fn all_text_is_escaped() {
    let evil = "<script>alert('x')</script>";
    let p = Params::new().with("n", 1000u64).with("keys", "a&b");
    let records = [
        Record::new(
            evil,
            "sweep",
            p.clone(),
            Metric::LatencyNsPerOp,
            1,
            Outcome::value(5.0),
        ),
        Record::new(
            "plain",
            "sweep",
            p.clone(),
            Metric::LatencyNsPerOp,
            1,
            Outcome::failed("lost <key> & more"),
        ),
    ];
    let (html, _) = render_fixture("escape", &records, None);
    assert!(!html.contains("<script"));
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    assert!(html.contains("lost &lt;key&gt; &amp; more"));
    assert!(html.contains("keys=a&amp;b"));
}

#[test]
fn rerendering_replaces_the_previous_report() {
    let root = scratch("rerender");
    write_run(&root.join("run"), &records(1.0));
    let run = load(root.join("run")).unwrap();
    let out = root.join("report");
    fs::create_dir_all(&out).unwrap();
    fs::write(out.join("index.html"), "stale").unwrap();
    render(&run, None, &out).unwrap();
    let html = fs::read_to_string(out.join("index.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    let names: Vec<String> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "only index.html and report.json: {names:?}");
}

/// A user's own contender (kind `user`, from a crate outside the workspace) is named at the top
/// of the report, and in the contender table with its kind.
#[test]
fn a_users_own_contender_is_named_as_theirs() {
    let root = scratch("user-contender");
    let mut env = environment();
    let info = |name: &str, kind: &str| reports::ContenderInfo {
        name: name.into(),
        kind: kind.into(),
        access: "shared".into(),
        ..Default::default()
    };
    env.contenders = vec![
        info("tombstone", "strategy"),
        info("hashbrown-retain", "peer"),
        info("collect-keys", ContenderInfo::USER),
    ];
    let mut run = RunDir::create(root.join("run"), env).unwrap();
    run.append(&records(1.0)).unwrap();
    run.finish().unwrap();
    let loaded = load(root.join("run")).unwrap();
    let paths = render(&loaded, None, &root.join("report")).unwrap();
    let html = fs::read_to_string(paths.html).unwrap();
    assert!(
        html.contains(
            "Your contenders (kind <code>user</code>, added from your own crate): \
             <code>collect-keys</code>, measured beside 2 built-in contenders"
        ),
        "the report does not name the user's contender at the top"
    );
    assert!(
        html.contains("<td>user</td>"),
        "no `user` kind in the contender table"
    );
}
