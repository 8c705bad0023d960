//! Measuring a chosen list of cells on one contender, with the records handed back: what
//! `evacbench tune` runs for a build-setting knob.
//!
//! The cells come from the caller instead of a profile (each built with its own settings, see
//! [`crate::workloads::BuildSettings`]); everything else is the suite's own measurement: the
//! default profile's timing and budgets, the verified first run, criterion's samples with every
//! run's counts checked, the allocation pass and the readers' phases, each interval of its kind.
//! The cache simulation is left out (callgrind would take minutes per value). Criterion prints
//! its per-benchmark lines on standard output; while the cells run they go to standard error,
//! so a caller's standard output carries only its own results.

use criterion::Criterion;
use evacmap::Config;
use foldhash::fast::FixedState;
use reports::Record;
use strategies::{Contender, EvacMapCursor, Info, V8};

use super::paired::{RoundTimes, RoundsFailure};
use super::scenario::{MaxLoad, Quantity, Scenario};
use super::{Named, Options, Plan, Runner};
use crate::tune::max_load_inputs::{Inputs, TuneKey, TuneValue};
use crate::workloads::{Cell, Profile};

/// The runner's options for a caller's plan: the default profile's timing, no run directory.
fn options(seed: u64) -> Result<Options, String> {
    Ok(Options {
        profile: Profile::Default,
        filter: None,
        test_mode: false,
        seed,
        out: None,
        exe: std::env::current_exe().map_err(|e| format!("cannot find the running binary: {e}"))?,
        scratch: std::env::temp_dir().join("evacbench-callgrind"),
    })
}

/// Measures `contender` on every cell of `cells` (seeded from `seed`) and returns the records,
/// as `cargo bench` would write them.
pub fn measure_cells(cells: &[Cell], contender: &str, seed: u64) -> Result<Vec<Record>, String> {
    let mut criterion = Criterion::default().without_plots();
    let opts = options(seed)?;
    let plan = Plan {
        cells: cells.to_vec(),
        contenders: vec![contender.to_owned()],
    };
    let _quiet = StdoutToStderr::start();
    let (_, summary) = Runner::new(&mut criterion, opts)
        .with_plan(plan)
        .run::<strategies::registry::BuiltIn>()?;
    Ok(summary.kept)
}

/// A runner measuring scenarios one at a time for a caller (see [`with_session`]).
pub(crate) struct Session<'c> {
    runner: Runner<'c>,
}

