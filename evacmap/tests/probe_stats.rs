//! `probe_stats` against Go's load-factor table (`runtime/map.go`): on maximally loaded tables
//! with 8-byte keys and values, the measured columns match Go's (overflow fraction 20.90% and
//! bytes/entry 10.79 at load factor 6.5; hit probe 1 + lf/2 and miss probe lf in every row).

mod common;

use common::{scale, Rng, TestHasher};
use evacmap::{Config, EvacMap};

/// A table of `2^b` buckets filled with `floor(lf * 2^b)` random keys (the most it holds).
fn max_loaded(b: u8, lf: f64) -> EvacMap<u64, u64, TestHasher> {
    let n = (lf * (1u64 << b) as f64).floor() as usize;
    let config = Config::new(lf).unwrap();
    let mut m = EvacMap::with_capacity_config_and_hasher(n, config, TestHasher::Sip);
    assert_eq!(m.stats().b, b, "capacity {n} at lf {lf}");
    let mut rng = Rng::new(b as u64);
    while m.len() < n {
        m.insert(rng.next_u64(), 0);
    }
    let s = m.stats();
    assert_eq!(
        (s.b, s.grows, s.growing),
        (b, 0, false),
        "the table must not have grown"
    );
    m
}

/// Go's row for 6.5 at B = 16 (B = 12 at reduced test scale).
#[test]
fn probe_stats_match_go_at_load_factor_6_5() {
    let b = if scale() >= 1.0 { 16 } else { 12 };
    let m = max_loaded(b, 6.5);
    let p = m.probe_stats();
    assert!(
        (0.17..0.25).contains(&p.overflow_fraction),
        "%overflow {p:?} (Go: 20.90%)"
    );
    let hit = 1.0 + 6.5 / 2.0;
    assert!(
        (p.hit_probe - hit).abs() <= 0.05 * hit,
        "hit probe {p:?} (Go: 4.25)"
    );
    assert!(
        (p.miss_probe - 6.5).abs() <= 0.05 * 6.5,
        "miss probe {p:?} (Go: 6.50)"
    );
    assert!(
        p.bytes_per_entry > 8.0 && p.bytes_per_entry <= 10.79 + 0.5,
        "bytes/entry {p:?} (Go: 10.79)"
    );
    // Derived in the reference: bytes/entry follows from %overflow (144-byte buckets).
    let derived = 144.0 * (1.0 + p.overflow_fraction) / 6.5 - 16.0;
    assert!(
        (p.bytes_per_entry - derived).abs() < 0.3,
        "{p:?} vs derived {derived}"
    );
}

/// Every row of Go's table, measured at B = 12: %overflow within 4 standard errors, probes
/// within 5%.
#[test]
fn probe_stats_match_every_row_of_go_table() {
    let rows = [
        (4.00, 2.13, 20.77),
        (4.50, 4.05, 17.30),
        (5.00, 6.85, 14.77),
        (5.50, 10.55, 12.94),
        (6.00, 15.27, 11.67),
        (6.50, 20.90, 10.79),
        (7.00, 27.14, 10.15),
        (7.50, 34.03, 9.73),
        (8.00, 41.10, 9.40),
    ];
    let b = if scale() >= 1.0 { 12 } else { 10 };
    for (lf, overflow_pct, bytes) in rows {
        let p = max_loaded(b, lf).probe_stats();
        // Four standard errors of a binomial fraction over 2^b buckets, plus Go's own noise.
        let q = overflow_pct / 100.0;
        let tol = 4.0 * (q * (1.0 - q) / (1u64 << b) as f64).sqrt() + 0.005;
        assert!(
            (p.overflow_fraction - q).abs() < tol,
            "lf {lf}: {p:?} vs {overflow_pct}% (tolerance {tol})"
        );
        assert!(
            (p.hit_probe - (1.0 + lf / 2.0)).abs() < 0.05 * (1.0 + lf / 2.0),
            "lf {lf}: {p:?}"
        );
        assert!((p.miss_probe - lf).abs() < 0.05 * lf, "lf {lf}: {p:?}");
        // bytes/entry follows from %overflow: 144-byte buckets over lf entries each.
        let bytes_tol = 144.0 * tol / lf + 0.3;
        assert!(
            (p.bytes_per_entry - bytes).abs() < bytes_tol,
            "lf {lf}: {p:?} vs {bytes}"
        );
    }
}

/// An empty map reports zeros, not NaN.
#[test]
fn probe_stats_of_empty_and_tiny_maps() {
    let mut m = EvacMap::<u64, u64>::new();
    let p = m.probe_stats();
    assert_eq!(
        (
            p.hit_probe,
            p.miss_probe,
            p.overflow_fraction,
            p.bytes_per_entry
        ),
        (0.0, 0.0, 0.0, 0.0)
    );
    m.insert(1, 1);
    let p = m.probe_stats();
    assert_eq!(
        (p.hit_probe, p.miss_probe, p.overflow_fraction),
        (1.0, 1.0, 0.0)
    );
    assert_eq!(p.bytes_per_entry, 144.0 - 16.0);
}
