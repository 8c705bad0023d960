//! The report page: one self-contained HTML file, sections in a fixed order, text escaped.
//!
//! Sections: summary, latency, GC pressure, memory locality, tuning (if the run has
//! tune records), change against a baseline (if one is given), environment, metrics and rules.
//! The page has no script; charts are inline SVG. `<body data-expected-plots>` states how many
//! charts the page has, for `scripts/check-report.sh`.

mod page;
mod scaling;

use page::{cell, contender, esc, figure, table};

use crate::charts;
use crate::model::{
    CategorySection, Cell, Change, Comparison, MetricTable, ReaderPhases, Recommendation, Report,
    Status, TuneTable, Verdict, WorkloadSummary,
};
use crate::plot::Palette;
use crate::schema::{Category, ContenderInfo, Metric, Params, TIME_PARAM};
use crate::{fmt, Error};

/// The page skeleton: inline CSS, `{{title}}`, `{{plots}}` and `{{body}}`.
const TEMPLATE: &str = include_str!("template.html");

/// Renders the whole page.
pub(crate) fn page(report: &Report) -> Result<String, Error> {
    let palette = Palette::new(&report.contenders);
    let partial = report.run.partial;
    let mut body = header(report);
    body.push_str(&decision_guide(report, &palette)?);
    body.push_str(&summary(report, &palette));
    if !report.scaling.is_empty() {
        body.push_str(&scaling::section(report, &palette)?);
    }
    for section in &report.sections {
        body.push_str(&category(section, &palette, partial)?);
    }
    if !report.tuning.is_empty() {
        body.push_str(&tuning(report, &palette)?);
    }
    if let Some(comparison) = &report.baseline {
        body.push_str(&baseline(
            comparison,
            &report.rules.noise,
            &palette,
            partial,
        ));
    }
    body.push_str(&environment(report));
    body.push_str(&glossary(report));
    let title = format!("evacbench report: {}", report.run.meta.environment.date);
    let (head, tail) = TEMPLATE.split_once("{{body}}").unwrap_or((TEMPLATE, ""));
    let head = head
        .replace("{{title}}", &esc(&title))
        .replace("{{plots}}", &report.run.plots.to_string());
    Ok(format!("{head}{body}{tail}"))
}

fn section_title(category: Category) -> (&'static str, &'static str) {
    match category {
        Category::Latency => ("latency", "Latency"),
        Category::GcPressure => ("gc-pressure", "GC pressure"),
        Category::Locality => ("locality", "Memory locality"),
    }
}

/// `section-workload`, the id of a workload's heading within a section.
fn anchor(section: &str, workload: &str) -> String {
    let slug: String = workload
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("{section}-{slug}")
}

