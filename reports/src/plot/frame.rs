//! What every chart shares: a two-line title, axes (linear, log or named rows) with readable
//! ticks, a light mesh, and a legend in its own strip right of the plot so it never covers
//! data. Charts are a fixed width; their height follows their rows and legend.
//!
//! Data marks (points, bars) are filled `<circle>`, `<rect>` and `<polygon>` elements; legend
//! samples are outlines (`<polyline>`), so a browser check can count the drawn values.

use std::ops::Range;

use plotters::chart::ChartContext;
use plotters::coord::cartesian::Cartesian2d;
use plotters::coord::combinators::LogCoord;
use plotters::coord::ranged1d::{
    AsRangedCoord, DefaultFormatting, KeyPointHint, Ranged, ValueFormatter,
};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::palette::Shape;
use crate::{fmt, Error};

/// Pixel width of every chart.
pub(super) const WIDTH: u32 = 1060;

/// Height of a chart with few rows and legend entries.
pub(super) const MIN_HEIGHT: u32 = 420;

/// Height of the title band above the plot.
const TITLE_HEIGHT: u32 = 48;

/// Width of the legend strip right of the plot, when there is a legend.
const LEGEND_WIDTH: u32 = 250;

/// Vertical distance between legend entries.
const LEGEND_STEP: i32 = 19;

/// Height of the x axis labels and description.
const X_LABELS: u32 = 56;

/// Result of plotters drawing calls on the SVG backend.
pub(super) type DrawResult = Result<(), DrawingAreaErrorKind<std::io::Error>>;

/// A chart context on the SVG backend with axes of any kind.
pub(super) type Plot<'a, 'b, X, Y> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<X, Y>>;

/// An f64 axis, linear or logarithmic, that can label its ticks.
pub(super) trait Coord: Ranged<ValueType = f64> + ValueFormatter<f64> {}

impl<T: Ranged<ValueType = f64> + ValueFormatter<f64>> Coord for T {}

/// What a chart kind draws inside the frame.
pub(super) trait Body {
    /// Draws the series.
    fn draw<X: Coord, Y: Coord>(&self, plot: &mut Plot<'_, '_, X, Y>) -> DrawResult;

    /// The legend, top to bottom.
    fn legend(&self) -> Vec<Entry>;
}

/// One legend entry: a sample mark and its text.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    pub(super) label: String,
    pub(super) colour: RGBColor,
    pub(super) mark: Mark,
}

/// The sample drawn before a legend text.
#[derive(Debug, Clone, Copy)]
pub(super) enum Mark {
    /// A line of this width, dashed with `(dash, gap)` pixels if given, with an optional shape.
    Line(u32, Option<(i32, i32)>, Option<Shape>),
    /// A shape alone.
    Shape(Shape),
    /// A short thick bar (bar colours).
    Block,
    /// No sample: an explanatory line.
    Text,
}

/// One axis: its range, its scale, its ticks and its description.
#[derive(Debug, Clone)]
pub(super) struct Axis {
    range: Range<f64>,
    log: bool,
    desc: String,
    ticks: Vec<f64>,
    /// Names of the rows at 0, 1, 2, ... (bar and ladder rows) instead of numbers.
    names: Option<Vec<String>>,
}

