//! The report page: one self-contained HTML file, sections in a fixed order, text escaped.
//!
//! Sections: summary, latency, GC pressure, memory locality, load-factor tuning (if the run has
//! tune records), change against a baseline (if one is given), environment, metrics and rules.

mod page;

use page::{cell, contender, esc, figure, table};

use crate::model::{
    CategorySection, Change, Comparison, Report, TuneTable, Verdict, WorkloadSummary,
};
use crate::plot::Palette;
use crate::schema::Category;
use crate::{fmt, Error};

/// The page skeleton: inline CSS, `{{title}}` and `{{body}}`.
const TEMPLATE: &str = include_str!("template.html");

/// Renders the whole page.
pub(crate) fn page(report: &Report) -> Result<String, Error> {
    let palette = Palette::new(&report.contenders);
    let mut body = header(report);
    body.push_str(&summary(report, &palette));
    for section in &report.sections {
        body.push_str(&category(section, &palette)?);
    }
    if !report.tuning.is_empty() {
        body.push_str(&tuning(&report.tuning, &report.rules.tuning, &palette)?);
    }
    if let Some(comparison) = &report.baseline {
        body.push_str(&baseline(comparison, &report.rules.noise, &palette));
    }
    body.push_str(&environment(report));
    body.push_str(&glossary(report));
    let title = format!("evacbench report: {}", report.run.meta.environment.date);
    let (head, tail) = TEMPLATE.split_once("{{body}}").unwrap_or((TEMPLATE, ""));
    Ok(format!(
        "{}{body}{tail}",
        head.replace("{{title}}", &esc(&title))
    ))
}

fn section_title(category: Category) -> (&'static str, &'static str) {
    match category {
        Category::Latency => ("latency", "Latency"),
        Category::GcPressure => ("gc-pressure", "GC pressure"),
        Category::Locality => ("locality", "Memory locality"),
    }
}

fn header(report: &Report) -> String {
    let env = &report.run.meta.environment;
    let mut nav = vec![("summary", "Summary")];
    nav.extend(report.sections.iter().map(|s| section_title(s.category)));
    if !report.tuning.is_empty() {
        nav.push(("tuning", "Load-factor tuning"));
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
    } else if report.run.gaps > 0 {
        out.push_str(&format!(
            "<p class=\"banner partial\">{} values are missing (marked <span class=\"gap\">gap</span>).</p>\n",
            report.run.gaps
        ));
    }
    out
}

fn summary(report: &Report, palette: &Palette) -> String {
    let mut out = String::from("<section id=\"summary\">\n<h2>Summary</h2>\n");
    if report.summary.is_empty() {
        out.push_str("<p>No benchmark records in this run.</p>\n");
    }
    for workload in &report.summary {
        out.push_str(&workload_summary(workload, palette));
    }
    out.push_str("</section>\n");
    out
}

fn workload_summary(w: &WorkloadSummary, palette: &Palette) -> String {
    let mut out = format!("<h3>{}</h3>\n", esc(&w.workload));
    match &w.recommendation {
        Some(r) => out.push_str(&format!(
            "<p class=\"recommendation\"><strong>Recommendation: {}</strong>. {}</p>\n",
            contender(&r.choice, palette),
            esc(&r.reason)
        )),
        None => out.push_str("<p class=\"recommendation\">No recommendation: no contender has verified time values.</p>\n"),
    }
    let statuses: Vec<String> = w
        .contenders
        .iter()
        .map(|c| match &c.failed {
            Some(reason) => format!(
                "{} <span class=\"failed\">FAILED verification: {}</span>",
                contender(&c.name, palette),
                esc(reason)
            ),
            None => format!("{} passed", contender(&c.name, palette)),
        })
        .collect();
    out.push_str(&format!("<p>Contenders: {}.</p>\n", statuses.join("; ")));
    let rows = w.best.iter().map(|b| {
        let best = match (&b.contender, b.score) {
            (Some(name), Some(score)) => format!(
                "<td>{}</td><td class=\"num\">{}</td>",
                contender(name, palette),
                fmt::score(score)
            ),
            _ => "<td class=\"not-measured\">no verified values</td><td></td>".to_owned(),
        };
        (
            String::new(),
            format!(
                "<td>{} ({})</td><td>{}</td>{best}<td class=\"num\">{}</td>",
                esc(b.metric.name()),
                esc(b.metric.unit()),
                b.direction.phrase(),
                b.configurations
            ),
        )
    });
    let header = [
        "metric",
        "better",
        "best contender",
        "score",
        "configurations",
    ]
    .map(String::from);
    out.push_str(&table(
        "Best contender per metric (failed contenders excluded)",
        &header,
        rows,
    ));
    out
}

