//! The reader phases of `readers-during-sweep`: lookup latency percentiles with no sweep and
//! during a sweep, and the slowdown between them.

use reports::{Metric, Outcome, Record};

use super::records::{percentile_records, percentiles_per_run, ranged, Recs};
use super::scenario::{Probe, Scenario, ScenarioError};
use super::{repetitions, Runner};

impl Runner<'_> {
    /// `readers-during-sweep`: the same readers for the same duration with no sweep
    /// (`phase = idle`) and during the sweep (`phase = sweep`), over [`repetitions`] fresh maps;
    /// records each phase's percentiles and the p99 slowdown (sweep / idle), each the median
    /// over repetitions with its range.
    pub(super) fn reader_phases<S: Scenario>(
        &mut self,
        s: &S,
        rec: &Recs,
        out: &mut Vec<Record>,
    ) -> Result<(), ScenarioError> {
        // A first, unrecorded run gives the duration the idle phase lasts.
        let mut st = s.setup()?;
        let mut duration = s.run(&mut st, &mut Probe::default())?.elapsed;
        drop(st);
        let (mut idle, mut sweep) = (Vec::new(), Vec::new());
        for _ in 0..repetitions(self.opts.profile) {
            let mut st = s.setup()?;
            let Some(quiet) = s.idle_readers(&mut st, duration) else {
                return Ok(());
            };
            idle.push(quiet?);
            let mut probe = Probe {
                latencies: Some(Vec::new()),
            };
            let m = s.run(&mut st, &mut probe)?;
            s.verify(&mut st)?;
            sweep.push(probe.latencies.unwrap_or_default());
            duration = m.elapsed;
        }
        let (idle, sweep) = (percentiles_per_run(&idle), percentiles_per_run(&sweep));
        let phase = |p: &str| rec.params.clone().with(reports::schema::PHASE_PARAM, p);
        percentile_records(rec, &idle, &phase("idle"), out);
        percentile_records(rec, &sweep, &phase("sweep"), out);
        let slowdowns: Vec<f64> = idle
            .iter()
            .zip(&sweep)
            .filter(|(i, _)| i.p99 > 0.0)
            .map(|(i, s)| s.p99 / i.p99)
            .collect();
        out.push(rec.make(
            Metric::ReaderP99Slowdown,
            ranged(&slowdowns).unwrap_or_else(|| {
                Outcome::not_measured("no repetition had lookups in both phases")
            }),
        ));
        Ok(())
    }
}
