//! Scaling: how each contender's cost per operation grows with the map's size n.
//!
//! For every workload configuration measured at several n (a *family*: the same parameters
//! apart from n, with parameters that grow with n, such as `inserts`, taken relative to n),
//! each contender's `latency-ns-per-op` is fitted against n on log-log axes by least squares:
//! `ns/op ~ c * n^k`. The growth exponent k is about 0 when an operation costs O(1) whatever
//! the size, about 1 when it costs O(n) (every insert copies the map, as `cow-snapshot`'s do
//! under writers), which makes a whole run quadratic. Cache effects alone give small positive
//! exponents (a bigger map misses more), so a contender is said to *grow with n* from
//! [`GROWS`] on.
//!
//! Cells skipped or stopped for their time budget carry an estimate of their cost
//! ([`BeyondBudget`](crate::schema::BeyondBudget)); they are drawn as "beyond budget"
//! points and give a second exponent, "with estimates", for contenders that have fewer than two
//! measured sizes or grow past the budget.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::schema::{Metric, Outcome, Params, Record, TUNE_WORKLOAD};

/// Exponent from which a contender's cost per operation is said to grow with n.
pub(crate) const GROWS: f64 = 0.5;

/// Exponent from which the growth is about linear per operation (quadratic per run).
pub(crate) const LINEAR: f64 = 0.75;

/// One workload configuration measured at several n.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Family {
    pub(crate) workload: String,
    /// The parameters shared by the family (n left out; `inserts` as `inserts_per_n`).
    pub(crate) params: Params,
    /// The sizes measured or estimated, ascending.
    pub(crate) sizes: Vec<f64>,
    pub(crate) fits: Vec<Fit>,
    /// The family's log-log chart, if it has values to draw.
    pub(crate) chart: Option<ChartRef>,
}

/// A scaling chart in the page: its figure id, title and drawn values.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ChartRef {
    pub(crate) id: String,
    pub(crate) title: String,
    pub(crate) marks: usize,
}

/// One contender's cost per operation along n, and its fitted growth exponent.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Fit {
    pub(crate) contender: String,
    /// Measured (n, ns/op), ascending in n.
    pub(crate) measured: Vec<(f64, f64)>,
    /// Cells beyond the time budget: (n, estimated ns/op if known).
    pub(crate) beyond: Vec<(f64, Option<f64>)>,
    /// The exponent fitted to the measured points (at least two sizes).
    pub(crate) exponent: Option<f64>,
    /// The exponent fitted to the measured points and the budget estimates together, when
    /// there are estimates.
    pub(crate) with_estimates: Option<f64>,
}

impl Fit {
    /// The exponent that speaks for this contender: the measured one, else the one with
    /// estimates.
    pub(crate) fn best_exponent(&self) -> Option<(f64, bool)> {
        self.exponent
            .map(|k| (k, false))
            .or(self.with_estimates.map(|k| (k, true)))
    }

    /// Whether its cost per operation grows with n (measured, or with estimates when the
    /// estimates make it grow faster).
    pub(crate) fn grows(&self) -> bool {
        self.exponent.is_some_and(|k| k >= GROWS) || self.with_estimates.is_some_and(|k| k >= GROWS)
    }
}

/// What an exponent means, in words.
pub(crate) fn growth_words(k: f64) -> &'static str {
    if k >= LINEAR {
        "about O(n) per operation: a run is quadratic in n"
    } else if k >= GROWS {
        "grows with n, between O(1) and O(n) per operation"
    } else if k >= 0.2 {
        "nearly constant per operation (the rise is cache misses of a bigger map)"
    } else {
        "about O(1) per operation"
    }
}

impl Family {
    /// `sweep-during-growth (delete_fraction=0.5, inserts_per_n=0.5)`.
    pub(crate) fn label(&self) -> String {
        if self.params.is_empty() {
            self.workload.clone()
        } else {
            format!("{} ({})", self.workload, self.params)
        }
    }
}

