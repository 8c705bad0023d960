//! Key and value sizes: fixed-size types per accepted size, and a dispatch from byte counts.
//!
//! The load factor trades memory for probe length, and both depend on how large the keys and
//! values are: a bucket holds 8 keys and 8 values inline, so larger entries make every empty
//! slot and every overflow bucket dearer, and larger keys make each comparison slower. evacmap
//! is generic, so measuring a size means compiling the map for a type of that size. The tuner
//! does this for a documented set of sizes ([`KEY_BYTES`], [`VALUE_BYTES`]): [`dispatch`] turns
//! the byte counts given on the command line into the types `Key<W>` and `Value<W>` (arrays of
//! `W` 64-bit words) and calls a [`SizeVisitor`] monomorphized for them. Every instantiation
//! costs compile time, hence a set rather than every multiple of 8.
//!
//! A key's first word carries its unique id (see `keys`); the other words repeat it, so equal
//! ids mean equal keys. Keys hash all their bytes, as Go's `memhash` does for an array key; an
//! 8-byte key hashes exactly like a `u64`. Values carry the id in every word, so a lookup can
//! check it found the right entry.

use core::hash::{Hash, Hasher};

/// Accepted key sizes in bytes: common fixed-size keys (an integer, a `u128` or fat pointer,
/// a `String` header, a hash digest) up to 256 bytes.
pub const KEY_BYTES: [usize; 7] = [8, 16, 24, 32, 64, 128, 256];

/// Accepted value sizes in bytes: none (a set), the common small sizes, and powers of two up to
/// 1024 bytes.
pub const VALUE_BYTES: [usize; 10] = [0, 8, 16, 24, 32, 64, 128, 256, 512, 1024];

/// A key of `8 * W` bytes whose first word is its id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Key<const W: usize>([u64; W]);

impl<const W: usize> Hash for Key<W> {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        if W == 1 {
            state.write_u64(self.0[0]);
        } else {
            // One `write` of all the bytes, without the length prefix a slice would add.
            u64::hash_slice(&self.0, state);
        }
    }
}

/// A value of `8 * W` bytes (`W` may be 0) whose words all hold the id of its key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Value<const W: usize>([u64; W]);

/// What the tuner needs of a key type.
pub(crate) trait TuneKey: Hash + Eq + Clone {
    /// The key of `id`.
    fn from_id(id: u64) -> Self;
    /// The id this key was made from.
    fn id(&self) -> u64;
}

/// What the tuner needs of a value type.
pub(crate) trait TuneValue: Clone {
    /// The value stored under the key of `id`.
    fn from_id(id: u64) -> Self;
    /// The id the value was made from; `None` for a zero-sized value.
    fn id(&self) -> Option<u64>;
}

impl<const W: usize> TuneKey for Key<W> {
    #[inline]
    fn from_id(id: u64) -> Self {
        Key([id; W])
    }

    #[inline]
    fn id(&self) -> u64 {
        self.0[0]
    }
}

impl<const W: usize> TuneValue for Value<W> {
    #[inline]
    fn from_id(id: u64) -> Self {
        Value([id; W])
    }

    #[inline]
    fn id(&self) -> Option<u64> {
        self.0.first().copied()
    }
}

/// Code to run for one key type and one value type, chosen at run time by [`dispatch`].
pub(crate) trait SizeVisitor {
    /// What the code returns.
    type Output;
    /// Runs the code for keys `K` and values `V`.
    fn visit<K: TuneKey, V: TuneValue>(self) -> Self::Output;
}

/// Checks a key size; the error lists the accepted sizes.
pub(crate) fn check_key_bytes(bytes: usize) -> Result<usize, String> {
    if KEY_BYTES.contains(&bytes) {
        Ok(bytes)
    } else {
        Err(format!(
            "unsupported key size {bytes} bytes: accepted key sizes are {} bytes",
            list(&KEY_BYTES)
        ))
    }
}

