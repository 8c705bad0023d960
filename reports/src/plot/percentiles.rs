//! Percentile charts: p50/p99/p99.9/max per contender, colour by contender, style by percentile.

use plotters::prelude::*;

use super::frame::{self, Body, Coord, DrawResult, Entry, Mark, Plot};
use super::lines::{axes, contender_entries, markers, segments};
use super::Palette;
use crate::model::LineChart;
use crate::schema::Metric;
use crate::Error;

/// Line style per percentile, in [`Metric::PERCENTILES`] order: width and optional dash.
const STYLES: [(u32, Option<(i32, i32)>); 4] =
    [(2, None), (2, Some((10, 5))), (2, Some((3, 4))), (1, None)];

/// Legend text per percentile, naming its line style.
const NAMES: [&str; 4] = [
    "p50 (solid)",
    "p99 (long dash)",
    "p99.9 (short dash)",
    "max (thin)",
];

/// Draws a [`LineChart`] holding percentile series.
pub(super) fn percentiles(
    title: &str,
    chart: &LineChart,
    palette: &Palette,
) -> Result<String, Error> {
    let (x, y) = axes(chart);
    frame::svg(title, &x, &y, &Percentiles { chart, palette })
}

struct Percentiles<'a> {
    chart: &'a LineChart,
    palette: &'a Palette,
}

impl Body for Percentiles<'_> {
    fn draw<X: Coord, Y: Coord>(&self, plot: &mut Plot<'_, '_, X, Y>) -> DrawResult {
        for series in &self.chart.series {
            let colour = self.palette.colour(&series.contender);
            let k = Metric::PERCENTILES
                .iter()
                .position(|m| *m == series.metric)
                .unwrap_or(0);
            let (width, dash) = STYLES[k];
            let style = colour.stroke_width(width);
            for segment in segments(series) {
                match dash {
                    None => plot.draw_series(LineSeries::new(segment, style))?,
                    Some((dash, gap)) => {
                        plot.draw_series(DashedLineSeries::new(segment, dash, gap, style))?
                    }
                };
            }
            markers(plot, &series.points, colour)?;
        }
        Ok(())
    }

    fn legend(&self) -> Vec<Entry> {
        let mut entries = contender_entries(&self.chart.series, self.palette, Mark::Block);
        entries.extend(STYLES.iter().zip(NAMES).map(|((width, dash), name)| Entry {
            label: name.to_owned(),
            colour: BLACK,
            mark: Mark::Line(*width, *dash),
        }));
        entries
    }
}
