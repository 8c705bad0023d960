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

    /// The tophash of a bucket evacuated whole (Go's marks): `evacuatedX` for the slots in
    /// `full` but not in `to_y`, `evacuatedY` for those in `to_y` (a subset of `full`),
    /// `evacuatedEmpty` for every other slot.
    #[inline]
    pub(crate) fn evacuated(full: BitMask, to_y: BitMask) -> Group {
        debug_assert_eq!(to_y.0 & !full.0, 0);
        let moved = full.byte_lanes();
        Group(
            lanes(TopHash::EVACUATED_EMPTY.get()) & !moved
                | lanes(TopHash::EVACUATED_X.get()) & moved
                | to_y.0 >> 7,
        )
    }

    /// Some slot is `emptyRest`: nothing in this chain follows that slot.
    #[cfg(any(test, not(target_arch = "x86_64")))]
    #[inline]
    pub(crate) fn has_empty_rest(self) -> bool {
        self.match_byte(TopHash::EMPTY_REST).any()
    }
}

/// What a lookup or an insert needs from one bucket's tophash word, bit `i` for slot `i`.
pub(crate) struct SlotMasks {
    /// Slots whose byte equals the wanted tophash.
    pub(crate) matches: u32,
    /// Empty slots (`emptyOne` or `emptyRest`): where an insert may put a new key.
    pub(crate) empty: u32,
    /// Some slot is `emptyRest`: nothing in the chain follows it.
    pub(crate) rest: bool,
}

