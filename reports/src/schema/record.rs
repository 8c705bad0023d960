//! One measured value: [`Record`], its parameters and its outcome.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::{Metric, SCHEMA_VERSION};

/// A parameter value: a number (`n`, `delete_fraction`, `threads`) or a name (`keys`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ParamValue {
    /// A numeric parameter; the report can use it as a plot axis.
    Num(f64),
    /// A named parameter, e.g. a key distribution.
    Text(String),
}

impl ParamValue {
    /// The number, if this is a numeric parameter.
    pub fn as_num(&self) -> Option<f64> {
        match self {
            ParamValue::Num(v) => Some(*v),
            ParamValue::Text(_) => None,
        }
    }
}

// Total order (numbers by `f64::total_cmp`, then names) so parameters can key maps.
impl Ord for ParamValue {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (ParamValue::Num(a), ParamValue::Num(b)) => a.total_cmp(b),
            (ParamValue::Num(_), ParamValue::Text(_)) => Ordering::Less,
            (ParamValue::Text(_), ParamValue::Num(_)) => Ordering::Greater,
            (ParamValue::Text(a), ParamValue::Text(b)) => a.cmp(b),
        }
    }
}

impl PartialOrd for ParamValue {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for ParamValue {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for ParamValue {}

impl fmt::Display for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamValue::Num(v) => write!(f, "{v}"),
            ParamValue::Text(s) => f.write_str(s),
        }
    }
}

macro_rules! num_from {
    ($($t:ty),*) => {$(
        impl From<$t> for ParamValue {
            fn from(v: $t) -> Self {
                // Parameters are sizes, counts and fractions; f64 holds them exactly up to 2^53.
                ParamValue::Num(v as f64)
            }
        }
    )*};
}
num_from!(f32, u64, u32, usize, i64, i32);

impl From<f64> for ParamValue {
    fn from(v: f64) -> Self {
        ParamValue::Num(v)
    }
}

impl From<&str> for ParamValue {
    fn from(v: &str) -> Self {
        ParamValue::Text(v.to_owned())
    }
}

impl From<String> for ParamValue {
    fn from(v: String) -> Self {
        ParamValue::Text(v)
    }
}

/// The parameters of a measurement, ordered by name, e.g. `{delete_fraction: 0.5, n: 65536}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Params(BTreeMap<String, ParamValue>);

impl Params {
    /// No parameters.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces a parameter (builder style).
    pub fn with(mut self, name: impl Into<String>, value: impl Into<ParamValue>) -> Self {
        self.0.insert(name.into(), value.into());
        self
    }

    /// The value of a parameter.
    pub fn get(&self, name: &str) -> Option<&ParamValue> {
        self.0.get(name)
    }

    /// The value of a numeric parameter.
    pub fn num(&self, name: &str) -> Option<f64> {
        self.get(name).and_then(ParamValue::as_num)
    }

    /// These parameters without `names`.
    pub fn without(&self, names: &[&str]) -> Params {
        Params(
            self.0
                .iter()
                .filter(|(k, _)| !names.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        )
    }

    /// Iterates over `(name, value)` in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ParamValue)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// True if there are no parameters.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Params {
    /// `n=65536, delete_fraction=0.5`, or `(none)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("(none)");
        }
        for (i, (k, v)) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{k}={v}")?;
        }
        Ok(())
    }
}

/// What an [`Outcome::Ok`]'s interval is, so the report and the baseline rule use it as what it
/// is (see `reports/README.md`, "Intervals").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Interval {
    /// No interval: one measurement, or a value the producer does not qualify.
    #[default]
    None,
    /// A 95% confidence interval of the mean from a bootstrap of one run's samples. It describes
    /// that run only: two runs of the same commit differ by more than it (machine drift).
    Ci95,
    /// The minimum and maximum of `runs` repetitions; a spread, not a confidence statement.
    Range,
    /// A deterministic value (a count, bytes, a probe length of a single-threaded run with a
    /// fixed seed): the same code and seed give exactly this value, so any change is real.
    Exact,
}