impl Axis {
    /// An axis spanning `values` with some padding. A log axis needs positive values; the
    /// caller checks that.
    pub(super) fn fit(
        values: impl IntoIterator<Item = f64>,
        log: bool,
        desc: impl Into<String>,
    ) -> Axis {
        let (lo, hi) = values
            .into_iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(v), hi.max(v))
            });
        let range = match (lo.is_finite(), log) {
            (false, true) => 1.0..10.0,
            (false, false) => 0.0..1.0,
            (true, true) => {
                // At least a factor of 3 so a nearly flat series still gets labelled ticks.
                let pad = ((3.0 * lo / hi).sqrt()).max(1.15);
                lo / pad..hi * pad
            }
            (true, false) => {
                // Linear axes start at 0 so bars and magnitudes read true; all zeros span 0..1.
                let lo = lo.min(0.0);
                let hi = if hi > lo { hi } else { lo + 1.0 };
                lo..hi + (hi - lo) * 0.05
            }
        };
        let ticks = if log {
            log_ticks(range.clone())
        } else {
            linear_ticks(range.clone())
        };
        Axis {
            range,
            log,
            desc: desc.into(),
            ticks,
            names: None,
        }
    }

    /// A linear axis spanning just `values` (5% margin each side), not from 0: for scatter
    /// plots where the spread matters, not the magnitude.
    pub(super) fn tight(values: impl IntoIterator<Item = f64>, desc: impl Into<String>) -> Axis {
        let (lo, hi) = values
            .into_iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(v), hi.max(v))
            });
        let range = if !lo.is_finite() {
            0.0..1.0
        } else {
            let pad = if hi > lo {
                (hi - lo) * 0.08
            } else {
                hi.abs().max(1.0) * 0.1
            };
            lo - pad..hi + pad
        };
        Axis {
            ticks: linear_ticks(range.clone()),
            range,
            log: false,
            desc: desc.into(),
            names: None,
        }
    }

    /// An axis of rows named `names`, the first at the top.
    pub(super) fn rows(names: Vec<String>) -> Axis {
        let n = names.len().max(1) as f64;
        Axis {
            range: -0.5..n - 0.5,
            log: false,
            desc: String::new(),
            ticks: (0..names.len()).map(|i| i as f64).collect(),
            names: Some(names),
        }
    }

    /// The axis with its upper end moved out by `share` of its span (of its decades, if log).
    pub(super) fn widened(mut self, share: f64) -> Axis {
        let Range { start, end } = self.range;
        if self.log {
            self.range.end = end * (end / start).powf(share);
            self.ticks = log_ticks(self.range.clone());
        } else {
            self.range.end = end + (end - start) * share;
            self.ticks = linear_ticks(self.range.clone());
        }
        self
    }

    /// The lower end of the axis.
    pub(super) fn start(&self) -> f64 {
        self.range.start
    }

    /// The y position of row `i` (rows run top to bottom).
    pub(super) fn row(&self, i: usize) -> f64 {
        let n = self.names.as_ref().map_or(1, Vec::len);
        (n - 1 - i) as f64
    }

    fn label(&self, v: f64) -> String {
        match &self.names {
            Some(names) => {
                let i = v.round();
                if (v - i).abs() > 1e-6 || i < 0.0 {
                    return String::new();
                }
                let n = names.len() as f64;
                names
                    .get((n - 1.0 - i) as usize)
                    .cloned()
                    .unwrap_or_default()
            }
            None => fmt::number(v),
        }
    }

    /// Width of the labels of a row axis, in pixels.
    fn label_width(&self) -> u32 {
        match &self.names {
            Some(names) => {
                let chars = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
                (chars as u32 * 7 + 16).max(60)
            }
            None => 80,
        }
    }
}

/// A plotters coordinate with the axis's own ticks instead of plotters' choice.
struct Ticked<R> {
    inner: R,
    ticks: Vec<f64>,
}

impl<R: Ranged<ValueType = f64>> Ranged for Ticked<R> {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        // Bold lines only: the light mesh would repeat them.
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.inner.range()
    }
}

impl Axis {
    fn linear(&self) -> Ticked<RangedCoordf64> {
        Ticked {
            inner: self.range.clone().into(),
            ticks: self.ticks.clone(),
        }
    }

    fn logarithmic(&self) -> Ticked<LogCoord<f64>> {
        Ticked {
            inner: self.range.clone().log_scale().into(),
            ticks: self.ticks.clone(),
        }
    }
}

/// Ticks at 1, 2, 5 times a power of ten, about six of them.
fn linear_ticks(range: Range<f64>) -> Vec<f64> {
    let span = range.end - range.start;
    if span <= 0.0 || !span.is_finite() {
        return vec![range.start];
    }
    let raw = span / 6.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let first = (range.start / step).ceil() as i64;
    let last = (range.end / step).floor() as i64;
    // Round away the binary error of k * step (3 * 0.2 = 0.6000000000000001).
    let decimals = (-step.log10().floor()).max(0.0) as usize;
    (first..=last)
        .map(|k| {
            format!("{:.decimals$}", k as f64 * step)
                .parse()
                .unwrap_or(k as f64 * step)
        })
        .collect()
}

