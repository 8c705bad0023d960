//! The one list of contenders, used by the conformance suite, the benches, the CLI and the
//! report alike. Adding a contender means adding one line here (see `strategies/README.md`).
//!
//! The list is a function that calls a [`Visit`]or once per contender, with the contender's
//! type as a generic argument, so callers get static dispatch in their hot loops and no
//! contender can be forgotten by one caller but not another.
//!
//! The list is open: a [`ContenderList`] is any type that visits contenders the same way.
//! [`BuiltIn`] is the list of [`visit`]; a crate outside this workspace writes its own list
//! for its own map and hands `(BuiltIn, Mine)` (or `Mine` alone) to the benchmark runner and
//! to the conformance suite, which then treat its contenders exactly as the built-in ones.
//!
//! ```
//! use strategies::registry::{infos_of, BuiltIn, ContenderList, Visit};
//! use strategies::Value;
//!
//! /// A list of one contender (a built-in one here, to keep the example short).
//! struct Mine;
//! impl ContenderList for Mine {
//!     fn visit<V: Value, W: Visit<V>>(visitor: &mut W) {
//!         visitor.shared::<strategies::RwLockMap<V>>();
//!     }
//! }
//! assert_eq!(infos_of::<Mine>().len(), 1);
//! assert_eq!(infos_of::<(BuiltIn, Mine)>().len(), infos_of::<BuiltIn>().len() + 1);
//! ```

use crate::contender::{Contender, Info, Shared};
use crate::value::Value;
use crate::{
    CollectKeysMap, CowSnapshotMap, DashMapRetain, EvacMapCursor, EvacMapRetain,
    HashbrownExtractIf, HashbrownRetain, IndexMapRetain, IndexMapSwapRemove, PapayaIterRemove,
    PapayaRetain, RwLockMap, SccCursor, SccRetain, ShardedMap, StdExtractIf, StdRetain,
    TombstoneMap,
};

/// Called once per contender by [`visit`].
pub trait Visit<V: Value> {
    /// A single-threaded contender.
    fn single<C: Contender<V>>(&mut self);

    /// A shared contender; by default treated like a single-threaded one.
    fn shared<C: Shared<V>>(&mut self) {
        self.single::<C>();
    }
}

/// Calls `visitor` with every contender, in the order of README's table: the core, the five
/// strategies, then the peers.
pub fn visit<V: Value, W: Visit<V>>(visitor: &mut W) {
    // evacmap itself.
    visitor.single::<EvacMapCursor<V>>();
    visitor.single::<EvacMapRetain<V>>();
    // The five strategies.
    visitor.shared::<TombstoneMap<V>>();
    visitor.shared::<CowSnapshotMap<V>>();
    visitor.shared::<CollectKeysMap<V>>();
    visitor.shared::<RwLockMap<V>>();
    visitor.shared::<ShardedMap<V>>();
    // Peers.
    visitor.single::<HashbrownRetain<V>>();
    visitor.single::<HashbrownExtractIf<V>>();
    visitor.single::<StdRetain<V>>();
    visitor.single::<StdExtractIf<V>>();
    visitor.single::<IndexMapRetain<V>>();
    visitor.single::<IndexMapSwapRemove<V>>();
    visitor.shared::<DashMapRetain<V>>();
    visitor.shared::<PapayaRetain<V>>();
    visitor.shared::<PapayaIterRemove<V>>();
    visitor.shared::<SccRetain<V>>();
    visitor.shared::<SccCursor<V>>();
}

/// A list of contenders: a type whose [`visit`](ContenderList::visit) calls a [`Visit`]or once
/// per contender, as [`visit`] does for the built-in ones.
pub trait ContenderList {
    /// Calls `visitor` with every contender of the list, in order: `visitor.single::<T<V>>()`
    /// for a single-threaded contender, `visitor.shared::<T<V>>()` for a shared one.
    fn visit<V: Value, W: Visit<V>>(visitor: &mut W);
}

/// The built-in contenders: the list of [`visit`].
#[derive(Clone, Copy, Debug, Default)]
pub struct BuiltIn;

