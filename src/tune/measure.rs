//! Measuring one threshold on the real map: fill, settle, probe, time, and verify every step.
//!
//! Each threshold gets a table with exactly `floor(lf * 2^B)` random keys, the most it holds
//! before the next insert would double it. On that table the tuner reads evacmap's own
//! `probe_stats` (overflow, overhead bytes, probe lengths) and times lookups, a sweep and a
//! mixed workload; the insert time comes from filling an empty map up to it, growth included.
//!
//! Timing method: `std::time::Instant` around a whole pass (every key once), divided by the
//! operations of the pass. Each quantity runs once untimed as warm-up, which also verifies the
//! answers in full (every value, every survivor). Then the thresholds are timed **interleaved**:
//! `repeats` rounds, each timing one repetition of every quantity of every threshold (the order
//! rotated by one threshold per round), so a slow drift of the machine (load, frequency) hits
//! every threshold alike instead of whichever happened to run during it. The reported value is
//! the median of the rounds, with the fastest and slowest as its range and every round kept for
//! the recommendation's significance test. Timed passes count their answers (hits, misses, new
//! keys, removals) through `black_box` and compare the counts with the expected ones afterwards,
//! so a map that computed something wrong can never post a time: any mismatch fails the row with
//! the reason.

use std::hint::black_box;
use std::io::Write;
use std::time::Instant;

use evacmap::{Config, EvacMap};
use foldhash::fast::FixedState;

use super::config::{max_load_len, HASH_SEED};
use super::keys::KeySpace;
use super::mix::{self, Mix, Op};
use super::row::{Metrics, Row, Timing};
use super::sizes::{SizeVisitor, TuneKey, TuneValue};

type Map<K, V> = EvacMap<K, V, FixedState>;

/// Points of the fill at which heap bytes are sampled for `fill_bytes_per_entry`.
const FILL_SAMPLES: u32 = 32;

/// The hasher of every measured map.
fn hasher() -> FixedState {
    FixedState::with_seed(HASH_SEED)
}

/// The sweep removes the entries whose id has this bit set (about half, fixed per key).
fn doomed(id: u64) -> bool {
    (id >> 32) & 1 == 1
}

/// The settings shared by every threshold of a run.
pub(crate) struct Plan<'a> {
    /// log2 of the bucket count of every max-load table.
    pub(crate) b: u8,
    /// Timed repetitions per quantity.
    pub(crate) repeats: usize,
    /// The mixed workload.
    pub(crate) mix: Mix,
    /// Seed of the keys and the schedule.
    pub(crate) seed: u64,
    /// The thresholds, in order.
    pub(crate) load_factors: &'a [f64],
    /// Progress sink (stderr, or nothing when quiet).
    pub(crate) progress: &'a mut dyn Write,
}

impl SizeVisitor for Plan<'_> {
    type Output = Vec<Row>;

    fn visit<K: TuneKey, V: TuneValue>(self) -> Vec<Row> {
        let Plan {
            b,
            repeats,
            mix,
            seed,
            load_factors,
            progress,
        } = self;
        let keys = KeySpace::new(seed);
        let total = load_factors.len();
        // 1. Every threshold: fill, settle and verify every quantity once (untimed warm-up).
        let mut subjects: Vec<Result<Subject<K, V>, String>> = load_factors
            .iter()
            .enumerate()
            .map(|(i, &lf)| {
                let n = max_load_len(lf, b);
                let setup = Setup {
                    lf,
                    b,
                    n,
                    repeats,
                    mix,
                    seed,
                    keys,
                };
                let subject = Subject::prepare(setup);
                let _ = match &subject {
                    Ok(_) => writeln!(
                        progress,
                        "[{}/{total}] load factor {lf}: {n} keys in 2^{b} buckets, verified",
                        i + 1
                    ),
                    Err(reason) => writeln!(
                        progress,
                        "[{}/{total}] load factor {lf}: FAILED verification: {reason}",
                        i + 1
                    ),
                };
                subject
            })
            .collect();
        // 2. Interleaved timing: round r times every threshold once, starting at threshold r.
        let started = Instant::now();
        for round in 0..repeats {
            for j in 0..total {
                let i = (j + round) % total;
                if let Ok(subject) = &mut subjects[i] {
                    if let Err(e) = subject.time_round() {
                        subjects[i] = Err(e);
                    }
                }
            }
            let done = round + 1;
            let elapsed = started.elapsed().as_secs_f64();
            let _ = writeln!(
                progress,
                "round {done}/{repeats} of every threshold timed ({elapsed:.1} s, about {:.0} s left)",
                elapsed / done as f64 * (repeats - done) as f64
            );
        }
        subjects
            .into_iter()
            .zip(load_factors)
            .enumerate()
            .map(|(i, (subject, &lf))| {
                let result = subject.and_then(Subject::finish);
                let _ = match &result {
                    Ok(m) => writeln!(
                        progress,
                        "[{}/{total}] load factor {lf}: overflow {:.2}%, {:.2} B/entry, hit {:.1} ns, \
                         miss {:.1} ns, insert {:.1} ns, sweep {:.2} ns/entry, mix {:.1} ns/op",
                        i + 1,
                        m.overflow_pct,
                        m.bytes_per_entry,
                        m.lookup_hit_ns.median,
                        m.lookup_miss_ns.median,
                        m.insert_ns.median,
                        m.sweep_ns_per_entry.median,
                        m.mix_ns_per_op.median
                    ),
                    Err(reason) => writeln!(
                        progress,
                        "[{}/{total}] load factor {lf}: FAILED verification: {reason}",
                        i + 1
                    ),
                };
                Row {
                    load_factor: lf,
                    entries: max_load_len(lf, b),
                    result,
                }
            })
            .collect()
    }
}

