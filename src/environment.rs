//! The machine, toolchain and settings a run was made with, for `meta.json`.
//!
//! A number means little without the machine that produced it: two runs can only be compared
//! when their CPU, compiler, dependency versions, hasher and seeds are known. [`probe`] gathers
//! these facts into a [`reports::Environment`] at the start of a run. Every probe degrades to
//! `"unknown"` (or an empty value) instead of failing, so a run outside a git checkout or without
//! `rustc` on the `PATH` still records what it can.
//!
//! Sources: the date from the system clock (UTC); the commit from `git rev-parse --short HEAD`
//! in the workspace, with `-dirty` when tracked files have local changes; the compiler from
//! `rustc -V`; the CPU from `/proc/cpuinfo` and [`std::thread::available_parallelism`]; the
//! dependency versions from the workspace's `Cargo.lock`, restricted to the crates pinned in
//! `[workspace.dependencies]` of the root `Cargo.toml`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

/// The workspace root: the directory of the root package, fixed at compile time.
fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Gathers the environment of a run made now, with the given bench `profile` (e.g. `default`),
/// `hasher` description (e.g. `foldhash 0.2.0 fast::FixedState, seed 0x5eed0fe7acbe9c00`) and the
/// `seeds` the workloads were generated from.
pub fn probe(profile: &str, hasher: &str, seeds: Vec<u64>) -> reports::Environment {
    let root = workspace_root();
    reports::Environment {
        date: rfc3339_utc(unix_now()),
        git_commit: git_commit(&root),
        rustc: command_line("rustc", &["-V"], None).unwrap_or_else(|| "unknown".into()),
        dependencies: dependencies(&root),
        cpu_model: cpu_model(),
        cpu_cores: std::thread::available_parallelism().map_or(1, |n| n.get() as u32),
        hasher: hasher.to_owned(),
        profile: profile.to_owned(),
        seeds,
        contenders: crate::contenders::infos(),
        objectives: crate::workloads::Workload::ALL
            .iter()
            .map(|w| w.objective())
            .collect(),
    }
}

/// The short commit of the workspace checkout, with `-dirty` if tracked files were modified, or
/// `"unknown"` outside a git checkout.
pub fn git_commit(root: &Path) -> String {
    let Some(sha) = command_line("git", &["rev-parse", "--short", "HEAD"], Some(root)) else {
        return "unknown".into();
    };
    let dirty = command_line(
        "git",
        &["status", "--porcelain", "--untracked-files=no"],
        Some(root),
    )
    .is_some_and(|s| !s.is_empty());
    if dirty {
        format!("{sha}-dirty")
    } else {
        sha
    }
}

/// The trimmed standard output of a command that succeeded, or `None`.
fn command_line(program: &str, args: &[&str], dir: Option<&Path>) -> Option<String> {
    let mut command = Command::new(program);
    command.args(args);
    if let Some(dir) = dir {
        command.current_dir(dir);
    }
    let output = command.output().ok()?;
    if !output.status.success() {
        return None;
    }
    Some(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// The first "model name" of `/proc/cpuinfo`, or `"unknown"`.
fn cpu_model() -> String {
    fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .filter_map(|line| line.split_once(':'))
                .find(|(key, _)| key.trim() == "model name")
                .map(|(_, value)| value.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into())
}

/// Locked versions of the crates pinned in `[workspace.dependencies]`; empty if either file is
/// missing.
fn dependencies(root: &Path) -> BTreeMap<String, String> {
    let (Ok(manifest), Ok(lock)) = (
        fs::read_to_string(root.join("Cargo.toml")),
        fs::read_to_string(root.join("Cargo.lock")),
    ) else {
        return BTreeMap::new();
    };
    let pinned = workspace_dependency_names(&manifest);
    locked_versions(&lock)
        .into_iter()
        .filter(|(name, _)| pinned.contains(name))
        .collect()
}

/// Names declared in the `[workspace.dependencies]` table of a `Cargo.toml`.
fn workspace_dependency_names(manifest: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut inside = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            inside = line == "[workspace.dependencies]";
            continue;
        }
        if !inside || line.starts_with('#') {
            continue;
        }
        if let Some((name, _)) = line.split_once('=') {
            let name = name.trim();
            if !name.is_empty() {
                names.insert(name.to_owned());
            }
        }
    }
    names
}

