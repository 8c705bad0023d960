//! dashmap's `iter()` + `remove()` self-deadlock, demonstrated without hanging the test run,
//! and the safe alternatives, which is why `dashmap-retain` sweeps with `retain`.
//!
//! dashmap's `Iter` holds a read guard on the shard it is walking and every yielded `RefMulti`
//! keeps a clone of it. `remove` on the key just yielded needs the write lock of that same
//! shard, which the calling thread itself holds for reading, so it waits forever. The demo runs
//! the loop on its own thread, which reports completion over a channel; the test asserts that
//! the report does not come within a timeout, and leaves the thread blocked (it cannot be
//! cancelled; the process exit ends it). It uses the raw dashmap API, the version the
//! `strategies` crate pins.

use std::sync::mpsc;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use dashmap::DashMap;

/// How long the stuck loop gets to prove it is not merely slow: its work (removing 8 entries)
/// takes microseconds.
const TIMEOUT: Duration = Duration::from_secs(2);

/// A small map on its own `Arc`, so the blocked thread's map is never touched by other tests.
fn small_map() -> Arc<DashMap<u64, u64>> {
    let m = DashMap::with_shard_amount(4);
    for k in 0..8 {
        m.insert(k, k * 10);
    }
    Arc::new(m)
}

/// Runs `body` on a new thread and waits up to [`TIMEOUT`] for it to finish. Returns whether it
/// finished; if not, the thread is left running (blocked) and never joined.
fn finishes_within_timeout(body: impl FnOnce() + Send + 'static) -> bool {
    let (done_tx, done_rx) = mpsc::channel();
    let _detached = thread::spawn(move || {
        body();
        // The receiver may be gone if the test already gave up; that is fine.
        let _ = done_tx.send(());
    });
    match done_rx.recv_timeout(TIMEOUT) {
        Ok(()) => true,
        Err(mpsc::RecvTimeoutError::Timeout) => false,
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("the loop thread panicked"),
    }
}

#[test]
fn remove_inside_iter_deadlocks() {
    let m = small_map();
    let map = Arc::clone(&m);
    let finished = finishes_within_timeout(move || {
        for r in map.iter() {
            // Needs the write lock of the shard `r` holds a read guard on: never granted.
            map.remove(r.key());
        }
    });
    assert!(
        !finished,
        "`for r in m.iter() {{ m.remove(r.key()) }}` finished: dashmap no longer deadlocks here"
    );
    // The stuck thread still holds its shard's read lock, so a non-blocking write on that
    // shard fails: the state of a deadlock, not of a slow loop.
    let locked = (0..8).filter(|k| m.try_get_mut(k).is_locked()).count();
    assert!(locked > 0, "no shard is held by the stuck thread");
    // Readers of that shard still get in (dashmap's lock admits readers beside a reader).
    assert_eq!(*m.get(&0).unwrap(), 0);
}

#[test]
fn retain_completes() {
    let m = small_map();
    let map = Arc::clone(&m);
    let finished = finishes_within_timeout(move || map.retain(|k, _| k % 2 == 1));
    assert!(finished, "retain did not finish");
    assert_eq!(m.len(), 4);
    assert!(m.iter().all(|r| r.key() % 2 == 1));
}

#[test]
fn collecting_keys_then_removing_completes() {
    let m = small_map();
    let map = Arc::clone(&m);
    let finished = finishes_within_timeout(move || {
        // The iterator (and every guard it handed out) is dropped before the first remove.
        let doomed: Vec<u64> = map
            .iter()
            .filter(|r| r.key() % 2 == 0)
            .map(|r| *r.key())
            .collect();
        for k in doomed {
            map.remove(&k);
        }
    });
    assert!(finished, "collect-then-remove did not finish");
    assert_eq!(m.len(), 4);
    assert!(m.iter().all(|r| r.key() % 2 == 1));
}
