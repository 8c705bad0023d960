//! Picking a threshold from the measured rows, and saying why.
//!
//! Lower thresholds waste memory on empty slots; higher ones make chains longer and lookups
//! slower. Which side matters is the user's call, so the choice follows an objective, optionally
//! under a memory limit. Memory is `bytes_per_entry` (Go's overhead bytes per entry on the
//! max-load table: the part the threshold changes; key and value bytes are the same for every
//! threshold). Latency is `mix_ns_per_op`, the user's own mix of operations.
//!
//! Rules (only rows that passed verification take part):
//! - `--max-bytes-per-entry X` first drops every row above `X` bytes per entry; if none is
//!   left there is no recommendation, and the error names the smallest value measured.
//! - then the one recommender, [`reports::tune_pick::pick`], with memory = bytes per entry and
//!   time = the mix. When the mix was measured in paired rounds (every load factor once per
//!   round, Go's 6.5 twice), a load factor's time is 6.5's median time multiplied by the
//!   median over rounds of its time divided by 6.5's in the same round
//!   ([`reports::paired_rounds`]), and two times tie unless they differ by more than the
//!   threshold the A/A control (6.5 against itself) gives. Otherwise (the rounds did not run)
//!   criterion's medians, held against the noise floor calibrated for `latency-ns-per-op` on
//!   this machine (the floor `evacbench compare` uses). Ties go to less memory; `balanced`
//!   keeps Go's 6.5 unless another load factor beats it beyond the threshold. Memory (bytes
//!   per entry) is exact for the seed, so ties are broken the same way every run.
//!
//! The reason states the rule with its threshold, the chosen row's numbers, and compares them
//! with Go's 6.5 when it was measured.

use reports::paired_rounds::{self, Control, RatioSummary};
use reports::tune_pick::{self, Candidate, Goal, Threshold};

use super::config::Objective;
use super::row::{Metrics, Row};

/// The recommender's view of a row: memory = overhead bytes per entry, time = the mix's
/// median with its repetitions.
fn candidate(load_factor: f64, m: &Metrics) -> Candidate {
    Candidate {
        value: load_factor,
        memory: m.bytes_per_entry,
        time: m.mix_ns_per_op.median,
        samples: m.mix_ns_per_op.samples.clone(),
    }
}

/// The mix times of a sweep paired per round: the reference load factor, the A/A control and
/// every load factor's ratios to the reference.
#[derive(Clone, Debug, PartialEq)]
pub struct Paired {
    /// The reference load factor (Go's 6.5, or the one nearest it), measured twice per round.
    pub reference: f64,
    /// Its median mix time over the rounds (ns per operation).
    pub reference_ns: f64,
    /// The A/A control and the tie threshold it gives.
    pub control: Control,
    /// Every verified load factor's paired ratios to the reference, ascending by load factor.
    pub ratios: Vec<(f64, RatioSummary)>,
}

impl Paired {
    /// The pairing of `rows`, if their mix was measured in enough paired rounds: every verified
    /// row has the same number of rounds, and one row (the reference) has its A/A control.
    pub fn of(rows: &[Row]) -> Option<Paired> {
        let measured: Vec<(f64, &Metrics)> = rows
            .iter()
            .filter_map(|r| r.metrics().map(|m| (r.load_factor, m)))
            .collect();
        let (reference, r) = measured
            .iter()
            .find(|(_, m)| !m.mix_control_rounds.is_empty())?;
        let control = paired_rounds::control_threshold(&r.mix_rounds, &r.mix_control_rounds)?;
        let ratios = measured
            .iter()
            .map(|(lf, m)| {
                paired_rounds::ratios(&m.mix_rounds, &r.mix_rounds)
                    .map(|x| (*lf, paired_rounds::summarize(&x)))
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Paired {
            reference: *reference,
            reference_ns: paired_rounds::median(&r.mix_rounds),
            control,
            ratios,
        })
    }

    /// The paired ratio of load factor `lf`.
    pub fn ratio(&self, lf: f64) -> Option<&RatioSummary> {
        self.ratios.iter().find(|(v, _)| *v == lf).map(|(_, s)| s)
    }
}

/// The recommender goal of an objective.
pub(crate) fn goal(objective: Objective) -> Goal {
    match objective {
        Objective::Memory => Goal::Memory,
        Objective::Latency => Goal::Latency,
        Objective::Balanced => Goal::Balanced,
    }
}

/// The recommended threshold and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Recommendation {
    /// The chosen growth threshold.
    pub load_factor: f64,
    /// The thresholds that tied with the best within noise (the chosen one among them), in
    /// ascending order; empty when the best was ahead beyond noise.
    pub tie: Vec<f64>,
    /// The objective it optimizes.
    pub objective: Objective,
    /// The memory limit it was chosen under, if any.
    pub max_bytes_per_entry: Option<f64>,
    /// One paragraph: the rule, the numbers, the comparison with Go's 6.5.
    pub reason: String,
    /// The shared recommender's answer (frontier and rule included), as recorded for the
    /// report.
    pub pick: tune_pick::Pick,
    /// The paired rounds the time axis came from, if they ran.
    pub paired: Option<Paired>,
}

