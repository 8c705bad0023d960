//! Verdicts follow objectives: a run of schema 2 with declared contenders and objectives, built
//! record by record, so each test can move one number and watch which verdicts move with it.

mod common;

use std::collections::BTreeMap;
use std::fs;

use common::{environment, scratch};
use reports::schema::PHASE_PARAM;
use reports::{
    load, render, ContenderInfo, Metric, Objective, Outcome, Params, Record, RunDir, Target,
};
use serde_json::Value;

/// `(name, kind, access, readers_block, keeps_order, sweep-during-growth mode)`.
const CONTENDERS: [(&str, &str, &str, &str, bool, &str); 6] = [
    (
        "evacmap-cursor",
        "evacmap",
        "exclusive",
        "not-shared",
        false,
        "inserts between sweep steps",
    ),
    (
        "indexmap-retain",
        "peer",
        "exclusive",
        "not-shared",
        true,
        "inserts after the sweep",
    ),
    (
        "hashbrown-retain",
        "peer",
        "exclusive",
        "not-shared",
        false,
        "inserts after the sweep",
    ),
    (
        "rwlock",
        "strategy",
        "shared",
        "whole-sweep",
        false,
        "inserts from a concurrent writer",
    ),
    (
        "scc-retain",
        "peer",
        "shared",
        "never",
        false,
        "inserts from a concurrent writer",
    ),
    (
        "go-map",
        "go-reference",
        "exclusive",
        "not-shared",
        false,
        "inserts between sweep steps",
    ),
];

fn infos() -> Vec<ContenderInfo> {
    CONTENDERS
        .iter()
        .map(|&(name, kind, access, block, order, mode)| ContenderInfo {
            name: name.into(),
            kind: kind.into(),
            access: access.into(),
            consistency: if access == "shared" {
                "blocking"
            } else {
                "exclusive"
            }
            .into(),
            readers_block: block.into(),
            extra_memory: "none".into(),
            choose_when: "always".into(),
            keeps_order: order,
            modes: BTreeMap::from([("sweep-during-growth".to_owned(), mode.to_owned())]),
        })
        .collect()
}

fn target(metric: Metric, params: Params) -> Target {
    Target {
        metric,
        params,
        meaning: format!("the {metric}"),
    }
}

fn objectives() -> Vec<Objective> {
    let sweep = || Params::new().with(PHASE_PARAM, "sweep");
    let time = || target(Metric::LatencyNsPerOp, Params::new());
    let o = |w: &str, primary: Vec<Target>, tie: Vec<Target>| Objective {
        workload: w.into(),
        question: format!("what {w} asks"),
        primary,
        tie_breakers: tie,
    };
    vec![
        o(
            "sweep",
            vec![time()],
            vec![target(Metric::RetainedBytesPerEntry, Params::new())],
        ),
        o("sweep-during-growth", vec![time()], vec![]),
        o(
            "readers-during-sweep",
            vec![target(Metric::LatencyP99Ns, sweep())],
            vec![target(Metric::LatencyP999Ns, sweep()), time()],
        ),
        o(
            "sparse-scan",
            vec![time()],
            vec![target(Metric::RetainedBytesPerEntry, Params::new())],
        ),
    ]
}

/// The numbers a test can move.
#[derive(Clone)]
struct Numbers {
    /// Sweep ns/op of rwlock and scc-retain in readers-during-sweep.
    sweeper: [f64; 2],
    /// Readers' p99 during the sweep for rwlock and scc-retain.
    p99: [f64; 2],
}

const BASE: Numbers = Numbers {
    sweeper: [10.47, 11.44],
    p99: [90_000.0, 500.0],
};

