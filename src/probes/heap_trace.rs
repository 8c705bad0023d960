//! The net heap over time: a background thread samples the counting allocator's net heap
//! change at a fixed interval while a phase runs (churn, readers during a sweep).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
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

/// A running sampler; [`HeapTrace::stop`] returns the samples.
#[derive(Debug)]
pub struct HeapTrace {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<Vec<Sample>>,
}

impl HeapTrace {
    /// Starts sampling every `interval` (the allocation [`Phase`] must be open).
    pub fn start(interval: Duration) -> HeapTrace {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let start = Instant::now();
            // Reserve up front so the sampler's own pushes rarely allocate during the phase.
            let mut samples = Vec::with_capacity(4096);
            loop {
                samples.push(Sample {
                    t_ms: start.elapsed().as_secs_f64() * 1e3,
                    net_bytes: Phase::net_bytes_now(),
                });
                if flag.load(Ordering::Acquire) {
                    break;
                }
                std::thread::sleep(interval);
            }
            samples
        });
        HeapTrace { stop, thread }
    }

    /// Stops sampling (taking one last sample) and returns the samples in time order.
    pub fn stop(self) -> Vec<Sample> {
        self.stop.store(true, Ordering::Release);
        self.thread.join().expect("the heap sampler does not panic")
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
