//! The workload mix: what share of operations are lookups, inserts and deletes, and the
//! concrete operation schedule drawn from it.
//!
//! Probe lengths and overflow say how a threshold behaves on a frozen table; users want to know
//! what it costs on their own traffic. `--mix lookup=80,insert=10,delete=10` describes that
//! traffic; [`schedule`] turns it into a reproducible list of operations on a table of the
//! measured size, and the tuner times it as `mix_ns_per_op`, the latency the recommendation
//! uses.
//!
//! The schedule is built so the table never grows: it is prefilled to the max-load count minus
//! the largest excess of inserts over deletes reached at any point of the schedule, so the live
//! count peaks at most at the max-load count, in the same `2^B` buckets. Lookups look up a
//! random live key (they hit); inserts insert a key never seen before; deletes delete a random
//! live key. With as many operations as the max-load count, a lookup or delete always finds a
//! live key (shown in [`schedule`]).

use std::fmt;

use super::keys::KeySpace;
use crate::keys::Rng;

/// Shares of lookups, inserts and deletes, in percent, summing to 100.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mix {
    /// Percentage of lookups (of live keys).
    pub lookup: u32,
    /// Percentage of inserts (of new keys).
    pub insert: u32,
    /// Percentage of deletes (of live keys).
    pub delete: u32,
}

impl Mix {
    /// The default: a read-mostly map with balanced churn.
    pub const DEFAULT: Mix = Mix {
        lookup: 80,
        insert: 10,
        delete: 10,
    };

    /// Parses `lookup=80,insert=10,delete=10`: each name at most once, omitted names are 0,
    /// values are non-negative integers summing to 100.
    pub fn parse(text: &str) -> Result<Mix, String> {
        let mut mix = Mix {
            lookup: 0,
            insert: 0,
            delete: 0,
        };
        let mut seen = [false; 3];
        let expected = "expected NAME=PERCENT pairs separated by commas, with NAME one of \
                        lookup, insert, delete and percentages that are non-negative integers \
                        summing to 100, e.g. lookup=80,insert=10,delete=10";
        if text.trim().is_empty() {
            return Err(format!("empty mix: {expected}"));
        }
        for part in text.split(',') {
            let Some((name, value)) = part.split_once('=') else {
                return Err(format!("invalid mix entry `{}`: {expected}", part.trim()));
            };
            let (slot, index) = match name.trim() {
                "lookup" => (&mut mix.lookup, 0),
                "insert" => (&mut mix.insert, 1),
                "delete" => (&mut mix.delete, 2),
                other => {
                    return Err(format!("unknown mix operation `{other}`: {expected}"));
                }
            };
            if seen[index] {
                return Err(format!(
                    "mix operation `{}` is given twice: {expected}",
                    name.trim()
                ));
            }
            seen[index] = true;
            *slot = value.trim().parse().map_err(|_| {
                format!(
                    "invalid percentage `{}` for `{}`: {expected}",
                    value.trim(),
                    name.trim()
                )
            })?;
        }
        let sum = u64::from(mix.lookup) + u64::from(mix.insert) + u64::from(mix.delete);
        if sum != 100 {
            return Err(format!("mix percentages sum to {sum}, not 100: {expected}"));
        }
        Ok(mix)
    }
}

impl fmt::Display for Mix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "lookup={},insert={},delete={}",
            self.lookup, self.insert, self.delete
        )
    }
}

/// One operation of a schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    /// Look up a live key (must hit).
    Lookup(u64),
    /// Insert a key that is not in the table (must be new).
    Insert(u64),
    /// Delete a live key (must be present).
    Delete(u64),
}

/// A reproducible workload on one table.
#[derive(Clone, Debug)]
pub(crate) struct Schedule {
    /// Ids inserted before the timed phase.
    pub(crate) prefill: Vec<u64>,
    /// The timed operations, in order.
    pub(crate) ops: Vec<Op>,
    /// How many of `ops` are lookups, inserts and deletes.
    pub(crate) lookups: usize,
    /// See `lookups`.
    pub(crate) inserts: usize,
    /// See `lookups`.
    pub(crate) deletes: usize,
}

impl Schedule {
    /// Live entries after the schedule ran.
    pub(crate) fn final_len(&self) -> usize {
        self.prefill.len() + self.inserts - self.deletes
    }
}

