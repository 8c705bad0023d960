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
//! - `memory`: the fewest bytes per entry (ties: the faster).
//! - `latency`: the fastest on the mix; rows whose median is within the fastest row's
//!   repetition range (at most its slowest repetition) count as equally fast, and among those
//!   the one with the fewest bytes per entry wins. This keeps timing noise from deciding.
//! - `balanced`: among the Pareto-optimal rows (no other row has both fewer bytes per entry and
//!   a faster mix), the lowest `bytes / fewest bytes + ns / fastest ns`: each axis counted as
//!   its ratio to the best value, so a 10% saving in memory weighs as much as 10% in time.
//!   This is the report's rule with the mix time in place of the lookup time.
//!
//! The reason states the chosen row's numbers and compares them with Go's 6.5 when it was
//! measured.

use super::config::Objective;
use super::row::{Metrics, Row};

/// The recommended threshold and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Recommendation {
    /// The chosen growth threshold.
    pub load_factor: f64,
    /// The objective it optimizes.
    pub objective: Objective,
    /// The memory limit it was chosen under, if any.
    pub max_bytes_per_entry: Option<f64>,
    /// One paragraph: the rule, the numbers, the comparison with Go's 6.5.
    pub reason: String,
}

/// Points on the Pareto front of (bytes per entry, mix ns), by index into `rows`.
fn frontier(rows: &[(f64, &Metrics)]) -> Vec<usize> {
    (0..rows.len())
        .filter(|&i| {
            let (b, t) = (rows[i].1.bytes_per_entry, rows[i].1.mix_ns_per_op.median);
            !rows.iter().any(|(_, q)| {
                let (qb, qt) = (q.bytes_per_entry, q.mix_ns_per_op.median);
                qb <= b && qt <= t && (qb < b || qt < t)
            })
        })
        .collect()
}

fn pct(chosen: f64, base: f64) -> String {
    let change = (chosen / base - 1.0) * 100.0;
    if change.abs() < 0.05 {
        "the same".into()
    } else {
        format!("{change:+.1}%")
    }
}

