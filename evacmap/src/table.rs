//! A bucket array ("table"): one generation of the map's storage.
//!
//! The map holds its current table and, while growing, the old one; a cursor may keep a table
//! alive after the map released it, exactly as Go's iterator keeps `it.buckets` alive, so the
//! table is reference counted and the evacuation marks it holds stay readable.

use core::alloc::Layout;
use core::cell::UnsafeCell;
use core::ptr::NonNull;
use std::alloc::{alloc_zeroed, dealloc, handle_alloc_error};
use std::sync::Arc;

use crate::bucket::Bucket;
use crate::grow::GrowKind;

/// Writes a zero byte into every 4 KiB page of a freshly zeroed allocation of `size` bytes at
/// `raw`, once, before the map uses it.
///
/// A large zeroed allocation is usually fresh memory from the OS whose pages are mapped on first
/// touch. The map's first touch of a bucket is a read (an insert looks for its key first, an
/// evacuation reads its destination), which maps the shared zero page, and the write that
/// follows faults a second time to get a private page: two page faults per page where a writer
/// first would take one. Writing first halves the faults of building a large map (measured:
/// 18K faults per 1M-entry build with the reserved table, against 9K pages) and made 1M-entry
/// builds about 10% faster in a side-by-side harness. The price: the whole table is committed
/// when it is allocated, also by `reserve` and `with_capacity`, not page by page as entries
/// arrive.
fn touch_pages_for_writing(raw: *mut u8, size: usize) {
    const PAGE: usize = 4096;
    if size < 16 * PAGE {
        return;
    }
    let mut offset = 0;
    while offset < size {
        // SAFETY: `offset < size`, inside the allocation of `size` bytes at `raw`, which was
        // just zeroed and is not shared yet; writing a zero leaves it unchanged. Volatile, so
        // the store is not removed as redundant with the zeroing.
        unsafe { raw.add(offset).write_volatile(0) };
        offset += PAGE;
    }
}

/// Where the entries of an evacuated table went.
pub(crate) struct Successor<K, V> {
    pub(crate) table: Arc<Table<K, V>>,
    pub(crate) kind: GrowKind,
}

/// `2^b` primary buckets plus the overflow buckets their chains use.
///
/// Ownership: a full cell's key and value are owned by the map that owns the table. The map
/// drops or moves every live entry out before it releases a table, so dropping a table frees
/// memory only and never runs a key or value destructor (which is why a cursor on another thread
/// may drop the last reference).
///
/// Mutation: only the owning map writes, through raw pointers, while it is borrowed mutably.
/// Cursors read only inside `Cursor::next(&map)`, after checking that the map is theirs, so reads
/// and writes never overlap.
pub(crate) struct Table<K, V> {
    /// log2 of the number of primary buckets.
    b: u8,
    /// `2^b - 1`, kept so a lookup selects its bucket with one `and`.
    mask: u64,
    /// `2^b` zero-initialised buckets (all `emptyRest`, no overflow).
    buckets: NonNull<Bucket<K, V>>,
    arena: UnsafeCell<OverflowArena<K, V>>,
    /// Set when a grow starts from this table; read by cursors to follow evacuation marks.
    successor: UnsafeCell<Option<Successor<K, V>>>,
}

// SAFETY: a table never hands out keys or values itself and never drops them (see the type
// docs); access to entries goes through `EvacMap` and `Cursor`, whose own bounds require `K` and
// `V` to be `Send`/`Sync` as appropriate. Concurrent access to the cells is excluded by the map's
// borrow discipline described on the type.
unsafe impl<K, V> Send for Table<K, V> {}
// SAFETY: as above; shared references only read, and only while no `&mut EvacMap` exists.
unsafe impl<K, V> Sync for Table<K, V> {}

impl<K, V> Table<K, V> {
    /// Allocates `2^b` empty buckets; aborts if the allocation fails.
    pub(crate) fn new(b: u8) -> Arc<Self> {
        Self::try_new(b).unwrap_or_else(|layout| handle_alloc_error(layout))
    }

    /// Allocates `2^b` empty buckets; the layout that could not be allocated on failure.
    pub(crate) fn try_new(b: u8) -> Result<Arc<Self>, Layout> {
        let layout = Self::array_layout(1usize << b);
        // SAFETY: the layout has non-zero size (a bucket holds at least its tophash bytes).
        let raw = unsafe { alloc_zeroed(layout) };
        let buckets = NonNull::new(raw.cast()).ok_or(layout)?;
        touch_pages_for_writing(raw, layout.size());
        Ok(Arc::new(Table {
            b,
            mask: (1u64 << b) - 1,
            buckets,
            arena: UnsafeCell::new(OverflowArena::new()),
            successor: UnsafeCell::new(None),
        }))
    }

    /// Layout of `n` buckets; panics only if `n` buckets cannot exist in the address space.
    fn array_layout(n: usize) -> Layout {
        Layout::array::<Bucket<K, V>>(n).expect("bucket array larger than the address space")
    }

    /// Whether `2^b` buckets fit in the address space (Go treats larger hints as 0).
    pub(crate) fn fits(b: u8) -> bool {
        b < usize::BITS as u8 && Layout::array::<Bucket<K, V>>(1usize << b).is_ok()
    }

