//! The one interface every contender implements, shaped like bustle's `Collection` /
//! `CollectionHandle`: construction ([`Contender::build`]) apart from the per-thread handle used
//! in the hot loop ([`Shared::handle`]), operations that report what happened, a sweep that
//! reports what it visited and removed, and a statement of consistency and cost ([`Info`]).

use crate::build::{Build, BuildError};
use crate::value::{Key, Value};

/// What one [`Ops::sweep`] did, checked by the conformance suite and the bench runner's oracle.
///
/// Exact for every class but [`Consistency::AtLeastOnce`], where both are counts of predicate
/// verdicts: an entry judged twice counts twice, and `removed` may include entries whose
/// removal then lost a race.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sweep {
    /// Live entries the sweep visited (each exactly once).
    pub visited: usize,
    /// Entries it removed (a subset of the visited ones).
    pub removed: usize,
}

impl Sweep {
    /// Counts one entry judged by the predicate (`doom` is its verdict) and returns what a
    /// `retain`-style closure must return: whether to keep it.
    #[inline]
    pub fn keep(&mut self, doom: bool) -> bool {
        self.visited += 1;
        self.removed += usize::from(doom);
        !doom
    }
}

/// Heap memory a contender holds, as it reports it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Memory {
    /// Every heap byte held: tables, buffers, shards, and garbage not yet reclaimed.
    pub heap_bytes: usize,
    /// The part of `heap_bytes` that is garbage waiting to be reclaimed: retired snapshots still
    /// pinned by readers, marked entries not yet swept, retired nodes of epoch-based maps.
    pub garbage_bytes: usize,
    /// Whether the figures are exact (counted from the allocations) or estimated from capacity.
    pub exact: bool,
    /// Whether `garbage_bytes` is known. False for maps that reclaim through epochs or hazard
    /// schemes they do not expose (papaya's seize, scc's sdd): their garbage is reported as 0
    /// but is not observable from outside.
    pub garbage_known: bool,
}

/// The operations of a map or of a handle to a shared map, called in the hot loop.
///
/// Every operation takes `&mut self` so that single-threaded maps need no interior
/// mutability; shared maps implement it on a handle, one per thread.
pub trait Ops<V: Value> {
    /// Inserts or overwrites `key`; returns true if the key was absent (newly inserted).
    fn insert(&mut self, key: Key, value: V) -> bool;

    /// Looks `key` up; returns the value's [`Value::check`] word if present.
    fn get(&mut self, key: Key) -> Option<u64>;

    /// Removes `key`; returns true if it was present.
    fn remove(&mut self, key: Key) -> bool;

    /// Visits every live entry and removes those for which `doomed` returns true.
    ///
    /// Once it returns, no doomed entry that was present throughout the sweep is visible to any
    /// reader (an entry written during the sweep may survive if the walk had already passed it).
    /// `doomed` must be a pure function of the key and value: some contenders call it again on
    /// an entry before removing it, to avoid removing a value a concurrent writer replaced
    /// (`collect-keys`, `papaya-iter-remove`). It must not call back into the map: most
    /// contenders run it under a lock, and such a call deadlocks.
    fn sweep<F>(&mut self, doomed: F) -> Sweep
    where
        F: FnMut(Key, &V) -> bool;

    /// Calls `f` on live entries with the contender's consistency (see [`Info::consistency`]);
    /// returns how many it visited.
    fn traverse<F>(&mut self, f: F) -> usize
    where
        F: FnMut(Key, &V);

    /// Live entries (marked-but-unswept entries are not live).
    fn len(&mut self) -> usize;

    /// Whether [`len`](Ops::len) is zero.
    fn is_empty(&mut self) -> bool {
        self.len() == 0
    }

    /// Heap memory held now, including garbage not yet reclaimed.
    fn memory(&mut self) -> Memory;

    /// Sweeps like [`sweep`](Ops::sweep) while inserting `inserts` (keys never doomed), one
    /// after every `every` visited entries where the contender can insert in the middle of a
    /// traversal. The default is the nearest equivalent for maps that cannot: sweep, then
    /// insert everything (Rust's borrow rules forbid inserting inside `retain`).
    fn sweep_interleaved<F, I>(&mut self, doomed: F, inserts: I, every: usize) -> Sweep
    where
        F: FnMut(Key, &V) -> bool,
        I: Iterator<Item = (Key, V)>,
    {
        let _ = every;
        let sweep = self.sweep(doomed);
        for (k, v) in inserts {
            self.insert(k, v);
        }
        sweep
    }

    /// Inserts many entries at once, as a loader filling the map would; returns how many keys
    /// were absent. The default inserts one at a time; contenders whose single insert is
    /// expensive (cow-snapshot copies the map) build the result in one step.
    fn bulk_load<I>(&mut self, entries: I) -> usize
    where
        I: Iterator<Item = (Key, V)>,
    {
        entries.map(|(k, v)| usize::from(self.insert(k, v))).sum()
    }

    /// Gives memory back after mass removal if the contender can (`shrink_to_fit` or
    /// equivalent); returns false if it has no way to (it may still shrink on its own).
    fn shrink(&mut self) -> bool {
        false
    }

