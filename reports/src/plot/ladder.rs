//! Percentile ladders: per contender, one horizontal rung from p50 to max on a log axis, with a
//! marker shape per percentile, so the tail of every contender reads at a glance.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::frame::{self, Axis, Body, Coord, DrawResult, Entry, Mark, Plot};
use super::palette::Shape;
use super::Palette;
use crate::model::LadderChart;
use crate::Error;

/// Marker per percentile, in [`Metric::PERCENTILES`](crate::Metric::PERCENTILES) order.
const SHAPES: [Shape; 4] = [
    Shape::Circle,
    Shape::TriangleUp,
    Shape::Square,
    Shape::Diamond,
];

/// Legend text per percentile.
const NAMES: [&str; 4] = ["p50", "p99", "p99.9", "max"];

/// Pixel height of one rung.
const ROW_HEIGHT: u32 = 26;

/// Draws a [`LadderChart`].
pub(super) fn ladder(
    title: &str,
    chart: &LadderChart,
    recommended: &[String],
    palette: &Palette,
) -> Result<String, Error> {
    let values: Vec<f64> = chart.rows.iter().flat_map(|r| r.values).flatten().collect();
    let log = values.iter().all(|v| *v > 0.0);
    let desc = format!("{}{}", chart.unit, if log { " (log scale)" } else { "" });
    let x = Axis::fit(values, log, desc);
    let y = Axis::rows(
        chart
            .rows
            .iter()
            .map(|r| {
                if r.failed {
                    format!("{} (FAILED)", r.contender)
                } else {
                    super::marked(&r.contender, recommended)
                }
            })
            .collect(),
    );
    let body = Ladder {
        chart,
        palette,
        y: y.clone(),
        start: x.start(),
    };
    let height = frame::height(chart.rows.len(), ROW_HEIGHT, body.legend().len());
    frame::svg(title, height, &x, &y, &body)
}

struct Ladder<'a> {
    chart: &'a LadderChart,
    palette: &'a Palette,
    y: Axis,
    start: f64,
}

impl Body for Ladder<'_> {
    fn draw<X: Coord, Y: Coord>(&self, plot: &mut Plot<'_, '_, X, Y>) -> DrawResult {
        for (i, row) in self.chart.rows.iter().enumerate() {
            let colour = self.palette.colour(&row.contender);
            let y = self.y.row(i);
            let present: Vec<f64> = row.values.iter().flatten().copied().collect();
            if let (Some(lo), Some(hi)) = (
                present.iter().copied().reduce(f64::min),
                present.iter().copied().reduce(f64::max),
            ) {
                plot.draw_series([PathElement::new([(lo, y), (hi, y)], colour.stroke_width(2))])?;
            }
            for (k, v) in row.values.iter().enumerate() {
                if let Some(v) = v {
                    frame::shapes(plot, [(*v, y)], SHAPES[k], 5, colour)?;
                }
            }
            if row.failed && present.is_empty() {
                plot.draw_series([EmptyElement::at((self.start, y))
                    + Text::new(
                        "FAILED verification",
                        (5, 0),
                        TextStyle::from(("sans-serif", 13).into_font())
                            .color(&RGBColor(176, 0, 32))
                            .pos(Pos::new(HPos::Left, VPos::Center)),
                    )])?;
            }
        }
        Ok(())
    }

    fn legend(&self) -> Vec<Entry> {
        let mut entries: Vec<Entry> = SHAPES
            .iter()
            .zip(NAMES)
            .map(|(shape, name)| Entry {
                label: name.to_owned(),
                colour: BLACK,
                mark: Mark::Shape(*shape),
            })
            .collect();
        entries.push(Entry {
            label: "rung: p50 to max, contender colour".into(),
            colour: BLACK,
            mark: Mark::Text,
        });
        entries
    }
}