fn category(section: &CategorySection, palette: &Palette) -> Result<String, Error> {
    let (id, title) = section_title(section.category);
    let mut out = format!("<section id=\"{id}\">\n<h2>{title}</h2>\n");
    if section.workloads.is_empty() {
        out.push_str("<p>No records of this kind in this run.</p>\n");
    }
    for part in &section.workloads {
        out.push_str(&format!("<h3>{}</h3>\n", esc(&part.workload)));
        for chart in &part.charts {
            out.push_str(&figure(chart, palette)?);
        }
        for t in &part.tables {
            let mut header = vec!["parameters".to_owned()];
            header.extend(t.contenders.iter().map(|c| contender(c, palette)));
            let rows = t.rows.iter().map(|r| {
                let cells: String = r.cells.iter().map(cell).collect();
                (
                    String::new(),
                    format!("<td>{}</td>{cells}", esc(&r.params.to_string())),
                )
            });
            let caption = format!(
                "{}: {} ({}), {}; best of each row in bold",
                esc(&part.workload),
                esc(t.metric.name()),
                esc(t.metric.unit()),
                t.metric.direction().phrase()
            );
            out.push_str(&table(&caption, &header, rows));
        }
    }
    out.push_str("</section>\n");
    Ok(out)
}

fn tuning(tables: &[TuneTable], rule: &str, palette: &Palette) -> Result<String, Error> {
    let mut out = format!(
        "<section id=\"tuning\">\n<h2>Load-factor tuning</h2>\n<p class=\"muted\">{}</p>\n",
        esc(rule)
    );
    for t in tables {
        out.push_str(&format!(
            "<h3>{} | {}</h3>\n",
            contender(&t.contender, palette),
            esc(&t.fixed.to_string())
        ));
        if let Some(r) = &t.recommendation {
            out.push_str(&format!(
                "<p class=\"recommendation\"><strong>Recommended load factor: {}</strong>. {}</p>\n",
                esc(&r.choice),
                esc(&r.reason)
            ));
        }
        let mut header = vec!["load factor".to_owned()];
        header.extend(t.columns.iter().map(|m| {
            format!(
                "{} ({}), {}",
                esc(m.id()),
                esc(m.unit()),
                m.direction().phrase()
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
            let cells: String = r.cells.iter().map(cell).collect();
            (
                String::new(),
                format!(
                    "<td class=\"num\">{}{marks}</td>{cells}<td>{}</td>",
                    fmt::number(r.load_factor),
                    if r.on_frontier { "yes" } else { "no" }
                ),
            )
        });
        out.push_str(&table("Trade-off per growth threshold", &header, rows));
        if let Some(chart) = &t.chart {
            out.push_str(&figure(chart, palette)?);
        }
    }
    out.push_str("</section>\n");
    Ok(out)
}

fn baseline(c: &Comparison, rule: &str, palette: &Palette) -> String {
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
                cell(&ch.baseline),
                cell(&ch.current),
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
    let fields = [
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
        "<section id=\"rules\">\n<h2>Metrics and rules</h2>\n{}<ul>\n<li><strong>Best:</strong> {}</li>\n<li><strong>Recommendation:</strong> {}</li>\n<li><strong>Baseline noise rule:</strong> {}</li>\n<li><strong>Tuning:</strong> {}</li>\n<li><strong>Colours:</strong> each contender keeps one colour in every chart and table, fixed by the order in which contenders first appear in the records.</li>\n</ul>\n<p class=\"muted\">Every number on this page is in <code>report.json</code> next to it.</p>\n</section>\n",
        table("Metrics in this run", &header, rows),
        esc(&rules.best),
        esc(&rules.recommendation),
        esc(&rules.noise),
        esc(&rules.tuning)
    )
}
