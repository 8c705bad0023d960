//! The one tuning recommender: which value of a knob to use, from its measured memory and time.
//!
//! `evacbench tune` and the report's tuning section both call [`pick`], and `evacbench tune`
//! records what it chose ([`KnobPick`], in the run directory's [`PICKS_FILE`]), so the report
//! shows the command line's pick rather than a second opinion.
//!
//! A knob trades memory for time: a lower growth threshold wastes slots, a higher one lengthens
//! chains; a higher shrink threshold gives memory back sooner but may halve and regrow a table;
//! more shards cost memory and buy concurrency. Each value of a knob is a [`Candidate`]: its
//! memory (lower is better, exact for a seed), its time (lower is better; the median of its
//! repetitions) and the repetitions themselves.
//!
//! Times are noisy between runs far beyond what one run's repetitions show, so a time difference
//! counts only when it is larger than the [`Threshold`] calibrated for that kind of time on this
//! machine (the noise floor `evacbench compare` and the A/A check use, [`Threshold::calibrated`])
//! and larger than the two middle halves of repetitions ([`times_differ`]). Otherwise the two
//! times are a tie, which memory decides, and, at equal memory, the knob's default (or the value
//! nearest to it). Rules, over the candidates (the caller drops failed ones):
//! - [`Goal::Memory`]: the least memory.
//! - [`Goal::Latency`]: the least memory among the values whose time ties with the fastest's.
//! - [`Goal::Balanced`]: a value's cost is `memory / least memory + time / least time`. Value
//!   `a` *beats* `b` when its cost is lower even with its time taken a noise floor slower, and
//!   even at the unfavourable ends of both middle halves (`beats`). Only the values no other
//!   one dominates within noise ([`noise_frontier`]) can be moved to. The pick starts from the
//!   default whenever it was measured (else the least memory on that frontier: domination
//!   within noise is not transitive, so it does not remove the default: 6.5 can tie with 7, 7
//!   with 7.5 and 7.5 with 8 while 8 is 30% slower than 6.5) and moves only to a value that
//!   beats it: the lowest cost
//!   of those, or the least memory among the ones tied with it, until nothing beats the current
//!   one. A pick other than the default is thus a claim that the default loses by more than the
//!   noise, as `evacbench compare` claims a change.
//!
//! When the times were measured in paired rounds (every value once per round, the default
//! twice; [`crate::paired_rounds`]), each is the default's time multiplied by the median of its
//! per-round ratios to the default, the threshold comes from the A/A control
//! ([`Threshold::paired`]), and the repetitions' middle halves take no part.
//!
//! Memory is exact for a seed (structure, not timing), so ties are broken the same way every
//! run, and repeated runs agree unless a difference is near the noise floor itself.

use std::fs;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::noise::NoiseModel;
use crate::schema::Metric;
use crate::{write_atomic, Error};

/// The file of a tune run directory holding the recorded picks (one [`KnobPick`] per knob).
pub const PICKS_FILE: &str = "tune.json";

/// The profile whose noise floors apply to tune runs: they time with the default profile's
/// settings.
pub const TUNE_PROFILE: &str = "default";

/// What the recommendation optimizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Goal {
    /// The least memory.
    Memory,
    /// The fastest, ties within noise going to the least memory.
    Latency,
    /// The value no other beats by more than the noise on memory and time together.
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

/// The relative difference two times must exceed to count as different.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Threshold {
    /// The relative change (0.136 = 13.6%): the slower of two times must be more than
    /// `1 + floor` times the faster.
    pub floor: f64,
    /// What the floor is, e.g. `the noise floor of latency-ns-per-op times on this machine`.
    pub of: String,
    /// The relative difference two memories must exceed to count: 0 when memory is exact for
    /// the seed (single-threaded cells), else the calibrated floor of the memory metric.
    #[serde(default)]
    pub memory_floor: f64,
    /// True when the candidates' times come from paired rounds ([`crate::paired_rounds`]):
    /// each time is the reference's time multiplied by the median of the per-round ratios, so
    /// a machine-speed drift has cancelled, and `floor` is the tie threshold derived from the
    /// A/A control. The median's own uncertainty is in `floor`, so the repetitions' middle
    /// halves (per-round noise, not the median's) take no part in the tests.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub paired: bool,
}

