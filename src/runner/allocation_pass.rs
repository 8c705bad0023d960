//! Step 3, the allocation pass: one run under the counting allocator (allocations, bytes,
//! peak and retained heap, deferred garbage, a heap trace for churn and readers), with
//! per-lookup latency percentiles where the workload has lookups, and evacmap's chain
//! statistics.

use std::time::{Duration, Instant};

use reports::{Metric, Outcome, Record};

use super::records::{percentile_records, percentiles_per_run, Recs};
use super::scenario::{Probe, Scenario, ScenarioError};
use super::{repetitions, Runner};
use crate::probes::alloc::Phase;
use crate::probes::heap_trace::{self, HeapTrace};
use crate::probes::latency::Recorder;
use crate::workloads::{Cell, Workload};

/// Interval of the heap trace's samples.
const TRACE_INTERVAL: Duration = Duration::from_micros(250);
/// How long the allocation pass of a steady-state workload keeps running for its heap trace.
const TRACE_SPAN: Duration = Duration::from_millis(200);
/// Most runs of a steady-state workload in its allocation pass.
const TRACE_MAX_RUNS: usize = 64;

impl Runner<'_> {
    /// Runs the allocation pass of `s` and appends its records to `out`.
    pub(super) fn allocation_pass<S: Scenario>(
        &mut self,
        cell: &Cell,
        s: &S,
        rec: &Recs,
        out: &mut Vec<Record>,
    ) -> Result<(), ScenarioError> {
        let traced = matches!(
            cell.workload,
            Workload::Churn | Workload::ReadersDuringSweep
        );
        let with_latency = cell.workload == Workload::Churn;
        let phase = Phase::start();
        let mut st = s.setup()?;
        // The sampler thread starts before the counted span, so its own start-up allocations
        // are not charged to the contender.
        let trace = traced.then(|| HeapTrace::start(TRACE_INTERVAL));
        let before = phase.now();
        phase.reset_peak();
        let mut probe = Probe {
            latencies: with_latency.then(Vec::new),
        };
        let m = s.run(&mut st, &mut probe)?;
        // Counts, bytes, peak and retained heap describe exactly one run, so they do not depend
        // on how many runs fit in the trace's time span (exact for a single-threaded cell).
        let after = phase.now();
        let mem = s.memory(&mut st);
        let live = s.live(&mut st);
        let chains = s.probe_stats(&mut st);
        if traced && !S::FRESH {
            // A steady-state workload (churn) continues on the same map until the trace spans
            // TRACE_SPAN, so the heap trace shows many runs, not one short one.
            let started = Instant::now();
            let mut runs = 1;
            let min_runs = repetitions(self.opts.profile);
            while (started.elapsed() < TRACE_SPAN || runs < min_runs) && runs < TRACE_MAX_RUNS {
                s.run(&mut st, &mut probe)?;
                runs += 1;
            }
        }
        let samples = trace.map(HeapTrace::stop);
        drop(phase);
        s.verify(&mut st)?;
        let ops = m.ops.max(1) as f64;
        if self.allocator {
            out.push(rec.make(
                Metric::AllocsPerOp,
                Outcome::value((after.allocs - before.allocs) as f64 / ops),
            ));
            out.push(rec.make(
                Metric::AllocBytesPerOp,
                Outcome::value((after.bytes - before.bytes) as f64 / ops),
            ));
            out.push(rec.make(
                Metric::PeakExtraHeapBytes,
                Outcome::value((after.peak_net_bytes - before.net_bytes).max(0) as f64),
            ));
            out.push(rec.make(
                Metric::RetainedBytesPerEntry,
                if live > 0 {
                    Outcome::value(after.net_bytes.max(0) as f64 / live as f64)
                } else {
                    Outcome::not_measured(format!(
                        "no live entries left; {} bytes still held",
                        after.net_bytes.max(0)
                    ))
                },
            ));
            if let Some(samples) = samples {
                let base = before.net_bytes;
                for sm in heap_trace::thin(&samples, 60) {
                    let mut r = rec.make(
                        Metric::HeapBytes,
                        Outcome::value((sm.net_bytes - base).max(0) as f64),
                    );
                    r.params = r.params.clone().with(
                        reports::schema::TIME_PARAM,
                        (sm.t_ms * 1000.0).round() / 1000.0,
                    );
                    out.push(r);
                }
            }
        } else {
            let why = "the measuring binary does not use the counting allocator";
            for m in [
                Metric::AllocsPerOp,
                Metric::AllocBytesPerOp,
                Metric::PeakExtraHeapBytes,
                Metric::RetainedBytesPerEntry,
            ] {
                out.push(rec.make(m, Outcome::not_measured(why)));
            }
        }
        out.push(rec.make(
            Metric::DeferredGarbageBytes,
            if mem.exact || mem.garbage_bytes > 0 {
                Outcome::value(mem.garbage_bytes as f64)
            } else {
                Outcome::not_measured("the contender cannot observe its deferred garbage")
            },
        ));
        if let Some(lat) = probe.latencies {
            // One recorder per churn run: each run is a repetition.
            let runs: Vec<Vec<Recorder>> = lat.into_iter().map(|r| vec![r]).collect();
            percentile_records(rec, &percentiles_per_run(&runs), &rec.params, out);
        }
        if let Some(lookups) = s.lookups(&mut st) {
            let (hit, miss) = lookups?;
            out.push(rec.make(Metric::LookupHitNs, Outcome::value(hit)));
            out.push(rec.make(Metric::LookupMissNs, Outcome::value(miss)));
        }
        match chains {
            Some(p) => {
                out.push(rec.make(Metric::HitProbe, Outcome::value(p.hit_probe)));
                out.push(rec.make(Metric::MissProbe, Outcome::value(p.miss_probe)));
                out.push(rec.make(
                    Metric::OverflowPct,
                    Outcome::value(p.overflow_fraction * 100.0),
                ));
                out.push(rec.make(Metric::BytesPerEntry, Outcome::value(p.bytes_per_entry)));
            }
            None => {
                for m in [Metric::HitProbe, Metric::MissProbe, Metric::OverflowPct] {
                    out.push(rec.make(
                        m,
                        Outcome::not_measured("no chain statistics: not a single evacmap"),
                    ));
                }
            }
        }
        Ok(())
    }
}
