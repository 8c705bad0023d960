//! The "Scaling with n" section and its sentence in the summary (see [`crate::scaling`]).

use super::page::{contender, esc, table};
use crate::model::Report;
use crate::plot::{scaling as chart, Palette};
use crate::scaling::{growers, growth_words, Family, GROWS, LINEAR};
use crate::{fmt, Error};

/// The summary's paragraph: which contenders' cost per operation grows with n.
pub(super) fn summary(report: &Report, palette: &Palette) -> String {
    if report.scaling.is_empty() {
        return String::new();
    }
    let growing = growers(&report.scaling);
    if growing.is_empty() {
        return format!(
            "<p class=\"scaling-summary\"><strong>Scaling with n:</strong> no contender's cost per \
             operation grows with n (every growth exponent is below {GROWS}) on the {} workload \
             configurations measured at several sizes; see <a href=\"#scaling\">Scaling with n</a>.</p>\n",
            report.scaling.len()
        );
    }
    let list = |linear: bool| -> Vec<String> {
        growing
            .iter()
            .filter(|g| (g.max() >= LINEAR) == linear)
            .map(|g| {
                let shown: Vec<String> = g
                    .families
                    .iter()
                    .filter(|f| !linear || f.1 >= LINEAR)
                    .take(if linear { usize::MAX } else { 1 })
                    .map(|(family, k, estimated)| {
                        format!(
                            "{} (k = {k:.2}{})",
                            esc(family),
                            if *estimated {
                                ", with the budget estimates"
                            } else {
                                ""
                            }
                        )
                    })
                    .collect();
                format!(
                    "{} on {}",
                    contender(&g.contender, palette),
                    shown.join(", ")
                )
            })
            .collect()
    };
    let mut out = String::from("<p class=\"scaling-summary\"><strong>Scaling with n</strong> (see <a href=\"#scaling\">Scaling with n</a>). ");
    let linear = list(true);
    if linear.is_empty() {
        out.push_str(&format!(
            "No contender's cost per operation grows about linearly with n (every exponent k is below {LINEAR}). "
        ));
    } else {
        out.push_str(&format!(
            "<strong>Cost per operation grows about linearly with n</strong> (k &#8805; {LINEAR}: O(n) per operation, so a run is quadratic) for: {}. ",
            linear.join("; ")
        ));
    }
    let slower = list(false);
    if !slower.is_empty() {
        out.push_str(&format!(
            "It grows more slowly ({GROWS} &#8804; k &lt; {LINEAR}; typical of a map outgrowing the caches, and noisy with two sizes on a shared machine) for: {}.",
            slower.join("; ")
        ));
    }
    out.push_str("</p>\n");
    out
}

/// The section: per family, a table of exponents and the log-log chart.
pub(super) fn section(report: &Report, palette: &Palette) -> Result<String, Error> {
    let mut out = String::from("<section id=\"scaling\">\n<h2>Scaling with n</h2>\n");
    out.push_str(
        "<p class=\"muted\">For every workload configuration measured at several sizes n, each \
         contender's latency per operation is fitted against n on log-log axes \
         (ns/op &#8776; c &#183; n<sup>k</sup>, least squares). The growth exponent k is about 0 \
         when an operation costs the same whatever the size (O(1)), about 1 when it costs O(n), \
         which makes a whole run quadratic. Small positive k come from cache misses of bigger \
         maps. Cells skipped or stopped for their time budget are drawn as pale \"beyond budget\" \
         circles at their estimated cost, and give a second exponent with the estimates.</p>\n",
    );
    for family in &report.scaling {
        out.push_str(&family_part(family, palette)?);
    }
    out.push_str("</section>\n");
    Ok(out)
}

fn family_part(family: &Family, palette: &Palette) -> Result<String, Error> {
    let label = family.label();
    let mut out = format!("<h3>{}</h3>\n", esc(&label));
    let rows = family.fits.iter().map(|f| {
        let k = |v: Option<f64>| v.map_or_else(|| "&#8211;".to_owned(), |k| format!("{k:.2}"));
        let words = f
            .best_exponent()
            .map_or("fewer than two sizes measured", |(k, _)| growth_words(k));
        let beyond: Vec<String> = f
            .beyond
            .iter()
            .map(|(n, e)| match e {
                Some(e) => format!("n={}: ~{} per op", fmt::number(*n), per_op(*e)),
                None => format!("n={}: no estimate", fmt::number(*n)),
            })
            .collect();
        let class = if f.grows() { "grows" } else { "" };
        (
            class.to_owned(),
            format!(
                "<td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td>",
                contender(&f.contender, palette),
                f.measured
                    .iter()
                    .map(|p| fmt::number(p.0))
                    .collect::<Vec<_>>()
                    .join(", "),
                k(f.exponent),
                k(f.with_estimates),
                esc(words),
                if beyond.is_empty() {
                    String::new()
                } else {
                    format!(
                        "<span class=\"not-measured\">beyond budget</span> {}",
                        beyond.join("; ")
                    )
                }
            ),
        )
    });
    let header = [
        "contender",
        "n measured",
        "exponent k",
        "k with estimates",
        "growth",
        "beyond budget (estimated cost)",
    ]
    .map(String::from);
    out.push_str(&table(
        &format!("{}: growth of latency per operation with n", esc(&label)),
        &header,
        rows,
    ));
    if let Some(c) = &family.chart {
        let svg = chart::scaling(&c.title, family, palette)?;
        out.push_str(&format!(
            "<figure class=\"chart\" id=\"{0}\" data-plot=\"{0}\" data-marks=\"{1}\">\n{svg}\n</figure>\n",
            esc(&c.id),
            c.marks
        ));
    }
    Ok(out)
}

/// A time per operation given in ns, in the unit that reads best: `850 ns`, `13.7 ms`.
fn per_op(ns: f64) -> String {
    let (v, unit) = if ns >= 1e9 {
        (ns / 1e9, "s")
    } else if ns >= 1e6 {
        (ns / 1e6, "ms")
    } else if ns >= 1e3 {
        (ns / 1e3, "µs")
    } else {
        (ns, "ns")
    };
    format!("{} {unit}", fmt::number((v * 10.0).round() / 10.0))
}

#[cfg(test)]
mod tests {
    use super::per_op;

    #[test]
    fn estimates_read_in_their_unit() {
        assert_eq!(per_op(13_690_000.0), "13.7 ms");
        assert_eq!(per_op(850.0), "850 ns");
        assert_eq!(per_op(2.5e9), "2.5 s");
    }
}
