//! Number formatting shared by tables, sentences and axis labels.

/// A value with about four significant digits: `12.35`, `65536`, `0.001234`, `1.5e9`.
pub(crate) fn number(v: f64) -> String {
    if !v.is_finite() {
        // Records are validated finite; this keeps a stray value from printing as "NaN".
        return "?".into();
    }
    let abs = v.abs();
    if abs == 0.0 {
        return "0".into();
    }
    if !(1e-3..1e7).contains(&abs) {
        let s = format!("{v:.3e}");
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        return format!("{}e{exp}", trim_zeros(mantissa));
    }
    let decimals = (3 - abs.log10().floor() as i32).max(0) as usize;
    trim_zeros(&format!("{v:.decimals$}")).to_owned()
}

/// A score or ratio with two decimals: `1.00`, `1.23`.
pub(crate) fn score(v: f64) -> String {
    format!("{v:.2}")
}

/// A relative change as a signed percentage: `+12.3%`.
pub(crate) fn percent(v: f64) -> String {
    format!("{:+.1}%", v * 100.0)
}

fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short_and_never_nan() {
        assert_eq!(number(12.3456), "12.35");
        assert_eq!(number(65536.0), "65536");
        assert_eq!(number(0.5), "0.5");
        assert_eq!(number(0.001234), "0.001234");
        assert_eq!(number(1.5e9), "1.5e9");
        assert_eq!(number(0.0), "0");
        assert_eq!(number(-2.0), "-2");
        assert_eq!(number(f64::NAN), "?");
        assert_eq!(percent(0.123), "+12.3%");
        assert_eq!(score(1.0), "1.00");
    }
}
