//! Simulated cache misses per operation, from valgrind's callgrind.
//!
//! Hardware counters are not available on the virtual machines this suite runs on, and
//! valgrind's cache auto-detection reports nonsense there, so the geometry is pinned
//! ([`GEOMETRY`]: 32 KiB 8-way L1s with 64-byte lines and an 8 MiB 16-way last level, a common
//! server core). The measuring binary re-runs itself under
//! `valgrind --tool=callgrind --cache-sim=yes --collect-atstart=no --toggle-collect=...` with
//! [`CHILD_ENV`] naming the cell to run; the child runs the workload's setup uncounted and its
//! measured phase inside [`measured_phase`], the only function whose events are collected
//! (callees included). Callgrind is driven directly rather than through gungraun, which would
//! need its own runner binary installed to match the library version.
//!
//! Without valgrind these metrics are "not measured", never a made-up value.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The pinned cache geometry (size, associativity, line size), as valgrind options.
pub const GEOMETRY: [&str; 3] = ["--I1=32768,8,64", "--D1=32768,8,64", "--LL=8388608,16,64"];

/// Environment variable that tells the measuring binary to run one cell as a callgrind child.
pub const CHILD_ENV: &str = "EVACBENCH_CACHE_CHILD";

/// Name of the function whose events callgrind collects.
pub const PHASE_FN: &str = "evacbench_measured_phase";

/// Collected event totals of one measured phase.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheCounts {
    /// Instructions executed.
    pub instructions: u64,
    /// L1 data-cache misses (reads and writes).
    pub d1_misses: u64,
    /// Last-level data-cache misses (reads and writes).
    pub ll_misses: u64,
}

/// Runs `phase` inside the one function callgrind collects (see the module docs).
#[inline(never)]
pub fn measured_phase<R>(phase: impl FnOnce() -> R) -> R {
    evacbench_measured_phase(phase)
}

#[inline(never)]
fn evacbench_measured_phase<R>(phase: impl FnOnce() -> R) -> R {
    std::hint::black_box(phase())
}

/// valgrind's version if it can run, or why not.
pub fn valgrind_version() -> Result<String, String> {
    match Command::new("valgrind").arg("--version").output() {
        Ok(out) if out.status.success() => {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
        }
        Ok(out) => Err(format!("`valgrind --version` exited with {}", out.status)),
        Err(e) => Err(format!(
            "valgrind not found ({e}); install it (Debian: apt-get install valgrind)"
        )),
    }
}

/// The line a child prints on stdout to report the operations its measured phase performed.
pub const OPS_LINE: &str = "evacbench-cache-ops=";