fn header(report: &Report) -> String {
    let env = &report.run.meta.environment;
    let mut nav = vec![("guide", "Decision guide"), ("summary", "Summary")];
    if !report.scaling.is_empty() {
        nav.push(("scaling", "Scaling with n"));
    }
    nav.extend(report.sections.iter().map(|s| section_title(s.category)));
    if !report.tuning.is_empty() {
        nav.push(("tuning", "Tuning"));
    }
    if report.baseline.is_some() {
        nav.push(("baseline", "Change against baseline"));
    }
    nav.extend([
        ("environment", "Environment"),
        ("rules", "Metrics and rules"),
    ]);
    let links: String = nav
        .iter()
        .map(|(id, title)| format!(r##"<a href="#{id}">{title}</a>"##))
        .collect();
    let mut out = format!(
        "<h1>evacbench report</h1>\n<p class=\"muted\">Run <code>{}</code>, {} at commit <code>{}</code>, profile <code>{}</code>, {} records.</p>\n<nav>{links}</nav>\n",
        esc(&report.run.dir),
        esc(&env.date),
        esc(&env.git_commit),
        esc(&env.profile),
        report.run.records
    );
    let users: Vec<String> = env
        .contenders
        .iter()
        .filter(|i| i.kind == ContenderInfo::USER)
        .map(|i| format!("<code>{}</code>", esc(&i.name)))
        .collect();
    if !users.is_empty() {
        let built_in = env.contenders.len() - users.len();
        let beside = if built_in > 0 {
            format!(
                ", measured beside {built_in} built-in contenders on the same cells, keys, seeds \
                 and hasher"
            )
        } else {
            String::new()
        };
        out.push_str(&format!(
            "<p>Your contenders (kind <code>user</code>, added from your own crate): {}{beside}.</p>\n",
            users.join(", ")
        ));
    }
    if let Some(tune) = &report.run.tune {
        out.push_str(&format!(
            "<p class=\"muted\">Tuning from the tune run <code>{}</code> ({} at commit <code>{}</code>, {} records{}).</p>\n",
            esc(&tune.dir),
            esc(&tune.date),
            esc(&tune.git_commit),
            tune.records,
            if tune.complete { "" } else { ", partial: interrupted before it finished" }
        ));
    }
    if report.run.partial {
        out.push_str(&format!(
            "<p class=\"banner partial\"><strong>Partial run.</strong> This run was interrupted before it finished; \
             its {} missing values are marked <span class=\"gap\">gap</span> in tables and listed under the charts.{}</p>\n",
            report.run.gaps,
            report
                .run
                .torn_line
                .map(|l| format!(" Line {l} of the records was cut off by the interruption and skipped."))
                .unwrap_or_default()
        ));
    } else if report.run.absent > 0 {
        out.push_str(&format!(
            "<p class=\"banner absent\">The run finished, but {} values have no record and no reason \
             (the benchmark wrote neither); they are marked <span class=\"absent\">no record</span> in \
             the tables and listed under the charts.</p>\n",
            report.run.absent
        ));
    }
    if report.run.not_measured > 0 {
        out.push_str(&format!(
            "<p class=\"muted\">{} values were not measured, each for a stated reason (for example, a \
             single-threaded contender cannot be read during a sweep); they are marked \
             <span class=\"not-measured\">not measured</span> with the reason, never counted as \
             missing.</p>\n",
            report.run.not_measured
        ));
    }
    out
}

/// The decision guide: one row per situation, its choice with the metric and values it was
/// ranked by, the eligible contenders and the reason; then the overview plots.
fn decision_guide(report: &Report, palette: &Palette) -> Result<String, Error> {
    let mut out = String::from(
        "<section id=\"guide\">\n<h2>Decision guide: which contender for my situation?</h2>\n",
    );
    if report.decision_guide.is_empty() {
        out.push_str(
            "<p class=\"muted\">This run does not declare its contenders' properties (runs of \
             schema version 1 do not), so no situation can say who is eligible. Rerun the suite \
             to get the guide; the per-workload recommendations below still apply.</p>\n</section>\n",
        );
        return Ok(out);
    }
    out.push_str(
        "<p class=\"muted\">Each situation admits the contenders whose declared properties fit it \
         (access, whether readers block, insertion order, or how they ran the workload), then \
         ranks them by the metric that matters there. Values are geometric means over the \
         configurations compared; check them in the tables below.</p>\n",
    );
    let rows = report.decision_guide.iter().flat_map(|s| {
        let unit = s.metric.unit();
        let q = |v: Option<f64>| v.map_or_else(String::new, |v| esc(&fmt::quantity(v, unit)));
        let choice = match &s.choice {
            Some(c) => format!("<td><strong>{}</strong></td>", contender(c, palette)),
            None => "<td class=\"not-measured\">none</td>".to_owned(),
        };
        let runner = s
            .runner_up
            .as_ref()
            .map_or_else(String::new, |r| contender(r, palette));
        let choosable = report
            .run
            .meta
            .environment
            .contenders
            .iter()
            .filter(|i| i.kind != ContenderInfo::GO_REFERENCE)
            .count();
        let eligible = if s.eligible.len() >= choosable && choosable > 0 {
            format!("all {choosable} contenders")
        } else {
            format!(
                "{}: {}",
                s.eligible.len(),
                s.eligible
                    .iter()
                    .map(|e| esc(e))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        [
            (
                "situation".to_owned(),
                format!(
                    "<td class=\"situation\">{}<br><span class=\"ci\">workload <code>{}</code></span></td>{choice}<td>{} <span class=\"ci\">({}, {})</span></td><td class=\"num\">{}</td><td>{runner}</td><td class=\"num\">{}</td><td class=\"eligible\">{eligible}</td>",
                    esc(&s.situation),
                    esc(&s.workload),
                    esc(&s.meaning),
                    esc(s.metric.name()),
                    s.metric.direction().phrase(),
                    q(s.value),
                    q(s.runner_up_value),
                ),
            ),
            (
                "why".to_owned(),
                format!("<td colspan=\"7\" class=\"reason\">{}</td>", prose(&s.reason)),
            ),
        ]
    });
    let header = [
        "situation",
        "choice",
        "ranked by",
        "its value",
        "runner-up",
        "its value",
        "eligible",
    ]
    .map(String::from);
    out.push_str(&table(
        "Decision guide (each situation's reason in the row below it)",
        &header,
        rows,
    ));
    out.push_str(&contender_properties(report, palette));
    if !report.overview.is_empty() {
        out.push_str("<div class=\"charts\">\n");
        for chart in &report.overview {
            out.push_str(&figure(chart, palette)?);
        }
        out.push_str("</div>\n");
    }
    out.push_str("</section>\n");
    Ok(out)
}

/// The contenders' declared properties (`meta.json`'s `contenders`), folded.
fn contender_properties(report: &Report, palette: &Palette) -> String {
    let infos = &report.run.meta.environment.contenders;
    if infos.is_empty() {
        return String::new();
    }
    let rows = infos.iter().map(|i| {
        let modes: Vec<String> = i
            .modes
            .iter()
            .map(|(w, m)| format!("{}: {}", esc(w), esc(m)))
            .collect();
        (
            String::new(),
            format!(
                "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
                contender(&i.name, palette),
                esc(&i.kind),
                esc(&i.access),
                esc(&i.consistency),
                esc(&i.readers_block),
                if i.keeps_order { "yes" } else { "no" },
                modes.join("; "),
                esc(&i.extra_memory),
                esc(&i.choose_when),
            ),
        )
    });
    let header = [
        "contender",
        "kind",
        "access",
        "consistency",
        "readers block",
        "keeps order",
        "how it ran",
        "extra memory",
        "choose it when",
    ]
    .map(String::from);
    format!(
        "<details class=\"values\"><summary>Contenders' declared properties (what eligibility is decided from)</summary>\n{}</details>\n",
        table("Contenders", &header, rows)
    )
}

/// One recommendation: its group, choice and reason.
fn recommendation(r: &Recommendation, palette: &Palette) -> String {
    let group = r
        .group
        .as_ref()
        .map(|g| format!(" (group: {})", esc(g)))
        .unwrap_or_default();
    format!(
        "<p class=\"recommendation\"><strong>Recommendation{group}: {}</strong>. {}</p>\n",
        contender(&r.choice, palette),
        prose(&r.reason)
    )
}

/// `readers-during-sweep`: each contender's reader percentiles with no sweep and during it.
fn reader_phases(rows: &[ReaderPhases], palette: &Palette) -> String {
    if rows.is_empty() {
        return String::new();
    }
    let mut out = String::new();
    let configs: Vec<&Params> = {
        let mut v: Vec<&Params> = Vec::new();
        for r in rows {
            if !v.contains(&&r.params) {
                v.push(&r.params);
            }
        }
        v
    };
    for config in configs {
        let body = rows.iter().filter(|r| &r.params == config).map(|r| {
            let mut cells = String::new();
            for k in 0..4 {
                cells.push_str(&cell(&r.idle[k], false));
                cells.push_str(&cell(&r.sweep[k], false));
            }
            cells.push_str(&cell(&r.slowdown, false));
            (
                String::new(),
                format!("<td>{}</td>{cells}", contender(&r.contender, palette)),
            )
        });
        let mut header = vec!["contender".to_owned()];
        for p in ["p50", "p99", "p99.9", "max"] {
            header.push(format!("{p} idle (ns)"));
            header.push(format!("{p} sweep (ns)"));
        }
        header.push("p99 slowdown (sweep / idle)".into());
        out.push_str(&table(
            &format!(
                "readers-during-sweep, {}: reader lookup latency with no sweep (idle) and during the sweep; median over repetitions [min, max]",
                esc(&config.to_string())
            ),
            &header,
            body,
        ));
    }
    out
}

fn summary(report: &Report, palette: &Palette) -> String {
    let env = &report.run.meta.environment;
    let mut out = String::from("<section id=\"summary\">\n<h2>Summary</h2>\n");
    if !env.hasher.is_empty() {
        out.push_str(&format!(
            "<p>Hasher: <strong>{}</strong>. Every Rust contender hashes with it, so differences \
             come from the maps, not the hash function{}.</p>\n",
            esc(&env.hasher),
            if report.run.go_reference.is_some() {
                "; the reference: Go runtime contenders (<code>go-*</code>) hash with Go's own \
                 seeded hash (aeshash), not foldhash"
            } else {
                ""
            }
        ));
    }
    out.push_str(
        "<p class=\"muted\">For each workload: the recommended contender and why, which contenders \
         passed verification, and the best contender per metric (the full values are in the \
         latency, GC pressure and memory locality sections). Each contender has one colour and \
         marker shape in every chart and table.</p>\n",
    );
    if report.summary.is_empty() {
        out.push_str("<p>No benchmark records in this run.</p>\n");
    }
    out.push_str(&scaling::summary(report, palette));
    for workload in &report.summary {
        out.push_str(&workload_summary(workload, palette));
    }
    out.push_str("</section>\n");
    out
}

/// Escapes `text` and shows its `code` spans as code.
fn prose(text: &str) -> String {
    let mut out = String::new();
    for (i, part) in esc(text).split('`').enumerate() {
        if i % 2 == 1 {
            out.push_str(&format!("<code>{part}</code>"));
        } else {
            out.push_str(part);
        }
    }
    out
}

/// Groups `(contender, reason)` pairs by reason, keeping first-seen order.
fn by_reason<'a>(pairs: impl Iterator<Item = (&'a str, String)>) -> Vec<(String, Vec<&'a str>)> {
    let mut groups: Vec<(String, Vec<&str>)> = Vec::new();
    for (name, reason) in pairs {
        match groups.iter_mut().find(|(r, _)| *r == reason) {
            Some((_, names)) => names.push(name),
            None => groups.push((reason, vec![name])),
        }
    }
    groups
}

fn names(list: &[&str], palette: &Palette) -> String {
    list.iter()
        .map(|n| contender(n, palette))
        .collect::<Vec<_>>()
        .join(", ")
}

fn workload_summary(w: &WorkloadSummary, palette: &Palette) -> String {
    let mut out = format!("<h3 id=\"summary-{0}\">{0}</h3>\n", esc(&w.workload));
    if let Some(o) = &w.objective {
        let ranked = o
            .primary
            .first()
            .map(|t| {
                format!(
                    "{} ({}{})",
                    esc(&t.meaning),
                    esc(t.metric.id()),
                    if t.params.is_empty() {
                        String::new()
                    } else {
                        format!(", {}", esc(&t.params.to_string()))
                    }
                )
            })
            .unwrap_or_default();
        let ties: Vec<String> = o
            .tie_breakers
            .iter()
            .map(|t| format!("{} ({})", esc(&t.meaning), esc(t.metric.id())))
            .collect();
        out.push_str(&format!(
            "<p class=\"objective\"><strong>Objective:</strong> {} <span class=\"muted\">Ranked by {ranked}; ties broken by {}.</span></p>\n",
            esc(&o.question),
            if ties.is_empty() { "nothing".into() } else { ties.join(", then ") }
        ));
    }
    if w.recommendations.is_empty() {
        out.push_str("<p class=\"recommendation\">No recommendation: no contender has verified values of the ranking metric.</p>\n");
    }
    for r in &w.recommendations {
        out.push_str(&recommendation(r, palette));
    }
    out.push_str(&reader_phases(&w.reader_phases, palette));
    if let Some(go) = &w.go_reference {
        out.push_str(&format!(
            "<p class=\"go-versus\"><strong>Against Go's own map</strong> (reference: Go runtime, \
             same keys and doomed sets; Go hashes with its own seeded hash, not foldhash): {} takes \
             <strong>{:.2}x</strong> the time of evacmap's best ({}), geometric mean over {} \
             cell{}{}.</p>\n",
            esc(&go.go.join(" / ")),
            go.ratio,
            esc(&go.evacmap.join(" / ")),
            go.cells,
            if go.cells == 1 { "" } else { "s" },
            if go.ratio >= 1.0 {
                format!("; evacmap is {:.0}% faster", (1.0 - 1.0 / go.ratio) * 100.0)
            } else {
                format!("; Go is {:.0}% faster", (1.0 - go.ratio) * 100.0)
            }
        ));
    }
    let mut items = Vec::new();
    let passed: Vec<&str> = w
        .contenders
        .iter()
        .filter(|c| c.status == Status::Passed)
        .map(|c| c.name.as_str())
        .collect();
    if !passed.is_empty() {
        items.push(format!(
            "Passed verification ({}): {}",
            passed.len(),
            names(&passed, palette)
        ));
    }
    for c in &w.contenders {
        if let Some(reason) = c.failed() {
            items.push(format!(
                "{} <span class=\"failed\">FAILED verification: {}</span>",
                contender(&c.name, palette),
                esc(reason)
            ));
        }
    }
    let not_measured = by_reason(w.contenders.iter().filter_map(|c| match &c.status {
        Status::NotMeasured { reason } => Some((c.name.as_str(), reason.clone())),
        _ => None,
    }));
    for (reason, list) in not_measured {
        items.push(format!(
            "<span class=\"not-measured\">Not measured on this workload</span> ({}): {}: {}",
            list.len(),
            names(&list, palette),
            esc(&reason)
        ));
    }
    let no_records: Vec<&str> = w
        .contenders
        .iter()
        .filter(|c| c.status == Status::NoRecords)
        .map(|c| c.name.as_str())
        .collect();
    if !no_records.is_empty() {
        items.push(format!(
            "<span class=\"gap\">No records yet (the run was interrupted)</span>: {}",
            names(&no_records, palette)
        ));
    }
    for c in &w.contenders {
        for s in &c.skipped {
            items.push(format!(
                "{} <span class=\"not-measured\">not measured at {}: {}</span>",
                contender(&c.name, palette),
                esc(&s.params.to_string()),
                esc(&s.reason)
            ));
        }
    }
    out.push_str("<ul class=\"statuses\">");
    for item in items {
        out.push_str(&format!("<li>{item}</li>"));
    }
    out.push_str("</ul>\n");
    let rows = w.best.iter().map(|b| {
        let unit = b.metric.unit();
        let higher = b.direction == crate::schema::Direction::Higher;
        let best = match (&b.contender, b.value) {
            (Some(name), value) => format!(
                "<td>{}{}</td><td class=\"num\">{}</td>",
                contender(name, palette),
                if b.tied > 0 {
                    format!(
                        " <span class=\"ci\">and {} more with the same value</span>",
                        b.tied
                    )
                } else {
                    String::new()
                },
                value.map_or_else(String::new, |v| esc(&fmt::quantity(v, unit)))
            ),
            _ => "<td class=\"not-measured\">no verified values</td><td></td>".to_owned(),
        };
        let runner = match (&b.runner_up, b.runner_up_value, b.value) {
            (Some(name), Some(v), Some(best)) => format!(
                "<td>{}</td><td class=\"num\">{} <span class=\"ci\">({})</span></td>",
                contender(name, palette),
                esc(&fmt::quantity(v, unit)),
                esc(&fmt::worse_by(best, v, higher))
            ),
            (Some(name), _, _) => format!("<td>{}</td><td></td>", contender(name, palette)),
            _ => "<td></td><td></td>".to_owned(),
        };
        (
            String::new(),
            format!(
                "<td>{} ({})</td><td>{}</td>{best}{runner}<td class=\"num\">{}</td>",
                esc(b.metric.name()),
                esc(unit),
                b.direction.phrase(),
                b.configurations
            ),
        )
    });
    let header = [
        "metric",
        "better",
        "best contender",
        "its value",
        "runner-up",
        "its value",
        "configurations",
    ]
    .map(String::from);
    out.push_str(&table(
        &format!(
            "{}: best contender per metric (failed contenders excluded; values are geometric means over the configurations)",
            esc(&w.workload)
        ),
        &header,
        rows,
    ));
    out
}

fn category(section: &CategorySection, palette: &Palette, partial: bool) -> Result<String, Error> {
    let (id, title) = section_title(section.category);
    let mut out = format!("<section id=\"{id}\">\n<h2>{title}</h2>\n");
    if section.workloads.is_empty() {
        out.push_str("<p>No records of this kind in this run.</p>\n");
    }
    for part in &section.workloads {
        out.push_str(&format!(
            "<h3 id=\"{}\">{}</h3>\n",
            anchor(id, &part.workload),
            esc(&part.workload)
        ));
        for chart in &part.charts {
            out.push_str(&figure(chart, palette)?);
        }
        let tables: String = part
            .tables
            .iter()
            .map(|t| {
                if t.metric == Metric::HeapBytes {
                    heap_tables(&part.workload, t, palette)
                } else {
                    metric_table(&part.workload, t, palette, partial)
                }
            })
            .collect();
        let names: Vec<&str> = part.tables.iter().map(|t| t.metric.name()).collect();
        out.push_str(&format!(
            "<details class=\"values\"><summary>All values of {}: {}</summary>\n{tables}</details>\n",
            esc(&part.workload),
            esc(&names.join(", "))
        ));
    }
    out.push_str("</section>\n");
    Ok(out)
}

/// One metric's values: a row per contender, a column per configuration. Contenders not
/// measured in any configuration are named once below, with the reason.
fn metric_table(workload: &str, t: &MetricTable, palette: &Palette, partial: bool) -> String {
    let sets: Vec<&Params> = t.rows.iter().map(|r| &r.params).collect();
    let labels = charts::labels(&sets);
    let mut header = vec!["contender".to_owned()];
    header.extend(t.rows.iter().zip(&labels.labels).map(|(r, label)| {
        let label = if label.is_empty() { "value" } else { label };
        format!(
            "<span title=\"{}\">{}</span>",
            esc(&r.params.to_string()),
            esc(label)
        )
    }));
    let mut unmeasured: Vec<(&str, String)> = Vec::new();
    let mut rows = Vec::new();
    for (col, name) in t.contenders.iter().enumerate() {
        let cells: Vec<&Cell> = t.rows.iter().map(|r| &r.cells[col]).collect();
        let reasons: Option<Vec<&str>> = cells
            .iter()
            .map(|c| match c {
                Cell::NotMeasured { reason } => Some(reason.as_str()),
                _ => None,
            })
            .collect();
        if let Some(mut reasons) = reasons.filter(|r| !r.is_empty()) {
            reasons.dedup();
            unmeasured.push((name, reasons.join("; ")));
            continue;
        }
        let tds: String = cells.iter().map(|c| cell(c, partial)).collect();
        rows.push((
            String::new(),
            format!("<th>{}</th>{tds}", contender(name, palette)),
        ));
    }
    let mut caption = format!(
        "{}: {} ({}), {}; best of each column in bold",
        esc(workload),
        esc(t.metric.name()),
        esc(t.metric.unit()),
        t.metric.direction().phrase()
    );
    if !labels.fixed.is_empty() {
        caption.push_str(&format!(
            ". All columns: {}",
            esc(&labels.fixed.to_string())
        ));
    }
    if let Some(base) = &labels.base {
        caption.push_str(&format!(
            ". Column \"base\": {}; the other columns change what they name",
            esc(&base.to_string())
        ));
    }
    let mut out = if rows.is_empty() {
        format!("<p class=\"caption\">{caption}</p>\n")
    } else {
        table(&caption, &header, rows)
    };
    for (reason, list) in by_reason(unmeasured.into_iter()) {
        out.push_str(&format!(
            "<p class=\"note\"><span class=\"not-measured\">Not measured</span>: {}: {}</p>\n",
            names(&list, palette),
            esc(&reason)
        ));
    }
    out
}

/// The heap-over-time samples, summarized per configuration: samples, time span, peak, last.
fn heap_tables(workload: &str, t: &MetricTable, palette: &Palette) -> String {
    let mut slices: Vec<Params> = Vec::new();
    for r in &t.rows {
        let slice = r.params.without(&[TIME_PARAM]);
        if !slices.contains(&slice) {
            slices.push(slice);
        }
    }
    let mut out = String::new();
    for slice in slices {
        let rows = t.contenders.iter().enumerate().filter_map(|(col, name)| {
            let mut samples: Vec<(f64, f64)> = t
                .rows
                .iter()
                .filter(|r| r.params.without(&[TIME_PARAM]) == slice)
                .filter_map(|r| Some((r.params.num(TIME_PARAM)?, r.cells[col].value()?)))
                .collect();
            if samples.is_empty() {
                return None;
            }
            samples.sort_by(|a, b| a.0.total_cmp(&b.0));
            let peak = samples.iter().map(|s| s.1).fold(f64::NEG_INFINITY, f64::max);
            let (first, last) = (samples[0], samples[samples.len() - 1]);
            Some((
                String::new(),
                format!(
                    "<th>{}</th><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>",
                    contender(name, palette),
                    samples.len(),
                    fmt::number(first.0),
                    fmt::number(last.0),
                    fmt::number(peak),
                    fmt::number(last.1)
                ),
            ))
        });
        let header = [
            "contender",
            "samples",
            "first t_ms",
            "last t_ms",
            "peak (bytes)",
            "last (bytes)",
        ]
        .map(String::from);
        out.push_str(&table(
            &format!(
                "{}: heap over time, summarized | {}; lower is better",
                esc(workload),
                esc(&slice.to_string())
            ),
            &header,
            rows,
        ));
    }
    out
}

fn tuning(report: &Report, palette: &Palette) -> Result<String, Error> {
    let tables: &[TuneTable] = &report.tuning;
    let mut out = format!(
        "<section id=\"tuning\">\n<h2>Tuning</h2>\n<p class=\"muted\">{}</p>\n",
        esc(&report.rules.tuning)
    );
    if let Some(tune) = &report.run.tune {
        out.push_str(&format!(
            "<p class=\"muted\">From the tune run <code>{}</code> ({} at commit <code>{}</code>).</p>\n",
            esc(&tune.dir),
            esc(&tune.date),
            esc(&tune.git_commit)
        ));
    }
    for t in tables {
        out.push_str(&format!(
            "<h3>{} | {}{}</h3>\n",
            esc(&t.knob),
            contender(&t.contender, palette),
            if t.fixed.is_empty() {
                String::new()
            } else {
                format!(" | {}", esc(&t.fixed.to_string()))
            }
        ));
        if let Some(source) = &t.source {
            out.push_str(&format!(
                "<p class=\"muted\">Recorded by the tune run <code>{}</code>.</p>\n",
                esc(source)
            ));
        }
        if let Some(r) = &t.recommendation {
            out.push_str(&format!(
                "<p class=\"recommendation\"><strong>Recommended {}: {}</strong>. {}</p>\n",
                esc(&t.knob),
                esc(&r.choice),
                esc(&r.reason)
            ));
        }
        if let Some(chart) = &t.chart {
            out.push_str(&figure(chart, palette)?);
        }
        let mut header = vec![esc(&t.knob)];
        header.extend(t.columns.iter().map(|c| {
            format!(
                "{} ({}), {}",
                esc(&c.id),
                esc(c.metric.unit()),
                c.metric.direction().phrase()
            )
        }));
        header.push("Pareto-optimal".into());
        let rows = t.rows.iter().map(|r| {
            let mut marks = Vec::new();
            if r.is_default {
                marks.push("default");
            }
            if r.is_recommended {
                marks.push("recommended");
            }
            let marks = if marks.is_empty() {
                String::new()
            } else {
                format!(" ({})", marks.join(", "))
            };
            let cells: String = r
                .cells
                .iter()
                .map(|c| cell(c, report.run.partial))
                .collect();
            (
                if r.is_recommended {
                    "recommended".to_owned()
                } else {
                    String::new()
                },
                format!(
                    "<td class=\"num\">{}{marks}</td>{cells}<td>{}</td>",
                    fmt::number(r.value),
                    if r.on_frontier { "yes" } else { "no" }
                ),
            )
        });
        out.push_str(&table(&format!("Trade-off per {}", t.knob), &header, rows));
    }
    out.push_str("</section>\n");
    Ok(out)
}

fn baseline(c: &Comparison, rule: &str, palette: &Palette, partial: bool) -> String {
    let count = |f: fn(Verdict) -> bool| c.changes.iter().filter(|ch| f(ch.verdict)).count();
    let regressions = count(Verdict::is_regression);
    let improvements = count(|v| matches!(v, Verdict::Improvement | Verdict::Fixed));
    let mut out = format!(
        "<section id=\"baseline\">\n<h2>Change against baseline</h2>\n<p>Baseline <code>{}</code> ({} at commit <code>{}</code>). \
         <strong class=\"{}\">{regressions} regressions</strong>, {improvements} improvements, {} within noise or not comparable; \
         {} values only in this run, {} only in the baseline.</p>\n<p class=\"muted\">Noise rule: {}</p>\n",
        esc(&c.baseline_dir),
        esc(&c.baseline_date),
        esc(&c.baseline_commit),
        if regressions > 0 { "failed" } else { "" },
        c.changes.len() - regressions - improvements,
        c.only_in_current,
        c.only_in_baseline,
        esc(rule)
    );
    let header = [
        "workload",
        "contender",
        "metric",
        "parameters",
        "baseline",
        "current",
        "change",
        "threshold",
        "verdict",
    ]
    .map(String::from);
    let significant =
        |ch: &&Change| !matches!(ch.verdict, Verdict::Unchanged | Verdict::NotComparable);
    let row = |ch: &Change| {
        let class = match ch.verdict {
            v if v.is_regression() => "regression",
            Verdict::Improvement | Verdict::Fixed => "improvement",
            _ => "",
        };
        let pct = |v: Option<f64>| v.map(fmt::percent).unwrap_or_else(|| "n/a".into());
        (
            class.to_owned(),
            format!(
                "<td>{}</td><td>{}</td><td>{} ({}), {}</td><td>{}</td>{}{}<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"verdict\">{}</td>",
                esc(&ch.workload),
                contender(&ch.contender, palette),
                esc(ch.metric.name()),
                esc(ch.metric.unit()),
                ch.metric.direction().phrase(),
                esc(&ch.params.to_string()),
                cell(&ch.baseline, false),
                cell(&ch.current, partial),
                pct(ch.change),
                pct(ch.threshold).trim_start_matches('+'),
                verdict(ch.verdict)
            ),
        )
    };
    out.push_str(&table(
        "Significant changes (regressions first)",
        &header,
        c.changes.iter().filter(significant).map(row),
    ));
    out.push_str(
        "<details><summary>Changes within noise and values that cannot be compared</summary>\n",
    );
    out.push_str(&table(
        "Other values",
        &header,
        c.changes.iter().filter(|ch| !significant(ch)).map(row),
    ));
    out.push_str("</details>\n</section>\n");
    out
}

fn verdict(v: Verdict) -> &'static str {
    match v {
        Verdict::Regression => "REGRESSION",
        Verdict::NewlyFailing => "REGRESSION: now fails verification",
        Verdict::Improvement => "improvement",
        Verdict::Fixed => "fixed: passes verification now",
        Verdict::Unchanged => "within noise",
        Verdict::NotComparable => "not comparable",
    }
}

fn environment(report: &Report) -> String {
    let meta = &report.run.meta;
    let env = &meta.environment;
    let seeds: Vec<String> = env.seeds.iter().map(u64::to_string).collect();
    let mut fields = vec![
        ("date", env.date.clone()),
        ("git commit", env.git_commit.clone()),
        ("rustc", env.rustc.clone()),
        (
            "CPU",
            format!("{} ({} logical cores)", env.cpu_model, env.cpu_cores),
        ),
        ("hasher", env.hasher.clone()),
        ("profile", env.profile.clone()),
        ("seeds", seeds.join(", ")),
        (
            "complete",
            if meta.complete {
                "yes".into()
            } else {
                "no (partial run)".into()
            },
        ),
        ("records schema version", meta.schema.to_string()),
    ];
    if let Some(tune) = &report.run.tune {
        fields.push((
            "tune run",
            format!("{} ({}, commit {})", tune.dir, tune.date, tune.git_commit),
        ));
    }
    // Go's runtime map beside the Rust contenders: its toolchain and, wherever Go appears, that
    // it hashes with its own seeded hash.
    if let Some(go) = &report.run.go_reference {
        fields.push(("Go reference (go-* contenders)", go.note()));
    }
    let rows = fields
        .iter()
        .map(|(k, v)| (String::new(), format!("<th>{k}</th><td>{}</td>", esc(v))));
    let mut out = String::from("<section id=\"environment\">\n<h2>Environment</h2>\n");
    out.push_str(&table(
        "Machine and toolchain (meta.json)",
        &["field".into(), "value".into()],
        rows,
    ));
    let deps = env.dependencies.iter().map(|(k, v)| {
        (
            String::new(),
            format!("<td>{}</td><td>{}</td>", esc(k), esc(v)),
        )
    });
    out.push_str(&table(
        "Dependency versions",
        &["crate".into(), "version".into()],
        deps,
    ));
    out.push_str("</section>\n");
    out
}

fn glossary(report: &Report) -> String {
    let rows = report.metrics.iter().map(|m| {
        (
            String::new(),
            format!(
                "<td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
                esc(m.metric.id()),
                esc(m.name),
                esc(m.unit),
                m.direction.phrase(),
                esc(m.description)
            ),
        )
    });
    let header = ["id", "name", "unit", "better", "definition"].map(String::from);
    let rules = &report.rules;
    format!(
        "<section id=\"rules\">\n<h2>Metrics and rules</h2>\n{}<ul>\n<li><strong>Best:</strong> {}</li>\n<li><strong>Recommendation:</strong> {}</li>\n<li><strong>Baseline noise rule:</strong> {}</li>\n<li><strong>Tuning:</strong> {}</li>\n<li><strong>Colours and shapes:</strong> each contender keeps one colour and marker shape in every chart and table, fixed by the order in which contenders first appear in the records.</li>\n<li><strong>Missing values:</strong> <span class=\"not-measured\">not measured</span> values have a reason written by the benchmark (a configuration skipped for a contender gives all its metrics that reason); <span class=\"gap\">gap</span> marks a value an interrupted run never reached; <span class=\"absent\">no record</span> marks a value a finished run wrote neither a number nor a reason for.</li>\n</ul>\n<p class=\"muted\">Every number on this page is in <code>report.json</code> next to it.</p>\n</section>\n",
        table("Metrics in this run", &header, rows),
        esc(&rules.best),
        esc(&rules.recommendation),
        esc(&rules.noise),
        esc(&rules.tuning)
    )
}
