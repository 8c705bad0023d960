//! The synchronisation primitives the strategies use, routed through one module so that
//! `RUSTFLAGS="--cfg evacbench_loom"` swaps them for loom's and the loom models in
//! `tests/loom.rs` explore every interleaving of the hand-rolled protocols (tombstone marks,
//! snapshot publication). The same idea as crossbeam's `primitive` shim.
//!
//! Locks here ignore poisoning: a panic inside a sweep predicate leaves evacmap consistent
//! (its `retain` is panic-safe), so the next user may go on.

#[cfg(not(evacbench_loom))]
pub(crate) use std::sync::{
    atomic::{AtomicBool, AtomicUsize, Ordering},
    Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard,
};

#[cfg(evacbench_loom)]
pub(crate) use loom::sync::{
    atomic::{AtomicBool, AtomicUsize, Ordering},
    Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard,
};

/// Read-locks `lock`, ignoring poisoning (see the module docs).
pub(crate) fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|e| e.into_inner())
}

/// Write-locks `lock`, ignoring poisoning (see the module docs).
pub(crate) fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|e| e.into_inner())
}

/// Locks `lock`, ignoring poisoning (see the module docs).
pub(crate) fn lock<T>(lock: &Mutex<T>) -> MutexGuard<'_, T> {
    lock.lock().unwrap_or_else(|e| e.into_inner())
}

/// An atomically replaceable `Arc<T>`: what `cow-snapshot` publishes its versions through.
///
/// Readers [`load`](Publication::load) the current value without blocking and keep it as long as
/// they like; a writer [`swap`](Publication::swap)s in the next one and gets the previous one
/// back. In normal builds this is [`arc_swap::ArcSwap`]. arc-swap is not loom-aware (its
/// lock-free debt lists are invisible to loom), so under `cfg(evacbench_loom)` it is a loom
/// `Mutex<Arc<T>>` instead: the same API and the same linearizable swap, with every access a
/// point loom can reorder.
///
/// arc-swap's cheap guards come from a few slots per thread (8 in 1.9.5, see its
/// `docs::limitations`); holding many at once falls back to a slower path. Use
/// [`load`](Publication::load) for short reads and [`load_full`](Publication::load_full) (a real
/// `Arc`, one reference-count increment) to keep a value across a long traversal.
pub(crate) struct Publication<T> {
    #[cfg(not(evacbench_loom))]
    inner: arc_swap::ArcSwap<T>,
    #[cfg(evacbench_loom)]
    inner: Mutex<Arc<T>>,
}

/// A short-lived reference to a [`Publication`]'s value; derefs to `T`.
pub(crate) struct Pinned<T> {
    #[cfg(not(evacbench_loom))]
    guard: arc_swap::Guard<Arc<T>>,
    #[cfg(evacbench_loom)]
    guard: Arc<T>,
}

impl<T> core::ops::Deref for Pinned<T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        &self.guard
    }
}

#[cfg(not(evacbench_loom))]
impl<T> Publication<T> {
    /// Publishes `value` as the first version.
    pub(crate) fn new(value: Arc<T>) -> Self {
        Publication {
            inner: arc_swap::ArcSwap::new(value),
        }
    }

    /// The current value, for a short read; never blocks.
    #[inline]
    pub(crate) fn load(&self) -> Pinned<T> {
        Pinned {
            guard: self.inner.load(),
        }
    }

    /// The current value as an owned `Arc`, to keep across a long traversal; never blocks.
    #[inline]
    pub(crate) fn load_full(&self) -> Arc<T> {
        self.inner.load_full()
    }

    /// Publishes `value` and returns the value it replaced. Two swaps never interleave, but a
    /// caller that derives `value` from a load must serialise its load-modify-swap itself (a
    /// writer lock), or concurrent updates are lost.
    pub(crate) fn swap(&self, value: Arc<T>) -> Arc<T> {
        self.inner.swap(value)
    }
}

#[cfg(evacbench_loom)]
impl<T> Publication<T> {
    /// Publishes `value` as the first version.
    pub(crate) fn new(value: Arc<T>) -> Self {
        Publication {
            inner: Mutex::new(value),
        }
    }

    /// The current value, for a short read.
    pub(crate) fn load(&self) -> Pinned<T> {
        Pinned {
            guard: self.load_full(),
        }
    }

    /// The current value as an owned `Arc`.
    pub(crate) fn load_full(&self) -> Arc<T> {
        Arc::clone(&lock(&self.inner))
    }

    /// Publishes `value` and returns the value it replaced (see the normal build's docs).
    pub(crate) fn swap(&self, value: Arc<T>) -> Arc<T> {
        core::mem::replace(&mut *lock(&self.inner), value)
    }
}
