//! The keys of a workload and which of them are doomed, derived from a seed.
//!
//! Every contender sees the same keys in the same order and the same doom decisions. Keys are
//! a bijection of their *rank* (the order in which the workload inserts them), so the rank of any
//! key can be recovered in a few instructions, and "is this key doomed?" is a bit test in a
//! bitmap indexed by rank: a predicate cheap enough not to dominate a sweep, identical for every
//! contender, and exact (the doomed set has exactly the requested size). Ranks at or above the
//! prefill size name keys that were never prefilled: fresh inserts and lookup misses.

use std::fmt;

use strategies::Key;

/// How ranks map to keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyOrder {
    /// Keys look uniformly random: a seeded 64-bit bijection of the rank.
    Uniform,
    /// Keys are `rank + 1`: dense and ordered (0 avoided), like database ids.
    Sequential,
}

impl KeyOrder {
    /// The parameter value recorded for this order.
    pub const fn id(self) -> &'static str {
        match self {
            KeyOrder::Uniform => "uniform",
            KeyOrder::Sequential => "sequential",
        }
    }
}

/// Which entries a sweep dooms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DoomPattern {
    /// Each key equally likely: exactly the requested fraction, chosen uniformly.
    Uniform,
    /// Skewed by rank: doom probability falls as 1/(rank+1) (Zipf, s = 1), so early (old)
    /// entries die first, as in a time-based expiry with a long tail.
    Zipf,
}

impl DoomPattern {
    /// The parameter value recorded for this pattern.
    pub const fn id(self) -> &'static str {
        match self {
            DoomPattern::Uniform => "uniform",
            DoomPattern::Zipf => "zipf",
        }
    }
}

/// The keys of one workload: `n` prefilled ranks `0..n`, `extra` further ranks for inserts
/// and misses, and the doomed subset of the prefilled ones (a bitmap of `n` bits; `extra`
/// costs nothing, so a churn can use an effectively unbounded rank space).
#[derive(Clone)]
pub struct KeySet {
    order: KeyOrder,
    seed: u64,
    n: u64,
    total: u64,
    doomed: Vec<u64>,
    doomed_count: u64,
}

impl fmt::Debug for KeySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeySet")
            .field("order", &self.order)
            .field("seed", &self.seed)
            .field("n", &self.n)
            .field("total", &self.total)
            .field("doomed_count", &self.doomed_count)
            .finish()
    }
}

impl KeySet {
    /// Keys for `n` prefilled entries plus `extra` more ranks, dooming `fraction` of the
    /// prefilled ones by `pattern` (rounded to the nearest whole entry).
    pub fn new(
        order: KeyOrder,
        n: u64,
        extra: u64,
        seed: u64,
        pattern: DoomPattern,
        fraction: f64,
    ) -> KeySet {
        assert!((0.0..=1.0).contains(&fraction), "doom fraction {fraction}");
        let total = n.checked_add(extra).expect("rank space overflows u64");
        let mut set = KeySet {
            order,
            seed,
            n,
            total,
            doomed: vec![0; n.div_ceil(64) as usize],
            doomed_count: 0,
        };
        let count = ((n as f64) * fraction).round() as u64;
        let mut rng = Rng::new(seed ^ 0xd00d);
        let chosen: Vec<u64> = match pattern {
            _ if count == n => (0..n).collect(),
            DoomPattern::Uniform => {
                // Partial Fisher-Yates over the ranks.
                let mut ranks: Vec<u64> = (0..n).collect();
                for i in 0..count as usize {
                    let j = i + rng.below((ranks.len() - i) as u64) as usize;
                    ranks.swap(i, j);
                }
                ranks.truncate(count as usize);
                ranks
            }
            DoomPattern::Zipf => {
                // Weighted sampling without replacement (Efraimidis-Spirakis): the `count`
                // smallest -ln(u) / w, with weight w = 1 / (rank + 1).
                let mut scored: Vec<(f64, u64)> = (0..n)
                    .map(|r| (-rng.unit().ln() * (r + 1) as f64, r))
                    .collect();
                if count > 0 {
                    scored.select_nth_unstable_by(count as usize - 1, |a, b| a.0.total_cmp(&b.0));
                }
                scored.truncate(count as usize);
                scored.into_iter().map(|(_, r)| r).collect()
            }
        };
        for r in chosen {
            set.doomed[(r / 64) as usize] |= 1 << (r % 64);
        }
        set.doomed_count = count;
        set
    }

    /// Prefilled entries.
    pub fn n(&self) -> u64 {
        self.n
    }

    /// Ranks available (prefilled plus extra).
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Doomed prefilled entries.
    pub fn doomed_count(&self) -> u64 {
        self.doomed_count
    }

    /// The seed the keys and the doomed set derive from.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The key of `rank`.
    #[inline]
    pub fn key(&self, rank: u64) -> Key {
        match self.order {
            KeyOrder::Uniform => mix(rank ^ self.seed),
            KeyOrder::Sequential => rank + 1,
        }
    }

    /// The rank of `key`, if it is one of this set's ranks.
    #[inline]
    pub fn rank(&self, key: Key) -> Option<u64> {
        let rank = match self.order {
            KeyOrder::Uniform => unmix(key) ^ self.seed,
            KeyOrder::Sequential => key.wrapping_sub(1),
        };
        (rank < self.total).then_some(rank)
    }

