//! Line charts: one line per contender along a parameter, log axes, CI error bars, broken at
//! gaps, each contender with its colour and marker shape.

use plotters::prelude::*;

use super::frame::{self, Axis, Body, Coord, DrawResult, Entry, Mark, Plot};
use super::Palette;
use crate::model::{LineChart, Series};
use crate::Error;

/// Draws a [`LineChart`].
pub(super) fn lines(
    title: &str,
    chart: &LineChart,
    recommended: &[String],
    palette: &Palette,
) -> Result<String, Error> {
    let points = || chart.series.iter().flat_map(|s| &s.points);
    let log = |log: bool| if log { " (log scale)" } else { "" };
    let x = Axis::fit(
        points().map(|p| p.x),
        chart.log_x,
        format!("{}{}", chart.x_param, log(chart.log_x)),
    );
    let ys = points()
        .flat_map(|p| [Some(p.y), p.ci_low, p.ci_high])
        .flatten();
    let y = Axis::fit(
        ys,
        chart.log_y,
        format!("{}{}", chart.y_unit, log(chart.log_y)),
    );
    let body = Lines {
        chart,
        recommended,
        palette,
    };
    let height = frame::height(0, 0, body.legend().len());
    frame::svg(title, height, &x, &y, &body)
}

/// The runs of consecutive points not separated by a gap.
pub(super) fn segments(series: &Series) -> Vec<Vec<(f64, f64)>> {
    let mut segments: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut last: Option<f64> = None;
    for p in &series.points {
        if last.is_none_or(|prev| series.gaps.iter().any(|g| prev < *g && *g < p.x)) {
            segments.push(Vec::new());
        }
        if let Some(segment) = segments.last_mut() {
            segment.push((p.x, p.y));
        }
        last = Some(p.x);
    }
    segments
}

struct Lines<'a> {
    chart: &'a LineChart,
    recommended: &'a [String],
    palette: &'a Palette,
}

impl Body for Lines<'_> {
    fn draw<X: Coord, Y: Coord>(&self, plot: &mut Plot<'_, '_, X, Y>) -> DrawResult {
        for series in &self.chart.series {
            let colour = self.palette.colour(&series.contender);
            for segment in segments(series) {
                plot.draw_series(LineSeries::new(segment, colour.stroke_width(2)))?;
            }
            for p in &series.points {
                if let (Some(lo), Some(hi)) = (p.ci_low, p.ci_high) {
                    frame::whisker(plot, p.x, (lo, hi), true, colour)?;
                }
            }
            frame::shapes(
                plot,
                series.points.iter().map(|p| (p.x, p.y)),
                self.palette.shape(&series.contender),
                4,
                colour,
            )?;
        }
        Ok(())
    }

    fn legend(&self) -> Vec<Entry> {
        self.chart
            .series
            .iter()
            .map(|s| Entry {
                label: if s.failed {
                    format!("{} (FAILED verification)", s.contender)
                } else {
                    super::marked(&s.contender, self.recommended)
                },
                colour: self.palette.colour(&s.contender),
                mark: Mark::Line(2, None, Some(self.palette.shape(&s.contender))),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Point;
    use crate::schema::Metric;

    #[test]
    fn lines_break_at_gaps() {
        let point = |x: f64| Point {
            x,
            y: x,
            ci_low: None,
            ci_high: None,
        };
        let series = Series {
            contender: "a".into(),
            metric: Metric::LatencyNsPerOp,
            failed: false,
            points: vec![point(1.0), point(2.0), point(4.0)],
            gaps: vec![3.0],
        };
        assert_eq!(
            segments(&series),
            vec![vec![(1.0, 1.0), (2.0, 2.0)], vec![(4.0, 4.0)]]
        );
    }
}