/// Ticks of a log axis: powers of ten, filled in with 2 and 5 (or every digit) when the range
/// spans few decades, so there are always a few labelled ticks.
fn log_ticks(range: Range<f64>) -> Vec<f64> {
    let (lo, hi) = (range.start, range.end);
    if lo <= 0.0 || hi <= lo {
        return vec![];
    }
    let decades = (hi / lo).log10();
    let first = lo.log10().floor() as i32;
    let last = hi.log10().ceil() as i32;
    let mantissas: &[f64] = if decades > 4.0 {
        &[1.0]
    } else if decades > 1.5 {
        &[1.0, 2.0, 5.0]
    } else {
        &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]
    };
    let step = if decades > 8.0 { 2 } else { 1 };
    let mut ticks = Vec::new();
    for e in (first..=last).step_by(step) {
        for m in mantissas {
            let v = m * 10f64.powi(e);
            if v >= lo && v <= hi {
                ticks.push(v);
            }
        }
    }
    if ticks.len() < 3 {
        // Less than one decade with few digits inside: add halves.
        for e in first..=last {
            for m in [1.5, 2.5, 3.5, 4.5] {
                let v = m * 10f64.powi(e);
                if v >= lo && v <= hi {
                    ticks.push(v);
                }
            }
        }
        ticks.sort_by(f64::total_cmp);
    }
    ticks
}

/// Height of a chart with `rows` rows of `row_height` pixels (0 rows: a plain plot) and
/// `legend` entries.
pub(super) fn height(rows: usize, row_height: u32, legend: usize) -> u32 {
    let plot = rows as u32 * row_height + 20;
    let legend = legend as u32 * LEGEND_STEP as u32 + 30;
    (TITLE_HEIGHT + X_LABELS + plot.max(legend)).max(MIN_HEIGHT)
}

/// Draws `body` in a titled frame `height` pixels high and returns the `<svg>` text.
pub(super) fn svg(
    title: &str,
    height: u32,
    x: &Axis,
    y: &Axis,
    body: &impl Body,
) -> Result<String, Error> {
    let mut out = String::new();
    draw(&mut out, title, height, x, y, body).map_err(|e| Error::Plot {
        chart: title.to_owned(),
        message: e.to_string(),
    })?;
    Ok(out)
}

fn draw(
    out: &mut String,
    title: &str,
    height: u32,
    x: &Axis,
    y: &Axis,
    body: &impl Body,
) -> DrawResult {
    let root = SVGBackend::with_string(out, (WIDTH, height)).into_drawing_area();
    root.fill(&WHITE)?;
    let (head, rest) = root.split_vertically(TITLE_HEIGHT);
    let entries = body.legend();
    let (area, legend_area) = if entries.is_empty() {
        rest.split_horizontally(WIDTH)
    } else {
        rest.split_horizontally(WIDTH - LEGEND_WIDTH)
    };
    // The title is "workload: what | parameters | direction": what on line 1, the rest on line 2.
    let (first, second) = title.split_once(" | ").unwrap_or((title, ""));
    head.draw_text(
        first,
        &("sans-serif", 17)
            .into_font()
            .style(FontStyle::Bold)
            .color(&BLACK),
        (10, 6),
    )?;
    head.draw_text(
        second,
        &("sans-serif", 15).into_font().color(&BLACK),
        (10, 28),
    )?;
    match (x.log, y.log) {
        (false, false) => axes(&area, x, y, x.linear(), y.linear(), body)?,
        (true, false) => axes(&area, x, y, x.logarithmic(), y.linear(), body)?,
        (false, true) => axes(&area, x, y, x.linear(), y.logarithmic(), body)?,
        (true, true) => axes(&area, x, y, x.logarithmic(), y.logarithmic(), body)?,
    }
    legend(&legend_area, &entries)?;
    root.present()
}

fn axes<XR, YR>(
    area: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    x: &Axis,
    y: &Axis,
    x_range: XR,
    y_range: YR,
    body: &impl Body,
) -> DrawResult
where
    XR: AsRangedCoord<Value = f64>,
    YR: AsRangedCoord<Value = f64>,
    XR::CoordDescType: Coord,
    YR::CoordDescType: Coord,
{
    let mut plot = ChartBuilder::on(area)
        .margin(12)
        .x_label_area_size(X_LABELS - 10)
        .y_label_area_size(y.label_width() + if y.desc.is_empty() { 0 } else { 24 })
        .build_cartesian_2d(x_range, y_range)?;
    let x_label = |v: &f64| x.label(*v);
    let y_label = |v: &f64| y.label(*v);
    let mut mesh = plot.configure_mesh();
    mesh.x_desc(x.desc.as_str())
        .y_desc(y.desc.as_str())
        .x_label_formatter(&x_label)
        .y_label_formatter(&y_label)
        .bold_line_style(RGBColor(225, 225, 225))
        .light_line_style(TRANSPARENT)
        .label_style(("sans-serif", 14))
        .axis_desc_style(("sans-serif", 14));
    if y.names.is_some() {
        mesh.disable_y_mesh();
    }
    mesh.draw()?;
    body.draw(&mut plot)
}