impl ContenderList for BuiltIn {
    fn visit<V: Value, W: Visit<V>>(visitor: &mut W) {
        visit::<V, W>(visitor);
    }
}

/// Two lists, one after the other: `(BuiltIn, Mine)` is the built-in contenders, then yours.
impl<A: ContenderList, B: ContenderList> ContenderList for (A, B) {
    fn visit<V: Value, W: Visit<V>>(visitor: &mut W) {
        A::visit::<V, W>(visitor);
        B::visit::<V, W>(visitor);
    }
}

/// The [`Info`] of every contender, in [`visit`] order.
pub fn infos() -> Vec<Info> {
    infos_of::<BuiltIn>()
}

/// The [`Info`] of every contender of the list `L`, in its order.
pub fn infos_of<L: ContenderList>() -> Vec<Info> {
    struct Collect(Vec<Info>);
    impl<V: Value> Visit<V> for Collect {
        fn single<C: Contender<V>>(&mut self) {
            self.0.push(C::INFO);
        }
    }
    let mut c = Collect(Vec::new());
    L::visit::<crate::V8, _>(&mut c);
    c.0
}

/// README's strategy table, generated from every contender's [`Info`] (a test keeps README in
/// sync with it).
pub fn markdown_table() -> String {
    let mut t = String::from(
        "| contender | kind | consistency | readers block during a sweep | extra memory | choose it when |\n\
         |---|---|---|---|---|---|\n",
    );
    for i in infos() {
        let kind = match (i.origin, i.shared) {
            (crate::Origin::Core, _) => "evacmap",
            (crate::Origin::Strategy, _) => "strategy",
            (crate::Origin::Peer, true) => "peer (shared)",
            (crate::Origin::Peer, false) => "peer",
            (crate::Origin::User, true) => "user (shared)",
            (crate::Origin::User, false) => "user",
        };
        let clean = |s: &str| {
            s.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .replace('|', "\\|")
        };
        t += &format!(
            "| `{}` | {kind} | {} | {} | {} | {} |\n",
            i.name,
            i.consistency.id(),
            i.readers_block.describe(),
            clean(i.extra_memory),
            clean(i.choose_when),
        );
    }
    t
}

/// The [`Info`] of the contender called `name`, or an error listing the known names.
pub fn find(name: &str) -> Result<Info, UnknownContender> {
    find_in::<BuiltIn>(name)
}

/// The [`Info`] of the contender of the list `L` called `name`, or an error listing the
/// list's names.
pub fn find_in<L: ContenderList>(name: &str) -> Result<Info, UnknownContender> {
    let all = infos_of::<L>();
    all.iter()
        .find(|i| i.name == name)
        .copied()
        .ok_or_else(|| UnknownContender {
            name: name.to_owned(),
            known: all.iter().map(|i| i.name).collect(),
        })
}

/// A contender name that is not in the list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownContender {
    /// The name asked for.
    pub name: String,
    /// Every known name.
    pub known: Vec<&'static str>,
}

impl core::fmt::Display for UnknownContender {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "unknown contender `{}`; known contenders: {}",
            self.name,
            self.known.join(", ")
        )
    }
}

impl std::error::Error for UnknownContender {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_kebab_case() {
        let all = infos();
        let mut names: Vec<_> = all.iter().map(|i| i.name).collect();
        for n in &names {
            assert!(
                !n.is_empty()
                    && n.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{n} is not kebab-case"
            );
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), all.len(), "duplicate contender names");
    }

    #[test]
    fn readme_strategy_table_is_current() {
        let readme = include_str!("../../README.md");
        let table = markdown_table();
        assert!(
            readme.contains(&table),
            "README.md's strategy table is stale; replace it with:\n{table}"
        );
    }

    #[test]
    fn unknown_name_lists_the_known_ones() {
        let e = find("no-such-map").unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("no-such-map") && text.contains("tombstone"),
            "{text}"
        );
        assert_eq!(find("rwlock").unwrap().name, "rwlock");
    }
}
