//! What the load-factor sweep's max-load tables are made of: the keys that are inserted, keys
//! that never are, the mixed schedule, and which keys the sweep removes.
//!
//! The runner's max-load scenarios (`runner::max_load`) time and verify every quantity on these
//! inputs; this module only draws them, reproducibly from the seed.

pub(crate) use super::mix::{Op, Schedule};
pub(crate) use super::sizes::{TuneKey, TuneValue};

use std::collections::HashSet;

use super::keys::KeySpace;
use super::mix::{self, Mix};

/// The keys and schedule of one max-load table of `n` entries.
#[derive(Clone, Debug)]
pub(crate) struct Inputs {
    /// Ids inserted into the table, all distinct.
    pub(crate) hits: Vec<u64>,
    /// As many ids that are never inserted (every lookup of them must miss).
    pub(crate) misses: Vec<u64>,
    /// The mixed workload on a prefilled table.
    pub(crate) schedule: Schedule,
    /// How many of `hits` the sweep removes.
    pub(crate) doomed_count: usize,
    /// The ids live after the schedule ran.
    pub(crate) mix_live: Vec<u64>,
}

impl Inputs {
    /// The inputs of a table of `n` entries with the mix `mix`, from `seed`.
    pub(crate) fn new(n: usize, mix: Mix, seed: u64) -> Inputs {
        let keys = KeySpace::new(seed);
        let hits: Vec<u64> = (0..n).map(|i| keys.hit(i)).collect();
        let misses: Vec<u64> = (0..n).map(|i| keys.miss(i)).collect();
        let schedule = mix::schedule(mix, n, keys, seed);
        let mut live: HashSet<u64> = schedule.prefill.iter().copied().collect();
        for op in &schedule.ops {
            match *op {
                Op::Lookup(_) => {}
                Op::Insert(id) => {
                    live.insert(id);
                }
                Op::Delete(id) => {
                    live.remove(&id);
                }
            }
        }
        let mut mix_live: Vec<u64> = live.into_iter().collect();
        mix_live.sort_unstable();
        let doomed_count = hits.iter().filter(|&&id| Inputs::is_doomed(id)).count();
        Inputs {
            hits,
            misses,
            schedule,
            doomed_count,
            mix_live,
        }
    }

    /// The sweep removes the entries whose id has bit 32 set (about half, fixed per key).
    fn is_doomed(id: u64) -> bool {
        (id >> 32) & 1 == 1
    }

    /// True if the sweep removes the entry of `id`.
    pub(crate) fn doomed(&self, id: u64) -> bool {
        Inputs::is_doomed(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_are_reproducible_and_consistent() {
        let a = Inputs::new(2000, Mix::DEFAULT, 9);
        let b = Inputs::new(2000, Mix::DEFAULT, 9);
        assert_eq!(a.hits, b.hits);
        assert_eq!(a.mix_live.len(), a.schedule.final_len());
        assert!(
            a.doomed_count > 800 && a.doomed_count < 1200,
            "{}",
            a.doomed_count
        );
        assert!(a.misses.iter().all(|m| !a.hits.contains(m)));
    }
}
