//! Shared test helpers: scratch directories and a realistic fixture run.

#![allow(dead_code)] // each test binary uses a different subset

use std::fs;
use std::path::PathBuf;

use reports::{Environment, Metric, Outcome, Params, Record, RunDir};

/// A fresh, empty directory for one test.
pub(crate) fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("reports-tests")
        .join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

pub(crate) fn environment() -> Environment {
    Environment {
        date: "2025-01-31T12:00:00Z".into(),
        git_commit: "abc1234def".into(),
        rustc: "rustc 1.95.0 (59807616e 2026-04-14)".into(),
        dependencies: [
            ("hashbrown", "0.17.1"),
            ("foldhash", "0.2.0"),
            ("criterion", "0.8.2"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect(),
        cpu_model: "AMD EPYC 7B13".into(),
        cpu_cores: 2,
        hasher: "foldhash 0.2.0".into(),
        profile: "default".into(),
        seeds: vec![42, 43],
        contenders: Vec::new(),
        objectives: Vec::new(),
    }
}

/// Contenders in registry order; `dashmap` fails verification on `sweep`.
pub(crate) const CONTENDERS: [&str; 5] = [
    "evacmap-cursor",
    "tombstone",
    "collect-keys",
    "hashbrown-retain",
    "dashmap",
];
pub(crate) const FAILED: &str = "dashmap";
pub(crate) const SEED: u64 = 42;

/// Rounds to four significant digits so that `{}` prints exactly what the report prints (values
/// stay below 1e7, where the report would switch to exponent notation).
pub(crate) fn round4(v: f64) -> f64 {
    if v == 0.0 {
        return 0.0;
    }
    let digits = v.abs().log10().floor() as i32;
    if digits > 3 {
        let unit = 10f64.powi(digits - 3);
        return (v / unit).round() * unit;
    }
    let decimals = (3 - digits) as usize;
    format!("{v:.decimals$}").parse().unwrap()
}

/// Deterministic noise in [0.95, 1.05) from a counter (splitmix64).
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        0.95 + (z >> 11) as f64 / (1u64 << 53) as f64 * 0.1
    }
}

fn rec(
    contender: &str,
    workload: &str,
    params: &Params,
    metric: Metric,
    outcome: Outcome,
) -> Record {
    Record::new(contender, workload, params.clone(), metric, SEED, outcome)
}

fn value(v: f64) -> Outcome {
    Outcome::value(round4(v))
}

fn with_ci(v: f64, rel: f64) -> Outcome {
    let v = round4(v);
    Outcome::with_ci(v, round4(v * (1.0 - rel)), round4(v * (1.0 + rel)), vec![])
}