/// Draws `max_len` operations from `mix` for a table that may hold at most `max_len` entries.
///
/// The prefill is `max_len - peak`, where `peak` is the largest excess of inserts over deletes
/// over any prefix of the schedule, so the live count never exceeds `max_len`. Before operation
/// `t` the live count is `max_len - peak + (inserts - deletes before t)`; as `peak` is at most
/// the total inserts, and the deletes before a delete are at most the total deletes minus one,
/// that is at least `max_len - (operations) + 1 = 1` before a delete, and likewise before a
/// lookup: a lookup or delete always has a live key to pick.
pub(crate) fn schedule(mix: Mix, max_len: usize, keys: KeySpace, seed: u64) -> Schedule {
    let mut rng = Rng::new(seed ^ 0x6d69_785f_6f70_7321);
    let kinds: Vec<u32> = (0..max_len)
        .map(|_| {
            let r = rng.below(100) as u32;
            if r < mix.lookup {
                0
            } else if r < mix.lookup + mix.insert {
                1
            } else {
                2
            }
        })
        .collect();
    let (mut excess, mut peak) = (0i64, 0i64);
    for &k in &kinds {
        excess += match k {
            1 => 1,
            2 => -1,
            _ => 0,
        };
        peak = peak.max(excess);
    }
    let prefill_len = max_len - peak as usize;
    let prefill: Vec<u64> = (0..prefill_len).map(|i| keys.hit(i)).collect();
    let mut live = prefill.clone();
    let mut fresh = 0usize;
    let (mut lookups, mut inserts, mut deletes) = (0, 0, 0);
    let ops = kinds
        .into_iter()
        .map(|k| match k {
            0 => {
                lookups += 1;
                Op::Lookup(live[rng.below(live.len() as u64) as usize])
            }
            1 => {
                inserts += 1;
                let id = keys.fresh(fresh);
                fresh += 1;
                live.push(id);
                Op::Insert(id)
            }
            _ => {
                deletes += 1;
                Op::Delete(live.swap_remove(rng.below(live.len() as u64) as usize))
            }
        })
        .collect();
    Schedule {
        prefill,
        ops,
        lookups,
        inserts,
        deletes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn parses_valid_mixes_and_prints_them_back() {
        assert_eq!(
            Mix::parse("lookup=80,insert=10,delete=10"),
            Ok(Mix::DEFAULT)
        );
        assert_eq!(
            Mix::parse(" delete = 50 , lookup=50"),
            Ok(Mix {
                lookup: 50,
                insert: 0,
                delete: 50
            })
        );
        assert_eq!(Mix::DEFAULT.to_string(), "lookup=80,insert=10,delete=10");
    }

    #[test]
    fn rejects_invalid_mixes_with_the_expected_form() {
        for (bad, says) in [
            ("lookup=80,insert=10", "sum to 90"),
            ("lookup=80,insert=10,delete=20", "sum to 110"),
            (
                "lookup=-10,insert=100,delete=10",
                "invalid percentage `-10`",
            ),
            (
                "lookup=80.5,insert=9.5,delete=10",
                "invalid percentage `80.5`",
            ),
            ("read=100", "unknown mix operation `read`"),
            ("lookup=50,lookup=50", "given twice"),
            ("lookup", "invalid mix entry"),
            ("", "empty mix"),
        ] {
            let err = Mix::parse(bad).unwrap_err();
            assert!(err.contains(says), "{bad}: {err}");
            assert!(err.contains("e.g. lookup=80,insert=10,delete=10"), "{err}");
        }
    }

    #[test]
    fn schedules_never_exceed_the_max_len_and_always_find_live_keys() {
        let keys = KeySpace::new(5);
        for mix in [
            Mix::DEFAULT,
            Mix::parse("insert=100").unwrap(),
            Mix::parse("delete=100").unwrap(),
            Mix::parse("insert=90,delete=10").unwrap(),
            Mix::parse("lookup=10,insert=45,delete=45").unwrap(),
        ] {
            let s = schedule(mix, 2000, keys, 1);
            let mut live: HashSet<u64> = s.prefill.iter().copied().collect();
            assert_eq!(live.len(), s.prefill.len());
            for op in &s.ops {
                match *op {
                    Op::Lookup(id) => assert!(live.contains(&id)),
                    Op::Insert(id) => assert!(live.insert(id), "fresh key reused"),
                    Op::Delete(id) => assert!(live.remove(&id)),
                }
                assert!(live.len() <= 2000, "{mix}: grew past the max-load count");
            }
            assert_eq!(live.len(), s.final_len());
            assert_eq!(s.lookups + s.inserts + s.deletes, 2000);
        }
        let all_inserts = schedule(Mix::parse("insert=100").unwrap(), 100, keys, 1);
        assert!(all_inserts.prefill.is_empty());
        assert_eq!(all_inserts.final_len(), 100);
    }
}
