//! One fixed colour per contender, the same in every chart and table.

use plotters::style::RGBColor;

/// Tableau 10 (its yellow darkened to read on white): distinct for the common colour-vision
/// deficiencies.
const COLOURS: [RGBColor; 10] = [
    RGBColor(78, 121, 167),
    RGBColor(242, 142, 43),
    RGBColor(225, 87, 89),
    RGBColor(118, 183, 178),
    RGBColor(89, 161, 79),
    RGBColor(182, 153, 45),
    RGBColor(176, 122, 161),
    RGBColor(255, 157, 167),
    RGBColor(156, 117, 95),
    RGBColor(186, 176, 172),
];

/// Colour of a name that is not in the contender list.
const UNKNOWN: RGBColor = RGBColor(96, 96, 96);

/// Maps contenders to colours by their position in the run's contender list.
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

    /// The contender's colour; past ten contenders the colours repeat darker.
    pub(crate) fn colour(&self, contender: &str) -> RGBColor {
        let Some(i) = self.contenders.iter().position(|c| c == contender) else {
            return UNKNOWN;
        };
        let RGBColor(r, g, b) = COLOURS[i % COLOURS.len()];
        let darken = |c: u8| (f64::from(c) * 0.6f64.powi((i / COLOURS.len()) as i32)) as u8;
        RGBColor(darken(r), darken(g), darken(b))
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
    fn colours_follow_list_order_and_stay_distinct() {
        let names: Vec<String> = (0..12).map(|i| format!("c{i}")).collect();
        let palette = Palette::new(&names);
        assert_eq!(palette.css("c0"), "#4e79a7");
        assert_eq!(palette.css("c1"), "#f28e2b");
        let css: std::collections::BTreeSet<String> =
            names.iter().map(|n| palette.css(n)).collect();
        assert_eq!(css.len(), names.len());
        assert_eq!(palette.colour("absent"), UNKNOWN);
    }
}
