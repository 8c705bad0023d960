//! The one tuning recommender: which value of a knob to use, from its measured memory and time.
//!
//! `evacbench tune` and the report's tuning section both call [`pick`], and `evacbench tune`
//! records what it chose ([`KnobPick`], in the run directory's [`PICKS_FILE`]), so the report
//! shows the command line's pick rather than a second opinion.
//!
//! A knob trades memory for time: a lower growth threshold wastes slots, a higher one lengthens
//! chains; a higher shrink threshold gives memory back sooner but may halve and regrow a table;
//! more shards cost memory and buy concurrency. Each value of a knob is a [`Candidate`]: its
//! memory (lower is better), its time (lower is better; the median of its repetitions) and the
//! repetitions themselves. Rules, over the candidates (the caller drops failed ones):
//! - [`Goal::Memory`]: the least memory (ties: the faster).
//! - [`Goal::Latency`]: the fastest. Candidates whose time is not distinguishable from the
//!   fastest's (the middle halves of their repetitions overlap, see [`times_differ`]) tie with
//!   it, and among the tie the one with the least memory wins, so timing noise never decides.
//! - [`Goal::Balanced`]: among the Pareto-optimal candidates ([`frontier`]: no other one has both
//!   less memory and a lower time), the lowest `memory / least memory + time / least time`, each
//!   axis as its ratio to the best. A candidate ties with that lowest-cost one when its cost at
//!   the first quartile of its repetitions is no higher than the lowest's at its third; the tie
//!   goes to the least memory.
//!
//! Memory is exact for a seed (structure, not timing), so it breaks ties the same way every run,
//! and repeated runs agree unless a difference is larger than the noise.

use std::fs;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::{write_atomic, Error};

/// The file of a tune run directory holding the recorded picks (one [`KnobPick`] per knob).
pub const PICKS_FILE: &str = "tune.json";

/// What the recommendation optimizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Goal {
    /// The least memory.
    Memory,
    /// The fastest, ties within noise going to the least memory.
    Latency,
    /// The Pareto-optimal value with the lowest sum of both axes as ratios to the best.
    Balanced,
}

impl Goal {
    /// The name used on the command line and in the report.
    pub fn name(self) -> &'static str {
        match self {
            Goal::Memory => "memory",
            Goal::Latency => "latency",
            Goal::Balanced => "balanced",
        }
    }
}

/// One measured value of a knob.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    /// The knob's value.
    pub value: f64,
    /// Memory, lower is better (bytes).
    pub memory: f64,
    /// Time, lower is better (the median of `samples` when there are samples).
    pub time: f64,
    /// The time's repetitions (per-sample values), for the noise test; may be empty.
    pub samples: Vec<f64>,
}

/// The middle half (first to third quartile) of a candidate's repetitions: its noise without
/// the one repetition a descheduling made slow. With fewer than 4 repetitions, their range; with
/// none, the time itself.
pub fn middle_half(c: &Candidate) -> (f64, f64) {
    let mut v: Vec<f64> = c
        .samples
        .iter()
        .copied()
        .filter(|x| x.is_finite())
        .collect();
    if v.is_empty() {
        return (c.time, c.time);
    }
    v.sort_by(f64::total_cmp);
    if v.len() < 4 {
        return (v[0], v[v.len() - 1]);
    }
    let q = |p: f64| v[((v.len() - 1) as f64 * p).round() as usize];
    (q(0.25), q(0.75))
}

/// True if the middle halves of the repetitions of `a` and `b` do not overlap: their difference
/// is larger than either's own noise.
pub fn times_differ(a: &Candidate, b: &Candidate) -> bool {
    let (a_lo, a_hi) = middle_half(a);
    let (b_lo, b_hi) = middle_half(b);
    a_hi < b_lo || b_hi < a_lo
}

/// Indices of the Pareto-optimal candidates (no other is at least as good on both axes and
/// better on one), in input order.
pub fn frontier(candidates: &[Candidate]) -> Vec<usize> {
    (0..candidates.len())
        .filter(|&i| {
            let p = &candidates[i];
            !candidates.iter().any(|q| {
                q.memory <= p.memory && q.time <= p.time && (q.memory < p.memory || q.time < p.time)
            })
        })
        .collect()
}

/// Which rule made the choice, for the reason a caller writes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "rule")]
pub enum Why {
    /// The least memory.
    LeastMemory,
    /// The fastest.
    Fastest,
    /// Not the fastest, but within noise of it and with less memory.
    AsFastAs {
        /// The fastest value.
        fastest: f64,
        /// Its time.
        time: f64,
    },
    /// The lowest cost (ratio sum) on the frontier.
    LowestCost {
        /// Its cost (2.0 would be best on both axes).
        cost: f64,
    },
    /// Within the noise of the lowest cost, with less memory.
    NearLowestCost {
        /// The lowest-cost value.
        lowest: f64,
        /// Its cost.
        lowest_cost: f64,
        /// The chosen value's cost.
        cost: f64,
    },
}