impl Interval {
    /// True for [`Interval::None`].
    pub fn is_none(&self) -> bool {
        *self == Interval::None
    }

    /// How the report labels an interval of this kind (`ci95`, `range of 5 runs`, ...).
    pub fn label(self, runs: Option<u32>) -> String {
        match (self, runs) {
            (Interval::None, _) => "none".into(),
            (Interval::Ci95, _) => "95% CI (bootstrap, within run)".into(),
            (Interval::Range, Some(n)) => format!("min..max of {n} runs"),
            (Interval::Range, None) => "min..max".into(),
            (Interval::Exact, _) => "exact".into(),
        }
    }
}

/// What came of a measurement. A value exists only when it was measured and verified.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum Outcome {
    /// Measured, and the contender's result was verified.
    Ok {
        /// The measured value, in the metric's unit.
        value: f64,
        /// Lower end of the interval, if the method gives one (its kind is `interval`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ci_low: Option<f64>,
        /// Upper end of the interval, if the method gives one (its kind is `interval`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ci_high: Option<f64>,
        /// What the interval is (schema 2; version-1 records with an interval read as
        /// [`Interval::Ci95`], which is what version 1 claimed).
        #[serde(default, skip_serializing_if = "Interval::is_none")]
        interval: Interval,
        /// Repetitions behind the value (for a range: how many runs).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        runs: Option<u32>,
        /// The per-sample values the value summarizes (per-op times of criterion's samples, or
        /// one value per repetition), kept so a baseline comparison can test two runs' samples
        /// against each other rather than trust one run's interval.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        samples: Vec<f64>,
    },
    /// The contender produced a wrong result (e.g. surviving keys differ), so it was not timed.
    FailedVerification {
        /// What was wrong.
        reason: String,
    },
    /// The metric could not be measured here (e.g. valgrind is missing); never a made-up value.
    NotMeasured {
        /// Why not.
        reason: String,
        /// Set when the measurement was skipped or stopped for its time budget: the budget and
        /// the estimated cost of one run, so the report can draw the cell as "beyond budget".
        /// Absent in runs written before budgets existed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        beyond_budget: Option<BeyondBudget>,
    },
}

/// Why a measurement did not fit its time budget, machine-readably: what was allowed and what
/// one run was estimated to take (extrapolated from the part of it that ran).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BeyondBudget {
    /// The time budget of one contender on one cell, in seconds.
    pub budget_s: f64,
    /// Estimated wall time of one run (setup and timed phase), in seconds, if progress was seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimated_run_s: Option<f64>,
    /// Estimated cost per operation of the workload (the unit of `latency-ns-per-op`), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimate_ns_per_op: Option<f64>,
    /// True if the run was stopped when it reached the budget; false if it was skipped early
    /// because its estimate exceeded the budget.
    #[serde(default)]
    pub stopped: bool,
}

impl Outcome {
    /// A verified value without an interval.
    pub fn value(value: f64) -> Self {
        Outcome::Ok {
            value,
            ci_low: None,
            ci_high: None,
            interval: Interval::None,
            runs: None,
            samples: Vec::new(),
        }
    }

    /// A deterministic verified value ([`Interval::Exact`]).
    pub fn exact(value: f64) -> Self {
        Outcome::Ok {
            value,
            ci_low: None,
            ci_high: None,
            interval: Interval::Exact,
            runs: None,
            samples: Vec::new(),
        }
    }

    /// A verified mean with its bootstrap 95% confidence interval ([`Interval::Ci95`]) and the
    /// samples it came from.
    pub fn with_ci(value: f64, ci_low: f64, ci_high: f64, samples: Vec<f64>) -> Self {
        Outcome::Ok {
            value,
            ci_low: Some(ci_low),
            ci_high: Some(ci_high),
            interval: Interval::Ci95,
            runs: Some(samples.len() as u32).filter(|&n| n > 0),
            samples,
        }
    }

