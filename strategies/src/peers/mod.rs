//! Peer maps people would use instead, behind the same interface and the same hasher
//! ([`Hasher`](crate::Hasher)). One file per crate; each crate's removal-during-iteration APIs
//! are separate contenders, named `<crate>-<api>`.

pub mod dashmap;
pub mod hashbrown;
pub mod indexmap;
pub mod papaya;
pub mod scc;
pub mod std_hashmap;
