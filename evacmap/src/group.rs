//! SWAR over the 8 tophash bytes of one bucket: a bucket's states in a single `u64`.

use crate::tophash::TopHash;

/// Repeats a byte in every lane.
const fn lanes(byte: u8) -> u64 {
    u64::from_ne_bytes([byte; 8])
}
const HIGH: u64 = lanes(0x80);
const LOW7: u64 = lanes(0x7f);
/// `emptyOne` in every lane.
pub(crate) const EMPTY_ONE_LANES: u64 = lanes(TopHash::EMPTY_ONE.get());

/// The 8 tophash bytes of a bucket, slot `i` in byte `i` (little-endian lanes).
#[derive(Clone, Copy)]
pub(crate) struct Group(u64);

impl Group {
    #[inline]
    pub(crate) fn load(tophash: &[TopHash; 8]) -> Group {
        Group(u64::from_le_bytes(tophash.map(TopHash::get)))
    }

    /// A group from a word, slot `i` in byte `i`.
    #[inline]
    pub(crate) fn from_word(word: u64) -> Group {
        Group(word)
    }

    /// The 8 bytes as one word, slot `i` in byte `i`.
    #[inline]
    pub(crate) fn word(self) -> u64 {
        self.0
    }

    /// Lanes whose value is at least `min` (`min` in `1..=0x80`); exact, no false positives.
    #[inline]
    fn at_least(self, min: u8) -> BitMask {
        // Adding 0x80 - min to the low 7 bits sets the lane's high bit iff low7 >= min; the sum
        // stays below 0x100, so no carry crosses a lane. Lanes >= 0x80 already have it set.
        let sum = (self.0 & LOW7).wrapping_add(lanes(0x80 - min));
        BitMask((sum | self.0) & HIGH)
    }

    /// Slots holding a live entry.
    #[inline]
    pub(crate) fn match_full(self) -> BitMask {
        self.at_least(TopHash::MIN_TOP_HASH)
    }

    /// Slots that are `emptyOne` or `emptyRest`.
    #[inline]
    pub(crate) fn match_empty(self) -> BitMask {
        BitMask(!self.at_least(2).0 & HIGH)
    }

    /// Slots whose byte equals `top` exactly.
    #[inline]
    pub(crate) fn match_byte(self, top: TopHash) -> BitMask {
        let x = self.0 ^ lanes(top.get());
        // A lane is zero iff adding 0x7f to its low 7 bits leaves the high bit clear and the lane
        // itself has no high bit.
        let nonzero = (x & LOW7).wrapping_add(LOW7) | x;
        BitMask(!nonzero & HIGH)
    }

    /// Slots marked `evacuatedX` or `evacuatedY`: entries that moved to a newer table.
    #[inline]
    pub(crate) fn match_moved(self) -> BitMask {
        BitMask(self.match_byte(TopHash::EVACUATED_X).0 | self.match_byte(TopHash::EVACUATED_Y).0)
    }

    /// Some slot is `emptyRest`: nothing in this chain follows that slot.
    #[inline]
    pub(crate) fn has_empty_rest(self) -> bool {
        self.match_byte(TopHash::EMPTY_REST).any()
    }
}

/// A set of slots: bit 7 of lane `i` stands for slot `i`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct BitMask(u64);

impl BitMask {
    /// No slot.
    pub(crate) const EMPTY: BitMask = BitMask(0);

    /// The raw bits (bit 7 of lane `i` for slot `i`).
    #[inline]
    pub(crate) fn bits(self) -> u64 {
        self.0
    }

    #[inline]
    pub(crate) fn any(self) -> bool {
        self.0 != 0
    }

    #[inline]
    pub(crate) fn count(self) -> usize {
        self.0.count_ones() as usize
    }

    /// A set from lane bits (bit 7 of lane `i` for slot `i`; other bits must be clear).
    #[inline]
    pub(crate) fn from_lanes(bits: u64) -> BitMask {
        debug_assert_eq!(bits & !HIGH, 0);
        BitMask(bits)
    }

