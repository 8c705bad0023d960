//! SVG charts drawn with plotters into strings, one function per chart kind.
//!
//! The SVG uses `<text>` with a generic `sans-serif` family, so no font files are needed.

mod bars;
mod frame;
mod ladder;
mod lines;
mod palette;
mod pareto;
pub(crate) mod scaling;
mod scatter;

pub(crate) use palette::Palette;

use crate::model::{Chart, ChartKind};
use crate::Error;

/// Draws `chart` as a standalone `<svg>` element.
pub(crate) fn draw(chart: &Chart, palette: &Palette) -> Result<String, Error> {
    match &chart.kind {
        ChartKind::Lines(data) => lines::lines(&chart.title, data, &chart.recommended, palette),
        ChartKind::Ladder(data) => ladder::ladder(&chart.title, data, &chart.recommended, palette),
        ChartKind::Bars(data) => bars::bars(&chart.title, data, &chart.recommended, palette),
        ChartKind::Pareto(data) => pareto::pareto(&chart.title, data, palette),
        ChartKind::Scatter(data) => {
            scatter::scatter(&chart.title, data, &chart.recommended, palette)
        }
    }
}

/// A contender's label in a legend or on a row: its name, marked if it is recommended.
pub(crate) fn marked(name: &str, recommended: &[String]) -> String {
    if recommended.iter().any(|r| r == name) {
        format!("{name} \u{2605} recommended")
    } else {
        name.to_owned()
    }
}
