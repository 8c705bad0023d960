//! One bucket: Go's `bmap`.

use core::mem::MaybeUninit;
use core::ptr;

use crate::group::Group;
use crate::tophash::TopHash;

/// Slots per bucket (Go's `bucketCnt`).
pub(crate) const BUCKET_CNT: usize = 8;

/// Go's bucket layout: 8 tophash bytes, then all 8 keys, then all 8 values, then the link to the
/// next bucket of the chain. Keys and values are kept apart so `u64 -> u8` maps need no padding
/// between pairs.
///
/// Invariants, kept by the owning map:
/// - slot `i` holds an initialised key and value iff `tophash[i].is_full()`;
/// - `overflow` is null or points to a bucket of the same table's overflow arena, and chains are
///   never unlinked while the table lives, so a pointer into a chain stays valid as long as the
///   table does.
#[repr(C)]
pub(crate) struct Bucket<K, V> {
    pub(crate) tophash: [TopHash; BUCKET_CNT],
    keys: [MaybeUninit<K>; BUCKET_CNT],
    values: [MaybeUninit<V>; BUCKET_CNT],
    pub(crate) overflow: *mut Bucket<K, V>,
}

impl<K, V> Bucket<K, V> {
    /// The tophash states of bucket `b` as one SWAR group.
    ///
    /// # Safety
    /// - `b` points to a live bucket and nothing writes to its tophash during the call.
    #[inline]
    pub(crate) unsafe fn group(b: *const Self) -> Group {
        // SAFETY: the caller guarantees `b` is live and not being written.
        unsafe { Group::load(&(*b).tophash) }
    }

    /// Overwrites all 8 tophash bytes of bucket `b` with `word` (slot `i` in byte `i`).
    ///
    /// # Safety
    /// - `b` points to a live bucket owned by the caller's `&mut` map;
    /// - every slot that `word` marks full already holds an initialised entry, and every slot
    ///   whose entry the caller keeps or moves out is marked non-full.
    #[inline]
    pub(crate) unsafe fn set_group(b: *mut Self, word: u64) {
        // SAFETY: the caller guarantees `b` is live and exclusively accessible.
        unsafe { (*b).tophash = word.to_le_bytes().map(TopHash) }
    }

    /// # Safety
    /// - `b` points to a live bucket and `i < BUCKET_CNT`.
    #[inline]
    pub(crate) unsafe fn top(b: *const Self, i: usize) -> TopHash {
        debug_assert!(i < BUCKET_CNT);
        // SAFETY: the caller guarantees `b` is live; `i` is in bounds.
        unsafe { (*b).tophash[i] }
    }

    /// # Safety
    /// - `b` points to a live bucket owned by the caller's `&mut` map and `i < BUCKET_CNT`.
    #[inline]
    pub(crate) unsafe fn set_top(b: *mut Self, i: usize, top: TopHash) {
        debug_assert!(i < BUCKET_CNT);
        // SAFETY: the caller guarantees `b` is live and exclusively accessible.
        unsafe { (*b).tophash[i] = top }
    }

    /// Pointer to key slot `i`.
    ///
    /// # Safety
    /// - `b` points to a live bucket and `i < BUCKET_CNT`.
    #[inline]
    pub(crate) unsafe fn key(b: *mut Self, i: usize) -> *mut K {
        debug_assert!(i < BUCKET_CNT);
        // SAFETY: `b` is live; `keys` is an array of BUCKET_CNT slots and `i` is in bounds.
        unsafe { ptr::addr_of_mut!((*b).keys).cast::<K>().add(i) }
    }

    /// Pointer to value slot `i`.
    ///
    /// # Safety
    /// - `b` points to a live bucket and `i < BUCKET_CNT`.
    #[inline]
    pub(crate) unsafe fn value(b: *mut Self, i: usize) -> *mut V {
        debug_assert!(i < BUCKET_CNT);
        // SAFETY: `b` is live; `values` is an array of BUCKET_CNT slots and `i` is in bounds.
        unsafe { ptr::addr_of_mut!((*b).values).cast::<V>().add(i) }
    }