fn records(n: &Numbers) -> Vec<Record> {
    let mut out = Vec::new();
    let mut push = |c: &str, w: &str, p: Params, m: Metric, v: f64| {
        out.push(Record::new(c, w, p, m, 1, Outcome::value(v)));
    };
    // sweep: the Go reference is fastest, but is never chosen.
    for (c, v) in [
        ("evacmap-cursor", 9.0),
        ("indexmap-retain", 12.0),
        ("hashbrown-retain", 5.0),
        ("rwlock", 11.0),
        ("scc-retain", 8.0),
        ("go-map", 1.0),
    ] {
        let p = Params::new().with("n", 65_536u64);
        push(c, "sweep", p.clone(), Metric::LatencyNsPerOp, v);
        push(c, "sweep", p, Metric::RetainedBytesPerEntry, 40.0);
    }
    // sweep-during-growth: the after-the-sweep group is fastest overall.
    for (c, v) in [
        ("evacmap-cursor", 20.0),
        ("indexmap-retain", 6.0),
        ("hashbrown-retain", 7.0),
        ("rwlock", 30.0),
        ("scc-retain", 25.0),
    ] {
        let p = Params::new().with("n", 53_248u64);
        push(c, "sweep-during-growth", p, Metric::LatencyNsPerOp, v);
    }
    // readers-during-sweep: two shared contenders, idle and sweep phases.
    for (k, c) in ["rwlock", "scc-retain"].into_iter().enumerate() {
        let base = Params::new().with("n", 65_536u64).with("readers", 2u64);
        let w = "readers-during-sweep";
        push(c, w, base.clone(), Metric::LatencyNsPerOp, n.sweeper[k]);
        let idle = base.clone().with(PHASE_PARAM, "idle");
        let sweep = base.clone().with(PHASE_PARAM, "sweep");
        for (m, v) in [
            (Metric::LatencyP50Ns, 60.0),
            (Metric::LatencyP99Ns, 100.0),
            (Metric::LatencyP999Ns, 300.0),
            (Metric::LatencyMaxNs, 9_000.0),
        ] {
            push(c, w, idle.clone(), m, v);
        }
        for (m, v) in [
            (Metric::LatencyP50Ns, 70.0),
            (Metric::LatencyP99Ns, n.p99[k]),
            (Metric::LatencyP999Ns, n.p99[k] * 3.0),
            (Metric::LatencyMaxNs, 200_000.0),
        ] {
            push(c, w, sweep.clone(), m, v);
        }
        push(c, w, base, Metric::ReaderP99Slowdown, n.p99[k] / 100.0);
    }
    for c in ["evacmap-cursor", "indexmap-retain", "hashbrown-retain"] {
        out.push(Record::new(
            c,
            "readers-during-sweep",
            Params::new().with("n", 65_536u64).with("readers", 2u64),
            Metric::LatencyNsPerOp,
            1,
            Outcome::not_measured("single-threaded"),
        ));
    }
    out
}

fn render_run(name: &str, numbers: &Numbers, with_infos: bool) -> (String, Value) {
    let dir = scratch(name);
    let mut env = environment();
    if with_infos {
        env.contenders = infos();
        env.objectives = objectives();
    }
    let mut run = RunDir::create(dir.join("run"), env).unwrap();
    run.append(&records(numbers)).unwrap();
    run.finish().unwrap();
    let paths = render(&load(dir.join("run")).unwrap(), None, &dir.join("report")).unwrap();
    let json = serde_json::from_str(&fs::read_to_string(&paths.json).unwrap()).unwrap();
    (fs::read_to_string(&paths.html).unwrap(), json)
}

fn workload<'a>(json: &'a Value, name: &str) -> &'a Value {
    json["summary"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["workload"] == name)
        .unwrap()
}

fn situation<'a>(json: &'a Value, starts: &str) -> &'a Value {
    json["decision_guide"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["situation"].as_str().unwrap().starts_with(starts))
        .unwrap_or_else(|| panic!("no situation {starts}"))
}

