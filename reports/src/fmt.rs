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

/// A value with its unit for sentences: bytes in KiB/MiB/GiB above 10 KiB, else
/// [`number`] and the unit: `1.5 MiB`, `12.35 ns/op`, `0.5 allocations/op`.
pub(crate) fn quantity(v: f64, unit: &str) -> String {
    if let Some(rest) = unit.strip_prefix("bytes") {
        let abs = v.abs();
        for (size, name) in [(1u64 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")] {
            let size = size as f64;
            if abs >= 10.0 * 1024.0 && abs >= size {
                return format!("{} {name}{rest}", trim_zeros(&format!("{:.1}", v / size)));
            }
        }
    }
    format!("{} {unit}", number(v))
}

/// How much worse `other` is than `best`, in words: `12% more`, `3.4 times as much` (lower is
/// better), `25% less` (higher is better).
pub(crate) fn worse_by(best: f64, other: f64, higher_is_better: bool) -> String {
    if other == best {
        return "the same".into();
    }
    if higher_is_better {
        if best <= 0.0 {
            return "less".into();
        }
        return format!("{:.0}% less", (1.0 - other / best) * 100.0);
    }
    if best <= 0.0 {
        return "more".into();
    }
    let ratio = other / best;
    if ratio >= 2.0 {
        format!("{} times as much", trim_zeros(&format!("{ratio:.1}")))
    } else {
        format!("{:.0}% more", (ratio - 1.0) * 100.0)
    }
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
        assert_eq!(quantity(1_572_864.0, "bytes"), "1.5 MiB");
        assert_eq!(quantity(2048.0, "bytes/entry"), "2048 bytes/entry");
        assert_eq!(quantity(20480.0, "bytes/op"), "20 KiB/op");
        assert_eq!(quantity(12.345, "ns/op"), "12.35 ns/op");
        assert_eq!(worse_by(10.0, 11.2, false), "12% more");
        assert_eq!(worse_by(10.0, 34.0, false), "3.4 times as much");
        assert_eq!(worse_by(4.0, 3.0, true), "25% less");
        assert_eq!(worse_by(0.0, 0.0, false), "the same");
    }
}
