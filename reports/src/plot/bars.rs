//! Grouped bar charts: one group per configuration, one bar per contender, marks for gaps.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::frame::{self, Axis, Body, Coord, DrawResult, Entry, Mark, Plot};
use super::Palette;
use crate::model::{BarChart, Cell};
use crate::Error;

/// Share of a group's width taken by its bars.
const GROUP_WIDTH: f64 = 0.8;

/// Draws a [`BarChart`]; cells without a value get a short mark instead of a bar.
pub(super) fn bars(title: &str, chart: &BarChart, palette: &Palette) -> Result<String, Error> {
    let x = Axis::categories(chart.groups.clone(), chart.x_desc.as_str());
    let values = chart
        .bars
        .iter()
        .flat_map(|b| &b.cells)
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
        chart.y_unit,
        if chart.log_y { " (log)" } else { "" }
    );
    let y = Axis::fit(values.flatten(), chart.log_y, desc);
    // Bars rise from 0, or from the bottom of a log axis.
    let base = if chart.log_y { y.start() } else { 0.0 };
    frame::svg(
        title,
        &x,
        &y,
        &Bars {
            chart,
            palette,
            base,
        },
    )
}

struct Bars<'a> {
    chart: &'a BarChart,
    palette: &'a Palette,
    base: f64,
}

/// The mark drawn where a bar is absent.
fn mark(cell: &Cell) -> Option<&'static str> {
    match cell {
        Cell::Ok { .. } => None,
        Cell::FailedVerification { .. } => Some("failed"),
        Cell::NotMeasured { .. } => Some("n/m"),
        Cell::Missing => Some("gap"),
    }
}

impl Body for Bars<'_> {
    fn draw<X: Coord, Y: Coord>(&self, plot: &mut Plot<'_, '_, X, Y>) -> DrawResult {
        let width = GROUP_WIDTH / self.chart.bars.len().max(1) as f64;
        for (k, series) in self.chart.bars.iter().enumerate() {
            let colour = self.palette.colour(&series.contender);
            let left = |g: usize| g as f64 - GROUP_WIDTH / 2.0 + k as f64 * width;
            let rects = series.cells.iter().enumerate().filter_map(|(g, cell)| {
                let v = cell.value()?;
                Some(Rectangle::new(
                    [(left(g), self.base), (left(g) + width * 0.9, v)],
                    colour.filled(),
                ))
            });
            plot.draw_series(rects)?;
            let centre = |g: usize| left(g) + width * 0.45;
            plot.draw_series(
                series
                    .cells
                    .iter()
                    .enumerate()
                    .filter_map(|(g, cell)| match cell {
                        Cell::Ok {
                            value,
                            ci_low: Some(lo),
                            ci_high: Some(hi),
                            ..
                        } => Some(ErrorBar::new_vertical(
                            centre(g),
                            *lo,
                            *value,
                            *hi,
                            BLACK.stroke_width(1),
                            6,
                        )),
                        _ => None,
                    }),
            )?;
            let style = TextStyle::from(("sans-serif", 11).into_font())
                .color(&colour)
                .pos(Pos::new(HPos::Center, VPos::Bottom));
            plot.draw_series(series.cells.iter().enumerate().filter_map(|(g, cell)| {
                Some(Text::new(
                    mark(cell)?,
                    (centre(g), self.base),
                    style.clone(),
                ))
            }))?;
        }
        Ok(())
    }

    fn legend(&self) -> Vec<Entry> {
        let failed = |cells: &[Cell]| {
            cells
                .iter()
                .any(|c| matches!(c, Cell::FailedVerification { .. }))
        };
        self.chart
            .bars
            .iter()
            .map(|b| Entry {
                label: if failed(&b.cells) {
                    format!("{} (FAILED verification)", b.contender)
                } else {
                    b.contender.clone()
                },
                colour: self.palette.colour(&b.contender),
                mark: Mark::Block,
            })
            .chain(
                self.chart
                    .bars
                    .iter()
                    .flat_map(|b| &b.cells)
                    .any(|c| mark(c).is_some())
                    .then(|| Entry {
                        label: "n/m: not measured; gap: no record".into(),
                        colour: BLACK,
                        mark: Mark::Text,
                    }),
            )
            .collect()
    }
}
