//! Removal-safe iteration strategies over [`evacmap`] and adapters for peer maps.
//!
//! Not built yet: the strategy trait, the five strategies (tombstone, cow-snapshot, collect-keys,
//! rwlock, sharded) and the peer adapters are the subject of the strategies issue. This crate is
//! present so the workspace layout and dependency direction (`evacmap <- strategies`) are fixed.

pub use evacmap;