/// The family key of a record's parameters: n left out, `inserts` relative to n.
fn family_params(p: &Params) -> Params {
    let mut key = p.without(&["n", "inserts"]);
    if let (Some(n), Some(inserts)) = (p.num("n"), p.num("inserts")) {
        if n > 0.0 {
            key = key.with("inserts_per_n", (inserts / n * 1e4).round() / 1e4);
        }
    }
    key
}

/// Least-squares slope of ln(y) against ln(x); `None` for fewer than two distinct x.
pub(crate) fn exponent(points: &[(f64, f64)]) -> Option<f64> {
    let logs: Vec<(f64, f64)> = points
        .iter()
        .filter(|(x, y)| *x > 0.0 && *y > 0.0)
        .map(|(x, y)| (x.ln(), y.ln()))
        .collect();
    let k = logs.len() as f64;
    let mx = logs.iter().map(|p| p.0).sum::<f64>() / k;
    let my = logs.iter().map(|p| p.1).sum::<f64>() / k;
    let sxx: f64 = logs.iter().map(|p| (p.0 - mx).powi(2)).sum();
    if logs.len() < 2 || sxx < 1e-12 {
        return None;
    }
    let sxy: f64 = logs.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    Some(sxy / sxx)
}

/// The families of `records`: every workload configuration with `latency-ns-per-op` values
/// (or budget estimates) at two or more sizes.
pub(crate) fn families(records: &[Record]) -> Vec<Family> {
    type Points = (Vec<(f64, f64)>, Vec<(f64, Option<f64>)>);
    let mut by: BTreeMap<(String, Params), BTreeMap<String, Points>> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for r in records {
        if r.metric != Metric::LatencyNsPerOp || r.workload == TUNE_WORKLOAD {
            continue;
        }
        let Some(n) = r.params.num("n") else { continue };
        if !order.contains(&r.contender) {
            order.push(r.contender.clone());
        }
        let entry = by
            .entry((r.workload.clone(), family_params(&r.params)))
            .or_default()
            .entry(r.contender.clone())
            .or_default();
        match &r.outcome {
            Outcome::Ok { value, .. } => entry.0.push((n, *value)),
            o => {
                if let Some(b) = o.budget() {
                    entry.1.push((n, b.estimate_ns_per_op));
                }
            }
        }
    }
    let mut out = Vec::new();
    for ((workload, params), contenders) in by {
        let mut sizes: Vec<f64> = contenders
            .values()
            .flat_map(|(m, b)| m.iter().map(|p| p.0).chain(b.iter().map(|p| p.0)))
            .collect();
        sizes.sort_by(f64::total_cmp);
        sizes.dedup();
        if sizes.len() < 2 {
            continue;
        }
        let mut fits: Vec<Fit> = contenders
            .into_iter()
            .map(|(contender, (mut measured, mut beyond))| {
                measured.sort_by(|a, b| a.0.total_cmp(&b.0));
                beyond.sort_by(|a, b| a.0.total_cmp(&b.0));
                let estimates: Vec<(f64, f64)> =
                    beyond.iter().filter_map(|&(n, e)| Some((n, e?))).collect();
                let with_estimates = if estimates.is_empty() {
                    None
                } else {
                    exponent(&[measured.clone(), estimates].concat())
                };
                Fit {
                    exponent: exponent(&measured),
                    contender,
                    measured,
                    beyond,
                    with_estimates,
                }
            })
            .filter(|f| f.measured.len() + f.beyond.len() > 0)
            .collect();
        fits.sort_by_key(|f| order.iter().position(|c| *c == f.contender));
        let mut family = Family {
            workload,
            params,
            sizes,
            fits,
            chart: None,
        };
        let marks = crate::plot::scaling::marks(&family);
        if marks > 0 {
            let slug: String = family
                .label()
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .collect();
            family.chart = Some(ChartRef {
                id: format!("scaling-{slug}"),
                title: format!(
                    "{}: latency per operation against n | {} | lower is better",
                    family.workload, family.params
                ),
                marks,
            });
        }
        out.push(family);
    }
    out
}

/// A contender whose cost per operation grows with n: every family where it does (largest
/// exponent first), each as (family label, exponent, whether budget estimates are in the fit).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Grower {
    pub(crate) contender: String,
    pub(crate) families: Vec<(String, f64, bool)>,
}

