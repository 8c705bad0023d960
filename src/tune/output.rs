//! Printing the results: an aligned table for people, JSON and CSV for programs.
//!
//! stdout carries only the results, so `--format json` and `--format csv` can be piped into
//! other tools; progress and, for those formats, the recommendation go to stderr. Every format
//! has the same columns: the fields the report's tune section reads (`load_factor`,
//! `overflow_pct`, `bytes_per_entry`, `hit_probe`, `miss_probe`, `lookup_hit_ns`,
//! `lookup_miss_ns`, `insert_ns`, `sweep_ns_per_entry`), then `mix_ns_per_op`, the mix's
//! paired ratio to the reference load factor (`mix_vs_reference`: the median over the paired
//! rounds of its mix time divided by the reference's in the same round, with the ratios'
//! quartiles `mix_vs_reference_q1` and `_q3`; empty when the rounds did not run),
//! `fill_bytes_per_entry` and the settings, so each line stands on its own.

use std::fmt::Write as _;

use serde::Serialize;

use super::recommend::{Paired, Recommendation};
use super::row::{Metrics, Row, Timing};
use super::Settings;

/// CSV columns, in order.
pub const CSV_COLUMNS: [&str; 27] = [
    "load_factor",
    "status",
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
    "same_size_grows",
    "entries",
    "b",
    "key_bytes",
    "value_bytes",
    "mix",
    "repeats",
    "seed",
    "hasher",
    "is_default",
    "recommended",
    "failure",
];

fn is_recommended(row: &Row, rec: Option<&Recommendation>) -> bool {
    rec.is_some_and(|r| r.load_factor == row.load_factor)
}

fn round(x: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (x * scale).round() / scale
}

fn range(t: &Timing) -> [f64; 2] {
    [round(t.min, 2), round(t.max, 2)]
}

/// The fastest and slowest repetition of each timed column.
#[derive(Serialize)]
struct Ranges {
    lookup_hit_ns: [f64; 2],
    lookup_miss_ns: [f64; 2],
    insert_ns: [f64; 2],
    sweep_ns_per_entry: [f64; 2],
    mix_ns_per_op: [f64; 2],
}

/// One JSON object, its fields in the order of [`CSV_COLUMNS`] (plus `range`).
#[derive(Serialize)]
struct JsonRow<'a> {
    load_factor: f64,
    status: &'static str,
    overflow_pct: Option<f64>,
    bytes_per_entry: Option<f64>,
    hit_probe: Option<f64>,
    miss_probe: Option<f64>,
    lookup_hit_ns: Option<f64>,
    lookup_miss_ns: Option<f64>,
    insert_ns: Option<f64>,
    sweep_ns_per_entry: Option<f64>,
    mix_ns_per_op: Option<f64>,
    mix_vs_reference: Option<f64>,
    mix_vs_reference_q1: Option<f64>,
    mix_vs_reference_q3: Option<f64>,
    fill_bytes_per_entry: Option<f64>,
    same_size_grows: Option<u64>,
    range: Option<Ranges>,
    entries: usize,
    b: u8,
    key_bytes: usize,
    value_bytes: usize,
    mix: String,
    repeats: usize,
    seed: u64,
    hasher: &'a str,
    is_default: bool,
    recommended: bool,
    failure: Option<&'a str>,
}

