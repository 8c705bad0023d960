//! Statistics of timed samples: the mean time per operation and its bootstrap confidence
//! interval (the same estimator criterion reports for flat sampling).

use crate::keys::Rng;

/// Mean and 95% confidence interval of per-operation times.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Estimate {
    pub(crate) mean: f64,
    pub(crate) low: f64,
    pub(crate) high: f64,
}

/// `samples` are per-operation times; `resamples` bootstrap resamples of the mean give the
/// 2.5% and 97.5% percentiles. Deterministic for a given `seed`.
pub(crate) fn estimate(samples: &[f64], resamples: usize, seed: u64) -> Option<Estimate> {
    if samples.is_empty() {
        return None;
    }
    let n = samples.len();
    let mean = samples.iter().sum::<f64>() / n as f64;
    if n == 1 || resamples == 0 {
        return Some(Estimate {
            mean,
            low: mean,
            high: mean,
        });
    }
    let mut rng = Rng::new(seed);
    let mut means: Vec<f64> = (0..resamples)
        .map(|_| {
            (0..n)
                .map(|_| samples[rng.below(n as u64) as usize])
                .sum::<f64>()
                / n as f64
        })
        .collect();
    means.sort_by(f64::total_cmp);
    let at = |q: f64| means[((resamples - 1) as f64 * q).round() as usize];
    Some(Estimate {
        mean,
        low: at(0.025),
        high: at(0.975),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_brackets_the_mean_and_shrinks_with_agreement() {
        let noisy = [10.0, 12.0, 8.0, 11.0, 9.0, 10.5, 9.5, 10.0, 13.0, 7.0];
        let e = estimate(&noisy, 10_000, 1).unwrap();
        assert!((e.mean - 10.0).abs() < 1e-9);
        assert!(e.low < e.mean && e.mean < e.high, "{e:?}");
        let tight = [10.0; 10];
        let t = estimate(&tight, 1000, 1).unwrap();
        assert_eq!((t.low, t.high), (10.0, 10.0));
        assert!(estimate(&[], 10, 1).is_none());
    }
}
