//! The project's markdown kept honest by tests.
//!
//! * The tables of `docs/workloads-and-metrics.md`, generated from the code so they cannot
//!   drift: the workloads (with their cells per profile) and the metrics (unit, better
//!   direction, definition). The tests at the bottom fail when the page holds a stale copy;
//!   print fresh ones with `cargo run -q --example readme_tables`.
//! * The Rust code blocks of README.md, `reports/README.md` and `evacmap/README.md`, compiled
//!   (and run, unless marked `no_run`) as doctests: `cargo test --doc -p evacbench`.
//!
//! `tests/markdown_links.rs` checks that every relative link of every markdown file of the
//! repository resolves, anchors included.

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

/// README.md's Rust code blocks, as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// `reports/README.md`'s Rust code blocks, as doctests (evacbench depends on `reports`).
#[cfg(doctest)]
#[doc = include_str!("../reports/README.md")]
pub struct ReportsReadmeDoctests;

/// `evacmap/README.md`'s Rust code blocks ("evacmap in one page"), as doctests.
#[cfg(doctest)]
#[doc = include_str!("../evacmap/README.md")]
pub struct EvacmapReadmeDoctests;

#[cfg(test)]
mod tests {
    use super::*;

    /// The page that holds the generated tables.
    const PAGE: &str = include_str!("../docs/workloads-and-metrics.md");

    #[test]
    fn workload_table_is_current() {
        let table = workloads();
        assert!(
            PAGE.contains(&table),
            "docs/workloads-and-metrics.md's workload table is stale; replace it with:\n{table}"
        );
    }

    #[test]
    fn metric_table_is_current() {
        let table = metrics();
        assert!(
            PAGE.contains(&table),
            "docs/workloads-and-metrics.md's metric table is stale; replace it with:\n{table}"
        );
    }
}