/// One JSON object per row (see the module doc for the fields). Failed rows have `null`
/// measurements and a `failure` string.
pub fn json(rows: &[Row], settings: &Settings, rec: Option<&Recommendation>) -> String {
    let paired = Paired::of(rows);
    let objects: Vec<JsonRow<'_>> = rows
        .iter()
        .map(|r| {
            let m = r.metrics();
            let num = |f: fn(&Metrics) -> f64, digits| m.map(|m| round(f(m), digits));
            JsonRow {
                load_factor: r.load_factor,
                status: if m.is_some() {
                    "ok"
                } else {
                    "failed-verification"
                },
                overflow_pct: num(|m| m.overflow_pct, 2),
                bytes_per_entry: num(|m| m.bytes_per_entry, 2),
                hit_probe: num(|m| m.hit_probe, 3),
                miss_probe: num(|m| m.miss_probe, 3),
                lookup_hit_ns: num(|m| m.lookup_hit_ns.median, 2),
                lookup_miss_ns: num(|m| m.lookup_miss_ns.median, 2),
                insert_ns: num(|m| m.insert_ns.median, 2),
                sweep_ns_per_entry: num(|m| m.sweep_ns_per_entry.median, 3),
                mix_ns_per_op: num(|m| m.mix_ns_per_op.median, 2),
                mix_vs_reference: ratio(&paired, r, |s| s.median),
                mix_vs_reference_q1: ratio(&paired, r, |s| s.q1),
                mix_vs_reference_q3: ratio(&paired, r, |s| s.q3),
                fill_bytes_per_entry: num(|m| m.fill_bytes_per_entry, 2),
                same_size_grows: m.map(|m| m.same_size_grows),
                range: m.map(|m| Ranges {
                    lookup_hit_ns: range(&m.lookup_hit_ns),
                    lookup_miss_ns: range(&m.lookup_miss_ns),
                    insert_ns: range(&m.insert_ns),
                    sweep_ns_per_entry: range(&m.sweep_ns_per_entry),
                    mix_ns_per_op: range(&m.mix_ns_per_op),
                }),
                entries: r.entries,
                b: settings.b,
                key_bytes: settings.key_bytes,
                value_bytes: settings.value_bytes,
                mix: settings.mix.to_string(),
                repeats: settings.repeats,
                seed: settings.seed,
                hasher: &settings.hasher,
                is_default: r.is_default(),
                recommended: is_recommended(r, rec),
                failure: r.failure(),
            }
        })
        .collect();
    let mut out = serde_json::to_string_pretty(&objects).expect("plain data always serializes");
    out.push('\n');
    out
}

/// A figure of `row`'s paired ratio to the reference (rounded to 4 digits), if the rounds ran
/// and the row passed.
fn ratio(
    paired: &Option<Paired>,
    row: &Row,
    f: fn(&reports::paired_rounds::RatioSummary) -> f64,
) -> Option<f64> {
    let p = paired.as_ref()?;
    row.metrics()?;
    p.ratio(row.load_factor).map(|s| round(f(s), 4))
}

