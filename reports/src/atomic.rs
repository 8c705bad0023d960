//! Writing a file so that readers see the old content or the new, never a mix.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::Error;

/// Writes `path` through a temporary file in the same directory, then renames it over `path`.
///
/// If `write` fails (or the process dies) the previous content of `path` stays as it was and
/// the temporary file is removed (or, after a crash, left under a `.tmp` name that no reader
/// opens).
pub fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), Error> {
    let tmp = temp_path(path);
    let result = write_then_rename(&tmp, path, write);
    if result.is_err() {
        // Best effort: the temporary file may not even exist.
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(Error::io(path))
}

fn write_then_rename(
    tmp: &Path,
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let mut out = BufWriter::new(File::create(tmp)?);
    write(&mut out)?;
    let file = out.into_inner().map_err(io::IntoInnerError::into_error)?;
    file.sync_all()?;
    fs::rename(tmp, path)
}

/// `dir/.name.tmp-<pid>`: hidden, unique per process, on the same file system as `path`.
fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy());
    path.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_file_is_a_hidden_sibling() {
        let tmp = temp_path(Path::new("/x/y/meta.json"));
        assert_eq!(tmp.parent(), Some(Path::new("/x/y")));
        assert!(tmp
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with(".meta.json.tmp-"));
    }
}