    /// A verified value summarizing repetitions (`samples`, one per run) with their min..max
    /// ([`Interval::Range`]). `value` is usually their median or mean.
    pub fn with_range(value: f64, samples: Vec<f64>) -> Self {
        let lo = samples.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = samples.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let (ci_low, ci_high) = if samples.is_empty() {
            (None, None)
        } else {
            (Some(lo.min(value)), Some(hi.max(value)))
        };
        Outcome::Ok {
            value,
            ci_low,
            ci_high,
            interval: if samples.is_empty() {
                Interval::None
            } else {
                Interval::Range
            },
            runs: Some(samples.len() as u32).filter(|&n| n > 0),
            samples,
        }
    }

    /// A verified value with the min..max of the `runs` repetitions it summarizes, when the
    /// repetitions themselves are not kept.
    pub fn range(value: f64, low: f64, high: f64, runs: u32) -> Self {
        Outcome::Ok {
            value,
            ci_low: Some(low.min(value)),
            ci_high: Some(high.max(value)),
            interval: Interval::Range,
            runs: Some(runs),
            samples: Vec::new(),
        }
    }

    /// The median of `samples` with their min..max ([`Outcome::with_range`]); `None` if empty.
    pub fn median_of(samples: Vec<f64>) -> Option<Self> {
        let median = median(&samples)?;
        Some(Outcome::with_range(median, samples))
    }

    /// The contender failed verification.
    pub fn failed(reason: impl Into<String>) -> Self {
        Outcome::FailedVerification {
            reason: reason.into(),
        }
    }

    /// The metric was not measured.
    pub fn not_measured(reason: impl Into<String>) -> Self {
        Outcome::NotMeasured {
            reason: reason.into(),
            beyond_budget: None,
        }
    }

    /// The measurement did not fit its time budget (skipped on its estimate, or stopped).
    pub fn beyond_budget(reason: impl Into<String>, budget: BeyondBudget) -> Self {
        Outcome::NotMeasured {
            reason: reason.into(),
            beyond_budget: Some(budget),
        }
    }

    /// The budget details, if this is a measurement skipped or stopped for its time budget.
    pub fn budget(&self) -> Option<&BeyondBudget> {
        match self {
            Outcome::NotMeasured { beyond_budget, .. } => beyond_budget.as_ref(),
            _ => None,
        }
    }
}

/// The median of `values` (the mean of the middle two for an even count); `None` if empty or
/// any value is NaN.
pub fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() || values.iter().any(|v| v.is_nan()) {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    Some(if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    })
}

/// One measurement: contender x workload x parameters x metric (long/tidy format).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Schema version the record was written with ([`SCHEMA_VERSION`]).
    pub schema: u32,
    /// Strategy or peer map measured, e.g. `evacmap-cursor`.
    pub contender: String,
    /// Workload name, e.g. `sweep`.
    pub workload: String,
    /// Workload parameters.
    #[serde(default)]
    pub params: Params,
    /// What was measured.
    pub metric: Metric,
    /// Unit of the value; always `metric.unit()`.
    pub unit: String,
    /// Seed of the run that produced the value.
    pub seed: u64,
    /// The value, or why there is none.
    #[serde(flatten)]
    pub outcome: Outcome,
}

impl Record {
    /// A record of the current schema version, its unit taken from `metric`.
    pub fn new(
        contender: impl Into<String>,
        workload: impl Into<String>,
        params: Params,
        metric: Metric,
        seed: u64,
        outcome: Outcome,
    ) -> Self {
        Record {
            schema: SCHEMA_VERSION,
            contender: contender.into(),
            workload: workload.into(),
            params,
            metric,
            unit: metric.unit().to_owned(),
            seed,
            outcome,
        }
    }

    /// The record as the current schema reads it: a version-1 record's interval (which version 1
    /// called a confidence interval) becomes [`Interval::Ci95`].
    pub fn upgraded(mut self) -> Self {
        if self.schema < 2 {
            if let Outcome::Ok {
                ci_low: Some(_),
                interval,
                ..
            } = &mut self.outcome
            {
                if *interval == Interval::None {
                    *interval = Interval::Ci95;
                }
            }
        }
        self
    }

    /// The verified value, if any.
    pub fn value(&self) -> Option<f64> {
        match self.outcome {
            Outcome::Ok { value, .. } => Some(value),
            _ => None,
        }
    }

