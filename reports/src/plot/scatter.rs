//! Scatter plots of contenders (the decision guide's overviews): one point per contender in its
//! colour and shape, named beside it; the recommended ones ringed.

use plotters::prelude::*;

use super::frame::{self, Axis, Body, Coord, DrawResult, Entry, Mark, Plot};
use super::Palette;
use crate::model::ScatterChart;
use crate::Error;

/// Colour of a recommended point's ring.
const PICK: RGBColor = RGBColor(0, 140, 70);

/// Draws a [`ScatterChart`]; `recommended` points get a ring.
pub(super) fn scatter(
    title: &str,
    chart: &ScatterChart,
    recommended: &[String],
    palette: &Palette,
) -> Result<String, Error> {
    let x = Axis::fit(
        chart.points.iter().map(|p| p.x),
        chart.log_x,
        &chart.x_label,
    );
    let y = Axis::fit(
        chart.points.iter().map(|p| p.y),
        chart.log_y,
        &chart.y_label,
    );
    let body = Scatter {
        chart,
        recommended,
        palette,
    };
    frame::svg(
        title,
        frame::height(0, 0, body.legend().len()),
        &x,
        &y,
        &body,
    )
}

struct Scatter<'a> {
    chart: &'a ScatterChart,
    recommended: &'a [String],
    palette: &'a Palette,
}

impl Body for Scatter<'_> {
    fn draw<X: Coord, Y: Coord>(&self, plot: &mut Plot<'_, '_, X, Y>) -> DrawResult {
        for p in &self.chart.points {
            let colour = self.palette.colour(&p.contender);
            frame::shapes(
                plot,
                [(p.x, p.y)],
                self.palette.shape(&p.contender),
                5,
                colour,
            )?;
        }
        let label = ("sans-serif", 11).into_font().color(&BLACK);
        plot.draw_series(self.chart.points.iter().map(|p| {
            EmptyElement::at((p.x, p.y)) + Text::new(p.contender.clone(), (7, -4), label.clone())
        }))?;
        plot.draw_series(
            self.chart
                .points
                .iter()
                .filter(|p| self.recommended.contains(&p.contender))
                .map(|p| {
                    EmptyElement::at((p.x, p.y)) + Circle::new((0, 0), 10, PICK.stroke_width(2))
                }),
        )?;
        Ok(())
    }

    fn legend(&self) -> Vec<Entry> {
        let mut entries: Vec<Entry> = self
            .chart
            .points
            .iter()
            .map(|p| Entry {
                label: super::marked(&p.contender, self.recommended),
                colour: self.palette.colour(&p.contender),
                mark: Mark::Shape(self.palette.shape(&p.contender)),
            })
            .collect();
        if self
            .chart
            .points
            .iter()
            .any(|p| self.recommended.contains(&p.contender))
        {
            entries.push(Entry {
                label: "ringed: chosen by the decision guide".into(),
                colour: PICK,
                mark: Mark::Text,
            });
        }
        entries
    }
}