/// One threshold between timing rounds: its verified table, its inputs and its samples so far.
struct Subject<K: TuneKey, V: TuneValue> {
    setup: Setup,
    config: Config,
    hits: Vec<u64>,
    misses: Vec<u64>,
    schedule: mix::Schedule,
    table: Map<K, V>,
    probe: evacmap::ProbeStats,
    fill_bytes_per_entry: f64,
    same_size_grows: u64,
    insert: Vec<f64>,
    hit: Vec<f64>,
    miss: Vec<f64>,
    sweep: Vec<f64>,
    mix: Vec<f64>,
}

impl<K: TuneKey, V: TuneValue> Subject<K, V> {
    /// Fills, settles and verifies every quantity once; `Err` is the first failed check.
    fn prepare(setup: Setup) -> Result<Self, String> {
        let s = &setup;
        // A fixed map seed: the structure columns (overflow, bytes, probes) are then exact for
        // the run's seed, and a tie on time is broken by memory the same way every run.
        let config = Config::new(s.lf)
            .map_err(|e| e.to_string())?
            .with_seed(s.seed ^ 0x7475_6e65);
        let hits: Vec<u64> = (0..s.n).map(|i| s.keys.hit(i)).collect();
        let misses: Vec<u64> = (0..s.n).map(|i| s.keys.miss(i)).collect();
        let (table, fill_bytes_per_entry, same_size_grows) =
            fill_verified::<K, V>(s, config, &hits)?;
        let probe = table.probe_stats();
        verify_lookups(&table, &hits, true)?;
        verify_lookups(&table, &misses, false)?;
        sweep_once(s, &table, &hits, true)?;
        let schedule = mix::schedule(s.mix, s.n, s.keys, s.seed);
        mix_once::<K, V>(s, config, &schedule, true)?;
        let cap = s.repeats;
        Ok(Subject {
            config,
            hits,
            misses,
            schedule,
            table,
            probe,
            fill_bytes_per_entry,
            same_size_grows,
            insert: Vec::with_capacity(cap),
            hit: Vec::with_capacity(cap),
            miss: Vec::with_capacity(cap),
            sweep: Vec::with_capacity(cap),
            mix: Vec::with_capacity(cap),
            setup,
        })
    }

    /// One timed repetition of every quantity.
    fn time_round(&mut self) -> Result<(), String> {
        let s = &self.setup;
        self.insert
            .push(fill_timed::<K, V>(s, self.config, &self.hits)?);
        self.hit.push(time_lookups(&self.table, &self.hits, true)?);
        self.miss
            .push(time_lookups(&self.table, &self.misses, false)?);
        self.sweep
            .push(sweep_once(s, &self.table, &self.hits, false)?);
        self.mix
            .push(mix_once::<K, V>(s, self.config, &self.schedule, false)?);
        Ok(())
    }

