//! The keys and values every contender stores: `u64` keys and values of 8 or 64 bytes.
//!
//! Values are derived from their key and a version, so a reader can check that what it found is
//! a value that was really written for that key (never a torn or foreign one) by looking at one
//! word, [`Value::check`].

use core::fmt::Debug;

/// The key type of every contender (bustle and conc-map-bench fix theirs the same way).
pub type Key = u64;

/// A value a contender can store: cheap to make from a key, checkable by a reader.
pub trait Value: Clone + Debug + PartialEq + Send + Sync + 'static {
    /// Size of the value in bytes, as stored in a map cell.
    const BYTES: usize;
    /// Short name used in bench ids and records (`v8`, `v64`).
    const LABEL: &'static str;
    /// The value written for `key` at `version` (a writer bumps the version to update).
    fn new(key: Key, version: u64) -> Self;
    /// The word a reader checks: [`check_word`]`(key, version)` for the value made by `new`.
    fn check(&self) -> u64;
    /// The version this value was made with (`key` is the key it is stored under).
    fn version(&self, key: Key) -> u64;
}

/// The check word of the value written for `key` at `version`: the first word of every
/// [`Payload`]. Distinct keys at the same version give distinct words.
#[inline]
pub const fn check_word(key: Key, version: u64) -> u64 {
    key ^ version.rotate_left(32)
}

/// A value of `W` words: word 0 is the check word, word 1 (if any) the version, the rest
/// filler derived from the key so the value is not all zeros.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Payload<const W: usize>(pub [u64; W]);

/// An 8-byte value: only the check word (the version is recovered from it and the key).
pub type V8 = Payload<1>;
/// A 64-byte value: a cache line per value.
pub type V64 = Payload<8>;

impl Value for Payload<1> {
    const BYTES: usize = 8;
    const LABEL: &'static str = "v8";

    #[inline]
    fn new(key: Key, version: u64) -> Self {
        Payload([check_word(key, version)])
    }

    #[inline]
    fn check(&self) -> u64 {
        self.0[0]
    }

    /// Recovered from the check word: `check_word` is `key ^ version.rotate_left(32)`.
    #[inline]
    fn version(&self, key: Key) -> u64 {
        (self.0[0] ^ key).rotate_right(32)
    }
}

impl Value for Payload<8> {
    const BYTES: usize = 64;
    const LABEL: &'static str = "v64";

    #[inline]
    fn new(key: Key, version: u64) -> Self {
        let mut words = [key.wrapping_mul(0x9e37_79b9_7f4a_7c15); 8];
        words[0] = check_word(key, version);
        words[1] = version;
        Payload(words)
    }

    #[inline]
    fn check(&self) -> u64 {
        self.0[0]
    }

    #[inline]
    fn version(&self, _key: Key) -> u64 {
        self.0[1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_match_their_labels() {
        assert_eq!(core::mem::size_of::<V8>(), V8::BYTES);
        assert_eq!(core::mem::size_of::<V64>(), V64::BYTES);
    }

    #[test]
    fn check_word_identifies_key_and_version() {
        let a = V64::new(7, 3);
        assert_eq!(a.check(), check_word(7, 3));
        assert_eq!(a.version(7), 3);
        assert_eq!(V8::new(7, 3).version(7), 3);
        assert_eq!(V8::new(u64::MAX, 1 << 40).version(u64::MAX), 1 << 40);
        assert_ne!(V8::new(7, 0).check(), V8::new(8, 0).check());
        assert_ne!(V8::new(7, 0).check(), V8::new(7, 1).check());
    }
}
