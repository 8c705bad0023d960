//! Review scratch tests (h-review). Not part of the suite unless the lead keeps them.
//!
//! 1. `value_doomed_overwrite_during_sweep`: a writer replaces a doomed value with a kept one
//!    while the sweep is judging that entry. The predicate is a pure function of the value
//!    (version 0 doomed); it only *waits* (at most 150 ms) for the writer, as a preempted thread
//!    would. Afterwards the kept value must be in the map, and `Sweep::removed` must count the
//!    doomed value iff it was really removed (the writer's insert then reports the key absent).
//! 2. `tombstone_compacts_a_presized_map_on_a_no_op_sweep`.

use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use strategies::registry::{self, Visit};
use strategies::{check_word, Build, Contender, Ops, Shared, TombstoneMap, Value, V64, V8};

const N: u64 = 100;

fn lost_write_case<V: Value, C: Shared<V>>() -> Result<(), String> {
    let mut map = C::build(&Build::with_capacity(N as usize)).map_err(|e| e.to_string())?;
    for k in 0..N {
        map.insert(k, V::new(k, 0));
    }
    // 0 = idle, 1 = writer asked, 2 = writer done.
    let state = Arc::new(AtomicU8::new(0));
    let target = Arc::new(std::sync::Mutex::new(None::<u64>));
    let fresh = Arc::new(AtomicBool::new(false));
    let writer = {
        let (mut h, state, target, fresh) =
            (map.handle(), state.clone(), target.clone(), fresh.clone());
        thread::spawn(move || {
            loop {
                match state.load(Ordering::Acquire) {
                    1 => break,
                    3 => return,
                    _ => thread::yield_now(),
                }
            }
            let k = target.lock().unwrap().unwrap();
            fresh.store(h.insert(k, V::new(k, 1)), Ordering::Relaxed);
            state.store(2, Ordering::Release);
        })
    };
    let mut sweeper = map.handle();
    let sweep = sweeper.sweep(|k, v| {
        // `Value::version` is the raw word for V8, so compare check words.
        let doomed = k % 2 == 1 && v.check() == check_word(k, 0);
        if doomed && state.load(Ordering::Acquire) == 0 {
            *target.lock().unwrap() = Some(k);
            state.store(1, Ordering::Release);
            let start = Instant::now();
            while state.load(Ordering::Acquire) != 2 && start.elapsed() < Duration::from_millis(150)
            {
                thread::yield_now();
            }
        }
        doomed
    });
    let _ = state.compare_exchange(0, 3, Ordering::AcqRel, Ordering::Acquire);
    writer.join().unwrap();
    let k = target
        .lock()
        .unwrap()
        .expect("the predicate saw a doomed key");
    let fresh = fresh.load(Ordering::Relaxed);
    let mut problems = Vec::new();
    if map.get(k) != Some(check_word(k, 1)) {
        problems.push(format!(
            "key {k}: the writer's kept value (version 1) is gone after the sweep (get = {:?})",
            map.get(k)
        ));
    }
    let expected_removed = (N / 2) as usize - usize::from(!fresh);
    if sweep.removed != expected_removed {
        problems.push(format!(
            "sweep.removed = {} but {} doomed values were removed (writer's insert fresh = {fresh}); {sweep:?}",
            sweep.removed, expected_removed
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

struct Run(Vec<String>);

impl<V: Value> Visit<V> for Run {
    fn single<C: Contender<V>>(&mut self) {}
    fn shared<C: Shared<V>>(&mut self) {
        // A few repetitions: the locking contenders have two legal orders.
        for _ in 0..1 {
            match lost_write_case::<V, C>() {
                Ok(()) => {}
                Err(e) => {
                    self.0.push(format!("{} ({}): {e}", C::NAME, V::LABEL));
                    return;
                }
            }
        }
        println!("{} ({}): ok", C::NAME, V::LABEL);
    }
}

#[test]
fn value_doomed_overwrite_during_sweep() {
    let mut run = Run(Vec::new());
    registry::visit::<V8, _>(&mut run);
    registry::visit::<V64, _>(&mut run);
    assert!(run.0.is_empty(), "failures:\n{}", run.0.join("\n"));
}

#[test]
fn tombstone_compacts_a_presized_map_on_a_no_op_sweep() {
    let mut m = TombstoneMap::<V8>::build(&Build::with_capacity(100_000)).unwrap();
    for k in 0..1_000 {
        m.insert(k, V8::new(k, 0));
    }
    let before = m.memory().heap_bytes;
    let s = m.sweep(|_, _| false);
    assert_eq!(s.removed, 0);
    let after = m.memory().heap_bytes;
    assert_eq!(
        after, before,
        "a sweep that removed nothing shrank the presized table: {before} -> {after} bytes"
    );
}

/// evacmap's cursor (which `tombstone` steps between chunks, with writers running in between)
/// yields a key twice when it is removed after being yielded and re-inserted into a slot of the
/// current bucket the walk has not reached yet: allowed by the cursor contract (rule 3), but
/// `Consistency::WeaklyConsistent` (tombstone's class) is checked by the conformance suite as
/// "no key twice"; `AtLeastOnce` describes this case.
#[test]
fn evacmap_cursor_yields_a_reinserted_key_twice() {
    use strategies::evacmap::EvacMap;
    let mut twice = 0;
    for trial in 0..200u64 {
        let mut m: EvacMap<u64, u64> = EvacMap::new();
        for k in 1..=4 {
            m.insert(k, 0);
        }
        assert_eq!(m.stats().b, 0, "one bucket");
        let mut c = m.cursor();
        let (&a, _) = c.next(&m).unwrap();
        // Between two steps (a chunk boundary for tombstone): remove the yielded key and the
        // others, insert a new key (it takes the lowest free slot), re-insert the yielded key.
        for k in 1..=4 {
            m.remove(&k);
        }
        m.insert(1000 + trial, 0);
        m.insert(a, 1);
        let mut seen_a = 1;
        while let Some((&k, _)) = c.next(&m) {
            if k == a {
                seen_a += 1;
            }
        }
        if seen_a > 1 {
            twice += 1;
        }
    }
    assert_eq!(twice, 0, "a key was yielded twice in {twice} of 200 walks");
}
