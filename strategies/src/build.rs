//! What every contender is built from: capacity, hasher seed and the strategies' tuning knobs,
//! validated in one place so a bad value is a clear error whichever contender reads it.

use core::fmt;

use evacmap::{Config, ConfigError};

/// The hasher every contender uses: foldhash's fast hasher with a fixed seed, so all contenders
/// hash the same keys to the same 64-bit values in one run (evacmap then folds in its per-map
/// seed, as Go's `hash0`).
pub type Hasher = foldhash::fast::FixedState;

/// The hasher for `seed`.
pub fn hasher(seed: u64) -> Hasher {
    foldhash::fast::FixedState::with_seed(seed)
}

/// How to build a contender. Fields a contender does not use are ignored, but every field is
/// validated by [`Build::validate`], which every [`Contender::build`](crate::Contender::build)
/// calls first.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Build {
    /// Entries to size the map for.
    pub capacity: usize,
    /// Seed of the shared [`Hasher`].
    pub seed: u64,
    /// Shards of the `sharded` strategy; `None` picks [`Build::default_shards`]. Must not be 0.
    pub shards: Option<usize>,
    /// `tombstone`: after a sweep, when the fraction of the table's capacity (at its load
    /// factor) not holding live entries exceeds this, the map is compacted (`shrink_to_fit`).
    /// In `(0, 1]`; `1.0` never compacts.
    pub compact_above: f64,
    /// The evacmap config of every evacmap-based contender (load factor, shrink policy).
    pub map: Config,
}

/// Default [`Build::compact_above`]: compact once less than a quarter of the capacity is live.
pub const DEFAULT_COMPACT_ABOVE: f64 = 0.75;

/// Most shards accepted (each one is a lock and a table).
pub const MAX_SHARDS: usize = 1 << 16;

impl Default for Build {
    fn default() -> Self {
        Build {
            capacity: 0,
            seed: 0x5eed_0fe7_acbe_9c00,
            shards: None,
            compact_above: DEFAULT_COMPACT_ABOVE,
            map: Config::default(),
        }
    }
}

impl Build {
    /// The default build with room for `capacity` entries.
    pub fn with_capacity(capacity: usize) -> Self {
        Build {
            capacity,
            ..Build::default()
        }
    }

    /// Shards when none are given: 4 per available core, rounded up to a power of two (as
    /// dashmap), so concurrent writers rarely meet on one shard.
    pub fn default_shards() -> usize {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        (cores * 4).next_power_of_two()
    }

    /// The shard count to use: the given one or the default.
    pub fn shard_count(&self) -> usize {
        self.shards.unwrap_or_else(Build::default_shards)
    }

    /// Checks every field; the error names the field, the value and what is accepted.
    pub fn validate(&self) -> Result<(), BuildError> {
        match self.shards {
            Some(0) => return Err(BuildError::ZeroShards),
            Some(n) if n > MAX_SHARDS => return Err(BuildError::TooManyShards(n)),
            _ => {}
        }
        let t = self.compact_above;
        if !t.is_finite() || t <= 0.0 || t > 1.0 {
            return Err(BuildError::CompactAbove(t));
        }
        self.map.validate().map_err(BuildError::Map)
    }
}

/// An invalid [`Build`].
#[derive(Clone, Debug, PartialEq)]
pub enum BuildError {
    /// `shards` was `Some(0)`.
    ZeroShards,
    /// `shards` was above [`MAX_SHARDS`].
    TooManyShards(usize),
    /// `compact_above` was NaN, infinite or outside `(0, 1]`.
    CompactAbove(f64),
    /// The evacmap config is invalid.
    Map(ConfigError),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::ZeroShards => write!(
                f,
                "shards must be at least 1 (got 0); omit it to use {} (4 per core)",
                Build::default_shards()
            ),
            BuildError::TooManyShards(n) => {
                write!(f, "shards must be at most {MAX_SHARDS} (got {n})")
            }
            BuildError::CompactAbove(t) => write!(
                f,
                "compact threshold must be a fraction in (0, 1] (got {t}); \
                 {DEFAULT_COMPACT_ABOVE} compacts once under a quarter of the capacity is live, \
                 1 never compacts"
            ),
            BuildError::Map(e) => write!(f, "invalid evacmap config: {e}"),
        }
    }
}

impl std::error::Error for BuildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BuildError::Map(e) => Some(e),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_shards_is_a_clear_error() {
        let b = Build {
            shards: Some(0),
            ..Build::default()
        };
        let e = b.validate().unwrap_err();
        assert_eq!(e, BuildError::ZeroShards);
        assert!(e.to_string().contains("at least 1"), "{e}");
    }

    #[test]
    fn nan_and_out_of_range_thresholds_are_errors() {
        for t in [f64::NAN, f64::INFINITY, 0.0, -0.5, 1.5] {
            let b = Build {
                compact_above: t,
                ..Build::default()
            };
            let e = b.validate().unwrap_err();
            assert!(matches!(e, BuildError::CompactAbove(_)), "{t}: {e:?}");
            assert!(e.to_string().contains("(0, 1]"), "{e}");
        }
        let ok = Build {
            compact_above: 1.0,
            ..Build::default()
        };
        assert_eq!(ok.validate(), Ok(()));
    }

    #[test]
    fn nan_load_factor_is_an_error() {
        let b = Build {
            map: Config {
                load_factor: f64::NAN,
                shrink_below: None,
                seed: None,
            },
            ..Build::default()
        };
        assert!(matches!(b.validate(), Err(BuildError::Map(_))));
    }

    #[test]
    fn default_shards_is_a_power_of_two() {
        assert!(Build::default_shards().is_power_of_two());
        assert_eq!(Build::default().shard_count(), Build::default_shards());
    }
}
