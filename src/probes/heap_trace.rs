//! The net heap over time: a background thread samples the counting allocator's net heap
//! change at a fixed interval while a phase runs (churn, readers during a sweep).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::alloc::Phase;

/// One sample: milliseconds since the trace began and the net heap change then.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
    /// Time since the trace started, in milliseconds.
    pub t_ms: f64,
    /// Net heap bytes since the allocation phase began.
    pub net_bytes: i64,
}

/// Samples kept before the sampler halves its rate (never reallocating).
const SAMPLE_CAPACITY: usize = 4096;

/// A running sampler; [`HeapTrace::stop`] returns the samples.
#[derive(Debug)]
pub struct HeapTrace {
    start: Instant,
    stop: Arc<AtomicBool>,
    thread: JoinHandle<Vec<Sample>>,
}

impl HeapTrace {
    /// Takes the first sample now, then samples every `interval` on a background thread (the
    /// allocation [`Phase`] must be open).
    pub fn start(interval: Duration) -> HeapTrace {
        let start = Instant::now();
        let first = Sample {
            t_ms: 0.0,
            net_bytes: Phase::net_bytes_now(),
        };
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        // Everything the sampler needs is allocated here, and `start` returns only once the
        // thread runs, so the sampler never allocates while the caller counts allocations:
        // the counts of a single-threaded run stay exact.
        let mut samples = Vec::with_capacity(SAMPLE_CAPACITY);
        samples.push(first);
        let ready = Arc::new(Barrier::new(2));
        let thread_ready = Arc::clone(&ready);
        let thread = std::thread::spawn(move || {
            thread_ready.wait();
            let mut interval = interval;
            while !flag.load(Ordering::Acquire) {
                std::thread::sleep(interval);
                if samples.len() == samples.capacity() {
                    // Full: keep every other sample and halve the rate, in place.
                    let mut i = 0;
                    samples.retain(|_| {
                        i += 1;
                        i % 2 == 1
                    });
                    interval *= 2;
                }
                samples.push(Sample {
                    t_ms: start.elapsed().as_secs_f64() * 1e3,
                    net_bytes: Phase::net_bytes_now(),
                });
            }
            samples
        });
        ready.wait();
        HeapTrace {
            start,
            stop,
            thread,
        }
    }

    /// Stops sampling, takes a last sample now, and returns the samples in time order.
    pub fn stop(self) -> Vec<Sample> {
        let last = Sample {
            t_ms: self.start.elapsed().as_secs_f64() * 1e3,
            net_bytes: Phase::net_bytes_now(),
        };
        self.stop.store(true, Ordering::Release);
        let mut samples = self.thread.join().expect("the heap sampler does not panic");
        samples.retain(|s| s.t_ms <= last.t_ms);
        samples.push(last);
        samples
    }
}

/// Keeps at most `max` samples, evenly spaced, always keeping the first and the last.
pub fn thin(samples: &[Sample], max: usize) -> Vec<Sample> {
    if samples.len() <= max || max < 2 {
        return samples.to_vec();
    }
    let step = (samples.len() - 1) as f64 / (max - 1) as f64;
    (0..max)
        .map(|i| samples[((i as f64) * step).round() as usize])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thin_keeps_ends_and_count() {
        let s: Vec<Sample> = (0..1000)
            .map(|i| Sample {
                t_ms: i as f64,
                net_bytes: i,
            })
            .collect();
        let t = thin(&s, 50);
        assert_eq!(t.len(), 50);
        assert_eq!(t[0], s[0]);
        assert_eq!(t[49], s[999]);
        assert!(t.windows(2).all(|w| w[0].t_ms < w[1].t_ms));
    }
}
