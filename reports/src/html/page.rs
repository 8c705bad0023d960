//! HTML building blocks: escaping, cells, tables, figures.

use crate::model::{Cell, Chart};
use crate::plot::{self, Palette};
use crate::schema::Interval;
use crate::{fmt, Error};

/// Escapes text for HTML content and attribute values.
pub(super) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A contender name after its marker: the shape and colour it has in every chart.
pub(super) fn contender(name: &str, palette: &Palette) -> String {
    format!(
        r#"<span class="swatch" style="color:{}">{}</span>{}"#,
        palette.css(name),
        palette.shape(name).glyph(),
        esc(name)
    )
}

/// A table cell for one outcome; failures, unmeasured values and missing records are marked in
/// words. `partial` says whether a missing record is a gap of an interrupted run.
pub(super) fn cell(cell: &Cell, partial: bool) -> String {
    match cell {
        Cell::Ok {
            value,
            ci_low,
            ci_high,
            interval,
            runs,
            best,
            ..
        } => {
            // The interval says what it is: a bracket for a 95% CI, "min..max" for a range of
            // runs, and its full name on hover.
            let ci = match (ci_low, ci_high, interval) {
                (Some(lo), Some(hi), Interval::Range) => format!(
                    r#" <span class="ci" title="{}">{}..{}</span>"#,
                    interval.label(*runs),
                    fmt::number(*lo),
                    fmt::number(*hi)
                ),
                (Some(lo), Some(hi), _) => format!(
                    r#" <span class="ci" title="{}">[{}, {}]</span>"#,
                    interval.label(*runs),
                    fmt::number(*lo),
                    fmt::number(*hi)
                ),
                (_, _, Interval::Exact) => {
                    r#" <span class="ci" title="exact: deterministic for this seed">=</span>"#
                        .to_owned()
                }
                _ => String::new(),
            };
            let class = if *best { "num best" } else { "num" };
            format!(r#"<td class="{class}">{}{ci}</td>"#, fmt::number(*value))
        }
        Cell::FailedVerification { reason } => {
            format!(
                r#"<td class="failed" title="{0}">FAILED verification: {0}</td>"#,
                esc(reason)
            )
        }
        Cell::NotMeasured { reason } => {
            format!(
                r#"<td class="not-measured" title="{0}">not measured: {0}</td>"#,
                esc(reason)
            )
        }
        Cell::Missing if partial => {
            r#"<td class="gap" title="the run was interrupted before this value was measured">gap (no record)</td>"#.to_owned()
        }
        Cell::Missing => {
            r#"<td class="absent" title="the run finished without writing this value or a reason">no record</td>"#.to_owned()
        }
    }
}

/// A table with a caption, a header row and pre-rendered rows (`<tr>` content only), in a box
/// that scrolls sideways when the table is wider than the page.
pub(super) fn table(
    caption: &str,
    header: &[String],
    rows: impl IntoIterator<Item = (String, String)>,
) -> String {
    let mut out = format!("<div class=\"scroll\"><table>\n<caption>{caption}</caption>\n<tr>");
    for h in header {
        out.push_str(&format!("<th>{h}</th>"));
    }
    out.push_str("</tr>\n");
    for (class, cells) in rows {
        if class.is_empty() {
            out.push_str(&format!("<tr>{cells}</tr>\n"));
        } else {
            out.push_str(&format!("<tr class=\"{class}\">{cells}</tr>\n"));
        }
    }
    out.push_str("</table></div>\n");
    out
}

/// A chart drawn inline as SVG, its notes (failures, unmeasured contenders, missing records)
/// below. `data-plot` and `data-marks` let a browser check count the drawn plots and values.
pub(super) fn figure(chart: &Chart, palette: &Palette) -> Result<String, Error> {
    let svg = plot::draw(chart, palette)?;
    let notes: String = chart
        .notes
        .iter()
        .map(|n| format!("<li>{}</li>", esc(n)))
        .collect();
    let caption = if notes.is_empty() {
        String::new()
    } else {
        format!("<figcaption><ul>{notes}</ul></figcaption>")
    };
    Ok(format!(
        "<figure class=\"chart\" id=\"{0}\" data-plot=\"{0}\" data-marks=\"{1}\">\n{svg}\n{caption}</figure>\n",
        esc(&chart.id),
        chart.marks
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn cells_name_their_status() {
        assert!(cell(
            &Cell::FailedVerification {
                reason: "<lost keys>".into()
            },
            false
        )
        .contains("FAILED verification: &lt;lost keys&gt;"));
        assert!(cell(
            &Cell::NotMeasured {
                reason: "no valgrind".into()
            },
            false
        )
        .contains("not measured"));
        assert!(cell(&Cell::Missing, true).contains("gap (no record)"));
        let complete = cell(&Cell::Missing, false);
        assert!(complete.contains("no record") && !complete.contains("gap"));
        let ok = cell(
            &Cell::Ok {
                value: 12.345,
                ci_low: Some(12.0),
                ci_high: Some(13.0),
                interval: Interval::Ci95,
                runs: Some(10),
                samples: vec![],
                best: true,
            },
            false,
        );
        assert!(
            ok.contains("12.35") && ok.contains("best") && ok.contains("[12, 13]"),
            "{ok}"
        );
    }
}