/// The chosen value and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Pick {
    /// The chosen value.
    pub value: f64,
    /// The values that tied with the best within noise (the chosen one among them), ascending;
    /// empty when the best was ahead beyond noise.
    pub tie: Vec<f64>,
    /// The Pareto-optimal values, ascending.
    pub frontier: Vec<f64>,
    /// The rule that decided.
    pub why: Why,
}

/// Chooses among `candidates` (all verified); `None` if there are none.
pub fn pick(candidates: &[Candidate], goal: Goal) -> Option<Pick> {
    if candidates.is_empty() {
        return None;
    }
    let mut front_values: Vec<f64> = frontier(candidates)
        .into_iter()
        .map(|i| candidates[i].value)
        .collect();
    front_values.sort_by(f64::total_cmp);
    let mut tie: Vec<f64> = Vec::new();
    let (chosen, why) = match goal {
        Goal::Memory => {
            let best = candidates.iter().min_by(|a, b| {
                a.memory
                    .total_cmp(&b.memory)
                    .then(a.time.total_cmp(&b.time))
            })?;
            (best, Why::LeastMemory)
        }
        Goal::Latency => {
            let fastest = candidates.iter().min_by(|a, b| a.time.total_cmp(&b.time))?;
            tie = candidates
                .iter()
                .filter(|c| !times_differ(c, fastest))
                .map(|c| c.value)
                .collect();
            let best = candidates
                .iter()
                .filter(|c| tie.contains(&c.value))
                .min_by(|a, b| a.memory.total_cmp(&b.memory))?;
            let why = if best.value == fastest.value {
                Why::Fastest
            } else {
                Why::AsFastAs {
                    fastest: fastest.value,
                    time: fastest.time,
                }
            };
            (best, why)
        }
        Goal::Balanced => {
            let min_memory = candidates
                .iter()
                .map(|c| c.memory)
                .fold(f64::INFINITY, f64::min);
            let min_time = candidates
                .iter()
                .map(|c| c.time)
                .fold(f64::INFINITY, f64::min);
            // Memory can be 0 or below only in degenerate cases; shift so ratios stay positive.
            let shift = if min_memory <= 0.0 {
                1.0 - min_memory
            } else {
                0.0
            };
            let per_time = 1.0 / min_time.max(f64::MIN_POSITIVE);
            let memory_term = |c: &Candidate| (c.memory + shift) / (min_memory + shift);
            let cost = |c: &Candidate| memory_term(c) + c.time * per_time;
            let front: Vec<&Candidate> = candidates
                .iter()
                .filter(|c| front_values.contains(&c.value))
                .collect();
            let lowest = *front.iter().min_by(|a, b| cost(a).total_cmp(&cost(b)))?;
            let worst_of_lowest = memory_term(lowest) + middle_half(lowest).1 * per_time;
            tie = front
                .iter()
                .filter(|c| memory_term(c) + middle_half(c).0 * per_time <= worst_of_lowest)
                .map(|c| c.value)
                .collect();
            let best = *front
                .iter()
                .filter(|c| tie.contains(&c.value))
                .min_by(|a, b| {
                    a.memory
                        .total_cmp(&b.memory)
                        .then(cost(a).total_cmp(&cost(b)))
                })?;
            let why = if best.value == lowest.value {
                Why::LowestCost { cost: cost(best) }
            } else {
                Why::NearLowestCost {
                    lowest: lowest.value,
                    lowest_cost: cost(lowest),
                    cost: cost(best),
                }
            };
            (best, why)
        }
    };
    tie.sort_by(f64::total_cmp);
    if tie.len() < 2 {
        tie.clear();
    }
    Some(Pick {
        value: chosen.value,
        tie,
        frontier: front_values,
        why,
    })
}

/// What `evacbench tune` chose for one knob, as recorded in its run directory so the report
/// shows the same choice.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KnobPick {
    /// The knob's record parameter (`load_factor`, `shrink_below`, `compact_above`, `shards`).
    pub knob: String,
    /// The contender the knob was tuned on.
    pub contender: String,
    /// The column giving each value's memory (a column id of the tune table, see
    /// [`column_id`]).
    pub memory: String,
    /// The column giving each value's time.
    pub time: String,
    /// The goal the pick followed.
    pub goal: Goal,
    /// The contender's default value of the knob, if it is a value of the knob.
    pub default: Option<f64>,
    /// The chosen value, or `None` when nothing qualified.
    pub pick: Option<Pick>,
    /// The reason, in one paragraph (or why there is no pick).
    pub reason: String,
}

/// The id of a tune-table column: the workload it was measured on (if any), the metric and the
/// readers' phase (if any), joined by `/`; e.g. `sparse-scan/latency-ns-per-op` or
/// `bytes-per-entry`.
pub fn column_id(workload: Option<&str>, metric: &str, phase: Option<&str>) -> String {
    let mut parts: Vec<&str> = Vec::new();
    parts.extend(workload);
    if let Some(p) = phase {
        parts.push(p);
    }
    parts.push(metric);
    parts.join("/")
}