    /// Checks what serde cannot: finite numbers, an interval around the value, the metric's unit.
    pub fn validate(&self) -> Result<(), String> {
        if self.contender.is_empty() || self.workload.is_empty() {
            return Err("contender and workload must not be empty".into());
        }
        if self.unit != self.metric.unit() {
            return Err(format!(
                "unit `{}` does not match metric `{}` (expects `{}`)",
                self.unit,
                self.metric,
                self.metric.unit()
            ));
        }
        if let Some((name, v)) = self
            .params
            .iter()
            .find(|(_, v)| v.as_num().is_some_and(|v| !v.is_finite()))
        {
            return Err(format!("parameter `{name}` is {v}, not a finite number"));
        }
        if let Outcome::Ok {
            value,
            ci_low,
            ci_high,
            interval,
            ref samples,
            ..
        } = self.outcome
        {
            if !value.is_finite() {
                return Err(format!("value {value} is not finite"));
            }
            if let Some(bad) = samples.iter().find(|v| !v.is_finite()) {
                return Err(format!("sample {bad} is not finite"));
            }
            if interval == Interval::Exact && (ci_low.is_some() || ci_high.is_some()) {
                return Err("an exact value has no interval".into());
            }
            if matches!(interval, Interval::Ci95 | Interval::Range)
                && (ci_low.is_none() || ci_high.is_none())
            {
                return Err(format!(
                    "a {} interval needs ci_low and ci_high",
                    interval.label(None)
                ));
            }
            match (ci_low, ci_high) {
                (None, None) => {}
                (Some(lo), Some(hi)) if lo.is_finite() && hi.is_finite() && lo <= value && value <= hi => {}
                (lo, hi) => {
                    return Err(format!(
                        "confidence interval {lo:?}..{hi:?} must be finite and contain the value {value}"
                    ))
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(outcome: Outcome) -> Record {
        let params = Params::new()
            .with("n", 65_536u64)
            .with("delete_fraction", 0.5)
            .with("keys", "zipf");
        Record::new(
            "evacmap-cursor",
            "sweep",
            params,
            Metric::LatencyNsPerOp,
            7,
            outcome,
        )
    }

    #[test]
    fn json_shape_is_flat_and_round_trips() {
        for outcome in [
            Outcome::with_ci(12.5, 12.0, 13.0, vec![12.1, 12.9]),
            Outcome::with_range(2.0, vec![1.0, 2.0, 4.0]),
            Outcome::exact(7.0),
            Outcome::value(3.0),
            Outcome::failed("kept 3 doomed keys"),
            Outcome::not_measured("valgrind not installed"),
        ] {
            let r = sample(outcome);
            let json = serde_json::to_string(&r).unwrap();
            assert_eq!(serde_json::from_str::<Record>(&json).unwrap(), r, "{json}");
        }
        let json =
            serde_json::to_value(sample(Outcome::with_ci(12.5, 12.0, 13.0, vec![]))).unwrap();
        assert_eq!(json["status"], "ok");
        assert_eq!(json["value"], 12.5);
        assert_eq!(json["ci_high"], 13.0);
        assert_eq!(json["interval"], "ci95");
        let range = serde_json::to_value(sample(Outcome::with_range(2.0, vec![1.0, 4.0]))).unwrap();
        assert_eq!(range["interval"], "range");
        assert_eq!(range["runs"], 2);
        assert_eq!(range["ci_low"], 1.0);
        let plain = serde_json::to_value(sample(Outcome::value(1.0))).unwrap();
        assert!(
            plain.get("interval").is_none(),
            "none is the default: {plain}"
        );
        assert_eq!(json["metric"], "latency-ns-per-op");
        assert_eq!(json["unit"], "ns/op");
        assert_eq!(json["params"]["n"], 65536.0);
        assert_eq!(json["params"]["keys"], "zipf");
        let failed = serde_json::to_value(sample(Outcome::failed("x"))).unwrap();
        assert_eq!(failed["status"], "failed-verification");
        assert!(failed.get("value").is_none());
    }

    /// A budget skip carries its estimate; a record without the field (written before
    /// budgets existed) still loads.
    #[test]
    fn beyond_budget_round_trips_and_old_records_load() {
        let budget = BeyondBudget {
            budget_s: 120.0,
            estimated_run_s: Some(14_000.0),
            estimate_ns_per_op: Some(1.1e7),
            stopped: false,
        };
        let r = sample(Outcome::beyond_budget(
            "one run would take ~3.9 h",
            budget.clone(),
        ));
        let json = serde_json::to_string(&r).unwrap();
        assert!(json.contains("\"estimated_run_s\":14000"), "{json}");
        let back: Record = serde_json::from_str(&json).unwrap();
        assert_eq!(back.outcome.budget(), Some(&budget));
        let old = serde_json::to_string(&sample(Outcome::not_measured("x"))).unwrap();
        assert!(!old.contains("beyond_budget"), "{old}");
        let back: Record = serde_json::from_str(&old).unwrap();
        assert_eq!(back.outcome.budget(), None);
    }

    #[test]
    fn validate_rejects_inconsistent_records() {
        assert!(sample(Outcome::with_ci(12.5, 12.0, 13.0, vec![]))
            .validate()
            .is_ok());
        assert!(sample(Outcome::value(f64::NAN)).validate().is_err());
        assert!(sample(Outcome::with_range(1.0, vec![1.0, f64::INFINITY]))
            .validate()
            .is_err());
        let mut exact_with_interval = Outcome::exact(1.0);
        if let Outcome::Ok {
            ci_low, ci_high, ..
        } = &mut exact_with_interval
        {
            *ci_low = Some(0.5);
            *ci_high = Some(1.5);
        }
        assert!(sample(exact_with_interval)
            .validate()
            .unwrap_err()
            .contains("exact"));
        assert!(sample(Outcome::with_ci(12.5, 13.0, 14.0, vec![]))
            .validate()
            .unwrap_err()
            .contains("interval"));
        let mut r = sample(Outcome::value(1.0));
        r.unit = "ms".into();
        assert!(r.validate().unwrap_err().contains("unit"));
        let r = Record::new(
            "a",
            "sweep",
            Params::new().with("n", f64::INFINITY),
            Metric::AllocsPerOp,
            1,
            Outcome::value(1.0),
        );
        assert!(r.validate().is_err());
    }

    #[test]
    fn params_display_in_name_order() {
        let p = Params::new()
            .with("n", 1000u32)
            .with("delete_fraction", 0.1)
            .with("keys", "uniform");
        assert_eq!(p.to_string(), "delete_fraction=0.1, keys=uniform, n=1000");
        assert_eq!(p.without(&["n", "keys"]).to_string(), "delete_fraction=0.1");
        assert_eq!(Params::new().to_string(), "(none)");
    }
}

#[cfg(test)]
mod interval_tests {
    use super::*;

    #[test]
    fn median_and_range() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&[]), None);
        match Outcome::median_of(vec![5.0, 1.0, 3.0]).unwrap() {
            Outcome::Ok {
                value,
                ci_low,
                ci_high,
                interval,
                runs,
                ..
            } => {
                assert_eq!(value, 3.0);
                assert_eq!((ci_low, ci_high), (Some(1.0), Some(5.0)));
                assert_eq!(interval, Interval::Range);
                assert_eq!(runs, Some(3));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(Interval::Range.label(Some(5)), "min..max of 5 runs");
    }

    #[test]
    fn version_one_records_read_with_their_interval() {
        let v1 = r#"{"schema":1,"contender":"a","workload":"sweep","params":{},"metric":"latency-ns-per-op","unit":"ns/op","seed":1,"status":"ok","value":2.0,"ci_low":1.0,"ci_high":3.0}"#;
        let r: Record = serde_json::from_str(v1).unwrap();
        let r = r.upgraded();
        assert!(matches!(
            r.outcome,
            Outcome::Ok {
                interval: Interval::Ci95,
                ..
            }
        ));
        assert!(r.validate().is_ok());
    }
}
