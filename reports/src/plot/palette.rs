//! One fixed colour and marker shape per contender, the same in every chart and table.
//!
//! Eighteen contenders are more than any palette keeps apart by colour alone, so each contender
//! also gets a marker shape: colour and shape together are unique for the first 60 contenders.

use plotters::style::RGBColor;

/// Distinct colours that read on white, the most distinct first.
const COLOURS: [RGBColor; 20] = [
    RGBColor(67, 99, 216),   // blue
    RGBColor(230, 25, 75),   // red
    RGBColor(60, 180, 75),   // green
    RGBColor(245, 130, 49),  // orange
    RGBColor(145, 30, 180),  // purple
    RGBColor(31, 168, 201),  // cyan
    RGBColor(240, 50, 230),  // magenta
    RGBColor(128, 128, 0),   // olive
    RGBColor(154, 99, 36),   // brown
    RGBColor(0, 0, 117),     // navy
    RGBColor(70, 153, 144),  // teal
    RGBColor(128, 0, 0),     // maroon
    RGBColor(230, 171, 2),   // dark yellow
    RGBColor(117, 112, 179), // slate
    RGBColor(102, 166, 30),  // lime
    RGBColor(169, 169, 169), // grey
    RGBColor(251, 154, 153), // salmon
    RGBColor(0, 0, 0),       // black
    RGBColor(177, 89, 40),   // rust
    RGBColor(106, 61, 154),  // violet
];

/// Colour of a name that is not in the contender list.
const UNKNOWN: RGBColor = RGBColor(96, 96, 96);

/// A marker shape; filled in plots, outlined in legends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    Circle,
    Square,
    TriangleUp,
    Diamond,
    TriangleDown,
    Plus,
}

impl Shape {
    /// Every shape, in the order contenders get them.
    pub(crate) const ALL: [Shape; 6] = [
        Shape::Circle,
        Shape::Square,
        Shape::TriangleUp,
        Shape::Diamond,
        Shape::TriangleDown,
        Shape::Plus,
    ];

    /// The outline of the shape around (0, 0), `r` pixels from the centre to a side.
    pub(crate) fn outline(self, r: i32) -> Vec<(i32, i32)> {
        let t = r / 3 + 1;
        match self {
            Shape::Circle => (0..=8)
                .map(|k| {
                    let a = f64::from(k) * std::f64::consts::FRAC_PI_4;
                    (
                        (f64::from(r) * a.cos()).round() as i32,
                        (f64::from(r) * a.sin()).round() as i32,
                    )
                })
                .collect(),
            Shape::Square => vec![(-r, -r), (r, -r), (r, r), (-r, r), (-r, -r)],
            Shape::TriangleUp => vec![(0, -r - 1), (r + 1, r), (-r - 1, r), (0, -r - 1)],
            Shape::Diamond => vec![
                (0, -r - 1),
                (r + 1, 0),
                (0, r + 1),
                (-r - 1, 0),
                (0, -r - 1),
            ],
            Shape::TriangleDown => vec![(0, r + 1), (r + 1, -r), (-r - 1, -r), (0, r + 1)],
            Shape::Plus => vec![
                (-t, -r - 1),
                (t, -r - 1),
                (t, -t),
                (r + 1, -t),
                (r + 1, t),
                (t, t),
                (t, r + 1),
                (-t, r + 1),
                (-t, t),
                (-r - 1, t),
                (-r - 1, -t),
                (-t, -t),
                (-t, -r - 1),
            ],
        }
    }

    /// The same shape as a character, for HTML.
    pub(crate) fn glyph(self) -> char {
        match self {
            Shape::Circle => '●',
            Shape::Square => '■',
            Shape::TriangleUp => '▲',
            Shape::Diamond => '◆',
            Shape::TriangleDown => '▼',
            Shape::Plus => '✚',
        }
    }
}

/// Maps contenders to colours and shapes by their position in the run's contender list.
#[derive(Debug)]
pub(crate) struct Palette {
    contenders: Vec<String>,
}

impl Palette {
    /// A palette for `contenders`, in the order that fixes their colours.
    pub(crate) fn new(contenders: &[String]) -> Self {
        Palette {
            contenders: contenders.to_vec(),
        }
    }

    fn index(&self, contender: &str) -> Option<usize> {
        self.contenders.iter().position(|c| c == contender)
    }

    /// The contender's colour; past twenty contenders the colours repeat darker.
    pub(crate) fn colour(&self, contender: &str) -> RGBColor {
        let Some(i) = self.index(contender) else {
            return UNKNOWN;
        };
        let RGBColor(r, g, b) = COLOURS[i % COLOURS.len()];
        let darken = |c: u8| (f64::from(c) * 0.6f64.powi((i / COLOURS.len()) as i32)) as u8;
        RGBColor(darken(r), darken(g), darken(b))
    }

    /// The contender's marker shape.
    pub(crate) fn shape(&self, contender: &str) -> Shape {
        self.index(contender)
            .map_or(Shape::Circle, |i| Shape::ALL[i % Shape::ALL.len()])
    }

    /// The contender's colour as CSS, `#rrggbb`.
    pub(crate) fn css(&self, contender: &str) -> String {
        let RGBColor(r, g, b) = self.colour(contender);
        format!("#{r:02x}{g:02x}{b:02x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_and_shape_follow_list_order_and_stay_distinct() {
        let names: Vec<String> = (0..60).map(|i| format!("c{i}")).collect();
        let palette = Palette::new(&names);
        assert_eq!(palette.css("c0"), "#4363d8");
        assert_eq!(palette.css("c1"), "#e6194b");
        assert_eq!(palette.shape("c1"), Shape::Square);
        let css: std::collections::BTreeSet<String> =
            names[..20].iter().map(|n| palette.css(n)).collect();
        assert_eq!(css.len(), 20, "the first twenty colours differ");
        let pairs: std::collections::BTreeSet<(String, char)> = names
            .iter()
            .map(|n| (palette.css(n), palette.shape(n).glyph()))
            .collect();
        assert_eq!(
            pairs.len(),
            names.len(),
            "colour and shape together are unique"
        );
        assert_eq!(palette.colour("absent"), UNKNOWN);
    }
}
