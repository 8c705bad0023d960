//! README's tables, generated from the code so they cannot drift: the workloads (with their
//! cells per profile) and the metrics (unit, better direction, definition). The tests at the
//! bottom fail when README.md holds a stale copy; print fresh ones with
//! `cargo run -q --example readme_tables`.

use reports::{Category, Metric};

use crate::workloads::{Profile, Workload};

/// The workload table: what each workload models, its unit of work and its cells per profile.
pub fn workloads() -> String {
    let mut t = String::from(
        "| workload | models | one operation is | ranked by (its objective) | default profile | full profile |\n|---|---|---|---|---|---|\n",
    );
    let cells_of = |p: Profile, w: Workload| -> String {
        let mut labels: Vec<String> = Vec::new();
        for c in p.cells().iter().filter(|c| c.workload == w) {
            // Reader counts depend on the machine: one entry for all of them.
            let label = match c.label().split_once("/readers=") {
                Some((head, _)) => format!("`{head}/readers=1..cores`"),
                None => format!("`{}`", c.label()),
            };
            if !labels.contains(&label) {
                labels.push(label);
            }
        }
        labels.join(", ")
    };
    for w in Workload::ALL {
        let objective = w.objective();
        let ranked = objective
            .primary
            .first()
            .map(|t| {
                let at = if t.params.is_empty() {
                    String::new()
                } else {
                    format!(", {}", t.params)
                };
                format!("{} (`{}`{at})", t.meaning, t.metric.id())
            })
            .unwrap_or_default();
        t += &format!(
            "| `{}` | {} | {} | {ranked} | {} | {} |\n",
            w.id(),
            w.models(),
            w.op(),
            cells_of(Profile::Default, w),
            cells_of(Profile::Full, w),
        );
    }
    t
}

/// The metric table: every metric of the records schema with its unit, better direction,
/// category and definition.
pub fn metrics() -> String {
    let mut t =
        String::from("| metric | unit | better | category | definition |\n|---|---|---|---|---|\n");
    for m in Metric::ALL {
        t += &format!(
            "| `{}` | {} | {} | {} | {} |\n",
            m.id(),
            m.unit(),
            m.direction().phrase(),
            match m.category() {
                Category::Latency => "latency",
                Category::GcPressure => "GC pressure",
                Category::Locality => "locality",
            },
            m.description()
        );
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    const README: &str = include_str!("../README.md");

    #[test]
    fn readme_workload_table_is_current() {
        let table = workloads();
        assert!(
            README.contains(&table),
            "README.md's workload table is stale; replace it with:\n{table}"
        );
    }

    #[test]
    fn readme_metric_table_is_current() {
        let table = metrics();
        assert!(
            README.contains(&table),
            "README.md's metric table is stale; replace it with:\n{table}"
        );
    }
}
