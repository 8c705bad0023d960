//! Loom models of the strategies' hand-rolled protocols: `tombstone`'s marks and batch delete,
//! and `cow-snapshot`'s version publication. Each model runs a few operations on 2 or 3 threads
//! and checks, in every interleaving loom explores, what a reader may observe and what the map
//! holds afterwards.
//!
//! Run with (the cfg swaps `strategies`' sync primitives for loom's, see `src/sync.rs`):
//!
//! ```text
//! RUSTFLAGS="--cfg evacbench_loom" CARGO_TARGET_DIR=target-loom \
//!     cargo test -p strategies --release --test loom
//! ```
//!
//! evacmap itself is not instrumented: it only ever runs under the strategies' locks, which
//! loom does model. Under loom, `tombstone`'s mark phase walks the map in one chunk, in key
//! order, because evacmap's cursor starts at a random slot drawn from a thread-local generator
//! loom cannot control (see `MARK_CHUNK` in `src/tombstone.rs`): with the cursor's own order, or
//! with one-entry chunks, loom stops with "Is the model fully deterministic?". Releasing the
//! lock between chunks is exercised by the std-thread tests instead, with chunks of 8 entries.
#![cfg(evacbench_loom)]

use std::sync::atomic::{AtomicUsize, Ordering};

use loom::model::Builder;
use loom::thread;
use strategies::{
    check_word, Build, Contender, CowSnapshotMap, Ops, Shared, TombstoneMap, Value, V8,
};

/// Runs `f` under loom in every interleaving (no preemption bound unless `LOOM_MAX_PREEMPTIONS`
/// sets one; each model here explores at most about 30,000 executions, a few seconds in release),
/// and checks that loom explored more than one.
fn model<F: Fn() + Sync + Send + 'static>(name: &str, f: F) {
    let executions = std::sync::Arc::new(AtomicUsize::new(0));
    let count = executions.clone();
    Builder::new().check(move || {
        count.fetch_add(1, Ordering::Relaxed);
        f();
    });
    let n = executions.load(Ordering::Relaxed);
    println!("{name}: {n} executions");
    assert!(n > 1, "{name}: loom explored a single execution");
}

fn value(key: u64) -> V8 {
    V8::new(key, 0)
}

/// A sweep dooming key 1 runs while a reader reads keys 1 and 2 and a writer inserts key 3.
#[test]
fn tombstone_sweep_reader_writer() {
    model("tombstone_sweep_reader_writer", || {
        let mut map = TombstoneMap::<V8>::build(&Build::default()).unwrap();
        assert!(map.insert(1, value(1)));
        assert!(map.insert(2, value(2)));

        let mut sweeper = map.handle();
        let sweep = thread::spawn(move || sweeper.sweep(|key, _| key == 1));

        let mut reader = map.handle();
        let read = thread::spawn(move || {
            let mut gone = false;
            for _ in 0..2 {
                // Key 2 is never doomed: always found, with the value written for it.
                assert_eq!(reader.get(2), Some(check_word(2, 0)));
                match reader.get(1) {
                    Some(word) => {
                        assert!(!gone, "key 1 came back after it was seen deleted");
                        assert_eq!(word, check_word(1, 0));
                    }
                    None => gone = true,
                }
            }
        });

        // This thread is the writer: a non-doomed key inserted during the sweep.
        assert!(map.insert(3, value(3)));

        let swept = sweep.join().unwrap();
        read.join().unwrap();
        assert_eq!(swept.removed, 1);
        // Key 3 may or may not have been visited, depending on when it was inserted.
        assert!(swept.visited == 2 || swept.visited == 3, "{swept:?}");
        assert_eq!(map.get(1), None);
        assert_eq!(map.get(2), Some(check_word(2, 0)));
        assert_eq!(map.get(3), Some(check_word(3, 0)));
        assert_eq!(map.len(), 2);
        assert_eq!(map.memory().garbage_bytes, 0);
    });
}

