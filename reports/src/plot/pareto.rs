//! The tuning Pareto plot: one knob's values, memory against time, frontier, default and pick.

use plotters::prelude::*;

use super::frame::{self, Axis, Body, Coord, DrawResult, Entry, Mark, Plot};
use super::palette::Shape;
use super::Palette;
use crate::model::{ParetoChart, ParetoPoint};
use crate::{fmt, Error};

/// Colour of the recommended point's ring.
const PICK: RGBColor = RGBColor(0, 140, 70);

/// Colour of the frontier line.
const FRONTIER: RGBColor = RGBColor(120, 120, 120);

/// Draws a [`ParetoChart`]; down-left is better.
pub(super) fn pareto(title: &str, chart: &ParetoChart, palette: &Palette) -> Result<String, Error> {
    let x = Axis::tight(chart.points.iter().map(|p| p.memory), chart.memory.as_str());
    let y = Axis::tight(chart.points.iter().map(|p| p.time), chart.time.as_str());
    let body = Pareto { chart, palette };
    frame::svg(
        title,
        frame::height(0, 0, body.legend().len()),
        &x,
        &y,
        &body,
    )
}

struct Pareto<'a> {
    chart: &'a ParetoChart,
    palette: &'a Palette,
}

fn xy(p: &ParetoPoint) -> (f64, f64) {
    (p.memory, p.time)
}

impl Pareto<'_> {
    /// A ring with a caption around the point of value `lf`, if measured.
    fn ring<X: Coord, Y: Coord>(
        &self,
        plot: &mut Plot<'_, '_, X, Y>,
        lf: f64,
        colour: RGBColor,
        width: u32,
        caption: String,
    ) -> DrawResult {
        let point = self.chart.points.iter().find(|p| p.value == lf);
        plot.draw_series(point.map(|p| {
            EmptyElement::at(xy(p))
                + Circle::new((0, 0), 9, colour.stroke_width(width))
                + Text::new(
                    caption.clone(),
                    (10, -22),
                    ("sans-serif", 12).into_font().color(&colour),
                )
        }))?;
        Ok(())
    }
}

impl Body for Pareto<'_> {
    fn draw<X: Coord, Y: Coord>(&self, plot: &mut Plot<'_, '_, X, Y>) -> DrawResult {
        let colour = self.palette.colour(&self.chart.contender);
        let mut frontier: Vec<(f64, f64)> = self
            .chart
            .points
            .iter()
            .filter(|p| p.on_frontier)
            .map(xy)
            .collect();
        frontier.sort_by(|a, b| a.0.total_cmp(&b.0));
        plot.draw_series(DashedLineSeries::new(
            frontier,
            6,
            4,
            FRONTIER.stroke_width(1),
        ))?;
        plot.draw_series(
            self.chart
                .points
                .iter()
                .map(|p| Circle::new(xy(p), 4, colour.filled())),
        )?;
        let label = ("sans-serif", 11).into_font().color(&BLACK);
        plot.draw_series(self.chart.points.iter().map(|p| {
            Text::new(
                format!("{} {}", self.chart.label, fmt::number(p.value)),
                xy(p),
                label.clone(),
            )
        }))?;
        if let Some(default) = self.chart.default {
            self.ring(
                plot,
                default,
                BLACK,
                2,
                format!("default {}", fmt::number(default)),
            )?;
        }
        if let Some(lf) = self.chart.recommended {
            self.ring(
                plot,
                lf,
                PICK,
                3,
                format!("recommended {}", fmt::number(lf)),
            )?;
        }
        Ok(())
    }

    fn legend(&self) -> Vec<Entry> {
        let mut entries = vec![
            Entry {
                label: format!("{} (per {} value)", self.chart.contender, self.chart.label),
                colour: self.palette.colour(&self.chart.contender),
                mark: Mark::Shape(Shape::Circle),
            },
            Entry {
                label: "Pareto frontier".into(),
                colour: FRONTIER,
                mark: Mark::Line(1, Some((6, 4)), None),
            },
        ];
        if let Some(default) = self.chart.default {
            entries.push(Entry {
                label: format!("default {}", fmt::number(default)),
                colour: BLACK,
                mark: Mark::Shape(Shape::Circle),
            });
        }
        if let Some(lf) = self.chart.recommended {
            entries.push(Entry {
                label: format!("recommended {}", fmt::number(lf)),
                colour: PICK,
                mark: Mark::Shape(Shape::Circle),
            });
        }
        entries
    }
}