#[test]
fn the_reader_verdict_follows_the_readers_tail_not_the_sweepers_speed() {
    let (_, json) = render_run("verdict-readers", &BASE, true);
    let r = &workload(&json, "readers-during-sweep")["recommendation"];
    // rwlock sweeps fastest, but its readers wait for the whole sweep.
    assert_eq!(r["choice"], "scc-retain");
    assert_eq!(r["metric"], "latency-p99-ns");
    assert!(
        r["reason"]
            .as_str()
            .unwrap()
            .starts_with("Ranked by the latency-p99-ns"),
        "{}",
        r["reason"]
    );
    // A faster sweeper changes nothing ...
    let faster = Numbers {
        sweeper: [1.0, 50.0],
        ..BASE
    };
    let (_, json) = render_run("verdict-readers-faster", &faster, true);
    assert_eq!(
        workload(&json, "readers-during-sweep")["recommendation"]["choice"],
        "scc-retain"
    );
    // ... a better reader tail does.
    let tails = Numbers {
        p99: [200.0, 500.0],
        ..BASE
    };
    let (_, json) = render_run("verdict-readers-tails", &tails, true);
    assert_eq!(
        workload(&json, "readers-during-sweep")["recommendation"]["choice"],
        "rwlock"
    );
    // The phases table shows both phases and the slowdown.
    let phases = workload(&json, "readers-during-sweep")["reader_phases"]
        .as_array()
        .unwrap();
    assert_eq!(phases.len(), 2);
    assert_eq!(phases[0]["sweep"][1]["value"], 200.0);
    assert_eq!(phases[0]["idle"][1]["value"], 100.0);
    assert_eq!(phases[0]["slowdown"]["value"], 2.0);
}

#[test]
fn sweep_during_growth_ranks_each_group_apart() {
    let (html, json) = render_run("verdict-growth", &BASE, true);
    let w = workload(&json, "sweep-during-growth");
    assert!(
        w["recommendation"].is_null(),
        "a grouped workload has no single verdict"
    );
    let recs = w["recommendations"].as_array().unwrap();
    let by_group: Vec<(&str, &str)> = recs
        .iter()
        .map(|r| (r["group"].as_str().unwrap(), r["choice"].as_str().unwrap()))
        .collect();
    // The Go reference shares evacmap-cursor's group but is never chosen.
    assert_eq!(
        by_group,
        [
            ("inserts between sweep steps", "evacmap-cursor"),
            ("inserts after the sweep", "indexmap-retain"),
            ("inserts from a concurrent writer", "scc-retain"),
        ]
    );
    for r in recs {
        assert_eq!(r["metric"], "latency-ns-per-op");
        assert!(r["reason"]
            .as_str()
            .unwrap()
            .contains("Compared only within the group"));
    }
    assert!(html.contains("Recommendation (group: inserts from a concurrent writer)"));
}

#[test]
fn the_decision_guide_admits_by_declared_properties_and_never_the_go_reference() {
    let (html, json) = render_run("verdict-guide", &BASE, true);
    let guide = json["decision_guide"].as_array().unwrap();
    assert!(guide.len() >= 7, "{} situations", guide.len());
    for s in guide {
        assert!(
            !s["eligible"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e == "go-map"),
            "{}",
            s["situation"]
        );
        assert_ne!(s["choice"], "go-map");
        for key in [
            "situation",
            "choice",
            "runner_up",
            "metric",
            "value",
            "runner_up_value",
            "eligible",
            "reason",
        ] {
            assert!(s.get(key).is_some(), "{key} missing in {s}");
        }
    }
    let purge = situation(&json, "Single-threaded purge");
    assert_eq!(purge["choice"], "hashbrown-retain");
    let close = |v: &Value, want: f64| (v.as_f64().unwrap() - want).abs() < 1e-9 * want;
    assert!(close(&purge["value"], 5.0), "{}", purge["value"]);
    assert_eq!(purge["runner_up"], "scc-retain");
    let never = situation(&json, "Readers must never wait");
    assert_eq!(never["eligible"], serde_json::json!(["scc-retain"]));
    assert_eq!(never["choice"], "scc-retain");
    assert_eq!(never["metric"], "latency-p99-ns");
    assert!(close(&never["value"], 500.0), "{}", never["value"]);
    let order = situation(&json, "Insertion order");
    assert_eq!(order["eligible"], serde_json::json!(["indexmap-retain"]));
    assert_eq!(order["choice"], "indexmap-retain");
    let loop_body = situation(&json, "Single-threaded loop");
    assert_eq!(loop_body["eligible"], serde_json::json!(["evacmap-cursor"]));
    // No sparse-scan records: a choice of null with the reason.
    let memory = situation(&json, "Memory must come back");
    assert!(memory["choice"].is_null());
    assert!(memory["reason"]
        .as_str()
        .unwrap()
        .contains("no `sparse-scan` records"));
    // The guide opens the page, before the summary.
    let guide_at = html.find("id=\"guide\"").unwrap();
    assert!(guide_at < html.find("id=\"summary\"").unwrap());
}