impl Threshold {
    /// The noise floor of `metric` measured on `workload` in `model` (the default profile's,
    /// [`TUNE_PROFILE`]), as `evacbench compare` uses it.
    pub fn calibrated(model: &NoiseModel, metric: Metric, workload: &str) -> Threshold {
        // Tune's own records (the load-factor tables) have no floor of their own: the metric's
        // floor over all workloads applies.
        let of = if workload == crate::schema::TUNE_WORKLOAD {
            format!("the noise floor of {metric} times on this machine")
        } else {
            format!("the noise floor of {metric} on {workload} on this machine")
        };
        Threshold {
            floor: model.floor(metric, workload, TUNE_PROFILE),
            of,
            memory_floor: 0.0,
            paired: false,
        }
    }

    /// This threshold with memory differences up to the calibrated floor of `metric` on
    /// `workload` counted as ties: for memory that is not exact for the seed (multi-threaded
    /// cells).
    pub fn with_memory_noise(self, model: &NoiseModel, metric: Metric, workload: &str) -> Self {
        Threshold {
            memory_floor: model.floor(metric, workload, TUNE_PROFILE),
            ..self
        }
    }

    /// True if memories `a` and `b` differ by no more than [`Threshold::memory_floor`].
    pub fn memory_tied(&self, a: f64, b: f64) -> bool {
        (a - b).abs() <= self.memory_floor * a.abs().max(b.abs())
    }

    /// `13.6% (the noise floor of ...)`.
    pub fn describe(&self) -> String {
        format!("{:.1}% ({})", self.floor * 100.0, self.of)
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

/// True if the times of `a` and `b` differ beyond noise: the slower is more than `1 + floor`
/// times the faster, and (unless the times are `paired`) their middle halves of repetitions do
/// not overlap. Otherwise a tie.
pub fn times_differ(a: &Candidate, b: &Candidate, floor: f64, paired: bool) -> bool {
    let (fast, slow) = if a.time <= b.time { (a, b) } else { (b, a) };
    if paired {
        return slow.time > fast.time * (1.0 + floor);
    }
    let (a_lo, a_hi) = middle_half(a);
    let (b_lo, b_hi) = middle_half(b);
    slow.time > fast.time * (1.0 + floor) && (a_hi < b_lo || b_hi < a_lo)
}

/// Indices of the Pareto-optimal candidates (no other is at least as good on both axes and
/// better on one), in input order: the frontier the report draws.
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

/// Indices of the candidates no other dominates within noise, in input order: `q` dominates `p`
/// when it uses no more memory, is not slower beyond noise, and uses less memory or is faster
/// beyond noise. Two values with tied memory and tied times both stay.
pub fn noise_frontier(candidates: &[Candidate], threshold: &Threshold) -> Vec<usize> {
    (0..candidates.len())
        .filter(|&i| {
            let p = &candidates[i];
            !candidates.iter().any(|q| {
                let differ = times_differ(q, p, threshold.floor, threshold.paired);
                let same_memory = threshold.memory_tied(q.memory, p.memory);
                (q.memory <= p.memory || same_memory)
                    && !(differ && q.time > p.time)
                    && ((q.memory < p.memory && !same_memory) || (differ && q.time < p.time))
            })
        })
        .collect()
}

/// The balanced cost of each candidate: `memory / least memory + time / least time`.
struct Costs {
    min_memory: f64,
    shift: f64,
    per_time: f64,
}

impl Costs {
    fn of(candidates: &[Candidate]) -> Costs {
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
        Costs {
            min_memory,
            shift,
            per_time: 1.0 / min_time.max(f64::MIN_POSITIVE),
        }
    }

    fn at(&self, c: &Candidate, time: f64) -> f64 {
        (c.memory + self.shift) / (self.min_memory + self.shift) + time * self.per_time
    }

    fn cost(&self, c: &Candidate) -> f64 {
        self.at(c, c.time)
    }
}

/// True if `a` beats `b` on the balanced cost beyond noise: `a`'s cost is lower even with its
/// time `1 + floor` times slower, and (unless the times are `paired`) even with its time at the
/// third quartile of its repetitions and `b`'s at its first.
fn beats(costs: &Costs, a: &Candidate, b: &Candidate, threshold: &Threshold) -> bool {
    costs.at(a, a.time * (1.0 + threshold.floor)) < costs.cost(b)
        && (threshold.paired || costs.at(a, middle_half(a).1) < costs.at(b, middle_half(b).0))
}

/// Where the balanced rule started.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Start {
    /// The knob's default (measured).
    Default,
    /// The least memory on the noise frontier (the default was not a candidate).
    LeastMemory,
}

/// Which rule made the choice, for the reason a caller writes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "rule")]
pub enum Why {
    /// The least memory.
    LeastMemory,
    /// The fastest.
    Fastest,
    /// Not the fastest, but tied with it within noise and with less memory.
    AsFastAs {
        /// The fastest value.
        fastest: f64,
        /// Its time.
        time: f64,
    },
    /// Balanced: the starting value, which no other value beats beyond noise.
    Kept {
        /// Where the rule started.
        start: Start,
        /// Its cost (2.0 would be best on both axes).
        cost: f64,
    },
    /// Balanced: it beats `over` beyond noise, and no value beats it.
    Beats {
        /// The value it replaced (the default, or the last value the rule moved to).
        over: f64,
        /// That value's cost.
        over_cost: f64,
        /// The chosen value's cost.
        cost: f64,
    },
    /// A rule of an earlier version of the recommender, read from an older `tune.json`.
    #[serde(other)]
    Earlier,
}

/// The chosen value and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Pick {
    /// The chosen value.
    pub value: f64,
    /// The values whose difference from the chosen one is within noise (the chosen one among
    /// them), ascending; empty when none is.
    pub tie: Vec<f64>,
    /// The Pareto-optimal values, ascending (the plain frontier, as the report draws it).
    pub frontier: Vec<f64>,
    /// The rule that decided.
    pub why: Why,
    /// The noise threshold time differences were held against (absent in older records).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<Threshold>,
}