    /// The set as 8 bits, bit `i` for slot `i` (a portable `movemask`).
    #[inline]
    pub(crate) fn to_byte(self) -> u8 {
        // Lane i contributes bit 8i; times the magic it lands on bit 56 + i and nowhere else in
        // the top byte, and the partial products below never collide (8i + 7j is unique), so
        // nothing carries into it.
        ((self.0 >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56) as u8
    }

    /// The inverse of [`to_byte`](BitMask::to_byte).
    #[inline]
    pub(crate) fn from_byte(byte: u8) -> BitMask {
        // Byte i keeps bit i of `byte`; a non-zero lane (at most 0x80) plus 0x7f sets bit 7
        // without carrying out of the lane.
        let spread = u64::from(byte).wrapping_mul(lanes(1)) & 0x8040_2010_0804_0201;
        BitMask((spread.wrapping_add(LOW7) | spread) & HIGH)
    }

    /// Every byte of the set's lanes: `0xff` for a slot in the set, `0` otherwise.
    #[inline]
    pub(crate) fn byte_lanes(self) -> u64 {
        (self.0 >> 7).wrapping_mul(0xff)
    }

    /// Only the slots below `slot`.
    #[inline]
    pub(crate) fn below(self, slot: usize) -> BitMask {
        debug_assert!(slot <= 8);
        if slot >= 8 {
            self
        } else {
            BitMask(self.0 & ((1u64 << (slot * 8)) - 1))
        }
    }

    /// The slots not in the set.
    #[inline]
    pub(crate) fn invert(self) -> BitMask {
        BitMask(!self.0 & HIGH)
    }

    /// The lowest slot in the set.
    #[inline]
    pub(crate) fn lowest(self) -> Option<usize> {
        if self.0 == 0 {
            None
        } else {
            Some(self.0.trailing_zeros() as usize / 8)
        }
    }
}

impl Iterator for BitMask {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        let slot = self.lowest()?;
        self.0 &= self.0 - 1;
        Some(slot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(bytes: [u8; 8]) -> Group {
        Group::load(&bytes.map(TopHash))
    }

    #[test]
    fn matches_are_exact_for_every_byte_value() {
        for v in 0..=255u8 {
            for other in [0u8, 1, 2, 4, 5, 0x7f, 0x80, 0x81, 0xfe, 0xff] {
                let g = group([other, v, other, v, v, other, other, v]);
                let expect: Vec<usize> = (0..8)
                    .filter(|&i| [other, v, other, v, v, other, other, v][i] == v)
                    .collect();
                assert_eq!(
                    g.match_byte(TopHash(v)).collect::<Vec<_>>(),
                    expect,
                    "v={v} other={other}"
                );
                let bytes = [other, v, other, v, v, other, other, v];
                let full: Vec<usize> = (0..8).filter(|&i| bytes[i] >= 5).collect();
                assert_eq!(g.match_full().collect::<Vec<_>>(), full);
                let empty: Vec<usize> = (0..8).filter(|&i| bytes[i] <= 1).collect();
                assert_eq!(g.match_empty().collect::<Vec<_>>(), empty);
            }
        }
    }

    #[test]
    fn byte_conversions_round_trip() {
        for byte in 0..=255u8 {
            let m = BitMask::from_byte(byte);
            assert_eq!(m.to_byte(), byte);
            assert_eq!(
                m.collect::<Vec<_>>(),
                (0..8).filter(|i| byte >> i & 1 == 1).collect::<Vec<_>>()
            );
            let lanes = m.byte_lanes().to_le_bytes();
            assert!((0..8).all(|i| lanes[i] == if byte >> i & 1 == 1 { 0xff } else { 0 }));
        }
    }

    #[test]
    fn below_and_contains() {
        let m = group([5, 0, 5, 5, 0, 0, 0, 5]).match_full();
        assert_eq!(m.below(3).collect::<Vec<_>>(), vec![0, 2]);
        assert_eq!(m.below(8).count(), 4);
        assert_eq!(m.lowest(), Some(0));
        assert_eq!(m.invert().collect::<Vec<_>>(), vec![1, 4, 5, 6]);
        assert!(group([5, 5, 1, 0, 0, 0, 0, 0]).has_empty_rest());
        assert!(!group([5, 5, 1, 1, 1, 1, 1, 5]).has_empty_rest());
    }
}