    /// The metrics of the rounds.
    fn finish(self) -> Result<Metrics, String> {
        Ok(Metrics {
            overflow_pct: 100.0 * self.probe.overflow_fraction,
            bytes_per_entry: self.probe.bytes_per_entry,
            hit_probe: self.probe.hit_probe,
            miss_probe: self.probe.miss_probe,
            lookup_hit_ns: timing("lookup hit", &self.hit)?,
            lookup_miss_ns: timing("lookup miss", &self.miss)?,
            insert_ns: timing("insert", &self.insert)?,
            sweep_ns_per_entry: timing("sweep", &self.sweep)?,
            mix_ns_per_op: timing("mix", &self.mix)?,
            fill_bytes_per_entry: self.fill_bytes_per_entry,
            same_size_grows: self.same_size_grows,
        })
    }
}

/// One threshold's measurement settings.
#[derive(Clone, Copy)]
struct Setup {
    lf: f64,
    b: u8,
    n: usize,
    repeats: usize,
    mix: Mix,
    seed: u64,
    keys: KeySpace,
}

fn ns_per(start: Instant, ops: usize) -> f64 {
    start.elapsed().as_nanos() as f64 / ops.max(1) as f64
}

fn timing(what: &str, samples: &[f64]) -> Result<Timing, String> {
    Timing::of(samples).ok_or_else(|| format!("{what}: no finite timing"))
}

/// Counts (in `(n/2, n]`, evenly spaced in log2) at which the fill samples heap bytes per entry.
fn fill_points(n: usize) -> Vec<usize> {
    let mut points: Vec<usize> = (1..=FILL_SAMPLES)
        .map(|i| ((n as f64 / 2.0) * 2f64.powf(f64::from(i) / f64::from(FILL_SAMPLES))).ceil())
        .map(|c| (c as usize).clamp(1, n))
        .collect();
    points.dedup();
    points
}

/// Fills an empty map to the max-load count, sampling heap bytes per entry on the way, and
/// checks it: settled at `B`, not growing, every insert new, invariants intact. Returns the map,
/// the fill average of heap bytes per entry and the same-size grows.
fn fill_verified<K: TuneKey, V: TuneValue>(
    s: &Setup,
    config: Config,
    hits: &[u64],
) -> Result<(Map<K, V>, f64, u64), String> {
    let points = fill_points(s.n);
    let mut fill_sum = 0.0;
    // From empty, as Go's `make` without a hint: growth is part of the insert time.
    let mut table: Map<K, V> = EvacMap::with_config_and_hasher(config, hasher());
    let mut new_keys = 0usize;
    let mut next = 0;
    for (i, &id) in hits.iter().enumerate() {
        new_keys += usize::from(table.insert(K::from_id(id), V::from_id(id)).is_none());
        if points.get(next) == Some(&(i + 1)) {
            fill_sum += table.stats().heap_bytes as f64 / (i + 1) as f64;
            next += 1;
        }
    }
    check_inserts(s, new_keys, table.len())?;
    let same_size_grows = table.stats().same_size_grows;
    if table.stats().growing {
        // A same-size grow (long overflow chains at a high threshold) is still evacuating:
        // finish it so the probe statistics describe one settled table.
        table.shrink_to_fit();
    }
    let st = table.stats();
    if st.b != s.b || st.growing || st.len != s.n {
        return Err(format!(
            "the filled table has B={} (expected {}), growing={}, len {} (expected {}): it is \
             not a max-load table",
            st.b, s.b, st.growing, st.len, s.n
        ));
    }
    table
        .check_invariants()
        .map_err(|e| format!("invariants after the fill: {e}"))?;
    Ok((table, fill_sum / points.len() as f64, same_size_grows))
}

/// One timed fill of an empty map to the max-load count, in ns per insert (growth included).
fn fill_timed<K: TuneKey, V: TuneValue>(
    s: &Setup,
    config: Config,
    hits: &[u64],
) -> Result<f64, String> {
    let mut m: Map<K, V> = EvacMap::with_config_and_hasher(config, hasher());
    let mut new_keys = 0usize;
    let start = Instant::now();
    for &id in hits {
        new_keys += usize::from(black_box(m.insert(K::from_id(id), V::from_id(id))).is_none());
    }
    let ns = ns_per(start, s.n);
    check_inserts(s, new_keys, m.len())?;
    Ok(ns)
}

