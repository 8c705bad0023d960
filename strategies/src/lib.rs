//! Removal-safe iteration strategies over [`evacmap`], and the peer maps people would use
//! instead, behind one interface.
//!
//! # The problem
//! A service keeps a map and must periodically delete the entries a predicate dooms (expired
//! sessions, evicted cache lines) while other threads keep reading and writing it. Deleting from
//! a hash map while iterating it is where the mistakes are: iterators that skip or repeat
//! entries when the table reorganises, locks that deadlock when the loop body removes
//! (dashmap's `iter()` + `remove()`), readers stalled for a whole sweep, memory never given
//! back. Each contender here is one answer, usable in a service, stating what a reader sees
//! while a sweep runs and what it costs.
//!
//! # The interface
//! * [`Ops`]: insert / get / remove reporting what happened, [`Ops::sweep`] (visit every live
//!   entry, remove the doomed ones, report [`Sweep`] counts), [`Ops::traverse`], `len`,
//!   [`Ops::memory`].
//! * [`Contender`]: builds from a validated [`Build`]; names itself ([`Contender::NAME`]) and
//!   states its [`Info`] (consistency class, reader blocking, extra memory, when to choose it).
//! * [`Shared`]: contenders several threads use at once, each through its own handle.
//! * [`registry::visit`]: the one list of contenders, used by tests, benches and reports;
//!   [`registry::ContenderList`] opens it to contenders of other crates.
//! * `conformance` (cargo feature `conformance`): the conformance suite as a library, run on
//!   any contender list.
//!
//! # Contenders
//! ## evacmap itself (single-threaded)
//! * [`EvacMapCursor`] (`evacmap-cursor`): the detached cursor, removing what it yields.
//! * [`EvacMapRetain`] (`evacmap-retain`): `retain`.
//!
//! ## The five strategies (shared)
//! * [`TombstoneMap`] (`tombstone`): mark doomed entries without blocking readers, then sweep
//!   the marks away in one batch and give memory back.
//! * [`CowSnapshotMap`] (`cow-snapshot`): readers load an immutable snapshot; a sweep builds
//!   and publishes the next one.
//! * [`CollectKeysMap`] (`collect-keys`): collect doomed keys under a read lock, delete them
//!   under a write lock.
//! * [`RwLockMap`] (`rwlock`): one lock around the map; a sweep holds the write lock.
//! * [`ShardedMap`] (`sharded`): N locked shards swept one at a time.
//!
//! ## Peers
//! hashbrown, std, indexmap (single-threaded); dashmap, papaya, scc (shared). See [`peers`].
//!
//! Keys are `u64`; values are [`V8`] (8 bytes) or [`V64`] (64 bytes). Every contender hashes
//! with the same [`Hasher`].

mod build;
mod contender;
mod evacmap_direct;
mod value;

mod collect_keys;
mod cow_snapshot;
mod rwlock;
mod sharded;
mod tombstone;

#[cfg(feature = "conformance")]
pub mod conformance;
pub mod peers;
pub mod registry;

mod sync;

pub use build::{hasher, Build, BuildError, Hasher, DEFAULT_COMPACT_ABOVE, MAX_SHARDS};
pub use collect_keys::CollectKeysMap;
pub use contender::{
    Consistency, Contender, Info, Memory, Ops, Origin, ReaderBlocking, Shared, Sweep,
};
pub use cow_snapshot::CowSnapshotMap;
pub use evacmap;
pub use evacmap_direct::{EvacMapCursor, EvacMapRetain};
pub use peers::dashmap::DashMapRetain;
pub use peers::hashbrown::{HashbrownExtractIf, HashbrownRetain};
pub use peers::indexmap::{IndexMapRetain, IndexMapSwapRemove};
pub use peers::papaya::{PapayaIterRemove, PapayaRetain};
pub use peers::scc::{SccCursor, SccRetain};
pub use peers::std_hashmap::{StdExtractIf, StdRetain};
pub use rwlock::RwLockMap;
pub use sharded::ShardedMap;
pub use tombstone::TombstoneMap;
pub use value::{check_word, Key, Payload, Value, V64, V8};