impl Pick {
    /// `tie: 6, 6.5 (no time difference beyond 13.6%, the noise floor of ...); choosing 6.5:
    /// least memory`, or `None` without a tie.
    pub fn tie_line(&self) -> Option<String> {
        if self.tie.is_empty() {
            return None;
        }
        let list: Vec<String> = self.tie.iter().map(f64::to_string).collect();
        let within = match &self.threshold {
            Some(t) if t.paired => format!("no paired difference beyond {}", t.describe()),
            Some(t) => format!(
                "no difference beyond {} and the spread of the repetitions",
                t.describe()
            ),
            None => "within noise".to_owned(),
        };
        let why = match &self.why {
            Why::Kept {
                start: Start::Default,
                ..
            } => "the default stays unless a value beats it beyond noise",
            Why::Beats { .. } => "it beats another beyond noise and nothing beats it",
            _ => "least memory wins (at equal memory, the default or the value nearest it)",
        };
        Some(format!(
            "tie: {} ({within}); choosing {}: {why}",
            list.join(", "),
            self.value
        ))
    }
}

/// The order among tied candidates: less memory first (memories within the threshold's memory
/// floor count as equal), then the one nearest the default, then the faster, then the smaller
/// value.
fn tie_order(
    a: &Candidate,
    b: &Candidate,
    threshold: &Threshold,
    default: Option<f64>,
) -> std::cmp::Ordering {
    let distance = |c: &Candidate| default.map_or(0.0, |d| (c.value - d).abs());
    let memory = if threshold.memory_tied(a.memory, b.memory) {
        std::cmp::Ordering::Equal
    } else {
        a.memory.total_cmp(&b.memory)
    };
    memory
        .then(distance(a).total_cmp(&distance(b)))
        .then(a.time.total_cmp(&b.time))
        .then(a.value.total_cmp(&b.value))
}

