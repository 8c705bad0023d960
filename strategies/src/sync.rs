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
