//! The scaling chart of one family: each contender's cost per operation against n on log-log
//! axes, its measured points joined by a line, and its cells beyond the time budget drawn at
//! their estimate (a pale circle at the end of a dashed line).

use plotters::prelude::*;

use super::frame::{self, Axis, Body, Coord, DrawResult, Entry, Mark, Plot};
use super::Palette;
use crate::scaling::Family;
use crate::Error;

/// Colour of the "beyond budget" legend entry.
const ESTIMATE: RGBColor = RGBColor(120, 120, 120);

/// Values the chart draws (measured points and estimates): its `data-marks`.
pub(crate) fn marks(family: &Family) -> usize {
    family
        .fits
        .iter()
        .map(|f| f.measured.len() + f.beyond.iter().filter(|b| b.1.is_some()).count())
        .sum()
}

/// Draws the scaling chart of `family`, titled `title`.
pub(crate) fn scaling(title: &str, family: &Family, palette: &Palette) -> Result<String, Error> {
    let xs = family.fits.iter().flat_map(|f| {
        f.measured
            .iter()
            .map(|p| p.0)
            .chain(f.beyond.iter().filter(|b| b.1.is_some()).map(|b| b.0))
    });
    let ys = family.fits.iter().flat_map(|f| {
        f.measured
            .iter()
            .map(|p| p.1)
            .chain(f.beyond.iter().filter_map(|b| b.1))
    });
    let x = Axis::fit(xs, true, "n (log scale)");
    let y = Axis::fit(ys, true, "ns/op (log scale)");
    let body = Scaling { family, palette };
    let height = frame::height(0, 0, body.legend().len());
    frame::svg(title, height, &x, &y, &body)
}

struct Scaling<'a> {
    family: &'a Family,
    palette: &'a Palette,
}

impl Body for Scaling<'_> {
    fn draw<X: Coord, Y: Coord>(&self, plot: &mut Plot<'_, '_, X, Y>) -> DrawResult {
        for fit in &self.family.fits {
            let colour = self.palette.colour(&fit.contender);
            plot.draw_series(LineSeries::new(
                fit.measured.iter().copied(),
                colour.stroke_width(2),
            ))?;
            frame::shapes(
                plot,
                fit.measured.iter().copied(),
                self.palette.shape(&fit.contender),
                4,
                colour,
            )?;
            let estimates: Vec<(f64, f64)> = fit
                .beyond
                .iter()
                .filter_map(|&(n, e)| Some((n, e?)))
                .collect();
            if let (Some(&last), Some(&first)) = (fit.measured.last(), estimates.first()) {
                plot.draw_series(DashedLineSeries::new(
                    [last, first],
                    6,
                    4,
                    colour.stroke_width(1),
                ))?;
            }
            plot.draw_series(
                estimates
                    .iter()
                    .map(|&p| Circle::new(p, 6, colour.mix(0.35).filled())),
            )?;
        }
        Ok(())
    }

    fn legend(&self) -> Vec<Entry> {
        let mut entries: Vec<Entry> = self
            .family
            .fits
            .iter()
            .map(|f| Entry {
                label: match f.best_exponent() {
                    Some((k, estimated)) => format!(
                        "{} (k = {:.2}{})",
                        f.contender,
                        k,
                        if estimated { ", estimated" } else { "" }
                    ),
                    None => f.contender.clone(),
                },
                colour: self.palette.colour(&f.contender),
                mark: Mark::Line(2, None, Some(self.palette.shape(&f.contender))),
            })
            .collect();
        if self.family.fits.iter().any(|f| !f.beyond.is_empty()) {
            entries.push(Entry {
                label: "beyond budget (estimate)".into(),
                colour: ESTIMATE,
                mark: Mark::Line(1, Some((6, 4)), None),
            });
        }
        entries
    }
}