/// One CSV field, quoted (RFC 4180) when it holds a comma, a quote or a line break.
pub(crate) fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// A header line and one line per row; failed rows have empty measurements.
pub fn csv(rows: &[Row], settings: &Settings, rec: Option<&Recommendation>) -> String {
    let paired = Paired::of(rows);
    let text = |x: Option<f64>| x.map(|v| format!("{v:.4}")).unwrap_or_default();
    let mut out = CSV_COLUMNS.join(",");
    out.push('\n');
    for r in rows {
        let m = r.metrics();
        let num = |f: &dyn Fn(&Metrics) -> f64, digits: usize| {
            m.map(|m| format!("{:.*}", digits, f(m)))
                .unwrap_or_default()
        };
        let fields = [
            r.load_factor.to_string(),
            if m.is_some() {
                "ok"
            } else {
                "failed-verification"
            }
            .to_owned(),
            num(&|m| m.overflow_pct, 2),
            num(&|m| m.bytes_per_entry, 2),
            num(&|m| m.hit_probe, 3),
            num(&|m| m.miss_probe, 3),
            num(&|m| m.lookup_hit_ns.median, 2),
            num(&|m| m.lookup_miss_ns.median, 2),
            num(&|m| m.insert_ns.median, 2),
            num(&|m| m.sweep_ns_per_entry.median, 3),
            num(&|m| m.mix_ns_per_op.median, 2),
            text(ratio(&paired, r, |s| s.median)),
            text(ratio(&paired, r, |s| s.q1)),
            text(ratio(&paired, r, |s| s.q3)),
            num(&|m| m.fill_bytes_per_entry, 2),
            m.map(|m| m.same_size_grows.to_string()).unwrap_or_default(),
            r.entries.to_string(),
            settings.b.to_string(),
            settings.key_bytes.to_string(),
            settings.value_bytes.to_string(),
            settings.mix.to_string(),
            settings.repeats.to_string(),
            settings.seed.to_string(),
            settings.hasher.clone(),
            r.is_default().to_string(),
            is_recommended(r, rec).to_string(),
            r.failure().unwrap_or_default().to_owned(),
        ];
        debug_assert_eq!(fields.len(), CSV_COLUMNS.len());
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

/// The settings line printed above the table and on stderr for the other formats.
pub fn settings_line(settings: &Settings) -> String {
    format!(
        "B={} ({} buckets), key {} B, value {} B, mix {}, median of criterion's {} samples per \
         quantity, each verified first, measured by the suite's runner, key seed {:#x}, hasher {}",
        settings.b,
        1u64 << settings.b,
        settings.key_bytes,
        settings.value_bytes,
        settings.mix,
        settings.repeats,
        settings.seed,
        settings.hasher
    )
}

/// The recommender's tie line and a newline (`tie: 6, 6.5 (within 13.6% (the noise floor of
/// ...)); choosing 6.5: ...`, see [`reports::tune_pick::Pick::tie_line`]), or nothing.
pub fn tie_line(r: &Recommendation) -> String {
    r.pick
        .tie_line()
        .map(|line| format!("{line}\n"))
        .unwrap_or_default()
}

/// The recommendation paragraph (or why there is none).
pub fn recommendation_text(rec: &Result<Recommendation, String>) -> String {
    match rec {
        Ok(r) => format!(
            "{}recommendation ({}): load factor {}\n  {}\n",
            tie_line(r),
            r.objective,
            r.load_factor,
            r.reason
        ),
        Err(e) => format!("no recommendation: {e}\n"),
    }
}

/// The aligned table, a legend and the recommendation.
pub fn table(rows: &[Row], settings: &Settings, rec: &Result<Recommendation, String>) -> String {
    let header = [
        "load_factor",
        "entries",
        "overflow_%",
        "bytes/entry",
        "hit_probe",
        "miss_probe",
        "hit_ns",
        "miss_ns",
        "insert_ns",
        "sweep_ns/entry",
        "mix_ns/op",
        "mix/ref",
        "fill_B/entry",
        "notes",
    ];
    let paired = Paired::of(rows);
    let mut lines: Vec<Vec<String>> = vec![header.iter().map(|h| (*h).to_owned()).collect()];
    for r in rows {
        let mut notes = Vec::new();
        if r.is_default() {
            notes.push("Go default".to_owned());
        }
        if is_recommended(r, rec.as_ref().ok()) {
            notes.push("RECOMMENDED".to_owned());
        }
        let mut cells = vec![format!("{}", r.load_factor), r.entries.to_string()];
        match r.metrics() {
            Some(m) => {
                if m.same_size_grows > 0 {
                    notes.push(format!("{} same-size grows", m.same_size_grows));
                }
                cells.extend([
                    format!("{:.2}", m.overflow_pct),
                    format!("{:.2}", m.bytes_per_entry),
                    format!("{:.2}", m.hit_probe),
                    format!("{:.2}", m.miss_probe),
                    format!("{:.1}", m.lookup_hit_ns.median),
                    format!("{:.1}", m.lookup_miss_ns.median),
                    format!("{:.1}", m.insert_ns.median),
                    format!("{:.2}", m.sweep_ns_per_entry.median),
                    format!("{:.1}", m.mix_ns_per_op.median),
                    ratio(&paired, r, |s| s.median)
                        .map_or_else(|| "-".into(), |x| format!("{x:.3}")),
                    format!("{:.2}", m.fill_bytes_per_entry),
                ]);
            }
            None => {
                cells.extend(std::iter::repeat_n("-".to_owned(), 11));
                notes.push(format!(
                    "FAILED: {}",
                    r.failure().unwrap_or("verification failed")
                ));
            }
        }
        cells.push(notes.join(", "));
        lines.push(cells);
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|c| lines.iter().map(|l| l[c].len()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    let _ = writeln!(out, "evacbench tune: evacmap growth threshold sweep");
    let _ = writeln!(out, "{}", settings_line(settings));
    out.push('\n');
    for line in &lines {
        let mut text = String::new();
        for (c, cell) in line.iter().enumerate() {
            if c + 1 == line.len() {
                text.push_str(cell);
            } else {
                let _ = write!(text, "{cell:>w$}  ", w = widths[c]);
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    }
    out.push('\n');
    out.push_str(
        "bytes/entry: overhead bytes per entry of the max-load table (Go's column); fill_B/entry: \
         total heap bytes per entry\naveraged over the last doubling; times in ns are medians; \
         lower is better in every column.\n",
    );
    if let Some(p) = &paired {
        let _ = writeln!(
            out,
            "mix/ref: the mix again in {} paired rounds (every load factor once per round, in a \
             shuffled order): the median over rounds of its time divided by load factor {}'s in \
             the same round; the A/A control ({} measured twice per round) gave x{:.3} \
             (interquartile x{:.3} to x{:.3}), so paired differences within {:.1}% are ties.",
            p.control.summary.rounds,
            p.reference,
            p.reference,
            p.control.summary.median,
            p.control.summary.q1,
            p.control.summary.q3,
            p.control.floor * 100.0
        );
    }
    out.push('\n');
    out.push_str(&recommendation_text(rec));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tune::config::Objective;
    use crate::tune::mix::Mix;
    use serde_json::{json, Value};

    fn settings() -> Settings {
        Settings {
            b: 8,
            key_bytes: 8,
            value_bytes: 16,
            mix: Mix::DEFAULT,
            repeats: 3,
            seed: 1,
            hasher: "h".into(),
        }
    }

    fn rows() -> Vec<Row> {
        let t = Timing {
            median: 10.0,
            min: 9.0,
            max: 11.0,
            runs: 3,
            samples: vec![9.0, 10.0, 11.0],
        };
        let m = Metrics {
            overflow_pct: 20.9,
            bytes_per_entry: 10.79,
            hit_probe: 4.25,
            miss_probe: 6.5,
            lookup_hit_ns: t.clone(),
            lookup_miss_ns: t.clone(),
            insert_ns: t.clone(),
            sweep_ns_per_entry: t.clone(),
            mix_ns_per_op: t,
            fill_bytes_per_entry: 40.0,
            same_size_grows: 0,
            mix_rounds: Vec::new(),
            mix_control_rounds: Vec::new(),
        };
        vec![
            Row {
                load_factor: 6.5,
                entries: 1664,
                result: Ok(m),
            },
            Row {
                load_factor: 8.0,
                entries: 2048,
                result: Err("sweep: a \"doomed\" key, kept".into()),
            },
        ]
    }

    fn rec() -> Recommendation {
        Recommendation {
            pick: reports::tune_pick::Pick {
                value: 6.5,
                tie: vec![],
                frontier: vec![6.5],
                why: reports::tune_pick::Why::Kept {
                    start: reports::tune_pick::Start::Default,
                    cost: 2.0,
                },
                threshold: None,
            },
            tie: vec![],
            paired: None,
            load_factor: 6.5,
            objective: Objective::Balanced,
            max_bytes_per_entry: None,
            reason: "because".into(),
        }
    }

    #[test]
    fn json_has_the_report_fields_and_marks() {
        let text = json(&rows(), &settings(), Some(&rec()));
        let v: Value = serde_json::from_str(&text).unwrap();
        let first = &v[0];
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
        ] {
            assert!(first[field].is_number(), "{field}: {first}");
        }
        assert_eq!(first["recommended"], true);
        assert_eq!(first["is_default"], true);
        assert_eq!(first["range"]["insert_ns"], json!([9.0, 11.0]));
        assert_eq!(v[1]["status"], "failed-verification");
        assert!(v[1]["bytes_per_entry"].is_null());
        assert!(v[1]["failure"].as_str().unwrap().contains("doomed"));
        // Fields come in CSV column order, load_factor first.
        let first_object = &text[..text.find("},\n  {").unwrap()];
        let positions: Vec<usize> = CSV_COLUMNS
            .iter()
            .map(|c| first_object.find(&format!("\"{c}\":")).unwrap())
            .collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{text}");
    }

    #[test]
    fn csv_quotes_fields_with_commas_and_quotes() {
        let text = csv(&rows(), &settings(), Some(&rec()));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], CSV_COLUMNS.join(","));
        assert!(
            lines[1].starts_with("6.5,ok,20.90,10.79,4.250,6.500,10.00,"),
            "{}",
            lines[1]
        );
        assert!(
            lines[1].contains(",\"lookup=80,insert=10,delete=10\","),
            "{}",
            lines[1]
        );
        assert!(
            lines[2].ends_with(",\"sweep: a \"\"doomed\"\" key, kept\""),
            "{}",
            lines[2]
        );
    }

    #[test]
    fn table_marks_default_recommended_and_failed_rows() {
        let text = table(&rows(), &settings(), &Ok(rec()));
        assert!(text.contains("Go default, RECOMMENDED"), "{text}");
        assert!(text.contains("FAILED: sweep"), "{text}");
        assert!(
            text.contains("recommendation (balanced): load factor 6.5"),
            "{text}"
        );
        let no = table(&rows(), &settings(), &Err("none fits".into()));
        assert!(no.contains("no recommendation: none fits"), "{no}");
    }
}
