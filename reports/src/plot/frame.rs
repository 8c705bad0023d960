//! What every chart shares: size, two-line title, axes (linear or log), mesh, and a legend in its
//! own strip right of the plot so it never covers data.

use std::ops::Range;

use plotters::chart::ChartContext;
use plotters::coord::cartesian::Cartesian2d;
use plotters::coord::ranged1d::{AsRangedCoord, Ranged, ValueFormatter};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::{fmt, Error};

/// Pixel size of every chart.
const SIZE: (u32, u32) = (860, 440);

/// Height of the title band above the plot.
const TITLE_HEIGHT: u32 = 44;

/// Width of the legend strip right of the plot.
const LEGEND_WIDTH: u32 = 230;

/// Vertical distance between legend entries.
const LEGEND_STEP: i32 = 19;

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
    /// A line of this width, dashed with `(dash, gap)` pixels if given.
    Line(u32, Option<(i32, i32)>),
    /// A filled square (bars, contender colours).
    Block,
    /// A filled dot.
    Dot,
    /// An open circle of this stroke width.
    Ring(u32),
    /// No sample: an explanatory line.
    Text,
}

/// One axis: its range, its scale and its description.
#[derive(Debug, Clone)]
pub(super) struct Axis {
    range: Range<f64>,
    log: bool,
    desc: String,
    /// Tick labels of categories at 0, 1, 2, ... (bar groups) instead of numbers.
    categories: Option<Vec<String>>,
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
            (true, true) => lo / 1.2..hi * 1.2,
            (true, false) => {
                // Linear axes start at 0 so bars and magnitudes read true.
                let lo = lo.min(0.0);
                let span = if hi > lo { hi - lo } else { hi.abs().max(1.0) };
                lo..hi + span * 0.05
            }
        };
        Axis {
            range,
            log,
            desc: desc.into(),
            categories: None,
        }
    }

    /// The lower end of the axis.
    pub(super) fn start(&self) -> f64 {
        self.range.start
    }

    /// An axis of `labels` placed at 0, 1, 2, ...
    pub(super) fn categories(labels: Vec<String>, desc: impl Into<String>) -> Axis {
        let n = labels.len().max(1) as f64;
        Axis {
            range: -0.5..n - 0.5,
            log: false,
            desc: desc.into(),
            categories: Some(labels),
        }
    }
}

/// Draws `body` in a titled frame and returns the `<svg>` text.
pub(super) fn svg(title: &str, x: &Axis, y: &Axis, body: &impl Body) -> Result<String, Error> {
    let mut out = String::new();
    draw(&mut out, title, x, y, body).map_err(|e| Error::Plot {
        chart: title.to_owned(),
        message: e.to_string(),
    })?;
    Ok(out)
}

fn draw(out: &mut String, title: &str, x: &Axis, y: &Axis, body: &impl Body) -> DrawResult {
    let root = SVGBackend::with_string(out, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let (head, rest) = root.split_vertically(TITLE_HEIGHT);
    let (area, legend_area) = rest.split_horizontally(SIZE.0 - LEGEND_WIDTH);
    // The title is "workload: what | parameters | direction": what on line 1, the rest on line 2.
    let (first, second) = title.split_once(" | ").unwrap_or((title, ""));
    head.draw_text(
        first,
        &("sans-serif", 15)
            .into_font()
            .style(FontStyle::Bold)
            .color(&BLACK),
        (10, 6),
    )?;
    head.draw_text(
        second,
        &("sans-serif", 13).into_font().color(&BLACK),
        (10, 26),
    )?;
    let (xr, yr) = (x.range.clone(), y.range.clone());
    match (x.log, y.log) {
        (false, false) => axes(&area, x, y, xr, yr, body)?,
        (true, false) => axes(&area, x, y, xr.log_scale(), yr, body)?,
        (false, true) => axes(&area, x, y, xr, yr.log_scale(), body)?,
        (true, true) => axes(&area, x, y, xr.log_scale(), yr.log_scale(), body)?,
    }
    legend(&legend_area, &body.legend())?;
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
        .margin(10)
        .x_label_area_size(60)
        .y_label_area_size(80)
        .build_cartesian_2d(x_range, y_range)?;
    let category_label = |v: &f64| {
        let i = v.round();
        match &x.categories {
            Some(labels) if (v - i).abs() < 1e-6 && i >= 0.0 => {
                labels.get(i as usize).cloned().unwrap_or_default()
            }
            _ => String::new(),
        }
    };
    let number_label = |v: &f64| fmt::number(*v);
    let mut mesh = plot.configure_mesh();
    mesh.x_desc(x.desc.as_str())
        .y_desc(y.desc.as_str())
        .y_label_formatter(&number_label)
        .light_line_style(RGBColor(240, 240, 240))
        .max_light_lines(4)
        .label_style(("sans-serif", 12));
    match &x.categories {
        Some(labels) => mesh
            .x_labels(labels.len())
            .x_label_formatter(&category_label)
            .disable_x_mesh(),
        None => mesh.x_label_formatter(&number_label),
    };
    mesh.draw()?;
    body.draw(&mut plot)
}

fn legend(
    area: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    entries: &[Entry],
) -> DrawResult {
    let text = ("sans-serif", 12)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    for (i, entry) in entries.iter().enumerate() {
        let y = 20 + i as i32 * LEGEND_STEP;
        let c = entry.colour;
        match entry.mark {
            Mark::Line(width, None) => {
                area.draw(&PathElement::new([(4, y), (28, y)], c.stroke_width(width)))?
            }
            Mark::Line(width, Some((dash, gap))) => {
                for x in (4..28).step_by((dash + gap) as usize) {
                    area.draw(&PathElement::new(
                        [(x, y), ((x + dash).min(28), y)],
                        c.stroke_width(width),
                    ))?;
                }
            }
            Mark::Block => area.draw(&Rectangle::new([(10, y - 6), (22, y + 6)], c.filled()))?,
            Mark::Dot => area.draw(&Circle::new((16, y), 4, c.filled()))?,
            Mark::Ring(width) => area.draw(&Circle::new((16, y), 7, c.stroke_width(width)))?,
            Mark::Text => {}
        }
        area.draw(&Text::new(entry.label.as_str(), (34, y), text.clone()))?;
    }
    Ok(())
}