fn check_inserts(s: &Setup, new_keys: usize, len: usize) -> Result<(), String> {
    if new_keys != s.n || len != s.n {
        return Err(format!(
            "insert: {new_keys} of {} inserts of distinct keys reported a new key, len {len}",
            s.n
        ));
    }
    Ok(())
}

/// Checks every answer of lookups of `ids`, all expected to hit (`hit`) or all to miss.
fn verify_lookups<K: TuneKey, V: TuneValue>(
    table: &Map<K, V>,
    ids: &[u64],
    hit: bool,
) -> Result<(), String> {
    let what = if hit { "lookup hit" } else { "lookup miss" };
    for &id in ids {
        match table.get(&K::from_id(id)) {
            Some(_) if !hit => return Err(format!("{what}: absent key {id:#x} was found")),
            Some(v) => {
                if let Some(got) = v.id().filter(|&got| got != id) {
                    return Err(format!(
                        "{what}: key {id:#x} returned the value of key {got:#x}"
                    ));
                }
            }
            None if hit => return Err(format!("{what}: present key {id:#x} not found")),
            _ => {}
        }
    }
    Ok(())
}

/// One timed pass of lookups of every id in `ids`, in ns per lookup; the count of hits must be
/// the expected one.
fn time_lookups<K: TuneKey, V: TuneValue>(
    table: &Map<K, V>,
    ids: &[u64],
    hit: bool,
) -> Result<f64, String> {
    let what = if hit { "lookup hit" } else { "lookup miss" };
    let expected = if hit { ids.len() } else { 0 };
    let mut found = 0usize;
    let start = Instant::now();
    for &id in ids {
        found += usize::from(black_box(table.get(&K::from_id(id))).is_some());
    }
    let ns = ns_per(start, ids.len());
    if found != expected {
        return Err(format!(
            "{what}: a timed pass found {found} of {} keys, expected {expected}",
            ids.len()
        ));
    }
    Ok(ns)
}

/// Runs `retain` removing the doomed half of a copy of `table` once, in ns per entry, checking
/// the counts; `verify` also checks every key and the invariants (the untimed warm-up).
fn sweep_once<K: TuneKey, V: TuneValue>(
    s: &Setup,
    table: &Map<K, V>,
    hits: &[u64],
    verify: bool,
) -> Result<f64, String> {
    let survivors = hits.iter().filter(|&&id| !doomed(id)).count();
    let mut copy = table.clone();
    let mut visited = 0usize;
    let mut removed = 0usize;
    let start = Instant::now();
    copy.retain(|k, _| {
        visited += 1;
        let keep = !doomed(k.id());
        removed += usize::from(!keep);
        keep
    });
    let ns = ns_per(start, s.n);
    if visited != s.n || removed != s.n - survivors || copy.len() != survivors {
        return Err(format!(
            "sweep: visited {visited} of {} entries, removed {removed} (expected {}), {} left \
             (expected {survivors})",
            s.n,
            s.n - survivors,
            copy.len()
        ));
    }
    if verify {
        if let Some(&wrong) = hits
            .iter()
            .find(|&&id| copy.contains_key(&K::from_id(id)) == doomed(id))
        {
            return Err(format!(
                "sweep: key {wrong:#x} is {} after the sweep",
                if doomed(wrong) {
                    "still present"
                } else {
                    "missing"
                }
            ));
        }
        copy.check_invariants()
            .map_err(|e| format!("invariants after the sweep: {e}"))?;
    }
    Ok(ns)
}

