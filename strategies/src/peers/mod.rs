//! Peer maps people would use instead of evacbench's strategies, behind the same interface and
//! the same hasher ([`Hasher`](crate::Hasher)).
//!
//! # The problem
//! Every Rust map answers "delete entries while iterating" differently, and each answer has a
//! catch: the borrow checker forbids `remove` inside `for .. in map.iter()` on the
//! single-threaded maps, so they offer predicate passes (`retain`, `extract_if`) or index loops;
//! dashmap's `iter()` + `remove()` self-deadlocks; lock-free and bucket-locked maps let the loop
//! body remove, but their iterators promise less than a snapshot. Measuring evacbench against
//! these maps is only fair if each is used through the API its users would pick, with its
//! promises and costs stated. One file per crate; each crate's removal-during-iteration APIs are
//! separate contenders, named `<crate>-<api>`.
//!
//! # The peers
//! Single-threaded ([`Consistency::Exclusive`](crate::Consistency::Exclusive)):
//! * [`hashbrown`]: `hashbrown-retain`, `hashbrown-extract-if`. Tombstones, no automatic
//!   shrink, O(buckets) passes; memory exact (`allocation_size()`).
//! * [`std_hashmap`]: `std-retain`, `std-extract-if`. The same table inside std; memory
//!   estimated from its bucket count.
//! * [`indexmap`]: `indexmap-retain` (order-preserving, rebuilds the index),
//!   `indexmap-swap-remove` (index loop, O(1) per removal). O(len) passes.
//!
//! Shared, with per-thread handles ([`Shared`](crate::Shared)):
//! * [`dashmap`]: `dashmap-retain`. One shard write lock at a time; the remove-inside-`iter()`
//!   deadlock is demonstrated in `strategies/tests/dashmap_deadlock.rs`.
//! * [`papaya`]: `papaya-retain`, `papaya-iter-remove`. Lock-free, blocking resize mode,
//!   deferred reclamation. A traversal may yield a key twice if it is removed and re-inserted
//!   during the traversal (never an entry present throughout).
//! * [`scc`]: `scc-retain`, `scc-cursor`. One 32-slot bucket lock at a time. An entry may be
//!   visited twice if another thread's removals shrink the table during a walk; the cursor
//!   holds a `Reserve` so its own removals cannot.

pub mod dashmap;
pub mod hashbrown;
pub mod indexmap;
pub mod papaya;
pub mod scc;
pub mod std_hashmap;