/// Draws `shape` filled at each point.
pub(super) fn shapes<X: Coord, Y: Coord>(
    plot: &mut Plot<'_, '_, X, Y>,
    points: impl IntoIterator<Item = (f64, f64)>,
    shape: Shape,
    radius: i32,
    colour: RGBColor,
) -> DrawResult {
    let style = colour.filled();
    match shape {
        Shape::Circle => {
            plot.draw_series(points.into_iter().map(|p| Circle::new(p, radius, style)))?
        }
        Shape::Square => plot.draw_series(points.into_iter().map(|p| {
            EmptyElement::at(p) + Rectangle::new([(-radius, -radius), (radius, radius)], style)
        }))?,
        other => plot.draw_series(
            points
                .into_iter()
                .map(|p| EmptyElement::at(p) + Polygon::new(other.outline(radius), style)),
        )?,
    };
    Ok(())
}

/// Draws a confidence interval from `lo` to `hi` at `at`, with caps: vertical (`at` is x) or
/// horizontal (`at` is y). Lines only, so it adds no data marks.
pub(super) fn whisker<X: Coord, Y: Coord>(
    plot: &mut Plot<'_, '_, X, Y>,
    at: f64,
    (lo, hi): (f64, f64),
    vertical: bool,
    colour: RGBColor,
) -> DrawResult {
    let style = colour.stroke_width(1);
    let (a, b, cap) = if vertical {
        ((at, lo), (at, hi), [(-4, 0), (4, 0)])
    } else {
        ((lo, at), (hi, at), [(0, -4), (0, 4)])
    };
    plot.draw_series([PathElement::new([a, b], style)])?;
    plot.draw_series(
        [a, b]
            .into_iter()
            .map(|p| EmptyElement::at(p) + PathElement::new(cap, style)),
    )?;
    Ok(())
}

fn legend(
    area: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    entries: &[Entry],
) -> DrawResult {
    let text = ("sans-serif", 14)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    let outline = |area: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
                   shape: Shape,
                   (cx, cy): (i32, i32),
                   c: RGBColor| {
        let points: Vec<(i32, i32)> = shape
            .outline(4)
            .into_iter()
            .map(|(dx, dy)| (cx + dx, cy + dy))
            .collect();
        area.draw(&PathElement::new(points, c.stroke_width(2)))
    };
    for (i, entry) in entries.iter().enumerate() {
        let y = 20 + i as i32 * LEGEND_STEP;
        let c = entry.colour;
        match entry.mark {
            Mark::Line(width, dash, shape) => {
                match dash {
                    None => {
                        area.draw(&PathElement::new([(4, y), (32, y)], c.stroke_width(width)))?
                    }
                    Some((dash, gap)) => {
                        for x in (4..32).step_by((dash + gap) as usize) {
                            area.draw(&PathElement::new(
                                [(x, y), ((x + dash).min(32), y)],
                                c.stroke_width(width),
                            ))?;
                        }
                    }
                }
                if let Some(shape) = shape {
                    outline(area, shape, (18, y), c)?;
                }
            }
            Mark::Shape(shape) => outline(area, shape, (18, y), c)?,
            Mark::Block => area.draw(&PathElement::new([(8, y), (28, y)], c.stroke_width(10)))?,
            Mark::Text => {}
        }
        area.draw(&Text::new(entry.label.as_str(), (38, y), text.clone()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_ticks_label_short_ranges_and_thin_long_ones() {
        // Less than a decade, no power of ten inside: still several ticks.
        let t = log_ticks(14.0..130.0);
        assert!(
            t.len() >= 3 && t.contains(&20.0) && t.contains(&100.0),
            "{t:?}"
        );
        let t = log_ticks(1.0..1e9);
        assert!(t.len() <= 6, "{t:?}");
        let t = log_ticks(0.1..1.0);
        assert!(t.len() >= 5, "{t:?}");
    }

    #[test]
    fn linear_ticks_are_round() {
        assert_eq!(linear_ticks(0.0..10.5), [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(linear_ticks(0.0..0.9), [0.0, 0.2, 0.4, 0.6, 0.8]);
    }
}