    /// log2 of the number of primary buckets.
    #[inline]
    pub(crate) fn b(&self) -> u8 {
        self.b
    }

    /// Number of primary buckets.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        1usize << self.b
    }

    /// Mask selecting a primary bucket from a hash.
    #[inline]
    pub(crate) fn mask(&self) -> u64 {
        self.mask
    }

    /// Primary bucket `i`.
    #[inline]
    pub(crate) fn bucket(&self, i: usize) -> *mut Bucket<K, V> {
        debug_assert!(i < self.len());
        // SAFETY: `i < 2^b`, inside the allocation.
        unsafe { self.buckets.as_ptr().add(i) }
    }

    /// Takes a fresh empty bucket from the overflow arena.
    ///
    /// # Safety
    /// - Only the owning map calls this, while it is borrowed mutably.
    pub(crate) unsafe fn new_overflow(&self) -> *mut Bucket<K, V> {
        // SAFETY: the caller is the only one accessing the arena (mutable map borrow).
        unsafe { (*self.arena.get()).alloc(self.b) }
    }

    /// Records where this table's entries are being evacuated to.
    ///
    /// # Safety
    /// - Only the owning map calls this, while it is borrowed mutably.
    pub(crate) unsafe fn set_successor(&self, successor: Option<Successor<K, V>>) {
        // SAFETY: exclusive access per the caller's contract; no reference into the cell is live.
        unsafe { *self.successor.get() = successor }
    }

    /// Where this table's entries went, if a grow started from it.
    ///
    /// # Safety
    /// - No `set_successor` runs while the returned reference lives (callers hold `&EvacMap`).
    pub(crate) unsafe fn successor(&self) -> Option<&Successor<K, V>> {
        // SAFETY: no concurrent writer per the caller's contract.
        unsafe { (*self.successor.get()).as_ref() }
    }

    /// Bytes of heap this table holds: primary array, overflow arena and the header.
    ///
    /// # Safety
    /// - No `new_overflow` runs concurrently.
    pub(crate) unsafe fn heap_bytes(&self) -> usize {
        // SAFETY: no concurrent writer per the caller's contract.
        let overflow = unsafe { (*self.arena.get()).capacity };
        (self.len() + overflow) * core::mem::size_of::<Bucket<K, V>>()
            + core::mem::size_of::<Self>()
    }
}

impl<K, V> Drop for Table<K, V> {
    fn drop(&mut self) {
        // Unlink the successor chain iteratively: a cursor parked on an old table keeps every later
        // table alive through it, and a recursive drop of a long chain would overflow the stack.
        let mut next = self.successor.get_mut().take();
        while let Some(successor) = next {
            next = Arc::into_inner(successor.table).and_then(|mut t| t.successor.get_mut().take());
        }
        // SAFETY: `buckets` was allocated in `new` with exactly this layout.
        unsafe { dealloc(self.buckets.as_ptr().cast(), Self::array_layout(self.len())) };
        // The arena frees its chunks in its own drop; no key or value is dropped (type docs).
    }
}

/// Overflow buckets, allocated in zeroed chunks that live as long as the table (Go never frees an
/// overflow bucket before its table either; Go also preallocates `2^(b-4)` of them).
struct OverflowArena<K, V> {
    chunks: Vec<(NonNull<Bucket<K, V>>, usize)>,
    /// Buckets handed out from the last chunk.
    used: usize,
    /// Buckets in all chunks.
    capacity: usize,
}

impl<K, V> OverflowArena<K, V> {
    fn new() -> Self {
        OverflowArena {
            chunks: Vec::new(),
            used: 0,
            capacity: 0,
        }
    }

    fn alloc(&mut self, b: u8) -> *mut Bucket<K, V> {
        let full = self.chunks.last().is_none_or(|&(_, cap)| self.used == cap);
        if full {
            // Start near Go's preallocation (2^(b-4)), then double, capped at an eighth of the table.
            let first = if b >= 4 { 1usize << (b - 4) } else { 1 };
            let cap = self.capacity.max(first).min((1usize << b) / 8).max(1);
            let layout = Table::<K, V>::array_layout(cap);
            // SAFETY: non-zero size, as in `Table::new`.
            let raw = unsafe { alloc_zeroed(layout) };
            let chunk = NonNull::new(raw.cast()).unwrap_or_else(|| handle_alloc_error(layout));
            self.chunks.push((chunk, cap));
            self.capacity += cap;
            self.used = 0;
        }
        let &(chunk, _) = self.chunks.last().expect("a chunk was just ensured");
        // SAFETY: `used < cap` of the last chunk, so the pointer is inside it.
        let bucket = unsafe { chunk.as_ptr().add(self.used) };
        self.used += 1;
        bucket
    }
}

impl<K, V> Drop for OverflowArena<K, V> {
    fn drop(&mut self) {
        for &(chunk, cap) in &self.chunks {
            // SAFETY: each chunk was allocated in `alloc` with the layout of `cap` buckets.
            unsafe { dealloc(chunk.as_ptr().cast(), Table::<K, V>::array_layout(cap)) };
        }
    }
}