    /// evacmap's chain statistics, for contenders built on one evacmap.
    fn probe_stats(&mut self) -> Option<evacmap::ProbeStats> {
        None
    }
}

/// A map that can be built from a [`Build`] and benchmarked by name.
pub trait Contender<V: Value>: Ops<V> + Sized + Send + 'static {
    /// What this contender is and promises.
    const INFO: Info;
    /// Stable kebab-case id: bench id segment, record field, plot legend.
    const NAME: &'static str = Self::INFO.name;

    /// Builds an empty map; errors if `build` is invalid for this contender.
    fn build(build: &Build) -> Result<Self, BuildError>;
}

/// A contender that several threads can use at once, each through its own handle.
pub trait Shared<V: Value>: Contender<V> + Sync {
    /// The per-thread handle (bustle's `pin`); it shares the map with `self`.
    type Handle: Ops<V> + Send + 'static;

    /// A new handle to this map. Not meant for the hot loop.
    fn handle(&self) -> Self::Handle;
}

/// Where a contender comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Origin {
    /// evacmap used directly (single-threaded).
    Core,
    /// One of the five strategies built over evacmap.
    Strategy,
    /// A map from another crate, behind the same interface.
    Peer,
    /// A user's own contender, from a crate outside this workspace, added to a run through a
    /// [`ContenderList`](crate::registry::ContenderList) (see `strategies/README.md`).
    User,
}

/// What a traversal, and a reader during a sweep, can observe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Consistency {
    /// Single-threaded: `&mut` access, nothing runs concurrently.
    Exclusive,
    /// Operations are linearizable because conflicting ones block each other (a lock).
    Blocking,
    /// A traversal sees every entry present throughout it, none twice, and maybe some entries
    /// inserted or removed during it.
    WeaklyConsistent,
    /// A traversal yields every entry present throughout at least once, and an entry may be
    /// yielded more than once: a key another thread removes and re-inserts meanwhile can land in
    /// a slot the walk has not reached (papaya, tombstone's chunked walk), and scc can revisit
    /// entries a concurrent shrink moves. Sweep counts are bounds, not exact: the predicate may
    /// be called again on an entry (papaya retries after a lost race or a resize).
    AtLeastOnce,
    /// A traversal sees exactly one published version of the whole map.
    Snapshot,
}

impl Consistency {
    /// Kebab-case id used in tables and records.
    pub const fn id(self) -> &'static str {
        match self {
            Consistency::Exclusive => "exclusive",
            Consistency::Blocking => "blocking",
            Consistency::WeaklyConsistent => "weakly-consistent",
            Consistency::AtLeastOnce => "at-least-once",
            Consistency::Snapshot => "snapshot",
        }
    }
}

/// How a sweep affects readers on other threads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReaderBlocking {
    /// Not shared: there are no other readers.
    NotShared,
    /// Readers wait for the whole sweep.
    WholeSweep,
    /// Readers wait only while the batch delete phase holds the write lock.
    DeletePhase,
    /// Readers wait only for the shard (or bucket) being swept, one at a time.
    OneShardAtATime,
    /// Readers never wait for a sweep.
    Never,
}

impl ReaderBlocking {
    /// Kebab-case id used in run metadata and the report.
    pub const fn id(self) -> &'static str {
        match self {
            ReaderBlocking::NotShared => "not-shared",
            ReaderBlocking::WholeSweep => "whole-sweep",
            ReaderBlocking::DeletePhase => "delete-phase",
            ReaderBlocking::OneShardAtATime => "one-shard-at-a-time",
            ReaderBlocking::Never => "never",
        }
    }

    /// Short text for tables.
    pub const fn describe(self) -> &'static str {
        match self {
            ReaderBlocking::NotShared => "n/a (single-threaded)",
            ReaderBlocking::WholeSweep => "yes, for the whole sweep",
            ReaderBlocking::DeletePhase => "only during the batch delete",
            ReaderBlocking::OneShardAtATime => "only on the shard being swept",
            ReaderBlocking::Never => "never",
        }
    }
}

/// A contender's statement of what it is, what it promises and what it costs. These are the
/// rows of README's strategy table and the report's legend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Info {
    /// Stable kebab-case id.
    pub name: &'static str,
    /// Core, strategy or peer.
    pub origin: Origin,
    /// Whether it implements [`Shared`].
    pub shared: bool,
    /// Consistency class of traversals and of reads during a sweep.
    pub consistency: Consistency,
    /// Whether readers on other threads block while a sweep runs.
    pub readers_block: ReaderBlocking,
    /// Whether traversals yield entries in insertion order, and a sweep keeps that order for
    /// the survivors (checked by the conformance suite when true).
    pub keeps_order: bool,
    /// What a reader sees while a sweep runs.
    pub during_sweep: &'static str,
    /// Memory a sweep needs beyond the map itself.
    pub extra_memory: &'static str,
    /// When to choose it.
    pub choose_when: &'static str,
    /// One sentence: how it deletes while iterating.
    pub how: &'static str,
}
