//! Tophash bytes: the state Go keeps for every cell, in front of each bucket.

use core::fmt;

/// The state byte of one cell of a bucket.
///
/// Values below [`TopHash::MIN_TOP_HASH`] are states; values from it up are the top byte of the
/// hash of the key stored in the cell (bumped up by `MIN_TOP_HASH` when it would collide with a
/// state), exactly as in Go's `runtime/map.go`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(transparent)]
pub struct TopHash(pub(crate) u8);

impl TopHash {
    /// This cell is empty, and there are no more non-empty cells at higher indexes or overflows.
    pub const EMPTY_REST: TopHash = TopHash(0);
    /// This cell is empty (a tombstone: a live cell may follow it in the chain).
    pub const EMPTY_ONE: TopHash = TopHash(1);
    /// The entry was evacuated to the first destination: the same index in a doubled table, or
    /// the only destination of a same-size grow or a halving.
    pub const EVACUATED_X: TopHash = TopHash(2);
    /// The entry was evacuated to the second half of a doubled table.
    pub const EVACUATED_Y: TopHash = TopHash(3);
    /// The cell was empty when its bucket was evacuated.
    pub const EVACUATED_EMPTY: TopHash = TopHash(4);
    /// The minimum tophash of a filled cell.
    pub const MIN_TOP_HASH: u8 = 5;

    /// The tophash of a filled cell whose key has hash `hash`.
    #[inline]
    pub const fn for_hash(hash: u64) -> TopHash {
        // In 64 bits, so the choice compiles to one `cmov` without byte extensions.
        let top = hash >> 56;
        let min = Self::MIN_TOP_HASH as u64;
        TopHash((if top < min { top + min } else { top }) as u8)
    }

    /// The raw byte.
    #[inline]
    pub const fn get(self) -> u8 {
        self.0
    }

    /// `emptyRest` or `emptyOne`: a cell an insert may fill (Go's `isEmpty`).
    #[inline]
    pub const fn is_empty(self) -> bool {
        self.0 <= Self::EMPTY_ONE.0
    }

    /// The cell holds a live entry.
    #[inline]
    pub const fn is_full(self) -> bool {
        self.0 >= Self::MIN_TOP_HASH
    }

    /// One of the three evacuation marks (`evacuatedX`, `evacuatedY`, `evacuatedEmpty`).
    #[inline]
    pub const fn is_evacuated(self) -> bool {
        self.0 > Self::EMPTY_ONE.0 && self.0 < Self::MIN_TOP_HASH
    }
}

impl fmt::Debug for TopHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::EMPTY_REST => f.write_str("emptyRest"),
            Self::EMPTY_ONE => f.write_str("emptyOne"),
            Self::EVACUATED_X => f.write_str("evacuatedX"),
            Self::EVACUATED_Y => f.write_str("evacuatedY"),
            Self::EVACUATED_EMPTY => f.write_str("evacuatedEmpty"),
            TopHash(top) => write!(f, "full({top:#04x})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_have_go_values_and_readable_debug() {
        assert_eq!(TopHash::EMPTY_REST.get(), 0);
        assert_eq!(TopHash::EMPTY_ONE.get(), 1);
        assert_eq!(TopHash::EVACUATED_X.get(), 2);
        assert_eq!(TopHash::EVACUATED_Y.get(), 3);
        assert_eq!(TopHash::EVACUATED_EMPTY.get(), 4);
        assert_eq!(TopHash::MIN_TOP_HASH, 5);
        assert_eq!(format!("{:?}", TopHash::EMPTY_ONE), "emptyOne");
        assert_eq!(format!("{:?}", TopHash(0xab)), "full(0xab)");
    }

    #[test]
    fn filled_tophash_never_collides_with_a_state() {
        for top in 0..=255u64 {
            let t = TopHash::for_hash(top << 56);
            assert!(t.is_full(), "{t:?}");
            assert_eq!(t.get(), if top < 5 { top as u8 + 5 } else { top as u8 });
        }
    }
}