/// Writes `picks` into the run directory `dir` (atomically).
pub fn write_picks(dir: &Path, picks: &[KnobPick]) -> Result<(), Error> {
    let text = serde_json::to_string_pretty(picks).expect("plain data always serializes");
    write_atomic(&dir.join(PICKS_FILE), |w| writeln!(w, "{text}"))
}

/// The picks recorded in the run directory `dir`; none if it has no [`PICKS_FILE`].
pub fn read_picks(dir: &Path) -> Result<Vec<KnobPick>, Error> {
    let path = dir.join(PICKS_FILE);
    let text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(&path)(e)),
    };
    serde_json::from_str(&text).map_err(|e| Error::Io {
        path: path.clone(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(value: f64, memory: f64, time: f64, spread: f64) -> Candidate {
        Candidate {
            value,
            memory,
            time,
            samples: vec![
                time - spread,
                time - spread / 2.0,
                time,
                time + spread / 2.0,
                time + spread,
            ],
        }
    }

    fn five() -> Vec<Candidate> {
        vec![
            c(4.0, 20.0, 30.0, 0.2),
            c(5.0, 15.0, 33.0, 0.2),
            c(6.5, 11.0, 36.0, 0.2),
            c(7.0, 12.0, 38.0, 0.2), // dominated by 6.5
            c(8.0, 9.0, 45.0, 0.2),
        ]
    }

    #[test]
    fn memory_and_latency_pick_the_extremes() {
        assert_eq!(pick(&five(), Goal::Memory).unwrap().value, 8.0);
        let p = pick(&five(), Goal::Latency).unwrap();
        assert_eq!((p.value, p.why), (4.0, Why::Fastest));
        assert!(p.tie.is_empty());
    }

    #[test]
    fn balanced_picks_the_lowest_ratio_sum_on_the_frontier() {
        // ratio sums: 4.0: 20/9 + 1 = 3.22; 5.0: 1.67 + 1.1 = 2.77; 6.5: 1.22 + 1.2 = 2.42;
        // 8.0: 1 + 1.5 = 2.5; 7.0 is dominated.
        let p = pick(&five(), Goal::Balanced).unwrap();
        assert_eq!(p.value, 6.5);
        assert_eq!(p.frontier, [4.0, 5.0, 6.5, 8.0]);
        assert!(matches!(p.why, Why::LowestCost { .. }));
    }

    #[test]
    fn ties_within_noise_go_to_less_memory() {
        let rs = vec![
            c(4.0, 20.0, 30.0, 2.0),
            c(5.0, 15.0, 31.0, 2.0),
            c(8.0, 9.0, 45.0, 0.2),
        ];
        let p = pick(&rs, Goal::Latency).unwrap();
        assert_eq!(p.value, 5.0);
        assert_eq!(p.tie, [4.0, 5.0]);
        let rs = vec![
            c(4.0, 20.0, 30.0, 0.2),
            c(6.5, 11.0, 36.0, 2.0),
            c(7.5, 10.8, 37.5, 2.0),
            c(8.0, 9.0, 45.0, 0.2),
        ];
        // 6.5 has the lowest sum (2.422 vs 2.450), but 7.5's sum at its first quartile (2.417)
        // is below 6.5's at its third (2.456), and 7.5 uses less memory.
        let p = pick(&rs, Goal::Balanced).unwrap();
        assert_eq!(p.value, 7.5);
        assert_eq!(p.tie, [6.5, 7.5]);
        assert!(matches!(p.why, Why::NearLowestCost { lowest, .. } if lowest == 6.5));
    }

    #[test]
    fn middle_half_uses_the_range_below_four_samples() {
        let mut x = c(1.0, 1.0, 10.0, 2.0);
        assert_eq!(middle_half(&x), (9.0, 11.0));
        x.samples = vec![12.0, 8.0];
        assert_eq!(middle_half(&x), (8.0, 12.0));
        x.samples.clear();
        assert_eq!(middle_half(&x), (10.0, 10.0));
        assert!(pick(&[], Goal::Balanced).is_none());
    }

    #[test]
    fn picks_round_trip_through_the_run_directory() {
        let dir = std::env::temp_dir().join(format!("tune-pick-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        assert!(read_picks(&dir).unwrap().is_empty());
        let picks = vec![KnobPick {
            knob: "shrink_below".into(),
            contender: "evacmap-cursor".into(),
            memory: column_id(Some("sparse-scan"), "retained-bytes-per-entry", None),
            time: column_id(Some("sparse-scan"), "latency-ns-per-op", None),
            goal: Goal::Balanced,
            default: None,
            pick: pick(&five(), Goal::Balanced),
            reason: "because".into(),
        }];
        write_picks(&dir, &picks).unwrap();
        assert_eq!(read_picks(&dir).unwrap(), picks);
        assert_eq!(picks[0].memory, "sparse-scan/retained-bytes-per-entry");
        fs::remove_dir_all(&dir).unwrap();
    }
}
