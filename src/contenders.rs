//! What `meta.json` says about each contender: its declared [`Info`] and, where workloads run
//! contenders differently, how each one ran them, so the report compares like with like.

use std::cell::Cell;
use std::collections::BTreeMap;

use reports::ContenderInfo;
use strategies::registry::{BuiltIn, ContenderList, Visit};
use strategies::{Build, Contender, Info, Origin, Shared, Value, V8};

use crate::workloads::Workload;

/// `sweep-during-growth` mode of a shared contender: a writer thread inserts during the sweep.
pub const CONCURRENT_WRITER: &str = "inserts from a concurrent writer";
/// `sweep-during-growth` mode of a single-threaded contender that inserts between sweep steps.
pub const BETWEEN_STEPS: &str = "inserts between sweep steps";
/// `sweep-during-growth` mode of a single-threaded contender that can only insert after its
/// sweep (`retain`-style: the borrow rules forbid inserting inside it).
pub const AFTER_SWEEP: &str = "inserts after the sweep";

/// Every contender of the registry, in its order, with its declared properties and modes.
pub fn infos() -> Vec<ContenderInfo> {
    infos_of::<BuiltIn>()
}

/// Every contender of the list `L`, in its order, with its declared properties and modes.
pub fn infos_of<L: ContenderList>() -> Vec<ContenderInfo> {
    struct Collect(Vec<ContenderInfo>);
    impl<V: Value> Visit<V> for Collect {
        fn single<C: Contender<V>>(&mut self) {
            let mode = if interleaves::<V, C>() {
                BETWEEN_STEPS
            } else {
                AFTER_SWEEP
            };
            self.0.push(describe(C::INFO, mode));
        }
        fn shared<C: Shared<V>>(&mut self) {
            self.0.push(describe(C::INFO, CONCURRENT_WRITER));
        }
    }
    let mut c = Collect(Vec::new());
    L::visit::<V8, _>(&mut c);
    c.0
}

fn describe(info: Info, growth_mode: &str) -> ContenderInfo {
    let clean = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut modes = BTreeMap::new();
    modes.insert(
        Workload::SweepDuringGrowth.id().to_owned(),
        growth_mode.to_owned(),
    );
    ContenderInfo {
        name: info.name.to_owned(),
        kind: match info.origin {
            Origin::Core => "evacmap",
            Origin::Strategy => "strategy",
            Origin::Peer => "peer",
            Origin::User => ContenderInfo::USER,
        }
        .to_owned(),
        access: if info.shared { "shared" } else { "exclusive" }.to_owned(),
        consistency: info.consistency.id().to_owned(),
        readers_block: info.readers_block.id().to_owned(),
        extra_memory: clean(info.extra_memory),
        choose_when: clean(info.choose_when),
        keeps_order: info.keeps_order,
        modes,
    }
}

/// Whether `C::sweep_interleaved` inserts while its sweep is still judging entries (observed,
/// not declared): true if the predicate runs after the first insert was taken.
fn interleaves<V: Value, C: Contender<V>>() -> bool {
    let Ok(mut map) = C::build(&Build::default()) else {
        return false;
    };
    for k in 0..512u64 {
        map.insert(2 * k + 1, V::new(2 * k + 1, 1));
    }
    let pulled = Cell::new(0usize);
    let judged_after = Cell::new(false);
    let inserts = (0..64u64).map(|i| {
        pulled.set(pulled.get() + 1);
        let k = 1 << 40 | i;
        (k, V::new(k, 1))
    });
    map.sweep_interleaved(
        |_, _| {
            if pulled.get() > 0 {
                judged_after.set(true);
            }
            false
        },
        inserts,
        8,
    );
    judged_after.get()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_contender_is_described_with_its_growth_mode() {
        let all = infos();
        assert_eq!(all.len(), strategies::registry::infos().len());
        let mode = |name: &str| {
            let c = all.iter().find(|c| c.name == name).unwrap();
            c.modes[Workload::SweepDuringGrowth.id()].clone()
        };
        assert_eq!(mode("evacmap-cursor"), BETWEEN_STEPS);
        assert_eq!(mode("indexmap-retain"), AFTER_SWEEP);
        assert_eq!(mode("hashbrown-retain"), AFTER_SWEEP);
        assert_eq!(mode("rwlock"), CONCURRENT_WRITER);
        for c in &all {
            assert_eq!(
                c.is_shared(),
                mode(&c.name) == CONCURRENT_WRITER,
                "{}",
                c.name
            );
            assert!(!c.choose_when.contains("  "), "{}", c.name);
        }
        let ordered: Vec<&str> = all
            .iter()
            .filter(|c| c.keeps_order)
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(ordered, ["indexmap-retain"]);
    }
}