/// Chooses among `candidates` (all verified), holding time differences against `threshold`;
/// `default` is the knob's default value, if it has one. `None` if there are no candidates.
pub fn pick(
    candidates: &[Candidate],
    goal: Goal,
    threshold: &Threshold,
    default: Option<f64>,
) -> Option<Pick> {
    if candidates.is_empty() {
        return None;
    }
    let floor = threshold.floor;
    let mut front_values: Vec<f64> = frontier(candidates)
        .into_iter()
        .map(|i| candidates[i].value)
        .collect();
    front_values.sort_by(f64::total_cmp);
    let (chosen, mut tie, why): (&Candidate, Vec<f64>, Why) = match goal {
        Goal::Memory => {
            let least = candidates
                .iter()
                .map(|c| c.memory)
                .fold(f64::INFINITY, f64::min);
            let same: Vec<&Candidate> = candidates
                .iter()
                .filter(|c| threshold.memory_tied(c.memory, least))
                .collect();
            let fastest = *same.iter().min_by(|a, b| a.time.total_cmp(&b.time))?;
            let best = *same
                .iter()
                .filter(|c| !times_differ(c, fastest, floor, threshold.paired))
                .min_by(|a, b| tie_order(a, b, threshold, default))?;
            (best, Vec::new(), Why::LeastMemory)
        }
        Goal::Latency => {
            let fastest = candidates.iter().min_by(|a, b| a.time.total_cmp(&b.time))?;
            let tied: Vec<&Candidate> = candidates
                .iter()
                .filter(|c| !times_differ(c, fastest, floor, threshold.paired))
                .collect();
            let best = *tied
                .iter()
                .min_by(|a, b| tie_order(a, b, threshold, default))?;
            let why = if best.value == fastest.value {
                Why::Fastest
            } else {
                Why::AsFastAs {
                    fastest: fastest.value,
                    time: fastest.time,
                }
            };
            (best, tied.iter().map(|c| c.value).collect(), why)
        }
        Goal::Balanced => {
            let costs = Costs::of(candidates);
            let front: Vec<&Candidate> = noise_frontier(candidates, threshold)
                .into_iter()
                .map(|i| &candidates[i])
                .collect();
            // The default starts even when a value within noise of it has less memory: the
            // noise frontier is not transitive (6.5 tied with 7, 7 with 7.5, 7.5 with 8 while 8
            // is 30% slower than 6.5), and leaving the default is a claim that it loses beyond
            // noise, which only `beats` makes.
            let (mut current, start) = match candidates.iter().find(|c| Some(c.value) == default) {
                Some(d) => (d, Start::Default),
                None => (
                    *front
                        .iter()
                        .min_by(|a, b| tie_order(a, b, threshold, default))?,
                    Start::LeastMemory,
                ),
            };
            let mut moved_from: Option<&Candidate> = None;
            // Each move lowers the cost, so this ends.
            loop {
                let challengers: Vec<&Candidate> = front
                    .iter()
                    .copied()
                    .filter(|c| beats(&costs, c, current, threshold))
                    .collect();
                let Some(lowest) = challengers
                    .iter()
                    .copied()
                    .min_by(|a, b| costs.cost(a).total_cmp(&costs.cost(b)))
                else {
                    break;
                };
                let next = challengers
                    .iter()
                    .copied()
                    .filter(|c| {
                        c.value == lowest.value
                            || (!beats(&costs, lowest, c, threshold)
                                && !beats(&costs, c, lowest, threshold))
                    })
                    .min_by(|a, b| tie_order(a, b, threshold, default))
                    .unwrap_or(lowest);
                moved_from = Some(current);
                current = next;
            }
            let mut tied: Vec<f64> = front
                .iter()
                .filter(|c| {
                    c.value == current.value
                        || (!beats(&costs, c, current, threshold)
                            && !beats(&costs, current, c, threshold))
                })
                .map(|c| c.value)
                .collect();
            // The default kept off the noise frontier is in its own tie.
            if !tied.contains(&current.value) {
                tied.push(current.value);
            }
            let why = match moved_from {
                None => Why::Kept {
                    start,
                    cost: costs.cost(current),
                },
                Some(prev) => Why::Beats {
                    over: prev.value,
                    over_cost: costs.cost(prev),
                    cost: costs.cost(current),
                },
            };
            (current, tied, why)
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
        threshold: Some(threshold.clone()),
    })
}