/// Runs `exe` under callgrind with `CHILD_ENV=cell`; returns the collected totals and the
/// operations the child reported on stdout ([`OPS_LINE`]). `scratch` holds callgrind's file.
/// A child still running after `limit` (or once `stop()` says so) is killed and reported as
/// an error.
pub fn run_child(
    exe: &Path,
    cell: &str,
    scratch: &Path,
    limit: Duration,
    stop: impl Fn() -> bool,
) -> Result<(CacheCounts, u64), String> {
    std::fs::create_dir_all(scratch)
        .map_err(|e| format!("cannot create {}: {e}", scratch.display()))?;
    let out_file = scratch.join(format!("callgrind.{}.out", sanitize(cell)));
    let io = |ext: &str| {
        let path = scratch.join(format!("callgrind.{}.{ext}", sanitize(cell)));
        std::fs::File::create(&path)
            .map(|f| (path.clone(), f))
            .map_err(|e| format!("cannot create {}: {e}", path.display()))
    };
    let (stdout_path, stdout_file) = io("stdout")?;
    let (stderr_path, stderr_file) = io("stderr")?;
    let mut child = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg("--cache-sim=yes")
        .args(GEOMETRY)
        .arg("--collect-atstart=no")
        .arg(format!("--toggle-collect=*{PHASE_FN}*"))
        .arg(format!("--callgrind-out-file={}", out_file.display()))
        .arg(exe)
        .env(CHILD_ENV, cell)
        .stdin(Stdio::null())
        .stdout(stdout_file)
        .stderr(stderr_file)
        .spawn()
        .map_err(|e| format!("cannot start valgrind: {e}"))?;
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() >= limit || stop() => {
                let _ = child.kill();
                let _ = child.wait();
                let _ = std::fs::remove_file(&out_file);
                return Err(format!(
                    "callgrind child for `{cell}` stopped at its time budget of {limit:?}"
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("cannot wait for valgrind: {e}")),
        }
    };
    let read = |p: &Path| {
        let text = std::fs::read(p).unwrap_or_default();
        let _ = std::fs::remove_file(p);
        text
    };
    let (stdout, stderr) = (read(&stdout_path), read(&stderr_path));
    if !status.success() {
        let err = String::from_utf8_lossy(&stderr);
        let tail: Vec<&str> = err.lines().rev().take(8).collect();
        return Err(format!(
            "callgrind child for `{cell}` failed ({}): {}",
            status,
            tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
        ));
    }
    let text = std::fs::read_to_string(&out_file)
        .map_err(|e| format!("cannot read {}: {e}", out_file.display()))?;
    let _ = std::fs::remove_file(&out_file);
    let stdout = String::from_utf8_lossy(&stdout);
    let ops = stdout
        .lines()
        .find_map(|l| l.strip_prefix(OPS_LINE))
        .ok_or_else(|| format!("callgrind child for `{cell}` printed no `{OPS_LINE}` line"))?
        .trim()
        .parse::<u64>()
        .map_err(|e| format!("callgrind child for `{cell}` printed a bad op count: {e}"))?;
    Ok((parse(&text)?, ops))
}

fn sanitize(cell: &str) -> String {
    cell.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// Parses a callgrind output file's `events:` and `totals:`/`summary:` lines.
pub fn parse(text: &str) -> Result<CacheCounts, String> {
    let events: Vec<&str> = text
        .lines()
        .find_map(|l| l.strip_prefix("events:"))
        .ok_or("callgrind output has no `events:` line")?
        .split_whitespace()
        .collect();
    let totals: Vec<u64> = text
        .lines()
        .find_map(|l| {
            l.strip_prefix("totals:")
                .or_else(|| l.strip_prefix("summary:"))
        })
        .ok_or("callgrind output has no `totals:` or `summary:` line")?
        .split_whitespace()
        .map(|v| {
            v.parse::<u64>()
                .map_err(|e| format!("bad total `{v}`: {e}"))
        })
        .collect::<Result<_, _>>()?;
    let get = |name: &str| -> Result<u64, String> {
        let i = events.iter().position(|e| *e == name).ok_or_else(|| {
            format!("callgrind output lacks the `{name}` event (was --cache-sim=yes given?)")
        })?;
        Ok(totals.get(i).copied().unwrap_or(0))
    };
    if get("Ir")? == 0 {
        return Err(format!(
            "callgrind collected nothing: `{PHASE_FN}` was never entered (inlined or renamed?)"
        ));
    }
    Ok(CacheCounts {
        instructions: get("Ir")?,
        d1_misses: get("D1mr")? + get("D1mw")?,
        ll_misses: get("DLmr")? + get("DLmw")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_totals_by_event_name() {
        let text = "version: 1\ncreator: callgrind-3.19.0\nevents: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw\nfn=x\n1 2\ntotals: 1000 300 200 5 40 10 3 7 2\n";
        let c = parse(text).unwrap();
        assert_eq!(
            c,
            CacheCounts {
                instructions: 1000,
                d1_misses: 50,
                ll_misses: 9
            }
        );
    }

    #[test]
    fn explains_missing_cache_events_and_empty_collection() {
        let e = parse("events: Ir\ntotals: 5\n").unwrap_err();
        assert!(e.contains("D1mr"), "{e}");
        let e =
            parse("events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw\ntotals: 0 0 0 0 0 0 0 0 0\n")
                .unwrap_err();
        assert!(e.contains("never entered"), "{e}");
    }
}