impl Grower {
    /// Its largest exponent.
    pub(crate) fn max(&self) -> f64 {
        self.families.first().map_or(0.0, |f| f.1)
    }
}

/// Contenders whose cost per operation grows with n (exponent from [`GROWS`]), largest
/// exponent first.
pub(crate) fn growers(families: &[Family]) -> Vec<Grower> {
    let mut by: BTreeMap<String, Vec<(String, f64, bool)>> = BTreeMap::new();
    for fam in families {
        for fit in fam.fits.iter().filter(|f| f.grows()) {
            let (k, estimated) = match (fit.exponent, fit.with_estimates) {
                (Some(m), Some(e)) if e > m => (e, true),
                (Some(m), _) => (m, false),
                (None, Some(e)) => (e, true),
                (None, None) => continue,
            };
            by.entry(fit.contender.clone())
                .or_default()
                .push((fam.label(), k, estimated));
        }
    }
    let mut out: Vec<Grower> = by
        .into_iter()
        .map(|(contender, mut families)| {
            families.sort_by(|a, b| b.1.total_cmp(&a.1));
            Grower {
                contender,
                families,
            }
        })
        .collect();
    out.sort_by(|a, b| b.max().total_cmp(&a.max()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::BeyondBudget;

    fn rec(contender: &str, n: u64, outcome: Outcome) -> Record {
        Record::new(
            contender,
            "sweep-during-growth",
            Params::new()
                .with("n", n)
                .with("inserts", n / 2)
                .with("delete_fraction", 0.5),
            Metric::LatencyNsPerOp,
            1,
            outcome,
        )
    }

    #[test]
    fn exponents_of_constant_linear_and_estimated_growth() {
        let records = vec![
            rec("flat", 1_000, Outcome::value(10.0)),
            rec("flat", 16_000, Outcome::value(11.0)),
            rec("flat", 256_000, Outcome::value(12.0)),
            rec("copying", 1_000, Outcome::value(1_000.0)),
            rec("copying", 16_000, Outcome::value(16_000.0)),
            rec(
                "copying",
                256_000,
                Outcome::beyond_budget(
                    "one run would take ~4 h",
                    BeyondBudget {
                        budget_s: 120.0,
                        estimated_run_s: Some(14_000.0),
                        estimate_ns_per_op: Some(256_000.0),
                        stopped: false,
                    },
                ),
            ),
            // A single size of another family: not a family.
            Record::new(
                "flat",
                "churn",
                Params::new().with("n", 5u64),
                Metric::LatencyNsPerOp,
                1,
                Outcome::value(1.0),
            ),
        ];
        let fams = families(&records);
        assert_eq!(fams.len(), 1, "{fams:?}");
        let fam = &fams[0];
        assert_eq!(fam.params.num("inserts_per_n"), Some(0.5));
        assert_eq!(fam.sizes, vec![1_000.0, 16_000.0, 256_000.0]);
        let flat = fam.fits.iter().find(|f| f.contender == "flat").unwrap();
        assert!(flat.exponent.unwrap().abs() < 0.1, "{flat:?}");
        assert!(!flat.grows());
        let copying = fam.fits.iter().find(|f| f.contender == "copying").unwrap();
        assert!(
            (copying.exponent.unwrap() - 1.0).abs() < 1e-9,
            "{copying:?}"
        );
        assert!((copying.with_estimates.unwrap() - 1.0).abs() < 1e-9);
        assert_eq!(copying.beyond, vec![(256_000.0, Some(256_000.0))]);
        let g = growers(&fams);
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].contender, "copying");
        assert!(growth_words(g[0].max()).contains("quadratic"));
        assert!(growth_words(0.02).contains("O(1)"));
    }

    #[test]
    fn a_fit_needs_two_sizes() {
        assert_eq!(exponent(&[(10.0, 1.0)]), None);
        assert_eq!(exponent(&[(10.0, 1.0), (10.0, 2.0)]), None);
        let k = exponent(&[(10.0, 1.0), (100.0, 100.0)]).unwrap();
        assert!((k - 2.0).abs() < 1e-12);
    }
}