#[test]
fn a_run_without_declared_properties_keeps_the_old_verdicts_and_has_no_guide() {
    let (html, json) = render_run("verdict-v1", &BASE, false);
    assert!(json["decision_guide"].as_array().unwrap().is_empty());
    let w = workload(&json, "sweep-during-growth");
    assert_eq!(w["recommendation"]["choice"], "indexmap-retain");
    assert!(html.contains("does not declare its contenders' properties"));
}

#[test]
fn no_chart_draws_more_than_ten_contenders_and_the_recommended_one_is_marked() {
    let dir = scratch("verdict-ten-series");
    let mut env = environment();
    let mut infos = Vec::new();
    for k in 0..18 {
        let (kind, access) = match k {
            0..=1 => ("evacmap", "exclusive"),
            2..=6 => ("strategy", "shared"),
            7..=12 => ("peer", "exclusive"),
            _ => ("peer", "shared"),
        };
        infos.push(ContenderInfo {
            name: format!("c{k:02}"),
            kind: kind.into(),
            access: access.into(),
            ..ContenderInfo::default()
        });
    }
    env.contenders = infos.clone();
    env.objectives = objectives();
    let mut records = Vec::new();
    for (k, i) in infos.iter().enumerate() {
        for n in [1_024u64, 65_536, 1_048_576] {
            let p = Params::new().with("n", n);
            // c07 is fastest everywhere.
            let v = if k == 7 { 5.0 } else { 10.0 + k as f64 };
            records.push(Record::new(
                &i.name,
                "sweep",
                p.clone(),
                Metric::LatencyNsPerOp,
                1,
                Outcome::value(v),
            ));
            records.push(Record::new(
                &i.name,
                "sweep",
                p,
                Metric::RetainedBytesPerEntry,
                1,
                Outcome::value(40.0),
            ));
        }
    }
    let mut run = RunDir::create(dir.join("run"), env).unwrap();
    run.append(&records).unwrap();
    run.finish().unwrap();
    let paths = render(&load(dir.join("run")).unwrap(), None, &dir.join("report")).unwrap();
    let json: Value = serde_json::from_str(&fs::read_to_string(&paths.json).unwrap()).unwrap();
    assert_eq!(workload(&json, "sweep")["recommendation"]["choice"], "c07");
    let mut charts = 0;
    for section in json["sections"].as_array().unwrap() {
        for part in section["workloads"].as_array().unwrap() {
            for chart in part["charts"].as_array().unwrap() {
                let kind = &chart["kind"];
                let series = ["series", "rows", "points"]
                    .iter()
                    .find_map(|k| kind[k].as_array())
                    .map_or(0, Vec::len);
                assert!(series <= 10, "{} draws {series}", chart["title"]);
                assert_eq!(chart["recommended"], serde_json::json!(["c07"]));
                charts += 1;
            }
        }
    }
    assert!(
        charts >= 3,
        "the 18 contenders are split over several charts"
    );
    let html = fs::read_to_string(&paths.html).unwrap();
    assert!(
        html.contains("c07 \u{2605} recommended"),
        "the legend marks the recommended contender"
    );
}
