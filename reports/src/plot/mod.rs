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

pub(crate) use palette::Palette;

use crate::model::{Chart, ChartKind};
use crate::Error;

/// Draws `chart` as a standalone `<svg>` element.
pub(crate) fn draw(chart: &Chart, palette: &Palette) -> Result<String, Error> {
    match &chart.kind {
        ChartKind::Lines(data) => lines::lines(&chart.title, data, palette),
        ChartKind::Ladder(data) => ladder::ladder(&chart.title, data, palette),
        ChartKind::Bars(data) => bars::bars(&chart.title, data, palette),
        ChartKind::Pareto(data) => pareto::pareto(&chart.title, data, palette),
    }
}
