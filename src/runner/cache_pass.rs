//! Step 4, the cache pass: which cells callgrind simulates, and the simulation of one
//! contender on one cell in a callgrind child ([`super::cache_child`]).

use reports::{Metric, Outcome, Record};
use strategies::Info;

use super::records::Recs;
use super::{budget, Runner};
use crate::probes::cache;
use crate::workloads::{Cell, Profile, ValueSize, Workload};

/// Largest `sweep` cell the default profile simulates: callgrind runs the child's whole process
/// (prefill included) about 50x slower than native, so a 1M-entry cell costs about 18 s per
/// contender, over five minutes for the cell, which does not fit the profile's 10 minutes.
pub const DEFAULT_CACHE_MAX_N: u64 = 65_536;

/// Whether callgrind measures this cell in `profile`: every `sweep` cell of the tiny profile,
/// every `sweep` cell up to [`DEFAULT_CACHE_MAX_N`] entries in the default profile, and in the
/// full profile those plus the larger cells' plain half sweep.
pub fn is_cache_cell(profile: Profile, cell: &Cell) -> bool {
    let plain_half = cell.delete_fraction == 0.5
        && cell.keys == crate::keys::KeyOrder::Uniform
        && cell.doom == crate::keys::DoomPattern::Uniform
        && cell.value == ValueSize::V8;
    cell.workload == Workload::Sweep
        && match profile {
            Profile::Tiny => true,
            Profile::Default => cell.n <= DEFAULT_CACHE_MAX_N,
            Profile::Full => cell.n <= DEFAULT_CACHE_MAX_N || plain_half,
        }
}

/// Why a `sweep` cell of `profile` has no cache simulation, if it has none.
pub(super) fn no_cache_reason(profile: Profile, cell: &Cell) -> Option<String> {
    (cell.workload == Workload::Sweep && !is_cache_cell(profile, cell)).then(|| {
        format!(
            "not simulated in the {} profile for this cell above n={DEFAULT_CACHE_MAX_N} (callgrind \
             takes about 18 s per contender at 1M entries, over the profile's time budget)",
            profile.id()
        )
    })
}

impl Runner<'_> {
    /// Simulates the cell's timed phase under callgrind and records the cache misses per
    /// operation (or why they are not measured).
    pub(super) fn cache_pass(
        &mut self,
        index: usize,
        info: Info,
        rec: &Recs,
        out: &mut Vec<Record>,
    ) {
        let metrics = [Metric::D1MissesPerOp, Metric::LlMissesPerOp];
        if let Err(why) = &self.valgrind {
            for m in metrics {
                out.push(rec.make(m, Outcome::not_measured(why.clone())));
            }
            return;
        }
        let spec = format!(
            "{}|{index}|{}|{}",
            self.opts.profile.id(),
            info.name,
            self.opts.seed
        );
        // callgrind is about 50x slower than a native run; the child gets the cell's budget.
        let watch = budget::current();
        let stop = || watch.as_ref().is_some_and(|w| w.expired());
        match cache::run_child(
            &self.opts.exe,
            &spec,
            &self.opts.scratch,
            self.budget.cell,
            stop,
        ) {
            Ok((counts, ops)) if ops > 0 => {
                let ops = ops as f64;
                out.push(rec.make(
                    Metric::D1MissesPerOp,
                    Outcome::value(counts.d1_misses as f64 / ops),
                ));
                out.push(rec.make(
                    Metric::LlMissesPerOp,
                    Outcome::value(counts.ll_misses as f64 / ops),
                ));
            }
            Ok(_) => {
                for m in metrics {
                    out.push(rec.make(
                        m,
                        Outcome::not_measured("the callgrind child ran no operations"),
                    ));
                }
            }
            Err(e) => {
                eprintln!("evacbench: cache simulation of {} failed: {e}", info.name);
                for m in metrics {
                    out.push(rec.make(m, Outcome::not_measured(e.clone())));
                }
            }
        }
    }
}