    /// Whether the rank is doomed (only prefilled ranks can be).
    #[inline]
    pub fn rank_doomed(&self, rank: u64) -> bool {
        rank < self.n && self.doomed[(rank / 64) as usize] & (1 << (rank % 64)) != 0
    }

    /// The doom predicate every contender's sweep gets.
    #[inline]
    pub fn is_doomed(&self, key: Key) -> bool {
        self.rank(key).is_some_and(|r| self.rank_doomed(r))
    }

    /// A key that is never inserted by the workload (for lookup misses): `i` maps to distinct
    /// keys outside every rank of the set.
    #[inline]
    pub fn absent_key(&self, i: u64) -> Key {
        self.key(self.total + i)
    }
}

const M1: u64 = 0xbf58_476d_1ce4_e5b9;
const M2: u64 = 0x94d0_49bb_1331_11eb;

/// The inverse of an odd multiplier modulo 2^64 (Newton's iteration doubles the correct bits).
const fn inverse(a: u64) -> u64 {
    let mut x = a; // correct to 3 bits for odd a
    let mut i = 0;
    while i < 5 {
        x = x.wrapping_mul(2u64.wrapping_sub(a.wrapping_mul(x)));
        i += 1;
    }
    x
}

const M1_INV: u64 = inverse(M1);
const M2_INV: u64 = inverse(M2);

/// splitmix64's finalizer: a bijection of u64 that looks random.
#[inline]
pub(crate) fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(M1);
    x = (x ^ (x >> 27)).wrapping_mul(M2);
    x ^ (x >> 31)
}

/// Undoes `x ^= x >> s` for `s >= 1`.
#[inline]
fn unshift(x: u64, s: u32) -> u64 {
    let mut y = x;
    let mut k = s;
    while k < 64 {
        y = x ^ (y >> s);
        k += s;
    }
    y
}

/// The inverse of [`mix`].
#[inline]
fn unmix(mut x: u64) -> u64 {
    x = unshift(x, 31).wrapping_mul(M2_INV);
    x = unshift(x, 27).wrapping_mul(M1_INV);
    unshift(x, 30)
}

/// A small seeded generator (xorshift64*) for workload decisions.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed` (any value, 0 included).
    pub fn new(seed: u64) -> Rng {
        Rng(mix(seed) | 1)
    }

    /// The next 64 random bits.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..bound` (`bound > 0`), by multiply-shift.
    #[inline]
    pub fn below(&mut self, bound: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(bound)) >> 64) as u64
    }

    /// A float in `(0, 1]`.
    #[inline]
    pub fn unit(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mix_is_inverted() {
        let mut rng = Rng::new(1);
        for _ in 0..10_000 {
            let x = rng.next_u64();
            assert_eq!(unmix(mix(x)), x);
        }
        assert_eq!(M1.wrapping_mul(M1_INV), 1);
        assert_eq!(M2.wrapping_mul(M2_INV), 1);
    }

    #[test]
    fn ranks_round_trip_and_absent_keys_are_outside() {
        for order in [KeyOrder::Uniform, KeyOrder::Sequential] {
            let set = KeySet::new(order, 1000, 100, 42, DoomPattern::Uniform, 0.5);
            for r in 0..1100 {
                assert_eq!(set.rank(set.key(r)), Some(r));
            }
            for i in 0..1000 {
                assert_eq!(set.rank(set.absent_key(i)), None, "{order:?} {i}");
            }
        }
    }

    #[test]
    fn doomed_count_is_exact() {
        for pattern in [DoomPattern::Uniform, DoomPattern::Zipf] {
            for (f, want) in [
                (0.0, 0),
                (0.01, 100),
                (0.5, 5000),
                (0.9, 9000),
                (1.0, 10_000),
            ] {
                let set = KeySet::new(KeyOrder::Uniform, 10_000, 10, 7, pattern, f);
                let got = (0..10_010).filter(|&r| set.rank_doomed(r)).count();
                assert_eq!(got, want, "{pattern:?} {f}");
                assert_eq!(set.doomed_count(), want as u64);
                assert!(!set.rank_doomed(10_005), "extra ranks are never doomed");
            }
        }
    }

    #[test]
    fn below_stays_in_range_and_covers_it() {
        let mut rng = Rng::new(9);
        let mut hits = [0usize; 10];
        for _ in 0..10_000 {
            hits[rng.below(10) as usize] += 1;
        }
        assert!(hits.iter().all(|&h| (800..1200).contains(&h)), "{hits:?}");
    }

    #[test]
    fn zipf_dooms_early_ranks_more_often() {
        let set = KeySet::new(KeyOrder::Uniform, 100_000, 0, 3, DoomPattern::Zipf, 0.1);
        let first = (0..1000).filter(|&r| set.rank_doomed(r)).count();
        let last = (99_000..100_000).filter(|&r| set.rank_doomed(r)).count();
        assert!(first > 5 * last.max(1), "first {first}, last {last}");
    }

    #[test]
    fn same_seed_same_keys() {
        let a = KeySet::new(KeyOrder::Uniform, 500, 0, 9, DoomPattern::Zipf, 0.3);
        let b = KeySet::new(KeyOrder::Uniform, 500, 0, 9, DoomPattern::Zipf, 0.3);
        for r in 0..500 {
            assert_eq!(a.key(r), b.key(r));
            assert_eq!(a.rank_doomed(r), b.rank_doomed(r));
        }
    }
}