    /// Byte offset of key slot `i` from the start of a bucket.
    #[inline(always)]
    pub(crate) const fn key_offset(i: usize) -> usize {
        core::mem::offset_of!(Self, keys) + i * core::mem::size_of::<K>()
    }

    /// Byte offset of value slot `i` from the start of a bucket.
    #[inline(always)]
    pub(crate) const fn value_offset(i: usize) -> usize {
        core::mem::offset_of!(Self, values) + i * core::mem::size_of::<V>()
    }

    /// Asks for the cache lines after the one `b` starts on (up to two, where a key and a value
    /// usually lie), so that a lookup's misses on them overlap its tophash miss instead of
    /// following the tophash compare. A hint: nothing is read.
    #[inline(always)]
    pub(crate) fn prefetch_entry_lines(b: *const Self) {
        let bytes = core::mem::size_of::<Self>().saturating_sub(64).min(128);
        prefetch_bytes(b.cast::<u8>().wrapping_add(64), bytes);
    }

    /// The next bucket of the chain, or null.
    ///
    /// # Safety
    /// - `b` points to a live bucket.
    #[inline]
    pub(crate) unsafe fn next(b: *const Self) -> *mut Self {
        // SAFETY: the caller guarantees `b` is live.
        unsafe { (*b).overflow }
    }

    /// The `n`th bucket of the chain that starts at `head` (0 is `head`), or null.
    ///
    /// # Safety
    /// - `head` points to a live bucket.
    pub(crate) unsafe fn nth(head: *mut Self, n: usize) -> *mut Self {
        let mut b = head;
        for _ in 0..n {
            if b.is_null() {
                break;
            }
            // SAFETY: `b` is non-null and belongs to the live chain of `head`.
            b = unsafe { Self::next(b) };
        }
        b
    }

    /// Moves the entry out of slot `i` and marks the slot with `mark`.
    ///
    /// # Safety
    /// - `b` is live, exclusively accessible, and slot `i` is full.
    #[inline]
    pub(crate) unsafe fn take(b: *mut Self, i: usize, mark: TopHash) -> (K, V) {
        // SAFETY: slot `i` is full, so key and value are initialised; the mark written next
        // records that they are no longer owned by the slot.
        unsafe {
            debug_assert!(Self::top(b, i).is_full());
            let kv = (ptr::read(Self::key(b, i)), ptr::read(Self::value(b, i)));
            Self::set_top(b, i, mark);
            kv
        }
    }

    /// Writes an entry into slot `i`.
    ///
    /// # Safety
    /// - `b` is live, exclusively accessible, and slot `i` is not full.
    #[inline]
    pub(crate) unsafe fn put(b: *mut Self, i: usize, top: TopHash, key: K, value: V) {
        // SAFETY: slot `i` holds no initialised entry, so nothing is overwritten without a drop.
        unsafe {
            debug_assert!(!Self::top(b, i).is_full());
            ptr::write(Self::key(b, i), key);
            ptr::write(Self::value(b, i), value);
            Self::set_top(b, i, top);
        }
    }
}

/// Asks the CPU to bring the `bytes` bytes at `p` into cache; a hint with no effect on
/// correctness (no access is made), a no-op where it is not available.
#[inline(always)]
pub(crate) fn prefetch_bytes<T>(p: *const T, bytes: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        let p = p.cast::<i8>();
        let mut off = 0;
        while off < bytes {
            // SAFETY: a prefetch is a hint that never faults, whatever the address;
            // `wrapping_add` computes it without claiming it is in bounds.
            unsafe {
                core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(
                    p.wrapping_add(off),
                )
            };
            off += 64;
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (p, bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_matches_go_for_u64_keys_and_values() {
        // 8 tophash bytes + 8 keys + 8 values + overflow pointer: 144 bytes, as Go's bmap.
        assert_eq!(core::mem::size_of::<Bucket<u64, u64>>(), 144);
        assert_eq!(core::mem::size_of::<Bucket<u64, u8>>(), 8 + 64 + 8 + 8);
    }
}
