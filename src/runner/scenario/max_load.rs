//! The load-factor tuner's quantities as scenarios: evacmap at its maximum load, for any key and
//! value size, measured by the runner like every workload.
//!
//! A max-load table holds exactly `floor(lf * 2^B)` keys, the most it holds before the next
//! insert doubles it. [`MaxLoad`] is one quantity on such a table: filling it from empty
//! (growth included), looking up every present or every absent key, a `retain` removing about
//! half, or the user's mixed workload on a prefilled table. Each run checks its counts (new
//! keys, hits, removals), and [`Scenario::verify`] checks the state it left key by key and
//! evacmap's invariants, so the runner never times a wrong answer. evacmap's own seed is fixed,
//! so the table's structure (overflow, overhead bytes, probe lengths, read by the allocation
//! pass from `probe_stats`) is exact for the seed.

use std::hint::black_box;
use std::time::Instant;

use evacmap::{Config, EvacMap};
use foldhash::fast::FixedState;
use strategies::Memory;

use super::{Measured, Probe, Scenario, ScenarioError};
use crate::tune::max_load_inputs::{Inputs, Op, TuneKey, TuneValue};

/// The map measured: the tuner's sized keys and values under the shared fixed-seed hasher.
pub(crate) type Map<K, V> = EvacMap<K, V, FixedState>;

/// Which quantity a [`MaxLoad`] scenario times.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Quantity {
    /// Fill an empty map to the max-load count, growth included (ns per insert).
    Insert,
    /// Look up every present key (ns per lookup).
    LookupHit,
    /// Look up as many absent keys (ns per lookup).
    LookupMiss,
    /// `retain` removing the doomed half (ns per entry visited).
    Sweep,
    /// The mixed schedule on a prefilled table (ns per operation).
    Mix,
}

impl Quantity {
    /// Every quantity, in the tuner's column order.
    pub(crate) const ALL: [Quantity; 5] = [
        Quantity::Insert,
        Quantity::LookupHit,
        Quantity::LookupMiss,
        Quantity::Sweep,
        Quantity::Mix,
    ];

    /// The contender name of its measurements (the runner's bench ids and progress lines).
    pub(crate) fn contender(self) -> &'static str {
        match self {
            Quantity::Insert => "evacmap-max-load-insert",
            Quantity::LookupHit => "evacmap-max-load-lookup-hit",
            Quantity::LookupMiss => "evacmap-max-load-lookup-miss",
            Quantity::Sweep => "evacmap-max-load-sweep",
            Quantity::Mix => "evacmap-max-load-mix",
        }
    }

    /// A short name for messages.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Quantity::Insert => "insert",
            Quantity::LookupHit => "lookup-hit",
            Quantity::LookupMiss => "lookup-miss",
            Quantity::Sweep => "sweep",
            Quantity::Mix => "mix",
        }
    }
}

/// One quantity of one threshold's max-load table. `FRESH_STATE` is the runner's
/// [`Scenario::FRESH`]: true for the quantities that change the table (insert, sweep, mix),
/// false for the lookups, which run again and again on one verified table.
pub(crate) struct MaxLoad<'a, K, V, const FRESH_STATE: bool> {
    /// The quantity.
    pub(crate) quantity: Quantity,
    /// The map's config: the threshold, with evacmap's seed fixed.
    pub(crate) config: Config,
    /// The hasher of every map.
    pub(crate) hasher: FixedState,
    /// log2 of the bucket count the table must settle at.
    pub(crate) b: u8,
    /// Keys, absent keys and the mixed schedule.
    pub(crate) inputs: &'a Inputs,
    /// The key and value types.
    pub(crate) _types: std::marker::PhantomData<fn() -> (K, V)>,
}

