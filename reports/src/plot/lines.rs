//! Line charts: one line per contender along a parameter, log axes, CI error bars, broken at gaps.

use plotters::prelude::*;

use super::frame::{self, Axis, Body, Coord, DrawResult, Entry, Mark, Plot};
use super::Palette;
use crate::model::{LineChart, Point, Series};
use crate::Error;

/// Draws a [`LineChart`] with one colour per contender.
pub(super) fn lines(title: &str, chart: &LineChart, palette: &Palette) -> Result<String, Error> {
    let (x, y) = axes(chart);
    frame::svg(title, &x, &y, &Lines { chart, palette })
}

/// The axes of a line or percentile chart, spanning all points and interval ends.
pub(super) fn axes(chart: &LineChart) -> (Axis, Axis) {
    let points = || chart.series.iter().flat_map(|s| &s.points);
    let log = |log: bool| if log { " (log)" } else { "" };
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
    (x, y)
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

/// One legend entry per contender, in series order, failures named.
pub(super) fn contender_entries(series: &[Series], palette: &Palette, mark: Mark) -> Vec<Entry> {
    let mut entries: Vec<Entry> = Vec::new();
    for s in series {
        if entries
            .iter()
            .any(|e| e.label.starts_with(s.contender.as_str()))
        {
            continue;
        }
        let label = if s.failed {
            format!("{} (FAILED verification)", s.contender)
        } else {
            s.contender.clone()
        };
        entries.push(Entry {
            label,
            colour: palette.colour(&s.contender),
            mark,
        });
    }
    entries
}

/// Draws the points of a series with their confidence-interval whiskers.
pub(super) fn markers<X: Coord, Y: Coord>(
    plot: &mut Plot<'_, '_, X, Y>,
    points: &[Point],
    colour: RGBColor,
) -> DrawResult {
    plot.draw_series(
        points
            .iter()
            .map(|p| Circle::new((p.x, p.y), 3, colour.filled())),
    )?;
    plot.draw_series(points.iter().filter_map(|p| {
        Some(ErrorBar::new_vertical(
            p.x,
            p.ci_low?,
            p.y,
            p.ci_high?,
            colour.stroke_width(1),
            8,
        ))
    }))?;
    Ok(())
}

struct Lines<'a> {
    chart: &'a LineChart,
    palette: &'a Palette,
}

impl Body for Lines<'_> {
    fn draw<X: Coord, Y: Coord>(&self, plot: &mut Plot<'_, '_, X, Y>) -> DrawResult {
        for series in &self.chart.series {
            let colour = self.palette.colour(&series.contender);
            for segment in segments(series) {
                plot.draw_series(LineSeries::new(segment, colour.stroke_width(2)))?;
            }
            markers(plot, &series.points, colour)?;
        }
        Ok(())
    }

    fn legend(&self) -> Vec<Entry> {
        contender_entries(&self.chart.series, self.palette, Mark::Line(2, None))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