/// Chooses a threshold among `rows`; `Err` explains why none qualifies.
pub fn recommend(
    rows: &[Row],
    objective: Objective,
    max_bytes_per_entry: Option<f64>,
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
    let bytes = |m: &Metrics| m.bytes_per_entry;
    let ns = |m: &Metrics| m.mix_ns_per_op.median;
    let (chosen, rule) = match objective {
        Objective::Memory => {
            let best = candidates
                .iter()
                .min_by(|a, b| {
                    bytes(a.1)
                        .total_cmp(&bytes(b.1))
                        .then(ns(a.1).total_cmp(&ns(b.1)))
                })
                .expect("candidates is not empty");
            (
                *best,
                "it has the fewest overhead bytes per entry".to_owned(),
            )
        }
        Objective::Latency => {
            let fastest = candidates
                .iter()
                .min_by(|a, b| ns(a.1).total_cmp(&ns(b.1)))
                .expect("candidates is not empty");
            let limit = fastest.1.mix_ns_per_op.max;
            let best = candidates
                .iter()
                .filter(|(_, m)| ns(m) <= limit)
                .min_by(|a, b| bytes(a.1).total_cmp(&bytes(b.1)))
                .expect("the fastest is within its own range");
            let rule = if best.0 == fastest.0 {
                "it is the fastest on the mix".to_owned()
            } else {
                format!(
                    "its mix time is within the repetition range of the fastest (load factor {}, \
                     {:.1} ns/op, slowest repetition {limit:.1}), so it counts as equally fast, and \
                     it uses the least memory of those",
                    fastest.0,
                    ns(fastest.1)
                )
            };
            (*best, rule)
        }
        Objective::Balanced => {
            let min_bytes = candidates
                .iter()
                .map(|c| bytes(c.1))
                .fold(f64::INFINITY, f64::min);
            let min_ns = candidates
                .iter()
                .map(|c| ns(c.1))
                .fold(f64::INFINITY, f64::min);
            // Overhead can be 0 or below only in degenerate tables; shift so ratios stay positive.
            let shift = if min_bytes <= 0.0 {
                1.0 - min_bytes
            } else {
                0.0
            };
            let cost = |m: &Metrics| {
                (bytes(m) + shift) / (min_bytes + shift) + ns(m) / min_ns.max(f64::MIN_POSITIVE)
            };
            let best = frontier(&candidates)
                .into_iter()
                .map(|i| candidates[i])
                .min_by(|a, b| cost(a.1).total_cmp(&cost(b.1)))
                .expect("a non-empty set has a Pareto front");
            (
                best,
                format!(
                    "it is Pareto-optimal in memory and mix time and has the lowest sum of both as \
                     ratios to the best ({:.3}; 2.000 would be best on both)",
                    cost(best.1)
                ),
            )
        }
    };
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
    match measured.iter().find(|(l, _)| *l == evacmap::GO_LOAD_FACTOR) {
        Some(_) if lf == evacmap::GO_LOAD_FACTOR => {
            reason.push_str(" This is Go's default threshold.");
        }
        Some((_, d)) => reason.push_str(&format!(
            " Against Go's 6.5: overhead bytes per entry {}, total bytes per entry {}, mix time {}, \
             lookup hit time {}.",
            pct(m.bytes_per_entry, d.bytes_per_entry),
            pct(m.fill_bytes_per_entry, d.fill_bytes_per_entry),
            pct(m.mix_ns_per_op.median, d.mix_ns_per_op.median),
            pct(m.lookup_hit_ns.median, d.lookup_hit_ns.median)
        )),
        None if rows.iter().any(Row::is_default) => {
            reason.push_str(" Go's 6.5 failed verification, so it is not compared.");
        }
        None => reason.push_str(" Go's 6.5 was not in the sweep, so it is not compared."),
    }
    Ok(Recommendation {
        load_factor: lf,
        objective,
        max_bytes_per_entry,
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tune::row::Timing;

    fn t(median: f64, spread: f64) -> Timing {
        Timing {
            median,
            min: median - spread,
            max: median + spread,
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
            }),
        }
    }

    fn rows() -> Vec<Row> {
        vec![
            row(4.0, 20.0, 30.0, 0.2),
            row(5.0, 15.0, 31.0, 0.2),
            row(6.5, 11.0, 33.0, 0.2),
            row(7.0, 12.0, 34.0, 0.2), // dominated by 6.5
            row(8.0, 9.0, 40.0, 0.2),
        ]
    }

    #[test]
    fn memory_and_latency_pick_the_extremes() {
        let r = recommend(&rows(), Objective::Memory, None).unwrap();
        assert_eq!(r.load_factor, 8.0);
        assert!(r.reason.contains("Against Go's 6.5"), "{}", r.reason);
        let r = recommend(&rows(), Objective::Latency, None).unwrap();
        assert_eq!(r.load_factor, 4.0);
        assert!(r.reason.contains("fastest"), "{}", r.reason);
    }

    #[test]
    fn latency_ties_within_noise_go_to_less_memory() {
        let mut rs = rows();
        rs[0] = row(4.0, 20.0, 30.0, 2.0); // slowest repetition 32: 5.0 (31 ns) ties
        let r = recommend(&rs, Objective::Latency, None).unwrap();
        assert_eq!(r.load_factor, 5.0);
        assert!(r.reason.contains("equally fast"), "{}", r.reason);
    }

    #[test]
    fn balanced_picks_the_lowest_ratio_sum_on_the_frontier() {
        // ratio sums: 4.0: 20/9 + 1 = 3.22; 5.0: 1.67 + 1.03 = 2.70; 6.5: 1.22 + 1.1 = 2.32;
        // 8.0: 1 + 1.33 = 2.33; 7.0 is dominated.
        let r = recommend(&rows(), Objective::Balanced, None).unwrap();
        assert_eq!(r.load_factor, 6.5);
        assert!(r.reason.contains("This is Go's default"), "{}", r.reason);
        assert_eq!(
            frontier(
                &rows()
                    .iter()
                    .map(|r| (r.load_factor, r.metrics().unwrap()))
                    .collect::<Vec<_>>()
            ),
            [0, 1, 2, 4]
        );
    }

    #[test]
    fn a_constraint_filters_first_and_explains_when_nothing_fits() {
        let r = recommend(&rows(), Objective::Latency, Some(12.0)).unwrap();
        assert_eq!(r.load_factor, 6.5);
        assert!(
            r.reason.contains("at most 12 overhead bytes"),
            "{}",
            r.reason
        );
        let err = recommend(&rows(), Objective::Latency, Some(5.0)).unwrap_err();
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
            recommend(&rs, Objective::Memory, None).unwrap().load_factor,
            6.5
        );
        rs[2].result = Err("x".into());
        let r = recommend(&rs, Objective::Memory, None).unwrap();
        assert!(r.reason.contains("6.5 failed verification"), "{}", r.reason);
        let all_failed: Vec<Row> = rs
            .into_iter()
            .map(|mut r| {
                r.result = Err("x".into());
                r
            })
            .collect();
        assert!(recommend(&all_failed, Objective::Balanced, None).is_err());
    }
}