/// Runs `f` with a session: a runner with the default profile's timing (one timing round)
/// whose records come back to the caller, criterion's lines going to standard error meanwhile.
pub(crate) fn with_session<T>(
    seed: u64,
    f: impl FnOnce(&mut Session<'_>) -> T,
) -> Result<T, String> {
    let mut criterion = Criterion::default().without_plots();
    let opts = options(seed)?;
    let _quiet = StdoutToStderr::start();
    let mut runner = Runner::new(&mut criterion, opts).with_plan(Plan::default());
    // A session measures one scenario at a time and has no later pass over its cells to time
    // further rounds in: one window each, the mean with its bootstrap interval.
    runner.timing.rounds = 1;
    let mut session = Session { runner };
    Ok(f(&mut session))
}

impl Session<'_> {
    /// Sets how many measurements this session will make, for the progress lines' `[k/total]`.
    pub(crate) fn expect(&mut self, total: usize) {
        self.runner.total = total;
    }

    /// Measures quantity `q` of the max-load table of `inputs` (evacmap with `config`, settled
    /// at `2^b` buckets) like any cell: verified, timed with criterion, through the allocation
    /// pass (which reads the table's structure). Progress lines and criterion name it
    /// `tune/<contender>/load_factor=<lf>/b=<b>/n=<entries>` ([`Quantity::contender`]); its
    /// records carry a `sweep` cell of the table's size, which the caller files under its own
    /// names.
    pub(crate) fn measure_max_load<K: TuneKey, V: TuneValue>(
        &mut self,
        q: Quantity,
        config: Config,
        b: u8,
        inputs: &Inputs,
        seed: u64,
    ) -> Result<Vec<Record>, String> {
        let cell = Cell::sweep(inputs.hits.len() as u64, 0.5).map_err(|e| e.0)?;
        let info = Info {
            name: q.contender(),
            ..<EvacMapCursor<V8> as Contender<V8>>::INFO
        };
        let hasher = FixedState::with_seed(crate::tune::HASH_SEED);
        let _types = std::marker::PhantomData;
        self.runner.named = Some(Named {
            group: reports::schema::TUNE_WORKLOAD.to_owned(),
            label: format!(
                "load_factor={}/b={b}/n={}",
                config.load_factor,
                inputs.hits.len()
            ),
        });
        let measured = match q {
            Quantity::LookupHit | Quantity::LookupMiss => self.measure(
                &cell,
                info,
                seed,
                &MaxLoad::<K, V, false> {
                    quantity: q,
                    config,
                    hasher,
                    b,
                    inputs,
                    _types,
                },
            ),
            _ => self.measure(
                &cell,
                info,
                seed,
                &MaxLoad::<K, V, true> {
                    quantity: q,
                    config,
                    hasher,
                    b,
                    inputs,
                    _types,
                },
            ),
        };
        self.runner.named = None;
        measured
    }

    /// Measures `scenarios` in paired rounds ([`super::paired`]): `rounds` rounds, each in an
    /// order shuffled from `seed`, scenario `control` measured twice per round; `what` names
    /// them in progress lines.
    pub(crate) fn rounds<S: Scenario>(
        &mut self,
        what: &str,
        scenarios: &[(String, &S)],
        control: usize,
        rounds: usize,
        seed: u64,
    ) -> Result<RoundTimes, RoundsFailure> {
        self.runner
            .measure_in_rounds(what, scenarios, control, rounds, seed)
    }

    /// The mix ([`Quantity::Mix`]) of every max-load table of `tables` (evacmap's config and the
    /// table's inputs, each settled at `2^b` buckets) in paired rounds, table `control` twice
    /// per round: the load-factor knob's time axis, measured back to back.
    pub(crate) fn max_load_mix_rounds<K: TuneKey, V: TuneValue>(
        &mut self,
        tables: &[(Config, &Inputs)],
        b: u8,
        control: usize,
        rounds: usize,
        seed: u64,
    ) -> Result<RoundTimes, RoundsFailure> {
        let scenarios: Vec<MaxLoad<'_, K, V, true>> = tables
            .iter()
            .map(|&(config, inputs)| MaxLoad {
                quantity: Quantity::Mix,
                config,
                hasher: FixedState::with_seed(crate::tune::HASH_SEED),
                b,
                inputs,
                _types: std::marker::PhantomData,
            })
            .collect();
        let list: Vec<(String, &MaxLoad<'_, K, V, true>)> = scenarios
            .iter()
            .map(|s| {
                let id = format!(
                    "{}/{}/load_factor={}/b={b}/n={}",
                    reports::schema::TUNE_WORKLOAD,
                    Quantity::Mix.contender(),
                    s.config.load_factor,
                    s.inputs.hits.len()
                );
                (id, s)
            })
            .collect();
        let what = format!(
            "{}/{}",
            reports::schema::TUNE_WORKLOAD,
            Quantity::Mix.contender()
        );
        self.rounds(&what, &list, control, rounds, seed)
    }

    fn measure<S: Scenario>(
        &mut self,
        cell: &Cell,
        info: Info,
        seed: u64,
        s: &S,
    ) -> Result<Vec<Record>, String> {
        self.runner.total = self.runner.total.max(self.runner.done + 1);
        self.runner.measure(cell, 0, info, seed, s);
        if let Some(e) = self.runner.error.take() {
            return Err(e);
        }
        Ok(std::mem::take(&mut self.runner.summary.kept))
    }
}

/// While alive, the process's standard output (file descriptor 1) goes to standard error.
struct StdoutToStderr {
    /// A duplicate of the original standard output, restored on drop.
    saved: Option<i32>,
}

#[cfg(unix)]
mod fd {
    extern "C" {
        pub(super) fn dup(fd: i32) -> i32;
        pub(super) fn dup2(from: i32, to: i32) -> i32;
        pub(super) fn close(fd: i32) -> i32;
    }
}

impl StdoutToStderr {
    #[cfg(unix)]
    fn start() -> StdoutToStderr {
        use std::io::Write;
        let _ = std::io::stdout().flush();
        // SAFETY: `dup` and `dup2` only duplicate file descriptors 1 and 2, which every process
        // has open; they touch no memory of ours. A failure (-1) leaves standard output alone.
        let saved = unsafe {
            let saved = fd::dup(1);
            if saved >= 0 && fd::dup2(2, 1) < 0 {
                fd::close(saved);
                -1
            } else {
                saved
            }
        };
        StdoutToStderr {
            saved: (saved >= 0).then_some(saved),
        }
    }

    #[cfg(not(unix))]
    fn start() -> StdoutToStderr {
        StdoutToStderr { saved: None }
    }
}

impl Drop for StdoutToStderr {
    fn drop(&mut self) {
        use std::io::Write;
        let _ = std::io::stdout().flush();
        #[cfg(unix)]
        if let Some(saved) = self.saved.take() {
            // SAFETY: `saved` is the descriptor `dup` returned in `start`, owned by this guard
            // and closed exactly once here after being copied back onto descriptor 1.
            unsafe {
                fd::dup2(saved, 1);
                fd::close(saved);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workloads::{BuildSettings, Removal};
    use reports::Metric;

    /// The overhead bytes per entry (evacmap's chain statistics, exact for the seed) of
    /// `sparse-scan` on evacmap-cursor with `settings`, its 99% removed key by key.
    fn overhead(settings: BuildSettings) -> (f64, Vec<Record>) {
        let cell = Cell::sparse_scan(16_384, false)
            .unwrap()
            .with_removal(Removal::ByKey)
            .with_settings(settings)
            .unwrap();
        let records = measure_cells(&[cell], "evacmap-cursor", 7).unwrap();
        let r = records
            .iter()
            .find(|r| r.metric == Metric::BytesPerEntry)
            .expect("the allocation pass recorded the chain statistics");
        (r.value().expect("verified"), records)
    }

    #[test]
    fn a_shrink_threshold_returns_memory_after_a_mass_deletion() {
        let (never, records) = overhead(BuildSettings::default());
        assert!(records.iter().all(|r| r.contender == "evacmap-cursor"));
        assert!(records.iter().all(|r| r.validate().is_ok()));
        assert!(records.iter().all(|r| r.workload == "sparse-scan"));
        let (shrinks, records) = overhead(BuildSettings {
            shrink_below: Some(3.0),
            ..BuildSettings::default()
        });
        assert!(records
            .iter()
            .all(|r| r.params.num("shrink_below") == Some(3.0)));
        // 99% removed: the table that never shrinks keeps its buckets for the 1% left.
        assert!(
            shrinks * 4.0 < never,
            "shrink 3: {shrinks} B/entry, never: {never}"
        );
    }
}