/// Why `p` was chosen, as a clause to follow "because": `knob` names the knob, `memory` and
/// `time` the two axes. Shared by the command line and the report.
pub fn rule_text(p: &Pick, knob: &str, memory: &str, time: &str) -> String {
    let thr = p
        .threshold
        .as_ref()
        .map_or_else(|| "noise".to_owned(), Threshold::describe);
    let slower = format!("with its {time} taken that much slower");
    match &p.why {
        Why::LeastMemory => format!("it has the least {memory}"),
        Why::Fastest => format!(
            "it has the lowest {time}, and no value with less {memory} is within {thr} of it"
        ),
        Why::AsFastAs {
            fastest,
            time: fastest_time,
        } => format!(
            "its {time} is within {thr}{spread} of the fastest's ({knob} {fastest}, \
             {fastest_time:.1}): tie; least {memory} wins",
            spread = if p.threshold.as_ref().is_some_and(|t| t.paired) {
                ""
            } else {
                " (or the spread of the repetitions)"
            }
        ),
        Why::Kept {
            start: Start::Default,
            cost,
        } => format!(
            "it is the default, and no {knob} beats it beyond {thr}: none has a lower sum of \
             {memory} and {time} as ratios to the best ({cost:.3} here; 2.000 would be best on \
             both) {slower}"
        ),
        Why::Kept {
            start: Start::LeastMemory,
            cost,
        } => format!(
            "it has the least {memory} of the values no other one dominates within noise, and no \
             {knob} beats it beyond {thr}: none has a lower sum of {memory} and {time} as ratios \
             to the best ({cost:.3} here; 2.000 would be best on both) {slower}"
        ),
        Why::Beats {
            over,
            over_cost,
            cost,
        } => format!(
            "it beats {knob} {over} beyond {thr}: its sum of {memory} and {time} as ratios to the \
             best ({cost:.3}, against {over_cost:.3}; 2.000 would be best on both) stays lower \
             {slower}, and no {knob} beats it that way"
        ),
        Why::Earlier => "an earlier version of the recommender chose it".to_owned(),
    }
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
    /// When the times came from paired rounds: every value's ratio to the reference, for the
    /// tuner's A/A check (`evacbench compare` and `evacbench calibrate` of tune runs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paired: Vec<crate::paired_rounds::PairedValue>,
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

    /// A threshold of `floor` for tests.
    fn th(floor: f64) -> Threshold {
        Threshold {
            floor,
            of: "the test floor".into(),
            memory_floor: 0.0,
            paired: false,
        }
    }

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
        let f = th(0.05);
        assert_eq!(pick(&five(), Goal::Memory, &f, None).unwrap().value, 8.0);
        let p = pick(&five(), Goal::Latency, &f, None).unwrap();
        assert_eq!((p.value, p.why), (4.0, Why::Fastest));
        assert!(p.tie.is_empty());
        assert_eq!(p.threshold, Some(f));
    }

    #[test]
    fn balanced_moves_from_the_start_only_to_a_value_that_beats_it_beyond_noise() {
        // Costs: 4.0: 20/9 + 1 = 3.22; 5.0: 1.67 + 1.1 = 2.77; 6.5: 1.22 + 1.2 = 2.42;
        // 8.0: 1 + 1.5 = 2.5; 7.0 is dominated. Without a default the rule starts from the least
        // memory (8), and 6.5 beats it even with its time 5% slower (1.22 + 1.26 = 2.48).
        let p = pick(&five(), Goal::Balanced, &th(0.05), None).unwrap();
        assert_eq!(p.value, 6.5);
        assert_eq!(p.frontier, [4.0, 5.0, 6.5, 8.0]);
        assert!(
            matches!(p.why, Why::Beats { over, .. } if over == 8.0),
            "{p:?}"
        );
        // With a 10% floor it does not (1.22 + 1.32 = 2.54): 8 stays, tied with 6.5.
        let p = pick(&five(), Goal::Balanced, &th(0.10), None).unwrap();
        assert_eq!(p.value, 8.0);
        assert!(matches!(
            p.why,
            Why::Kept {
                start: Start::LeastMemory,
                ..
            }
        ));
        assert_eq!(p.tie, [6.5, 8.0]);
        let line = p.tie_line().unwrap();
        assert!(
            line.starts_with(
                "tie: 6.5, 8 (no difference beyond 10.0% (the test floor) and the spread of the \
                 repetitions); choosing 8: least memory"
            ),
            "{line}"
        );
        // The default stays unless beaten beyond noise.
        let p = pick(&five(), Goal::Balanced, &th(0.10), Some(8.0)).unwrap();
        assert_eq!(p.value, 8.0);
        assert!(matches!(
            p.why,
            Why::Kept {
                start: Start::Default,
                ..
            }
        ));
        // From the default 5 (2.77): 6.5 and 8 beat it (2.48 and 2.58 with their times 5%
        // slower); 6.5 has the lowest cost and beats 8 too, so no tie.
        let p = pick(&five(), Goal::Balanced, &th(0.05), Some(5.0)).unwrap();
        assert_eq!(p.value, 6.5, "{p:?}");
        assert!(
            matches!(p.why, Why::Beats { over, .. } if over == 5.0),
            "{p:?}"
        );
    }

    #[test]
    fn ties_within_the_floor_go_to_less_memory_then_to_the_default() {
        // 30 and 32 ns are 6.7% apart: a tie under a 10% floor, so 5.0 (less memory).
        let rs = vec![
            c(4.0, 20.0, 30.0, 0.1),
            c(5.0, 15.0, 32.0, 0.1),
            c(8.0, 9.0, 45.0, 0.1),
        ];
        let p = pick(&rs, Goal::Latency, &th(0.10), None).unwrap();
        assert_eq!(p.value, 5.0);
        assert_eq!(p.tie, [4.0, 5.0]);
        assert!(matches!(p.why, Why::AsFastAs { fastest, .. } if fastest == 4.0));
        // Under a 5% floor they differ (their middle halves are apart too): the fastest.
        assert_eq!(
            pick(&rs, Goal::Latency, &th(0.05), None).unwrap().value,
            4.0
        );
        // Overlapping middle halves tie even beyond the floor.
        let wide = vec![c(4.0, 20.0, 30.0, 8.0), c(5.0, 15.0, 36.0, 8.0)];
        assert_eq!(
            pick(&wide, Goal::Latency, &th(0.05), None).unwrap().value,
            5.0
        );
        // Equal memory and tied times: the value nearest the default.
        let same = vec![
            c(0.1, 55.0, 27.7, 0.1),
            c(0.5, 55.0, 27.3, 0.1),
            c(0.9, 110.0, 19.3, 0.1),
        ];
        for goal in [Goal::Balanced, Goal::Memory] {
            let p = pick(&same, goal, &th(0.10), Some(0.75)).unwrap();
            assert_eq!(p.value, 0.5, "{goal:?}");
        }
        let p = pick(&same, Goal::Balanced, &th(0.10), None).unwrap();
        assert_eq!(p.value, 0.5, "the faster of the two without a default");
    }

    /// Synthetic candidates in groups of equal time, the groups more than (1 + floor)^2 apart,
    /// so no perturbation of half the floor either way can join or split a group, and every
    /// balanced comparison that decides wins by more than the noise.
    fn grouped() -> Vec<Candidate> {
        [
            (4.0, 20.0, 10.0),
            (5.0, 15.0, 10.0),
            (6.0, 12.0, 10.0),
            (6.5, 11.0, 10.0),
            (7.0, 10.0, 15.0),
            (8.0, 9.0, 21.0),
        ]
        .iter()
        .map(|&(v, m, t)| c(v, m, t, t * 0.01))
        .collect()
    }

    /// Every candidate's time (and its repetitions) scaled by (1 + floor)^(s/2), s in -1, 0, 1:
    /// half the floor either way, in every pattern.
    fn perturbations(cands: &[Candidate], floor: f64) -> Vec<Vec<Candidate>> {
        let n = cands.len();
        (0..3usize.pow(n as u32))
            .map(|mut code| {
                cands
                    .iter()
                    .map(|x| {
                        let s = (code % 3) as f64 - 1.0;
                        code /= 3;
                        let k = (1.0 + floor).powf(s / 2.0);
                        Candidate {
                            time: x.time * k,
                            samples: x.samples.iter().map(|v| v * k).collect(),
                            ..x.clone()
                        }
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn half_the_floor_either_way_never_changes_the_pick() {
        let floor = 0.1362;
        for default in [Some(6.5), None] {
            for goal in [Goal::Balanced, Goal::Latency, Goal::Memory] {
                let base = pick(&grouped(), goal, &th(floor), default).unwrap();
                for p in perturbations(&grouped(), floor) {
                    let got = pick(&p, goal, &th(floor), default).unwrap();
                    assert_eq!(got.value, base.value, "{goal:?} {default:?} {p:?}");
                }
            }
        }
        // The shape of a shard-count sweep: memory nearly equal, times tied: the default
        // stays (a 0.1% memory saving is no claim beyond noise), and without a default the
        // least memory wins, whatever the noise (within the floor: at exactly a floor apart
        // the 0.1% memory tips the balanced cost, so 90% of it).
        for p in perturbations(&shards(), floor * 0.9) {
            let got = pick(&p, Goal::Balanced, &th(floor), Some(8.0)).unwrap();
            assert_eq!(got.value, 8.0, "{p:?}");
            let got = pick(&p, Goal::Balanced, &th(floor), None).unwrap();
            assert_eq!(got.value, 1.0, "{p:?}");
        }
    }

    fn shards() -> Vec<Candidate> {
        vec![
            c(1.0, 78.50, 100.0, 1.0),
            c(2.0, 78.55, 100.0, 1.0),
            c(8.0, 78.60, 100.0, 1.0),
        ]
    }

    #[test]
    fn a_real_difference_of_twice_the_floor_changes_the_pick() {
        let floor = 0.1362;
        let slower = |mut cands: Vec<Candidate>, value: f64| {
            for x in cands.iter_mut().filter(|x| x.value == value) {
                let k = 1.0 + 2.0 * floor;
                x.time *= k;
                x.samples.iter_mut().for_each(|v| *v *= k);
            }
            cands
        };
        // Latency: 6.5 tied with the fastest group wins on memory; twice the floor slower,
        // it drops out of the tie and 6 (the least memory left) wins.
        assert_eq!(
            pick(&grouped(), Goal::Latency, &th(floor), Some(6.5))
                .unwrap()
                .value,
            6.5
        );
        let p = pick(
            &slower(grouped(), 6.5),
            Goal::Latency,
            &th(floor),
            Some(6.5),
        )
        .unwrap();
        assert_eq!(p.value, 6.0);
        // Balanced: the shard-count shape keeps its default (8); with 8 twice the floor slower,
        // 1 beats it even with its own time a floor slower (cost 2.14 against 2.27).
        assert_eq!(
            pick(&shards(), Goal::Balanced, &th(floor), Some(8.0))
                .unwrap()
                .value,
            8.0
        );
        let p = pick(
            &slower(shards(), 8.0),
            Goal::Balanced,
            &th(floor),
            Some(8.0),
        )
        .unwrap();
        assert_eq!(p.value, 1.0, "{p:?}");
        assert!(
            matches!(p.why, Why::Beats { over, .. } if over == 8.0),
            "{p:?}"
        );
        // With 1 and 2 shards twice the floor slower, the default is faster beyond noise and
        // nothing beats it.
        let p = pick(
            &slower(slower(shards(), 1.0), 2.0),
            Goal::Balanced,
            &th(floor),
            Some(8.0),
        )
        .unwrap();
        assert_eq!(p.value, 8.0);
        assert!(
            matches!(
                p.why,
                Why::Kept {
                    start: Start::Default,
                    ..
                }
            ),
            "{p:?}"
        );
    }

    #[test]
    fn the_noise_frontier_keeps_only_values_faster_beyond_noise_for_their_memory() {
        // 6 is dominated within noise by 6.5 (less memory, 5% slower under a 10% floor);
        // 8 stays (less memory, slower beyond noise); 4 stays (faster beyond noise).
        let rs = vec![
            c(4.0, 20.0, 8.0, 0.01),
            c(6.0, 12.0, 10.0, 0.01),
            c(6.5, 11.0, 10.5, 0.01),
            c(8.0, 9.0, 16.0, 0.01),
        ];
        assert_eq!(noise_frontier(&rs, &th(0.10)), [0, 2, 3]);
        assert_eq!(frontier(&rs), [0, 1, 2, 3]);
    }

    #[test]
    fn memory_within_its_floor_ties_and_the_default_wins() {
        // Shard counts on a multi-threaded cell: memory 0.1% apart, times tied. With exact
        // memory and no default the least wins; with a 1% memory floor the memories tie too,
        // and the default stays (as it does with exact memory: no claim beyond noise).
        let exact = pick(&shards(), Goal::Balanced, &th(0.5), None).unwrap();
        assert_eq!(exact.value, 1.0);
        let exact = pick(&shards(), Goal::Balanced, &th(0.5), Some(8.0)).unwrap();
        assert_eq!(exact.value, 8.0);
        let noisy = Threshold {
            memory_floor: 0.01,
            ..th(0.5)
        };
        let p = pick(&shards(), Goal::Balanced, &noisy, Some(8.0)).unwrap();
        assert_eq!(p.value, 8.0, "{p:?}");
        assert_eq!(p.tie, [1.0, 2.0, 8.0]);
        for goal in [Goal::Memory, Goal::Latency] {
            assert_eq!(pick(&shards(), goal, &noisy, Some(8.0)).unwrap().value, 8.0);
        }
        assert!(noisy.memory_tied(78.5, 78.6) && !noisy.memory_tied(78.5, 80.0));
        let calibrated = Threshold::calibrated(
            &NoiseModel::shipped(),
            Metric::LatencyP99Ns,
            "readers-during-sweep",
        )
        .with_memory_noise(
            &NoiseModel::shipped(),
            Metric::RetainedBytesPerEntry,
            "readers-during-sweep",
        );
        assert!(calibrated.memory_floor >= 0.01, "{calibrated:?}");
    }

    #[test]
    fn middle_half_uses_the_range_below_four_samples() {
        let mut x = c(1.0, 1.0, 10.0, 2.0);
        assert_eq!(middle_half(&x), (9.0, 11.0));
        x.samples = vec![12.0, 8.0];
        assert_eq!(middle_half(&x), (8.0, 12.0));
        x.samples.clear();
        assert_eq!(middle_half(&x), (10.0, 10.0));
        assert!(pick(&[], Goal::Balanced, &th(0.1), None).is_none());
    }

    #[test]
    fn the_threshold_is_the_calibrated_floor_of_the_time_metric() {
        let model = NoiseModel::shipped();
        let t = Threshold::calibrated(&model, Metric::LatencyNsPerOp, "sweep");
        assert_eq!(
            t.floor,
            model.floor(Metric::LatencyNsPerOp, "sweep", "default")
        );
        assert!(t.floor > 0.0);
        let lf = Threshold::calibrated(&model, Metric::LatencyNsPerOp, "tune");
        assert_eq!(
            lf.floor,
            model.floor(Metric::LatencyNsPerOp, "no-such-workload", "default")
        );
        assert!(lf
            .describe()
            .contains("latency-ns-per-op times on this machine"));
        assert!(
            t.describe()
                .ends_with("(the noise floor of latency-ns-per-op on sweep on this machine)"),
            "{}",
            t.describe()
        );
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
            pick: pick(&five(), Goal::Balanced, &th(0.05), None),
            reason: "because".into(),
            paired: Vec::new(),
        }];
        write_picks(&dir, &picks).unwrap();
        assert_eq!(read_picks(&dir).unwrap(), picks);
        assert_eq!(picks[0].memory, "sparse-scan/retained-bytes-per-entry");
        // A pick recorded by the earlier recommender (no threshold, an old rule) still reads.
        let old = r#"[{"knob":"load_factor","contender":"evacmap","memory":"bytes-per-entry",
            "time":"latency-ns-per-op","goal":"balanced","default":6.5,
            "pick":{"value":6.0,"tie":[],"frontier":[6.0,6.5],
                    "why":{"rule":"lowest-cost","cost":2.41}},
            "reason":"old"}]"#;
        fs::write(dir.join(PICKS_FILE), old).unwrap();
        let read = read_picks(&dir).unwrap();
        let p = read[0].pick.as_ref().unwrap();
        assert_eq!((p.value, &p.why, &p.threshold), (6.0, &Why::Earlier, &None));
        fs::remove_dir_all(&dir).unwrap();
    }
}