/// Runs the mixed workload once on a fresh table prefilled at `B`, in ns per operation;
/// `verify` checks every answer (the untimed warm-up), a timed run checks the counts.
fn mix_once<K: TuneKey, V: TuneValue>(
    s: &Setup,
    config: Config,
    schedule: &mix::Schedule,
    verify: bool,
) -> Result<f64, String> {
    let mut m: Map<K, V> = EvacMap::with_capacity_config_and_hasher(s.n, config, hasher());
    for &id in &schedule.prefill {
        m.insert(K::from_id(id), V::from_id(id));
    }
    let (mut found, mut new_keys, mut removed) = (0usize, 0usize, 0usize);
    let start = Instant::now();
    if verify {
        for op in &schedule.ops {
            let ok = match *op {
                Op::Lookup(id) => m
                    .get(&K::from_id(id))
                    .is_some_and(|v| v.id().is_none_or(|got| got == id)),
                Op::Insert(id) => m.insert(K::from_id(id), V::from_id(id)).is_none(),
                Op::Delete(id) => m
                    .remove(&K::from_id(id))
                    .is_some_and(|v| v.id().is_none_or(|got| got == id)),
            };
            if !ok {
                return Err(format!("mix: {op:?} gave a wrong answer"));
            }
        }
        (found, new_keys, removed) = (schedule.lookups, schedule.inserts, schedule.deletes);
    } else {
        for op in &schedule.ops {
            match *op {
                Op::Lookup(id) => {
                    found += usize::from(black_box(m.get(&K::from_id(id))).is_some());
                }
                Op::Insert(id) => {
                    new_keys +=
                        usize::from(black_box(m.insert(K::from_id(id), V::from_id(id))).is_none());
                }
                Op::Delete(id) => {
                    removed += usize::from(black_box(m.remove(&K::from_id(id))).is_some());
                }
            }
        }
    }
    let ns = ns_per(start, schedule.ops.len());
    let st = m.stats();
    if (found, new_keys, removed) != (schedule.lookups, schedule.inserts, schedule.deletes)
        || m.len() != schedule.final_len()
    {
        return Err(format!(
            "mix: {found}/{} lookups hit, {new_keys}/{} inserts were new, {removed}/{} \
             deletes found their key, len {} (expected {})",
            schedule.lookups,
            schedule.inserts,
            schedule.deletes,
            m.len(),
            schedule.final_len()
        ));
    }
    if st.b != s.b || st.grows != 0 {
        return Err(format!(
            "mix: the table doubled (B={}, {} doubling grows) although the live count never \
             passed the max-load count",
            st.b, st.grows
        ));
    }
    if verify {
        m.check_invariants()
            .map_err(|e| format!("invariants after the mix: {e}"))?;
    }
    Ok(ns)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tune::sizes::{Key, Value};

    fn setup(lf: f64, b: u8) -> Setup {
        Setup {
            lf,
            b,
            n: max_load_len(lf, b),
            repeats: 1,
            mix: Mix::DEFAULT,
            seed: 3,
            keys: KeySpace::new(3),
        }
    }

    #[test]
    fn fill_points_span_the_last_doubling() {
        let p = fill_points(1000);
        assert_eq!(p.len(), 32);
        assert!(p[0] > 500 && *p.last().unwrap() == 1000);
        assert!(p.windows(2).all(|w| w[0] < w[1]));
    }

    /// Prepares and times `s.repeats` rounds of one threshold, as the interleaved plan does.
    fn measure<K: TuneKey, V: TuneValue>(s: &Setup) -> Result<Metrics, String> {
        let mut subject = Subject::<K, V>::prepare(Setup { ..*s })?;
        for _ in 0..s.repeats {
            subject.time_round()?;
        }
        subject.finish()
    }

    #[test]
    fn a_small_threshold_sweep_measures_and_verifies() {
        let s = setup(6.5, 6);
        let m = measure::<Key<1>, Value<1>>(&s).unwrap();
        assert!(m.hit_probe >= 1.0 && m.miss_probe > 5.0, "{m:?}");
        assert!((0.0..=100.0).contains(&m.overflow_pct));
        // 8-byte keys and values: a bucket is 8 + 64 + 64 + 8 = 144 bytes for at most 8 entries.
        assert!(m.bytes_per_entry > 144.0 / 8.0 - 16.0, "{m:?}");
        assert!(m.fill_bytes_per_entry > 16.0);
        for t in [
            &m.lookup_hit_ns,
            &m.insert_ns,
            &m.sweep_ns_per_entry,
            &m.mix_ns_per_op,
        ] {
            assert!(
                t.min <= t.median && t.median <= t.max && t.min > 0.0,
                "{t:?}"
            );
        }
    }

    #[test]
    fn zero_sized_values_and_wide_keys_work() {
        assert!(measure::<Key<4>, Value<0>>(&setup(8.0, 5)).is_ok());
    }

    #[test]
    fn a_high_threshold_finishes_same_size_grows_before_probing() {
        // At 16 entries per bucket most chains overflow; whatever evacmap does while filling,
        // the probed table must be settled at B.
        let m = measure::<Key<1>, Value<0>>(&setup(16.0, 6)).unwrap();
        assert!(m.overflow_pct > 50.0, "{m:?}");
    }
}
