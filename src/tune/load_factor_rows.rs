//! The load-factor sweep's rows: every threshold's max-load table measured by the suite's
//! runner, plus the heap profile of its fill.
//!
//! For each threshold the runner measures five scenarios (`runner::max_load`): filling an empty
//! map to the max-load count (`insert_ns`), looking up every present and every absent key
//! (`lookup_hit_ns`, `lookup_miss_ns`), a `retain` removing about half (`sweep_ns_per_entry`)
//! and the user's mix (`mix_ns_per_op`). Each is verified first, then timed with criterion (the
//! default profile's timing; every run's counts checked), then passed through the allocation
//! pass, which reads the table's structure (overflow, overhead bytes per entry, probe lengths)
//! from evacmap's `probe_stats`, exact for the seed. A quantity's time is the median of
//! criterion's samples, with their fastest and slowest as its range; the samples are kept for
//! the recommendation's noise test. A threshold whose map fails any check carries the reason
//! instead of numbers.
//!
//! Then the runner measures the mix of every threshold that passed again, in paired rounds
//! (`runner::paired`): each round every threshold once, back to back, in a shuffled order, Go's
//! 6.5 (or the threshold nearest it) twice as an A/A control. The recommendation divides each
//! round's times by the reference's in the same round, so a drift of the machine's speed
//! cancels (`reports::paired_rounds`).
//!
//! The only thing measured here is untimed: the heap bytes per entry over the last doubling of
//! a fill (`fill_bytes_per_entry`) and the same-size grows evacmap started while filling.

use std::io::Write;

use evacmap::{Config, EvacMap};
use foldhash::fast::FixedState;
use reports::{Metric, Outcome, Record};

use super::config::{max_load_len, HASH_SEED};
use super::max_load_inputs::{Inputs, TuneKey, TuneValue};
use super::mix::Mix;
use super::row::{Metrics, Row, Timing};
use super::sizes::SizeVisitor;
use crate::runner::scenario::Quantity;

/// Points of the fill at which heap bytes are sampled for `fill_bytes_per_entry`.
const FILL_SAMPLES: u32 = 32;

/// Paired rounds of the mix (every threshold once per round, the reference twice): the
/// recommendation's time axis. Ten rounds keep a default sweep's rounds to about 10 s here.
pub(crate) const MIX_ROUNDS: usize = 10;