/// A writer re-inserts the doomed key while the sweep runs: whatever the interleaving, the
/// sweep removes at most the value it judged, never the new one.
#[test]
fn tombstone_reinsert_during_sweep_survives() {
    model("tombstone_reinsert_during_sweep_survives", || {
        let mut map = TombstoneMap::<V8>::build(&Build::default()).unwrap();
        assert!(map.insert(1, value(1)));

        let mut sweeper = map.handle();
        // Only version 0 is doomed; the writer stores version 1.
        let sweep = thread::spawn(move || {
            sweeper.sweep(|key, v| key == 1 && v.check() == check_word(1, 0))
        });

        let fresh = map.insert(1, V8::new(1, 1));
        let swept = sweep.join().unwrap();

        // Either the sweep judged version 0 and deleted it first (the insert found the key
        // absent), or the insert updated it first (and the sweep judged version 1, not doomed).
        assert_eq!(fresh, swept.removed == 1, "{swept:?}");
        assert_eq!(swept.visited, 1);
        assert_eq!(map.get(1), Some(check_word(1, 1)));
        assert_eq!(map.len(), 1);
        assert_eq!(map.memory().garbage_bytes, 0);
    });
}

/// Two writers insert different keys while a reader loads: no update is lost, and the reader
/// sees published versions only.
#[test]
fn cow_snapshot_concurrent_writers() {
    model("cow_snapshot_concurrent_writers", || {
        let map = CowSnapshotMap::<V8>::build(&Build::default()).unwrap();

        let writers: Vec<_> = [1, 2]
            .into_iter()
            .map(|key| {
                let mut handle = map.handle();
                thread::spawn(move || assert!(handle.insert(key, value(key))))
            })
            .collect();

        let mut reader = map.handle();
        let mut seen = Vec::new();
        let n = reader.traverse(|key, v| {
            assert_eq!(v.check(), check_word(key, 0));
            seen.push(key);
        });
        assert_eq!(n, seen.len());
        assert!(seen.iter().all(|k| [1, 2].contains(k)), "{seen:?}");
        // A key seen by the traversal stays visible: versions only grow here.
        for key in seen {
            assert_eq!(reader.get(key), Some(check_word(key, 0)));
        }

        for w in writers {
            w.join().unwrap();
        }
        assert_eq!(reader.get(1), Some(check_word(1, 0)));
        assert_eq!(reader.get(2), Some(check_word(2, 0)));
        assert_eq!(reader.len(), 2);
        // Every replaced version has been dropped: nothing is retired any more.
        assert_eq!(reader.memory().garbage_bytes, 0);
    });
}

/// A sweep deleting two keys at once runs while a writer inserts a third and a reader
/// traverses: the reader sees a whole published version, never the sweep half done, and the
/// insert is not lost.
#[test]
fn cow_snapshot_sweep_is_atomic() {
    model("cow_snapshot_sweep_is_atomic", || {
        let mut map = CowSnapshotMap::<V8>::build(&Build::default()).unwrap();
        assert!(map.insert(1, value(1)));
        assert!(map.insert(2, value(2)));

        let mut sweeper = map.handle();
        let sweep = thread::spawn(move || sweeper.sweep(|key, _| key <= 2));
        let mut writer = map.handle();
        let write = thread::spawn(move || assert!(writer.insert(3, value(3))));

        let mut seen = Vec::new();
        map.traverse(|key, _| seen.push(key));
        seen.sort_unstable();
        assert!(
            [&[1, 2][..], &[1, 2, 3], &[], &[3]].contains(&&seen[..]),
            "a partial version: {seen:?}"
        );

        let swept = sweep.join().unwrap();
        write.join().unwrap();
        assert_eq!(swept.removed, 2);
        assert_eq!(map.get(1), None);
        assert_eq!(map.get(2), None);
        assert_eq!(map.get(3), Some(check_word(3, 0)));
        assert_eq!(map.len(), 1);
        assert_eq!(map.memory().garbage_bytes, 0);
    });
}