fn pct(chosen: f64, base: f64) -> String {
    let change = (chosen / base - 1.0) * 100.0;
    if change.abs() < 0.05 {
        "the same".into()
    } else {
        format!("{change:+.1}%")
    }
}

/// Chooses a threshold among `rows`, holding mix-time differences against `threshold` (or,
/// when the mix ran in paired rounds, against the A/A control's threshold raised to
/// `between_runs`, the run-to-run floor of paired ratios calibrated on this machine); `Err`
/// explains why none qualifies.
pub fn recommend(
    rows: &[Row],
    objective: Objective,
    max_bytes_per_entry: Option<f64>,
    threshold: &Threshold,
    between_runs: Option<&reports::PairedFloor>,
) -> Result<Recommendation, String> {
    let measured: Vec<(f64, &Metrics)> = rows
        .iter()
        .filter_map(|r| r.metrics().map(|m| (r.load_factor, m)))
        .collect();
    if measured.is_empty() {
        return Err(
            "no recommendation: every load factor failed verification (see the failure column)"
                .into(),
        );
    }
    let candidates: Vec<(f64, &Metrics)> = match max_bytes_per_entry {
        None => measured.clone(),
        Some(x) => {
            let kept: Vec<_> = measured
                .iter()
                .copied()
                .filter(|(_, m)| m.bytes_per_entry <= x)
                .collect();
            if kept.is_empty() {
                let (lf, m) = measured
                    .iter()
                    .min_by(|a, b| a.1.bytes_per_entry.total_cmp(&b.1.bytes_per_entry))
                    .expect("measured is not empty");
                return Err(format!(
                    "no load factor meets --max-bytes-per-entry {x}: the fewest overhead bytes per \
                     entry measured is {:.2} (load factor {lf}); raise the limit or sweep higher \
                     load factors (up to 16) with --load-factors",
                    m.bytes_per_entry
                ));
            }
            kept
        }
    };
    let paired = Paired::of(rows);
    let paired_candidates = paired.as_ref().and_then(|p| {
        let reference = measured.iter().find(|(lf, _)| *lf == p.reference)?.1;
        candidates
            .iter()
            .map(|(lf, m)| {
                paired_rounds::candidate(
                    *lf,
                    m.bytes_per_entry,
                    &m.mix_rounds,
                    &reference.mix_rounds,
                )
            })
            .collect::<Option<Vec<Candidate>>>()
            .map(|c| (c, p.control.threshold(between_runs)))
    });
    let (cands, threshold) = match paired_candidates {
        Some((c, t)) => (c, t),
        None => (
            candidates.iter().map(|(lf, m)| candidate(*lf, m)).collect(),
            threshold.clone(),
        ),
    };
    let pick = tune_pick::pick(
        &cands,
        goal(objective),
        &threshold,
        Some(evacmap::GO_LOAD_FACTOR),
    )
    .expect("candidates is not empty");
    let rule = tune_pick::rule_text(&pick, "load factor", "overhead bytes per entry", "mix time");
    let chosen = *candidates
        .iter()
        .find(|(lf, _)| *lf == pick.value)
        .expect("the pick is a candidate");
    let tie = pick.tie.clone();
    let (lf, m) = chosen;
    let constraint = max_bytes_per_entry
        .map(|x| format!(" among the load factors with at most {x} overhead bytes per entry"))
        .unwrap_or_default();
    let mut reason = format!(
        "{}: load factor {lf}{constraint}, because {rule}. It costs {:.2} overhead bytes per entry \
         ({:.2} total heap bytes per entry over a typical fill), {:.1} ns per mixed operation, \
         {:.1} ns per lookup hit, with {:.1}% of buckets overflowing.",
        objective.name(),
        m.bytes_per_entry,
        m.fill_bytes_per_entry,
        m.mix_ns_per_op.median,
        m.lookup_hit_ns.median,
        m.overflow_pct
    );
    let ratio = |lf: f64| paired.as_ref().and_then(|p| p.ratio(lf));
    if let (Some(p), Some(r)) = (&paired, ratio(lf)) {
        reason.push_str(&format!(
            " In {} paired rounds its mix time was x{:.3} load factor {}'s in the same round \
             (median; interquartile x{:.3} to x{:.3}); the A/A control ({} against itself) gave \
             x{:.3} (x{:.3} to x{:.3}).",
            r.rounds,
            r.median,
            p.reference,
            r.q1,
            r.q3,
            p.reference,
            p.control.summary.median,
            p.control.summary.q1,
            p.control.summary.q3
        ));
    }
    match measured.iter().find(|(l, _)| *l == evacmap::GO_LOAD_FACTOR) {
        Some(_) if lf == evacmap::GO_LOAD_FACTOR => {
            reason.push_str(" This is Go's default threshold.");
        }
        Some((_, d)) => reason.push_str(&format!(
            " Against Go's 6.5: overhead bytes per entry {}, total bytes per entry {}, mix time {}, \
             lookup hit time {}.",
            pct(m.bytes_per_entry, d.bytes_per_entry),
            pct(m.fill_bytes_per_entry, d.fill_bytes_per_entry),
            match (ratio(lf), ratio(evacmap::GO_LOAD_FACTOR)) {
                (Some(a), Some(b)) => format!("{} (paired)", pct(a.median, b.median)),
                _ => pct(m.mix_ns_per_op.median, d.mix_ns_per_op.median),
            },
            pct(m.lookup_hit_ns.median, d.lookup_hit_ns.median)
        )),
        None if rows.iter().any(Row::is_default) => {
            reason.push_str(" Go's 6.5 failed verification, so it is not compared.");
        }
        None => reason.push_str(" Go's 6.5 was not in the sweep, so it is not compared."),
    }
    Ok(Recommendation {
        pick,
        paired,
        load_factor: lf,
        tie,
        objective,
        max_bytes_per_entry,
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tune::output;
    use crate::tune::row::Timing;
    use reports::tune_pick::frontier;

    fn t(median: f64, spread: f64) -> Timing {
        Timing {
            median,
            min: median - spread,
            max: median + spread,
            runs: 5,
            samples: vec![
                median - spread,
                median - spread / 2.0,
                median,
                median + spread / 2.0,
                median + spread,
            ],
        }
    }

    fn row(lf: f64, bytes: f64, mix_ns: f64, spread: f64) -> Row {
        Row {
            load_factor: lf,
            entries: 100,
            result: Ok(Metrics {
                overflow_pct: 10.0,
                bytes_per_entry: bytes,
                hit_probe: 4.0,
                miss_probe: 6.0,
                lookup_hit_ns: t(20.0, 1.0),
                lookup_miss_ns: t(15.0, 1.0),
                insert_ns: t(40.0, 1.0),
                sweep_ns_per_entry: t(5.0, 0.1),
                mix_ns_per_op: t(mix_ns, spread),
                fill_bytes_per_entry: bytes + 20.0,
                same_size_grows: 0,
                mix_rounds: Vec::new(),
                mix_control_rounds: Vec::new(),
            }),
        }
    }

    fn rows() -> Vec<Row> {
        vec![
            row(4.0, 20.0, 30.0, 0.2),
            row(5.0, 15.0, 33.0, 0.2),
            row(6.5, 11.0, 36.0, 0.2),
            row(7.0, 12.0, 38.0, 0.2), // dominated by 6.5
            row(8.0, 9.0, 45.0, 0.2),
        ]
    }

    fn th() -> Threshold {
        Threshold {
            floor: 0.05,
            of: "the test floor".into(),
            memory_floor: 0.0,
            paired: false,
        }
    }

    #[test]
    fn memory_and_latency_pick_the_extremes() {
        let r = recommend(&rows(), Objective::Memory, None, &th(), None).unwrap();
        assert_eq!(r.load_factor, 8.0);
        assert!(r.reason.contains("Against Go's 6.5"), "{}", r.reason);
        // 30 against 33 ns: 10% apart, beyond the 5% floor.
        let r = recommend(&rows(), Objective::Latency, None, &th(), None).unwrap();
        assert_eq!(r.load_factor, 4.0);
        assert!(r.reason.contains("lowest mix time"), "{}", r.reason);
    }

    #[test]
    fn latency_ties_within_the_floor_go_to_less_memory() {
        let mut rs = rows();
        // 30 and 31 ns: 3.3% apart, within the 5% floor: a tie, so 5.0 (less memory).
        rs[0] = row(4.0, 20.0, 30.0, 0.2);
        rs[1] = row(5.0, 15.0, 31.0, 0.2);
        let r = recommend(&rs, Objective::Latency, None, &th(), None).unwrap();
        assert_eq!(r.load_factor, 5.0);
        assert_eq!(r.tie, [4.0, 5.0]);
        assert!(
            r.reason.contains(
                "within 5.0% (the test floor) (or the spread of the repetitions) of the fastest's \
                 (load factor 4, 30.0): tie; least overhead bytes per entry wins"
            ),
            "{}",
            r.reason
        );
        assert!(
            output::tie_line(&r)
                .starts_with("tie: 4, 5 (no difference beyond 5.0% (the test floor)"),
            "{}",
            output::tie_line(&r)
        );
        // Clearly separated: no tie.
        let r = recommend(&rows(), Objective::Latency, None, &th(), None).unwrap();
        assert!(r.tie.is_empty(), "{:?}", r.tie);
    }

    #[test]
    fn balanced_keeps_gos_default_unless_beaten_beyond_the_floor() {
        // Costs: 4.0: 20/9 + 1 = 3.22; 5.0: 1.67 + 1.1 = 2.77; 6.5: 1.22 + 1.2 = 2.42;
        // 8.0: 1 + 1.5 = 2.5 (2.58 with its time 5% slower); 7.0 is dominated.
        let r = recommend(&rows(), Objective::Balanced, None, &th(), None).unwrap();
        assert_eq!(r.load_factor, 6.5);
        assert!(r.reason.contains("This is Go's default"), "{}", r.reason);
        assert!(
            r.reason
                .contains("it is the default, and no load factor beats it beyond 5.0%"),
            "{}",
            r.reason
        );
        assert_eq!(
            frontier(
                &rows()
                    .iter()
                    .map(|r| candidate(r.load_factor, r.metrics().unwrap()))
                    .collect::<Vec<_>>()
            ),
            [0, 1, 2, 4]
        );
        // 6.5 at 42 ns (still faster than 8 beyond the floor, so on the frontier): 8 beats it
        // (1 + 1.575 = 2.58 with its time 5% slower, against 1.22 + 1.4 = 2.62).
        let mut rs = rows();
        rs[2] = row(6.5, 11.0, 42.0, 0.2);
        let r = recommend(&rs, Objective::Balanced, None, &th(), None).unwrap();
        assert_eq!(r.load_factor, 8.0);
        assert!(
            r.reason.contains("it beats load factor 6.5 beyond 5.0%"),
            "{}",
            r.reason
        );
        // Without 6.5 the rule starts from the least memory, and nothing beats 8.
        let without: Vec<Row> = rows()
            .into_iter()
            .filter(|r| r.load_factor != 6.5)
            .collect();
        let r = recommend(&without, Objective::Balanced, None, &th(), None).unwrap();
        assert_eq!(r.load_factor, 8.0);
        assert!(
            r.reason.contains("6.5 was not in the sweep"),
            "{}",
            r.reason
        );
    }

    /// `rows()` with their mix also measured in 10 paired rounds: every round's times the true
    /// ones multiplied by that round's machine speed (0.6 to 2.4), 6.5's control 1% off either
    /// way.
    fn paired_rows(mut rs: Vec<Row>, truth: &[f64]) -> Vec<Row> {
        let speed = |r: usize| 0.6 + 0.2 * ((r * 7) % 10) as f64;
        for (row, t) in rs.iter_mut().zip(truth) {
            let m = row.result.as_mut().unwrap();
            m.mix_rounds = (0..10).map(|r| t * speed(r)).collect();
            if row.load_factor == 6.5 {
                m.mix_control_rounds = (0..10)
                    .map(|r| t * speed(r) * if r % 2 == 0 { 1.01 } else { 0.99 })
                    .collect();
            }
        }
        rs
    }

    #[test]
    fn paired_rounds_decide_when_they_ran() {
        // Criterion's medians caught 6.5 in a slow moment (42 ns): unpaired, 8 beats it.
        let mut rs = rows();
        rs[2] = row(6.5, 11.0, 42.0, 0.2);
        assert_eq!(
            recommend(&rs, Objective::Balanced, None, &th(), None)
                .unwrap()
                .load_factor,
            8.0
        );
        // In paired rounds 6.5 is at its true place (36 ns against 30, 33, 38 and 45), whatever
        // each round's speed: the default stays.
        let truth = [30.0, 33.0, 36.0, 38.0, 45.0];
        let r = recommend(
            &paired_rows(rs, &truth),
            Objective::Balanced,
            None,
            &th(),
            None,
        )
        .unwrap();
        assert_eq!(r.load_factor, 6.5, "{}", r.reason);
        let t = r.pick.threshold.as_ref().unwrap();
        assert!(t.paired && t.floor > 0.0 && t.floor < 0.03, "{t:?}");
        assert!(t.describe().contains("A/A control"), "{}", t.describe());
        let p = r.paired.as_ref().unwrap();
        assert_eq!(p.reference, 6.5);
        assert!((p.ratio(8.0).unwrap().median - 45.0 / 36.0).abs() < 1e-9);
        assert!(
            r.reason
                .contains("In 10 paired rounds its mix time was x1.000 load factor 6.5's"),
            "{}",
            r.reason
        );
        // The paired ratios are printed in every format.
        let settings = crate::tune::Settings {
            b: 8,
            key_bytes: 8,
            value_bytes: 8,
            mix: crate::tune::Mix::DEFAULT,
            repeats: 10,
            seed: 1,
            hasher: "h".into(),
        };
        let with_rounds = paired_rows(rows(), &truth);
        let v: serde_json::Value =
            serde_json::from_str(&output::json(&with_rounds, &settings, Some(&r))).unwrap();
        assert_eq!(v[4]["mix_vs_reference"], 1.25);
        assert!(output::csv(&with_rounds, &settings, Some(&r)).contains(",1.2500,1.2500,1.2500,"));
        let table = output::table(&with_rounds, &settings, &Ok(r));
        assert!(
            table.contains("mix/ref") && table.contains("A/A control"),
            "{table}"
        );
        // A row without rounds (the rounds did not pair up): criterion's medians, the
        // calibrated floor.
        let mut partial = paired_rows(rows(), &truth);
        partial[0].result.as_mut().unwrap().mix_rounds.clear();
        let r = recommend(&partial, Objective::Balanced, None, &th(), None).unwrap();
        assert!(r.paired.is_none() && !r.pick.threshold.unwrap().paired);
    }

    #[test]
    fn a_constraint_filters_first_and_explains_when_nothing_fits() {
        let r = recommend(&rows(), Objective::Latency, Some(12.0), &th(), None).unwrap();
        assert_eq!(r.load_factor, 6.5);
        assert!(
            r.reason.contains("at most 12 overhead bytes"),
            "{}",
            r.reason
        );
        let err = recommend(&rows(), Objective::Latency, Some(5.0), &th(), None).unwrap_err();
        assert!(
            err.contains("fewest overhead bytes per entry measured is 9.00 (load factor 8)"),
            "{err}"
        );
    }

    #[test]
    fn failed_rows_take_no_part() {
        let mut rs = rows();
        rs[4].result = Err("sweep: kept a doomed key".into());
        assert_eq!(
            recommend(&rs, Objective::Memory, None, &th(), None)
                .unwrap()
                .load_factor,
            6.5
        );
        rs[2].result = Err("x".into());
        let r = recommend(&rs, Objective::Memory, None, &th(), None).unwrap();
        assert!(r.reason.contains("6.5 failed verification"), "{}", r.reason);
        let all_failed: Vec<Row> = rs
            .into_iter()
            .map(|mut r| {
                r.result = Err("x".into());
                r
            })
            .collect();
        assert!(recommend(&all_failed, Objective::Balanced, None, &th(), None).is_err());
    }
}