/// The settings shared by every threshold of a run.
pub(crate) struct Plan<'a> {
    /// log2 of the bucket count of every max-load table.
    pub(crate) b: u8,
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
    type Output = Result<Vec<Row>, String>;

    fn visit<K: TuneKey, V: TuneValue>(self) -> Result<Vec<Row>, String> {
        let Plan {
            b,
            mix,
            seed,
            load_factors,
            progress,
        } = self;
        let total = load_factors.len();
        crate::runner::plan::with_session(seed, |session| {
            session.expect(Quantity::ALL.len() * total);
            let mut rows = Vec::new();
            // The tables that passed, for the paired rounds: (row, evacmap's config, inputs).
            let mut tables: Vec<(usize, Config, Inputs)> = Vec::new();
            for (i, &lf) in load_factors.iter().enumerate() {
                let n = max_load_len(lf, b);
                let _ = writeln!(
                    progress,
                    "[{}/{total}] load factor {lf}: {n} keys in 2^{b} buckets, measuring",
                    i + 1
                );
                // A fixed map seed: the structure columns (overflow, bytes, probes) are then
                // exact for the run's seed, and a tie on time is broken by memory the same way
                // every run.
                let result = Config::new(lf)
                    .map_err(|e| e.to_string())
                    .map(|c| c.with_seed(seed ^ 0x7475_6e65))
                    .and_then(|config| {
                        let mut inputs = Inputs::new(n, mix, seed);
                        let m = measure_one::<K, V>(session, config, b, &inputs, seed)?;
                        // The mix never looks up the absent keys.
                        inputs.misses = Vec::new();
                        tables.push((i, config, inputs));
                        Ok(m)
                    });
                let _ = match &result {
                    Ok(m) => writeln!(
                        progress,
                        "[{}/{total}] load factor {lf}: verified; overflow {:.2}%, {:.2} B/entry, \
                         hit {:.1} ns, miss {:.1} ns, insert {:.1} ns, sweep {:.2} ns/entry, mix \
                         {:.1} ns/op",
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
                rows.push(Row {
                    load_factor: lf,
                    entries: n,
                    result,
                });
            }
            mix_in_rounds::<K, V>(session, &mut rows, &tables, b, seed, progress);
            rows
        })
    }
}

/// Paired rounds of the mix of every table that passed ([`MIX_ROUNDS`] rounds, the reference
/// threshold twice per round): each row's `mix_rounds`, and the reference's
/// `mix_control_rounds`. The reference is Go's 6.5, or the threshold nearest it. A run that
/// fails in the rounds fails its row; the other rows then keep no rounds (the recommendation
/// falls back on criterion's unpaired times).
fn mix_in_rounds<K: TuneKey, V: TuneValue>(
    session: &mut crate::runner::plan::Session<'_>,
    rows: &mut [Row],
    tables: &[(usize, Config, Inputs)],
    b: u8,
    seed: u64,
    progress: &mut dyn Write,
) {
    let Some(reference) = (0..tables.len()).min_by(|&x, &y| {
        let d = |k: usize| (rows[tables[k].0].load_factor - evacmap::GO_LOAD_FACTOR).abs();
        d(x).total_cmp(&d(y))
    }) else {
        return;
    };
    let _ = writeln!(
        progress,
        "tune: the mix of {} load factors in {MIX_ROUNDS} paired rounds (each round shuffled, \
         load factor {} twice: the A/A control)",
        tables.len(),
        rows[tables[reference].0].load_factor
    );
    let list: Vec<(Config, &Inputs)> = tables.iter().map(|(_, c, inputs)| (*c, inputs)).collect();
    match session.max_load_mix_rounds::<K, V>(&list, b, reference, MIX_ROUNDS, seed) {
        Ok(rounds) => {
            let _ = writeln!(
                progress,
                "tune: paired rounds measured: {} of {MIX_ROUNDS}",
                rounds.rounds()
            );
            for ((i, _, _), times) in tables.iter().zip(rounds.times) {
                if let Ok(m) = &mut rows[*i].result {
                    m.mix_rounds = times;
                }
            }
            if let Ok(m) = &mut rows[tables[reference].0].result {
                m.mix_control_rounds = rounds.control;
            }
        }
        Err(failure) => {
            let row = tables[failure.scenario].0;
            let _ = writeln!(
                progress,
                "tune: load factor {}: FAILED verification in the paired rounds: {failure}",
                rows[row].load_factor
            );
            rows[row].result = Err(format!("mix in paired rounds: {}", failure.reason));
        }
    }
}

/// One threshold: the fill's heap profile, then the five scenarios through the runner.
fn measure_one<K: TuneKey, V: TuneValue>(
    session: &mut crate::runner::plan::Session<'_>,
    config: Config,
    b: u8,
    inputs: &Inputs,
    seed: u64,
) -> Result<Metrics, String> {
    let (fill_bytes_per_entry, same_size_grows) = fill_profile::<K, V>(config, &inputs.hits);
    let mut times = Vec::new();
    let mut structure = None;
    for q in Quantity::ALL {
        let records = session.measure_max_load::<K, V>(q, config, b, inputs, seed)?;
        times.push(timing(q, &records)?);
        if q == Quantity::LookupHit {
            structure = Some(records);
        }
    }
    let structure = structure.expect("lookup hits are measured");
    let exact = |metric: Metric| -> Result<f64, String> {
        structure
            .iter()
            .find(|r| r.metric == metric)
            .and_then(Record::value)
            .ok_or_else(|| format!("the allocation pass recorded no {metric}"))
    };
    let mut times = times.into_iter();
    let mut next = || times.next().expect("one timing per quantity");
    Ok(Metrics {
        insert_ns: next(),
        lookup_hit_ns: next(),
        lookup_miss_ns: next(),
        sweep_ns_per_entry: next(),
        mix_ns_per_op: next(),
        overflow_pct: exact(Metric::OverflowPct)?,
        bytes_per_entry: exact(Metric::BytesPerEntry)?,
        hit_probe: exact(Metric::HitProbe)?,
        miss_probe: exact(Metric::MissProbe)?,
        fill_bytes_per_entry,
        same_size_grows,
        mix_rounds: Vec::new(),
        mix_control_rounds: Vec::new(),
    })
}

/// The time per operation of quantity `q` from the runner's records: the median of criterion's
/// samples (the mean alone when there are none), or the reason there is none.
fn timing(q: Quantity, records: &[Record]) -> Result<Timing, String> {
    let r = records
        .iter()
        .find(|r| r.metric == Metric::LatencyNsPerOp)
        .ok_or_else(|| format!("{}: the runner recorded no time", q.name()))?;
    match &r.outcome {
        Outcome::Ok { value, samples, .. } => {
            let samples = if samples.is_empty() {
                vec![*value]
            } else {
                samples.clone()
            };
            Timing::of(&samples).ok_or_else(|| format!("{}: no finite timing", q.name()))
        }
        Outcome::FailedVerification { reason } => Err(format!("{}: {reason}", q.name())),
        Outcome::NotMeasured { reason, .. } => Err(format!("{}: not measured: {reason}", q.name())),
    }
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

/// Fills an empty map with `hits` (untimed), sampling heap bytes per entry over the last
/// doubling; returns their average and the same-size grows evacmap started.
fn fill_profile<K: TuneKey, V: TuneValue>(config: Config, hits: &[u64]) -> (f64, u64) {
    let points = fill_points(hits.len());
    let mut m: EvacMap<K, V, FixedState> =
        EvacMap::with_config_and_hasher(config, FixedState::with_seed(HASH_SEED));
    let (mut sum, mut next) = (0.0, 0);
    for (i, &id) in hits.iter().enumerate() {
        m.insert(K::from_id(id), V::from_id(id));
        if points.get(next) == Some(&(i + 1)) {
            sum += m.stats().heap_bytes as f64 / (i + 1) as f64;
            next += 1;
        }
    }
    (sum / points.len() as f64, m.stats().same_size_grows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tune::sizes::{Key, Value};

    #[test]
    fn fill_points_span_the_last_doubling() {
        let p = fill_points(1000);
        assert_eq!(p.len(), 32);
        assert!(p[0] > 500 && *p.last().unwrap() == 1000);
        assert!(p.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn a_small_threshold_is_measured_and_verified_by_the_runner() {
        let mut progress = Vec::new();
        let rows = Plan {
            b: 6,
            mix: Mix::DEFAULT,
            seed: 3,
            load_factors: &[6.5, 16.0],
            progress: &mut progress,
        }
        .visit::<Key<1>, Value<1>>()
        .unwrap();
        let m = rows[0].metrics().unwrap_or_else(|| panic!("{rows:?}"));
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
            assert!(t.runs >= 10, "criterion's samples: {t:?}");
        }
        // At 16 entries per bucket most chains overflow; the probed table is settled at B.
        let high = rows[1].metrics().unwrap_or_else(|| panic!("{rows:?}"));
        assert!(high.overflow_pct > 50.0, "{high:?}");
        // The mix again in paired rounds: 6.5 is the reference, with its A/A control.
        assert_eq!(m.mix_rounds.len(), MIX_ROUNDS, "{m:?}");
        assert_eq!(m.mix_control_rounds.len(), MIX_ROUNDS, "{m:?}");
        assert!(m.mix_rounds.iter().all(|&t| t > 0.0 && t.is_finite()));
        assert_eq!(high.mix_rounds.len(), MIX_ROUNDS);
        assert!(high.mix_control_rounds.is_empty());
        let text = String::from_utf8(progress).unwrap();
        assert!(
            text.contains("in 10 paired rounds") && text.contains("load factor 6.5 twice"),
            "{text}"
        );
        assert!(
            text.contains("[1/2] load factor 6.5: 416 keys in 2^6 buckets"),
            "{text}"
        );
    }
}
