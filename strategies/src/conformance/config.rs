//! Property 5: an invalid configuration is a clear error from every contender.
//!
//! A contender that ignores a field it does not use would accept `shards: Some(0)` or a NaN
//! threshold silently, and the same `Build` would then fail on one contender and not another;
//! one that forwards a NaN load factor to evacmap would misbehave far from the cause. Every
//! contender must run [`Build::validate`] first, so each bad value is an `Err` whose text names
//! the field, the value and what is accepted, and the default `Build` must succeed.

use crate::evacmap::Config;
use crate::{Build, BuildError, Contender, Value, MAX_SHARDS};

use crate::conformance::harness::{Applies, Check, Ctx};

/// Property 5 (see the module docs).
#[derive(Debug)]
pub(crate) struct InvalidBuilds;

/// A bad build, and phrases its error text must contain: what is wrong and how to fix it.
struct Bad {
    what: &'static str,
    build: Build,
    says: &'static [&'static str],
}

fn bad_builds() -> Vec<Bad> {
    let base = Build::default();
    vec![
        Bad {
            what: "shards: Some(0)",
            build: Build {
                shards: Some(0),
                ..base
            },
            says: &["shards", "at least 1", "got 0", "omit it"],
        },
        Bad {
            what: "shards above MAX_SHARDS",
            build: Build {
                shards: Some(MAX_SHARDS + 1),
                ..base
            },
            says: &["shards", "at most"],
        },
        Bad {
            what: "compact_above: NaN",
            build: Build {
                compact_above: f64::NAN,
                ..base
            },
            says: &["compact", "NaN", "(0, 1]"],
        },
        Bad {
            what: "compact_above: 1.5",
            build: Build {
                compact_above: 1.5,
                ..base
            },
            says: &["compact", "1.5", "(0, 1]"],
        },
        Bad {
            what: "map load_factor: NaN",
            build: Build {
                map: Config {
                    load_factor: f64::NAN,
                    ..Config::default()
                },
                ..base
            },
            says: &["load factor", "NaN", "(0, 16]"],
        },
        Bad {
            what: "map shrink_below: NaN",
            build: Build {
                map: Config {
                    shrink_below: Some(f64::NAN),
                    ..Config::default()
                },
                ..base
            },
            says: &["shrink threshold", "NaN", "good choice"],
        },
    ]
}

impl Check for InvalidBuilds {
    const NAME: &'static str = "invalid builds are clear errors";

    fn single<V: Value, C: Contender<V>>(&self, _: &Ctx) -> Applies {
        for bad in bad_builds() {
            let err: BuildError = match C::build(&bad.build) {
                Ok(_) => panic!("build with {} succeeded; it must be an error", bad.what),
                Err(e) => e,
            };
            let text = err.to_string();
            let missing: Vec<&str> = bad
                .says
                .iter()
                .copied()
                .filter(|p| !text.contains(p))
                .collect();
            assert!(
                missing.is_empty(),
                "the error for {} does not say {missing:?}: {text:?}",
                bad.what
            );
            // Compared as text: NaN fields make the errors themselves unequal.
            let validate = bad.build.validate().map_err(|e| e.to_string());
            assert_eq!(
                Err(text),
                validate,
                "build with {} must fail with Build::validate's error",
                bad.what
            );
        }
        for good in [
            Build::default(),
            Build::with_capacity(10_000),
            Build {
                shards: Some(1),
                compact_above: 1.0,
                ..Build::default()
            },
        ] {
            if let Err(e) = C::build(&good) {
                panic!("valid build {good:?} failed: {e}");
            }
        }
        Applies::Checked
    }
}
