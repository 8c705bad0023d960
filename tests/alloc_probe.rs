//! The counting allocator, installed as this test binary's global allocator, counts what a
//! phase allocates and frees, process-wide.

use evacbench::probes::alloc::{installed, Counting, Phase};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[test]
fn counts_allocations_net_heap_and_peak() {
    assert!(
        installed(),
        "the counting allocator is this binary's global allocator"
    );
    let phase = Phase::start();
    let before = phase.now();
    let big: Vec<u8> = std::hint::black_box(Vec::with_capacity(100_000));
    let during = phase.now();
    assert!(during.allocs > before.allocs, "{during:?}");
    assert!(during.bytes - before.bytes >= 100_000, "{during:?}");
    assert!(during.net_bytes - before.net_bytes >= 100_000, "{during:?}");
    drop(big);
    let after = phase.now();
    assert!(after.net_bytes <= during.net_bytes - 100_000, "{after:?}");
    assert!(
        after.peak_net_bytes >= during.net_bytes,
        "the peak remembers the vector: {after:?}"
    );
    phase.reset_peak();
    let reset = phase.now();
    assert_eq!(
        reset.peak_net_bytes, reset.net_bytes,
        "the peak restarts from the current level"
    );
}