/// Records of a realistic run: sweep, churn, readers-during-sweep, sparse-scan and tune, with one
/// failed contender and unmeasured cache simulation. `speed` scales every time (for baselines).
pub(crate) fn records(speed: f64) -> Vec<Record> {
    let mut noise = Noise(7);
    let mut out = Vec::new();
    let not_measured = || Outcome::not_measured("valgrind not installed");
    for (k, c) in CONTENDERS.iter().enumerate() {
        let factor = 1.0 + k as f64 * 0.35;
        // sweep: n x delete_fraction
        for n in [1_000u64, 65_536, 1_048_576] {
            for f in [0.1, 0.5, 0.9] {
                let p = Params::new()
                    .with("n", n)
                    .with("delete_fraction", f)
                    .with("keys", "uniform");
                if *c == FAILED {
                    out.push(rec(
                        c,
                        "sweep",
                        &p,
                        Metric::LatencyNsPerOp,
                        Outcome::failed("3 doomed keys survived the sweep"),
                    ));
                    continue;
                }
                let cache = (n as f64).log2() / 10.0;
                out.push(rec(
                    c,
                    "sweep",
                    &p,
                    Metric::LatencyNsPerOp,
                    with_ci(
                        speed * factor * cache * (3.0 + 6.0 * f) * noise.next(),
                        0.03,
                    ),
                ));
                out.push(rec(
                    c,
                    "sweep",
                    &p,
                    Metric::AllocsPerOp,
                    value(if k == 2 { 1.0 + f } else { 0.0 }),
                ));
                out.push(rec(
                    c,
                    "sweep",
                    &p,
                    Metric::AllocBytesPerOp,
                    value(if k == 2 { 16.0 * (1.0 + f) } else { 0.0 }),
                ));
                out.push(rec(
                    c,
                    "sweep",
                    &p,
                    Metric::PeakExtraHeapBytes,
                    value(n as f64 * f * 2.0 * factor * noise.next()),
                ));
                out.push(rec(
                    c,
                    "sweep",
                    &p,
                    Metric::RetainedBytesPerEntry,
                    value(24.0 * factor * noise.next()),
                ));
                out.push(rec(
                    c,
                    "sweep",
                    &p,
                    Metric::DeferredGarbageBytes,
                    value(if k == 1 { n as f64 * f * 4.0 } else { 0.0 }),
                ));
                out.push(rec(c, "sweep", &p, Metric::D1MissesPerOp, not_measured()));
                out.push(rec(c, "sweep", &p, Metric::LlMissesPerOp, not_measured()));
                if k == 0 {
                    out.push(rec(c, "sweep", &p, Metric::HitProbe, value(1.5 + f)));
                    out.push(rec(c, "sweep", &p, Metric::MissProbe, value(3.0 + f)));
                    out.push(rec(
                        c,
                        "sweep",
                        &p,
                        Metric::OverflowPct,
                        value(12.0 * (1.0 - f)),
                    ));
                    out.push(rec(
                        c,
                        "sweep",
                        &p,
                        Metric::LiveEntriesPerLine,
                        value(4.0 * (1.0 - f) + 0.5),
                    ));
                }
            }
        }
        // churn: lookup percentiles and heap over time.
        let p = Params::new().with("n", 65_536u64);
        for (m, base) in Metric::PERCENTILES.iter().zip([40.0, 120.0, 400.0, 9000.0]) {
            out.push(rec(
                c,
                "churn",
                &p,
                *m,
                value(speed * base * factor * noise.next()),
            ));
        }
        out.push(rec(
            c,
            "churn",
            &p,
            Metric::RetainedBytesPerEntry,
            value(30.0 * factor),
        ));
        for t in 0..6u64 {
            let tp = p.clone().with("t_ms", t * 100);
            out.push(rec(
                c,
                "churn",
                &tp,
                Metric::HeapBytes,
                value(1.0e6 * factor * (1.0 + 0.1 * t as f64) * noise.next()),
            ));
        }
        // readers-during-sweep: percentiles per reader count.
        for threads in [1u64, 2, 4] {
            let p = Params::new().with("n", 65_536u64).with("threads", threads);
            out.push(rec(
                c,
                "readers-during-sweep",
                &p,
                Metric::LatencyNsPerOp,
                with_ci(speed * 50.0 * factor * threads as f64, 0.05),
            ));
            for (m, base) in Metric::PERCENTILES.iter().zip([30.0, 90.0, 300.0, 5000.0]) {
                out.push(rec(
                    c,
                    "readers-during-sweep",
                    &p,
                    *m,
                    value(speed * base * factor * (1.0 + threads as f64 / 2.0) * noise.next()),
                ));
            }
        }
        // sparse-scan: a named parameter only, so bars.
        for shrink in ["no", "yes"] {
            let p = Params::new().with("n", 1_048_576u64).with("shrink", shrink);
            let scan = if shrink == "yes" { 2.0 } else { 90.0 };
            out.push(rec(
                c,
                "sparse-scan",
                &p,
                Metric::LatencyNsPerOp,
                with_ci(speed * scan * factor, 0.04),
            ));
            out.push(rec(
                c,
                "sparse-scan",
                &p,
                Metric::D1MissesPerOp,
                not_measured(),
            ));
        }
    }
    // tune: evacmap only, thresholds 4.0..=8.0.
    for i in 0..9 {
        let lf = 4.0 + 0.5 * f64::from(i);
        let p = Params::new()
            .with("load_factor", lf)
            .with("key_bytes", 8u64)
            .with("value_bytes", 8u64);
        let fill = lf / 8.0;
        let values = [
            (Metric::OverflowPct, 40.0 * fill * fill * fill),
            (Metric::BytesPerEntry, 18.0 / fill),
            (Metric::HitProbe, 1.0 + 2.0 * fill),
            (Metric::MissProbe, 2.0 + 5.0 * fill),
            (Metric::LookupHitNs, 10.0 + 9.0 * fill * fill),
            (Metric::LookupMissNs, 12.0 + 14.0 * fill * fill),
            (Metric::InsertNs, 30.0 + 10.0 * fill),
            (Metric::SweepNsPerEntry, 2.0 + 1.5 / fill),
        ];
        for (m, v) in values {
            out.push(rec("evacmap", "tune", &p, m, value(v)));
        }
    }
    out
}

/// Writes the fixture run to `dir` and finishes it.
pub(crate) fn write_run(dir: &std::path::Path, records: &[Record]) {
    let mut run = RunDir::create(dir, environment()).unwrap();
    for chunk in records.chunks(50) {
        run.append(chunk).unwrap();
    }
    run.finish().unwrap();
}
