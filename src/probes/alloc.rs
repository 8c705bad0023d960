//! A counting global allocator: allocations, bytes allocated, and the net heap change and its
//! peak during a measured phase ("GC pressure" for a language without a GC).
//!
//! The measuring binary installs it (`#[global_allocator] static A: Counting = Counting;`).
//! Counting is off by default, so timed runs pay one relaxed load per allocation; a [`Phase`]
//! turns it on and resets the counters. Only one phase can be open at a time (a process-wide
//! lock), and counts are process-wide: every thread's allocations count, which is what a
//! sweep with reader threads needs.
//!
//! The net heap change counts frees of memory allocated before the phase as negative, so
//! "net bytes" is exactly "heap now minus heap when the phase began", whoever allocated it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering::Relaxed};
use std::sync::{Mutex, MutexGuard};

static ENABLED: AtomicBool = AtomicBool::new(false);
static ALLOCS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);
static NET: AtomicI64 = AtomicI64::new(0);
static PEAK: AtomicI64 = AtomicI64::new(0);
static PHASE: Mutex<()> = Mutex::new(());

/// The counting allocator: the system allocator plus counters while a [`Phase`] is open.
#[derive(Clone, Copy, Debug, Default)]
pub struct Counting;

#[inline]
fn on_alloc(size: usize) {
    if ENABLED.load(Relaxed) {
        ALLOCS.fetch_add(1, Relaxed);
        BYTES.fetch_add(size as u64, Relaxed);
        let net = NET.fetch_add(size as i64, Relaxed) + size as i64;
        PEAK.fetch_max(net, Relaxed);
    }
}

#[inline]
fn on_free(size: usize) {
    if ENABLED.load(Relaxed) {
        NET.fetch_sub(size as i64, Relaxed);
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so
// `System`'s guarantees hold; the counters are plain atomics and never allocate.
unsafe impl GlobalAlloc for Counting {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, forwarded as is.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            on_alloc(layout.size());
        }
        p
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as `alloc`.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            on_alloc(layout.size());
        }
        p
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        on_free(layout.size());
        // SAFETY: the caller upholds `GlobalAlloc::dealloc`'s contract, forwarded as is.
        unsafe { System.dealloc(ptr, layout) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller upholds `GlobalAlloc::realloc`'s contract, forwarded as is.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            on_free(layout.size());
            on_alloc(new_size);
        }
        p
    }
}

/// Counter values since the phase began.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// Allocations (a `realloc` counts as one).
    pub allocs: u64,
    /// Bytes requested by those allocations.
    pub bytes: u64,
    /// Heap now minus heap when the phase began (negative if the phase freed more).
    pub net_bytes: i64,
    /// Highest `net_bytes` since the phase began, or since the last [`Phase::reset_peak`].
    pub peak_net_bytes: i64,
}

/// An open measurement: counting is on until it drops.
#[derive(Debug)]
pub struct Phase {
    _exclusive: MutexGuard<'static, ()>,
}

impl Phase {
    /// Resets the counters and starts counting; waits if another phase is open.
    pub fn start() -> Phase {
        let guard = PHASE.lock().unwrap_or_else(|e| e.into_inner());
        ALLOCS.store(0, Relaxed);
        BYTES.store(0, Relaxed);
        NET.store(0, Relaxed);
        PEAK.store(0, Relaxed);
        ENABLED.store(true, Relaxed);
        Phase { _exclusive: guard }
    }

    /// The counters now.
    pub fn now(&self) -> Snapshot {
        Snapshot {
            allocs: ALLOCS.load(Relaxed),
            bytes: BYTES.load(Relaxed),
            net_bytes: NET.load(Relaxed),
            peak_net_bytes: PEAK.load(Relaxed),
        }
    }

    /// Restarts the peak from the current net level (to measure the peak of a sub-phase).
    pub fn reset_peak(&self) {
        PEAK.store(NET.load(Relaxed), Relaxed);
    }

    /// The current net heap change, readable from a sampling thread without the phase.
    pub fn net_bytes_now() -> i64 {
        NET.load(Relaxed)
    }
}

impl Drop for Phase {
    fn drop(&mut self) {
        ENABLED.store(false, Relaxed);
    }
}

/// Whether the process's global allocator is [`Counting`]: checks that an allocation made
/// inside a phase is counted. Without it, allocation metrics are "not measured".
pub fn installed() -> bool {
    let phase = Phase::start();
    let v = std::hint::black_box(Vec::<u8>::with_capacity(64));
    let counted = phase.now().allocs > 0;
    drop(v);
    counted
}
