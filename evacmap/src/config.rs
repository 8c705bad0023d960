//! Tuning knobs: the growth threshold (Go's load factor) and the optional shrink policy.

use core::fmt;

/// Go's load factor: a table grows when the average number of entries per bucket would exceed it.
pub const GO_LOAD_FACTOR: f64 = 6.5;

/// The largest accepted load factor (twice the slots of a bucket; beyond it every chain overflows).
pub const MAX_LOAD_FACTOR: f64 = 16.0;

/// How an [`EvacMap`](crate::EvacMap) sizes itself.
///
/// Build one with [`Config::new`] (which validates) or start from [`Config::default`] (Go's
/// behaviour: load factor 6.5, never shrink) and set the public fields; the map validates again
/// when it is built.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Config {
    /// Average entries per bucket above which an insert starts a doubling grow; in `(0, 16]`.
    pub load_factor: f64,
    /// When `Some(t)`, a removal that leaves fewer than `t * 2^B` entries starts an incremental
    /// halving. Must be positive and below `load_factor / 2`, so a halved table is not already
    /// over its load factor (hysteresis). `None` (the default) never shrinks, as Go.
    pub shrink_below: Option<f64>,
    /// When `Some(s)`, the map's random draws (its hash seed, Go's `hash0`, redrawn when it
    /// empties; its cursors' random starts; the sampled overflow count above B=15) follow a
    /// fixed sequence derived from `s`, so the same operations give the same layout in every
    /// run. `None` (the default) draws fresh randomness, as Go does; keep it for maps that hash
    /// untrusted keys.
    pub seed: Option<u64>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            load_factor: GO_LOAD_FACTOR,
            shrink_below: None,
            seed: None,
        }
    }
}

impl Config {
    /// A config with the given load factor and no shrinking; errors if it is not in `(0, 16]`.
    pub fn new(load_factor: f64) -> Result<Config, ConfigError> {
        let config = Config {
            load_factor,
            ..Config::default()
        };
        config.validate()?;
        Ok(config)
    }

    /// The same config with the shrink policy set to `threshold` (see [`Config::shrink_below`]).
    pub fn with_shrink_below(self, threshold: f64) -> Result<Config, ConfigError> {
        let config = Config {
            shrink_below: Some(threshold),
            ..self
        };
        config.validate()?;
        Ok(config)
    }

    /// The same config with its random draws fixed to the sequence of `seed` (see
    /// [`Config::seed`]).
    pub fn with_seed(self, seed: u64) -> Config {
        Config {
            seed: Some(seed),
            ..self
        }
    }

    /// A shrink threshold a quarter of the load factor: after a halving the table is half full.
    pub fn recommended_shrink_below(load_factor: f64) -> f64 {
        load_factor / 4.0
    }

    /// Checks every field; the error says which value is wrong and what would be accepted.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let lf = self.load_factor;
        if !lf.is_finite() || lf <= 0.0 || lf > MAX_LOAD_FACTOR {
            return Err(ConfigError::LoadFactor(lf));
        }
        if let Some(t) = self.shrink_below {
            if !t.is_finite() || t <= 0.0 || t >= lf / 2.0 {
                return Err(ConfigError::ShrinkBelow {
                    threshold: t,
                    load_factor: lf,
                });
            }
        }
        Ok(())
    }
}

/// An invalid [`Config`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ConfigError {
    /// The load factor is NaN, infinite, not positive, or above [`MAX_LOAD_FACTOR`].
    LoadFactor(f64),
    /// The shrink threshold is NaN, infinite, not positive, or not below half the load factor.
    ShrinkBelow {
        /// The rejected threshold.
        threshold: f64,
        /// The load factor it was checked against.
        load_factor: f64,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ConfigError::LoadFactor(lf) => write!(
                f,
                "invalid load factor {lf}: it must be a finite number in (0, {MAX_LOAD_FACTOR}] \
                 (average entries per 8-slot bucket before the table doubles; Go uses {GO_LOAD_FACTOR})"
            ),
            ConfigError::ShrinkBelow { threshold, load_factor } => write!(
                f,
                "invalid shrink threshold {threshold}: it must be a finite number in (0, {}) for \
                 load factor {load_factor} (below half the load factor, so a halved table is not \
                 over its load factor; {} is a good choice)",
                load_factor / 2.0,
                Config::recommended_shrink_below(load_factor)
            ),
        }
    }
}

impl std::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_load_factors_with_a_fix_in_the_message() {
        for bad in [f64::NAN, f64::INFINITY, 0.0, -1.0, 16.5] {
            let err = Config::new(bad).unwrap_err();
            assert!(matches!(err, ConfigError::LoadFactor(v) if v.to_bits() == bad.to_bits()));
            assert!(
                err.to_string()
                    .contains("must be a finite number in (0, 16]"),
                "{err}"
            );
        }
        assert!(Config::new(16.0).is_ok());
        assert_eq!(Config::default().load_factor, 6.5);
    }

    #[test]
    fn shrink_threshold_needs_hysteresis() {
        assert!(Config::default().with_shrink_below(1.625).is_ok());
        for bad in [f64::NAN, 0.0, 3.25, 5.0] {
            let err = Config::default().with_shrink_below(bad).unwrap_err();
            assert!(matches!(err, ConfigError::ShrinkBelow { .. }));
            assert!(
                err.to_string().contains("below half the load factor"),
                "{err}"
            );
        }
    }
}
