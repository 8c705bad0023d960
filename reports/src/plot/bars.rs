//! Horizontal bar charts: one row per contender (named on the axis), one bar per configuration,
//! the value written at the end of each bar; cells without a value say why in words.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::frame::{self, Axis, Body, Coord, DrawResult, Entry, Mark, Plot};
use super::Palette;
use crate::model::{BarChart, Cell};
use crate::{fmt, Error};

/// Share of a row's height taken by its bars.
const ROW_FILL: f64 = 0.8;

/// Pixel height of one bar.
const BAR_HEIGHT: u32 = 15;

/// Red of "FAILED verification".
const FAILED: RGBColor = RGBColor(176, 0, 32);

/// Grey of "not measured" and "no record".
const MUTED: RGBColor = RGBColor(110, 110, 110);

/// Draws a [`BarChart`].
pub(super) fn bars(
    title: &str,
    chart: &BarChart,
    recommended: &[String],
    palette: &Palette,
) -> Result<String, Error> {
    let values = chart
        .rows
        .iter()
        .flat_map(|r| &r.cells)
        .flat_map(|c| match c {
            Cell::Ok {
                value,
                ci_low,
                ci_high,
                ..
            } => [Some(*value), *ci_low, *ci_high],
            _ => [None, None, None],
        });
    let desc = format!(
        "{}{}",
        chart.unit,
        if chart.log { " (log scale)" } else { "" }
    );
    let mut x = Axis::fit(values.flatten(), chart.log, desc);
    // Room on the right for the value written after the longest bar.
    x = x.widened(0.12);
    let y = Axis::rows(
        chart
            .rows
            .iter()
            .map(|r| super::marked(&r.contender, recommended))
            .collect(),
    );
    let base = if chart.log { x.start() } else { 0.0 };
    let body = Bars {
        chart,
        palette,
        base,
        y: y.clone(),
    };
    let per_row = BAR_HEIGHT * chart.series.len() as u32 + 8;
    let height = frame::height(chart.rows.len(), per_row, body.legend().len());
    frame::svg(title, height, &x, &y, &body)
}

struct Bars<'a> {
    chart: &'a BarChart,
    palette: &'a Palette,
    base: f64,
    y: Axis,
}

/// `colour` mixed with white: series 0 in full colour, later series lighter.
fn shade(colour: RGBColor, series: usize, count: usize) -> RGBColor {
    let t = if count <= 1 {
        0.0
    } else {
        0.65 * series as f64 / (count - 1) as f64
    };
    let mix = |c: u8| (f64::from(c) + (255.0 - f64::from(c)) * t).round() as u8;
    RGBColor(mix(colour.0), mix(colour.1), mix(colour.2))
}

/// What is written where a bar is absent.
fn absent(cell: &Cell) -> Option<(&'static str, RGBColor)> {
    match cell {
        Cell::Ok { .. } => None,
        Cell::FailedVerification { .. } => Some(("FAILED verification", FAILED)),
        Cell::NotMeasured { .. } => Some(("not measured", MUTED)),
        Cell::Missing => Some(("no record", MUTED)),
    }
}

impl Body for Bars<'_> {
    fn draw<X: Coord, Y: Coord>(&self, plot: &mut Plot<'_, '_, X, Y>) -> DrawResult {
        let count = self.chart.series.len().max(1);
        let height = ROW_FILL / count as f64;
        let font = ("sans-serif", 13).into_font();
        let anchor = Pos::new(HPos::Left, VPos::Center);
        for (i, row) in self.chart.rows.iter().enumerate() {
            let colour = self.palette.colour(&row.contender);
            let centre = self.y.row(i);
            for (k, cell) in row.cells.iter().enumerate() {
                let top = centre + ROW_FILL / 2.0 - k as f64 * height;
                let bottom = top - height * 0.88;
                let middle = (top + bottom) / 2.0;
                match cell {
                    Cell::Ok {
                        value,
                        ci_low,
                        ci_high,
                        ..
                    } => {
                        plot.draw_series([Rectangle::new(
                            [(self.base, top), (*value, bottom)],
                            shade(colour, k, count).filled(),
                        )])?;
                        if let (Some(lo), Some(hi)) = (ci_low, ci_high) {
                            frame::whisker(plot, middle, (*lo, *hi), false, BLACK)?;
                        }
                        let end = ci_high.unwrap_or(*value).max(*value);
                        plot.draw_series([EmptyElement::at((end, middle))
                            + Text::new(
                                fmt::number(*value),
                                (5, 0),
                                font.clone().color(&BLACK).pos(anchor),
                            )])?;
                    }
                    other => {
                        if let Some((label, c)) = absent(other) {
                            plot.draw_series([EmptyElement::at((self.base, middle))
                                + Text::new(label, (5, 0), font.clone().color(&c).pos(anchor))])?;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn legend(&self) -> Vec<Entry> {
        let count = self.chart.series.len();
        if count <= 1 {
            return Vec::new();
        }
        let mut entries: Vec<Entry> = self
            .chart
            .series
            .iter()
            .enumerate()
            .map(|(k, label)| Entry {
                label: format!(
                    "{label} ({})",
                    if k == 0 {
                        "full colour, top"
                    } else {
                        "lighter"
                    }
                ),
                colour: shade(RGBColor(90, 90, 90), k, count),
                mark: Mark::Block,
            })
            .collect();
        entries.push(Entry {
            label: "bars of a row: top to bottom".into(),
            colour: BLACK,
            mark: Mark::Text,
        });
        entries
    }
}