impl<K: TuneKey, V: TuneValue, const F: bool> MaxLoad<'_, K, V, F> {
    fn n(&self) -> usize {
        self.inputs.hits.len()
    }

    fn empty(&self, capacity: usize) -> Map<K, V> {
        EvacMap::with_capacity_config_and_hasher(capacity, self.config, self.hasher.clone())
    }

    /// A map filled from empty with every present key and settled at B (a same-size grow left
    /// running by the last inserts is finished).
    fn filled(&self) -> Result<Map<K, V>, String> {
        let mut m = self.empty(0);
        let mut fresh = 0usize;
        for &id in &self.inputs.hits {
            fresh += usize::from(m.insert(K::from_id(id), V::from_id(id)).is_none());
        }
        if fresh != self.n() {
            return Err(format!(
                "fill: {fresh} of {} inserts of distinct keys reported a new key",
                self.n()
            ));
        }
        if m.stats().growing {
            m.shrink_to_fit();
        }
        self.check_settled(&m)?;
        Ok(m)
    }

    fn check_settled(&self, m: &Map<K, V>) -> Result<(), String> {
        let st = m.stats();
        if st.b != self.b || st.growing || st.len != self.n() {
            return Err(format!(
                "the filled table has B={} (expected {}), growing={}, len {} (expected {}): it is \
                 not a max-load table",
                st.b,
                self.b,
                st.growing,
                st.len,
                self.n()
            ));
        }
        Ok(())
    }

    fn check_present(&self, m: &Map<K, V>, ids: &[u64], present: bool) -> Result<(), String> {
        for &id in ids {
            match m.get(&K::from_id(id)) {
                Some(_) if !present => return Err(format!("absent key {id:#x} was found")),
                Some(v) => {
                    if let Some(got) = v.id().filter(|&got| got != id) {
                        return Err(format!("key {id:#x} returned the value of key {got:#x}"));
                    }
                }
                None if present => return Err(format!("present key {id:#x} not found")),
                None => {}
            }
        }
        Ok(())
    }
}

fn measured(start: Instant, ops: usize) -> Measured {
    Measured {
        elapsed: start.elapsed(),
        ops: ops as u64,
    }
}

impl<K: TuneKey, V: TuneValue, const F: bool> Scenario for MaxLoad<'_, K, V, F> {
    type State = Map<K, V>;
    const FRESH: bool = F;

    fn setup(&self) -> Result<Map<K, V>, ScenarioError> {
        self.set_up().map_err(ScenarioError::Failed)
    }

    fn run(&self, m: &mut Map<K, V>, _probe: &mut Probe) -> Result<Measured, ScenarioError> {
        self.timed(m).map_err(ScenarioError::Failed)
    }

    fn verify(&self, m: &mut Map<K, V>) -> Result<(), ScenarioError> {
        self.check(m).map_err(ScenarioError::Failed)
    }

    fn live(&self, m: &mut Map<K, V>) -> u64 {
        m.len() as u64
    }

    fn memory(&self, m: &mut Map<K, V>) -> Memory {
        Memory {
            heap_bytes: m.stats().heap_bytes,
            garbage_bytes: 0,
            exact: true,
            garbage_known: true,
        }
    }

    fn probe_stats(&self, m: &mut Map<K, V>) -> Option<evacmap::ProbeStats> {
        Some(m.probe_stats())
    }
}