/// `name -> version` of every `[[package]]` of a `Cargo.lock`. When a crate is locked in several
/// versions, they are joined with `, ` in lock order.
fn locked_versions(lock: &str) -> BTreeMap<String, String> {
    let mut versions: BTreeMap<String, String> = BTreeMap::new();
    let mut name: Option<String> = None;
    let unquote = |v: &str| v.trim().trim_matches('"').to_owned();
    for line in lock.lines().map(str::trim) {
        if line == "[[package]]" {
            name = None;
        } else if let Some(v) = line.strip_prefix("name = ") {
            name = Some(unquote(v));
        } else if let Some(v) = line.strip_prefix("version = ") {
            if let Some(n) = name.take() {
                let v = unquote(v);
                versions
                    .entry(n)
                    .and_modify(|old| {
                        old.push_str(", ");
                        old.push_str(&v);
                    })
                    .or_insert(v);
            }
        }
    }
    versions
}

/// Seconds since the Unix epoch (0 if the clock is before it).
fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The civil date `(year, month, day)` of a day count since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`, proleptic Gregorian calendar).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `secs` since the Unix epoch as RFC 3339 in UTC, e.g. `2025-01-31T12:00:00Z`.
pub fn rfc3339_utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rest = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    )
}

/// The `YYYY-MM-DD` prefix of an RFC 3339 date such as [`reports::Environment::date`], for
/// run-directory names.
pub fn day_of(date: &str) -> &str {
    reports::runs::day_of(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_rfc3339_utc() {
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00Z");
        // 2000-02-29 (a leap day), 12:34:56.
        assert_eq!(rfc3339_utc(951_827_696), "2000-02-29T12:34:56Z");
        assert_eq!(rfc3339_utc(1_738_324_800), "2025-01-31T12:00:00Z");
        assert_eq!(day_of("2025-01-31T12:00:00Z"), "2025-01-31");
    }

    #[test]
    fn dependency_versions_come_from_the_lock_filtered_by_the_workspace_pins() {
        let manifest = "[workspace]\nmembers = [\".\"]\n[workspace.dependencies]\n# pinned\n\
                        foldhash = \"=0.2.0\"\nclap = { version = \"=4.6.9\" }\n[package]\nname = \"x\"\n";
        let names = workspace_dependency_names(manifest);
        assert_eq!(names.into_iter().collect::<Vec<_>>(), ["clap", "foldhash"]);
        let lock = "version = 4\n\n[[package]]\nname = \"foldhash\"\nversion = \"0.2.0\"\n\n\
                    [[package]]\nname = \"foldhash\"\nversion = \"0.1.5\"\n\n\
                    [[package]]\nname = \"libc\"\nversion = \"0.2.1\"\n";
        let v = locked_versions(lock);
        assert_eq!(v["foldhash"], "0.2.0, 0.1.5");
        assert_eq!(v["libc"], "0.2.1");
        assert!(!v.contains_key("version"));
    }

    #[test]
    fn probe_reads_this_workspace() {
        let env = probe("default", "h", vec![7]);
        assert_eq!(env.seeds, [7]);
        assert_eq!(env.profile, "default");
        assert!(env.cpu_cores >= 1);
        assert_eq!(env.date.len(), 20, "{}", env.date);
        // The root Cargo.toml pins foldhash and the lock holds it.
        let foldhash = env.dependencies.get("foldhash").map(String::as_str);
        assert!(
            foldhash.is_some_and(|v| v.contains("0.2.0")),
            "{foldhash:?}"
        );
    }
}