/// The [`SlotMasks`] of a bucket for tophash `top`, from its tophash word: on x86_64 one
/// compare and one `movemask` each (the empty slots are the bytes that are zero once their low
/// bit is cleared). A lookup uses `matches` and `rest` only; the compiler drops the `empty`
/// computation there (callgrind: 45.2 instructions per hit either way).
#[inline(always)]
pub(crate) fn slot_masks(word: u64, top: TopHash) -> SlotMasks {
    #[cfg(target_arch = "x86_64")]
    {
        use core::arch::x86_64::{
            _mm_and_si128, _mm_cmpeq_epi8, _mm_cvtsi64_si128, _mm_movemask_epi8, _mm_setzero_si128,
        };
        // SAFETY: SSE2 is part of the x86_64 baseline; these intrinsics only compute on
        // registers.
        unsafe {
            let group = _mm_cvtsi64_si128(word as i64);
            let wanted = _mm_cvtsi64_si128(lanes(top.get()) as i64);
            let zero = _mm_setzero_si128();
            let cleared = _mm_and_si128(group, _mm_cvtsi64_si128(lanes(0xfe) as i64));
            // Bytes 8..16 are zero in every operand: only the low 8 bits of the masks count.
            SlotMasks {
                matches: _mm_movemask_epi8(_mm_cmpeq_epi8(group, wanted)) as u32 & 0xff,
                empty: _mm_movemask_epi8(_mm_cmpeq_epi8(cleared, zero)) as u32 & 0xff,
                rest: _mm_movemask_epi8(_mm_cmpeq_epi8(group, zero)) & 0xff != 0,
            }
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let group = Group(word);
        SlotMasks {
            matches: u32::from(group.match_byte(top).to_byte()),
            empty: u32::from(group.match_empty().to_byte()),
            rest: group.has_empty_rest(),
        }
    }
}

/// The full cells of 8 buckets from their tophash words (`words[j]` of bucket `j`, slot `i` in
/// byte `i`): bit `8 * j + i` is set iff slot `i` of bucket `j` holds an entry.
#[inline(always)]
pub(crate) fn full_cells8(words: [u64; 8]) -> u64 {
    #[cfg(target_arch = "x86_64")]
    {
        use core::arch::x86_64::{
            _mm_cmpeq_epi8, _mm_movemask_epi8, _mm_set1_epi8, _mm_set_epi64x, _mm_setzero_si128,
            _mm_subs_epu8,
        };
        // SAFETY: SSE2 is part of the x86_64 baseline, so these intrinsics are available on
        // every x86_64 CPU; they only compute on registers.
        unsafe {
            let below = _mm_set1_epi8((TopHash::MIN_TOP_HASH - 1) as i8);
            let zero = _mm_setzero_si128();
            let mut not_full = 0u64;
            for p in 0..4 {
                let pair = _mm_set_epi64x(words[2 * p + 1] as i64, words[2 * p] as i64);
                // A byte saturates to 0 iff it is below `MIN_TOP_HASH`: not full.
                let empty = _mm_cmpeq_epi8(_mm_subs_epu8(pair, below), zero);
                not_full |= u64::from(_mm_movemask_epi8(empty) as u16) << (16 * p);
            }
            !not_full
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let mut full = 0u64;
        for (j, &w) in words.iter().enumerate() {
            full |= u64::from(Group(w).match_full().to_byte()) << (8 * j);
        }
        full
    }
}

/// Rotates each byte of `bits` right by `r` (`r < 8`): bit `i` of a byte moves to bit
/// `(i - r) mod 8` of the same byte.
#[inline(always)]
pub(crate) fn rotate_bytes_right(bits: u64, r: u32) -> u64 {
    debug_assert!(r < 8);
    let low = lanes(0xff >> r);
    (bits >> r) & low | (bits << ((8 - r) % 8)) & !low
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

    /// Some slot is in the set.
    #[cfg(any(test, not(target_arch = "x86_64")))]
    #[inline]
    pub(crate) fn any(self) -> bool {
        self.0 != 0
    }

    /// How many slots are in the set: the lanes' bits summed by one multiply into the top
    /// byte (at most 8, no carry), where `count_ones` is a dozen instructions without `popcnt`
    /// in the baseline x86_64 target.
    #[inline]
    pub(crate) fn count(self) -> usize {
        ((self.0 >> 7).wrapping_mul(lanes(1)) >> 56) as usize
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
    fn slot_masks_match_the_scalar_versions() {
        for v in 0..=255u8 {
            for other in [0u8, 1, 2, 3, 4, 5, 0x7f, 0x80, 0x81, 0xfe, 0xff] {
                let bytes = [other, v, other, v, v, other, other, v];
                let g = group(bytes);
                let masks = slot_masks(g.word(), TopHash(v));
                assert_eq!(masks.matches, u32::from(g.match_byte(TopHash(v)).to_byte()));
                assert_eq!(
                    masks.empty,
                    u32::from(g.match_empty().to_byte()),
                    "{bytes:?}"
                );
                assert_eq!(masks.rest, g.has_empty_rest(), "{bytes:?}");
            }
        }
    }

    #[test]
    fn evacuated_marks_every_slot() {
        for full in 0..=255u8 {
            for to_y in 0..=255u8 {
                let to_y = to_y & full;
                let word = Group::evacuated(BitMask::from_byte(full), BitMask::from_byte(to_y))
                    .word()
                    .to_le_bytes();
                for (i, &byte) in word.iter().enumerate() {
                    let want = match (full >> i & 1, to_y >> i & 1) {
                        (0, _) => TopHash::EVACUATED_EMPTY,
                        (_, 0) => TopHash::EVACUATED_X,
                        _ => TopHash::EVACUATED_Y,
                    };
                    assert_eq!(
                        TopHash(byte),
                        want,
                        "full {full:08b} to_y {to_y:08b} slot {i}"
                    );
                }
            }
        }
    }

    #[test]
    fn full_cells8_and_byte_rotation_match_the_scalar_versions() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..2000 {
            let mut words = [0u64; 8];
            for w in &mut words {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                // Bias bytes towards the states 0..=5 so every state appears often.
                *w = x & lanes(if x & 1 == 0 { 0x07 } else { 0xff });
            }
            let want = words.iter().enumerate().fold(0u64, |acc, (j, &w)| {
                acc | u64::from(Group(w).match_full().to_byte()) << (8 * j)
            });
            assert_eq!(full_cells8(words), want);
            for r in 0..8u32 {
                let rotated = rotate_bytes_right(want, r);
                for j in 0..8 {
                    let byte = (want >> (8 * j)) as u8;
                    assert_eq!((rotated >> (8 * j)) as u8, byte.rotate_right(r), "r={r}");
                }
            }
        }
    }

    #[test]
    fn count_by_multiply_matches_count_ones_for_every_set() {
        for byte in 0..=u8::MAX {
            let m = BitMask::from_byte(byte);
            assert_eq!(m.count(), byte.count_ones() as usize, "{byte:#04x}");
            assert_eq!(m.invert().count(), 8 - byte.count_ones() as usize);
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
