//! Every relative link in the repository's markdown resolves: the file (or folder) it names
//! exists, and its `#anchor`, if any, is a heading of that file (GitHub's heading ids).
//! Documentation moves between files; this test is what keeps the links honest.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// The markdown files under `dir`, skipping build output (`target*`) and hidden folders.
fn markdown_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            if !name.starts_with('.') && !name.starts_with("target") {
                markdown_files(&path, out);
            }
        } else if name.ends_with(".md") {
            out.push(path);
        }
    }
}

/// The text outside fenced code blocks, with inline code spans blanked out.
fn prose(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        let mut out = String::new();
        let mut in_code = false;
        for c in line.chars() {
            if c == '`' {
                in_code = !in_code;
            } else if !in_code {
                out.push(c);
            }
        }
        lines.push(out);
    }
    lines
}

/// The targets of inline links and images: `[text](target)`, `![alt](target)`.
fn link_targets(text: &str) -> Vec<String> {
    let mut targets = Vec::new();
    for line in prose(text) {
        let mut rest = line.as_str();
        while let Some(i) = rest.find("](") {
            rest = &rest[i + 2..];
            let Some(end) = rest.find(')') else { break };
            let target = rest[..end].split_whitespace().next().unwrap_or("");
            targets.push(target.to_string());
            rest = &rest[end + 1..];
        }
    }
    targets
}

/// GitHub's id of a heading: lower case, punctuation other than `-` and `_` dropped, spaces
/// turned into `-`; repeated ids get `-1`, `-2`, ...
fn heading_ids(text: &str) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced || !line.starts_with('#') {
            continue;
        }
        let title = line.trim_start_matches('#');
        if !title.starts_with(' ') {
            continue;
        }
        let base: String = title
            .trim()
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
            .map(|c| if c == ' ' { '-' } else { c })
            .collect();
        let mut id = base.clone();
        let mut n = 0;
        while ids.contains(&id) {
            n += 1;
            id = format!("{base}-{n}");
        }
        ids.insert(id);
    }
    ids
}

/// Why a link from `file` to `target` does not resolve, or `None` if it does.
fn broken(root: &Path, file: &Path, target: &str) -> Option<String> {
    let (path, anchor) = match target.split_once('#') {
        Some((p, a)) => (p, Some(a)),
        None => (target, None),
    };
    let resolved = if path.is_empty() {
        file.to_path_buf()
    } else {
        file.parent().expect("a file has a folder").join(path)
    };
    if !resolved.exists() {
        return Some(format!("{} does not exist", resolved.display()));
    }
    let anchor = anchor.filter(|a| !a.is_empty())?;
    if resolved.extension().is_none_or(|e| e != "md") {
        return None;
    }
    let text = fs::read_to_string(&resolved).expect("readable markdown");
    if heading_ids(&text).contains(anchor) {
        None
    } else {
        let shown = resolved.strip_prefix(root).unwrap_or(&resolved);
        Some(format!(
            "{} has no heading with id `{anchor}`",
            shown.display()
        ))
    }
}

/// The target as a repository-relative path (with its anchor), as a failure names it.
fn repo_relative(root: &Path, file: &Path, target: &str) -> String {
    let (path, anchor) = target.split_once('#').unwrap_or((target, ""));
    let mut parts: Vec<String> = Vec::new();
    // A bare `#anchor` points into the file itself.
    let (folder, path) = if path.is_empty() {
        (file, "")
    } else {
        (file.parent().expect("a file has a folder"), path)
    };
    let rel = folder.strip_prefix(root).unwrap_or(folder);
    for c in rel.components().chain(Path::new(path).components()) {
        match c.as_os_str().to_str().unwrap_or("") {
            ".." => {
                parts.pop();
            }
            "." | "" => {}
            s => parts.push(s.to_string()),
        }
    }
    let joined = parts.join("/");
    if anchor.is_empty() {
        joined
    } else {
        format!("{joined}#{anchor}")
    }
}

#[test]
fn every_relative_markdown_link_resolves() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    markdown_files(root, &mut files);
    assert!(
        files.iter().any(|f| f.ends_with("README.md")),
        "no README.md found under {}",
        root.display()
    );
    let mut checked = 0;
    let mut failures = Vec::new();
    for file in &files {
        let text = fs::read_to_string(file).expect("readable markdown");
        for target in link_targets(&text) {
            if target.is_empty() || target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            checked += 1;
            if let Some(why) = broken(root, file, &target) {
                let shown = file.strip_prefix(root).unwrap_or(file);
                failures.push(format!(
                    "{}: ({target} = {}): {why}",
                    shown.display(),
                    repo_relative(root, file, &target)
                ));
            }
        }
    }
    eprintln!("{checked} relative links in {} markdown files", files.len());
    assert!(
        checked >= 20,
        "only {checked} relative links found: is the link parser broken?"
    );
    assert!(
        failures.is_empty(),
        "{} broken markdown link(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn parser_finds_links_and_github_heading_ids() {
    let text = "# Comparing runs: `--baseline`, noise\n## The A/A check\n## The A/A check\n\
                ```\n[not](a-link.md)\n```\nsee [x](docs/a.md#b) and ![s](s.png), \
                `[code](no.md)`\n";
    assert_eq!(link_targets(text), ["docs/a.md#b", "s.png"]);
    let ids = heading_ids(text);
    assert!(ids.contains("comparing-runs---baseline-noise"), "{ids:?}");
    assert!(
        ids.contains("the-aa-check") && ids.contains("the-aa-check-1"),
        "{ids:?}"
    );
}

#[test]
fn a_broken_link_and_a_missing_anchor_are_caught() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = root.join("README.md");
    assert!(broken(root, &readme, "no-such-file.md").is_some());
    assert!(broken(root, &readme, "reports/README.md#no-such-heading").is_some());
    assert_eq!(
        broken(root, &readme, "reports/README.md#comparing-runs"),
        None
    );
    assert_eq!(
        repo_relative(
            root,
            &root.join("docs/results.md"),
            "../evacmap/README.md#x"
        ),
        "evacmap/README.md#x"
    );
    assert_eq!(
        repo_relative(root, &root.join("evacmap/README.md"), "#y"),
        "evacmap/README.md#y"
    );
}