impl<K: TuneKey, V: TuneValue, const F: bool> MaxLoad<'_, K, V, F> {
    /// [`Scenario::setup`]: an empty map, the filled table or the mix's prefilled table.
    fn set_up(&self) -> Result<Map<K, V>, String> {
        match self.quantity {
            Quantity::Insert => Ok(self.empty(0)),
            Quantity::LookupHit | Quantity::LookupMiss | Quantity::Sweep => self.filled(),
            Quantity::Mix => {
                let mut m = self.empty(self.n());
                for &id in &self.inputs.schedule.prefill {
                    m.insert(K::from_id(id), V::from_id(id));
                }
                Ok(m)
            }
        }
    }

    /// [`Scenario::run`]: the timed pass, its counts checked.
    fn timed(&self, m: &mut Map<K, V>) -> Result<Measured, String> {
        let inputs = self.inputs;
        match self.quantity {
            Quantity::Insert => {
                let mut fresh = 0usize;
                let start = Instant::now();
                for &id in &inputs.hits {
                    fresh +=
                        usize::from(black_box(m.insert(K::from_id(id), V::from_id(id))).is_none());
                }
                let out = measured(start, self.n());
                if fresh != self.n() || m.len() != self.n() {
                    return Err(format!(
                        "insert: {fresh} of {} inserts of distinct keys reported a new key, len {}",
                        self.n(),
                        m.len()
                    ));
                }
                Ok(out)
            }
            Quantity::LookupHit | Quantity::LookupMiss => {
                let hit = self.quantity == Quantity::LookupHit;
                let ids = if hit { &inputs.hits } else { &inputs.misses };
                let mut found = 0usize;
                let start = Instant::now();
                for &id in ids {
                    found += usize::from(black_box(m.get(&K::from_id(id))).is_some());
                }
                let out = measured(start, ids.len());
                let expected = if hit { ids.len() } else { 0 };
                if found != expected {
                    return Err(format!(
                        "{}: a timed pass found {found} of {} keys, expected {expected}",
                        self.quantity.name(),
                        ids.len()
                    ));
                }
                Ok(out)
            }
            Quantity::Sweep => {
                let (mut visited, mut removed) = (0usize, 0usize);
                let start = Instant::now();
                m.retain(|k, _| {
                    visited += 1;
                    let keep = !inputs.doomed(k.id());
                    removed += usize::from(!keep);
                    keep
                });
                let out = measured(start, self.n());
                let survivors = self.n() - inputs.doomed_count;
                if visited != self.n() || removed != inputs.doomed_count || m.len() != survivors {
                    return Err(format!(
                        "sweep: visited {visited} of {} entries, removed {removed} (expected {}), \
                         {} left (expected {survivors})",
                        self.n(),
                        inputs.doomed_count,
                        m.len()
                    ));
                }
                Ok(out)
            }
            Quantity::Mix => {
                let s = &inputs.schedule;
                let (mut found, mut fresh, mut removed) = (0usize, 0usize, 0usize);
                let start = Instant::now();
                for op in &s.ops {
                    match *op {
                        Op::Lookup(id) => {
                            found += usize::from(black_box(m.get(&K::from_id(id))).is_some());
                        }
                        Op::Insert(id) => {
                            fresh += usize::from(
                                black_box(m.insert(K::from_id(id), V::from_id(id))).is_none(),
                            );
                        }
                        Op::Delete(id) => {
                            removed += usize::from(black_box(m.remove(&K::from_id(id))).is_some());
                        }
                    }
                }
                let out = measured(start, s.ops.len());
                let st = m.stats();
                if (found, fresh, removed) != (s.lookups, s.inserts, s.deletes)
                    || m.len() != s.final_len()
                {
                    return Err(format!(
                        "mix: {found}/{} lookups hit, {fresh}/{} inserts were new, {removed}/{} \
                         deletes found their key, len {} (expected {})",
                        s.lookups,
                        s.inserts,
                        s.deletes,
                        m.len(),
                        s.final_len()
                    ));
                }
                if st.b != self.b || st.grows != 0 {
                    return Err(format!(
                        "mix: the table doubled (B={}, {} doubling grows) although the live count \
                         never passed the max-load count",
                        st.b, st.grows
                    ));
                }
                Ok(out)
            }
        }
    }

    /// [`Scenario::verify`]: every key of the state, and evacmap's invariants.
    fn check(&self, m: &mut Map<K, V>) -> Result<(), String> {
        let inputs = self.inputs;
        let what = self.quantity.name();
        match self.quantity {
            Quantity::Insert | Quantity::LookupHit | Quantity::LookupMiss => {
                if m.stats().growing {
                    m.shrink_to_fit();
                }
                self.check_settled(m)?;
                self.check_present(m, &inputs.hits, true)?;
                self.check_present(m, &inputs.misses, false)?;
            }
            Quantity::Sweep => {
                let (gone, kept): (Vec<u64>, Vec<u64>) =
                    inputs.hits.iter().partition(|&&id| inputs.doomed(id));
                self.check_present(m, &kept, true)?;
                self.check_present(m, &gone, false)?;
            }
            Quantity::Mix => {
                self.check_present(m, &inputs.mix_live, true)?;
                if m.len() != inputs.mix_live.len() {
                    return Err(format!(
                        "mix: {} entries left, expected {}",
                        m.len(),
                        inputs.mix_live.len()
                    ));
                }
            }
        }
        m.check_invariants()
            .map_err(|e| format!("{what}: invariants: {e}"))
    }
}