/// Checks a value size; the error lists the accepted sizes.
pub(crate) fn check_value_bytes(bytes: usize) -> Result<usize, String> {
    if VALUE_BYTES.contains(&bytes) {
        Ok(bytes)
    } else {
        Err(format!(
            "unsupported value size {bytes} bytes: accepted value sizes are {} bytes",
            list(&VALUE_BYTES)
        ))
    }
}

fn list(sizes: &[usize]) -> String {
    sizes
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

macro_rules! with_value {
    ($visitor:expr, $value_bytes:expr, $key:ty) => {
        match $value_bytes {
            0 => Ok($visitor.visit::<$key, Value<0>>()),
            8 => Ok($visitor.visit::<$key, Value<1>>()),
            16 => Ok($visitor.visit::<$key, Value<2>>()),
            24 => Ok($visitor.visit::<$key, Value<3>>()),
            32 => Ok($visitor.visit::<$key, Value<4>>()),
            64 => Ok($visitor.visit::<$key, Value<8>>()),
            128 => Ok($visitor.visit::<$key, Value<16>>()),
            256 => Ok($visitor.visit::<$key, Value<32>>()),
            512 => Ok($visitor.visit::<$key, Value<64>>()),
            1024 => Ok($visitor.visit::<$key, Value<128>>()),
            other => unreachable!("VALUE_BYTES lists {other} but dispatch has no arm for it"),
        }
    };
}

/// Runs `visitor` for the key and value types of the given sizes, or says which sizes are
/// accepted.
pub(crate) fn dispatch<Vis: SizeVisitor>(
    key_bytes: usize,
    value_bytes: usize,
    visitor: Vis,
) -> Result<Vis::Output, String> {
    check_key_bytes(key_bytes)?;
    check_value_bytes(value_bytes)?;
    match key_bytes {
        8 => with_value!(visitor, value_bytes, Key<1>),
        16 => with_value!(visitor, value_bytes, Key<2>),
        24 => with_value!(visitor, value_bytes, Key<3>),
        32 => with_value!(visitor, value_bytes, Key<4>),
        64 => with_value!(visitor, value_bytes, Key<8>),
        128 => with_value!(visitor, value_bytes, Key<16>),
        256 => with_value!(visitor, value_bytes, Key<32>),
        other => unreachable!("KEY_BYTES lists {other} but dispatch has no arm for it"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::hash::BuildHasher;
    use core::mem::size_of;

    struct Sizes;

    impl SizeVisitor for Sizes {
        type Output = (usize, usize, u64, Option<u64>);
        fn visit<K: TuneKey, V: TuneValue>(self) -> Self::Output {
            (
                size_of::<K>(),
                size_of::<V>(),
                K::from_id(42).id(),
                V::from_id(42).id(),
            )
        }
    }

    #[test]
    fn every_accepted_size_dispatches_to_a_type_of_that_size() {
        for k in KEY_BYTES {
            for v in VALUE_BYTES {
                let (ks, vs, kid, vid) = dispatch(k, v, Sizes).unwrap();
                assert_eq!((ks, vs, kid), (k, v, 42));
                assert_eq!(vid, (v > 0).then_some(42));
            }
        }
    }

    #[test]
    fn unsupported_sizes_list_what_is_accepted() {
        let err = dispatch(7, 8, Sizes).unwrap_err();
        assert!(err.contains("unsupported key size 7"), "{err}");
        assert!(err.contains("8, 16, 24, 32, 64, 128, 256"), "{err}");
        let err = dispatch(8, 40, Sizes).unwrap_err();
        assert!(err.contains("unsupported value size 40"), "{err}");
        assert!(err.contains("0, 8, 16"), "{err}");
    }

    #[test]
    fn an_eight_byte_key_hashes_like_a_u64_and_ids_distinguish_keys() {
        let state = foldhash::fast::FixedState::with_seed(3);
        assert_eq!(state.hash_one(Key::<1>::from_id(77)), state.hash_one(77u64));
        assert_ne!(Key::<4>::from_id(1), Key::<4>::from_id(2));
        assert_ne!(
            state.hash_one(Key::<4>::from_id(1)),
            state.hash_one(Key::<4>::from_id(2))
        );
    }
}
