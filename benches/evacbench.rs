//! The evacbench suite: every contender on every workload of the profile chosen with
//! `EVACBENCH_PROFILE` (tiny, default, full), verified, timed with criterion and measured for
//! allocations, latency percentiles and simulated cache misses; writes a run directory and
//! the HTML report under `target/evacbench/`. See `evacbench::suite`.

use std::path::Path;
use std::process::ExitCode;

use evacbench::probes::alloc::Counting;

// Allocation metrics need every allocation of the process to go through the counter.
#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn main() -> ExitCode {
    // CARGO_TARGET_TMPDIR is `<target>/tmp`: its parent is the target directory.
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let target = tmp.parent().unwrap_or(tmp);
    evacbench::suite::main(target)
}
