//! Files only the service's own account may read: the data folder (0700), the key files, the
//! SQLite database and outgoing mail files (0600). Everything that writes under the data folder
//! goes through here, so no file there is created world-readable whatever the umask.
//!
//! This module must not decide *what* to write, only how.

use std::io::{self, Write};
use std::path::Path;

#[cfg(unix)]
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};

/// Creates `dir` (and its parents) if missing and makes it 0700. Returns a warning when an
/// existing folder was open to others and has been tightened.
pub fn private_dir(dir: &Path) -> io::Result<Option<String>> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    builder.mode(0o700);
    builder.create(dir)?;
    tighten(dir, 0o700)
}

/// Writes a new file with mode 0600; fails if it already exists, so nothing is ever overwritten.
pub fn write_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Writes `bytes` to `path`, replacing what is there; a new file is made 0600 (for results that
/// hold students' data, such as `vocpath route --output`).
pub fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = create_private(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Opens `path` for writing, emptied; a new file is made 0600 (see [`write_private`]).
pub fn create_private(path: &Path) -> io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    options.mode(0o600);
    options.open(path)
}

/// Makes an existing file or folder no more open than `mode` (0600 for files, 0700 for folders).
/// Returns a warning naming what was tightened.
pub fn tighten(path: &Path, mode: u32) -> io::Result<Option<String>> {
    #[cfg(unix)]
    {
        let meta = std::fs::metadata(path)?;
        let current = meta.permissions().mode() & 0o777;
        if current & !mode != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
            return Ok(Some(format!(
                "{} was readable by other accounts (mode {current:o}); now {mode:o}",
                path.display()
            )));
        }
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(None)
}

/// Makes every file directly inside `dir` 0600 (the database and its journal, keys, mail).
pub fn tighten_files_in(dir: &Path) -> io::Result<Vec<String>> {
    let mut warnings = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_file()
            && let Some(w) = tighten(&entry.path(), 0o600)?
        {
            warnings.push(w);
        }
    }
    Ok(warnings)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).expect("metadata").permissions().mode() & 0o777
    }

    #[test]
    fn folders_and_files_are_private_and_never_overwritten() {
        let root = tempfile::tempdir().expect("temp");
        let dir = root.path().join("data");
        assert_eq!(private_dir(&dir).expect("dir"), None);
        assert_eq!(mode(&dir), 0o700);
        let file = dir.join("secret.key");
        write_new(&file, b"one").expect("write");
        assert_eq!(mode(&file), 0o600);
        assert!(write_new(&file, b"two").is_err());
        assert_eq!(std::fs::read(&file).expect("read"), b"one");
        let result = dir.join("result.json");
        write_private(&result, b"{}").expect("write");
        write_private(&result, b"[]").expect("replace");
        assert_eq!(mode(&result), 0o600);
        assert_eq!(std::fs::read(&result).expect("read"), b"[]");
    }

    #[test]
    fn open_files_are_tightened_with_a_warning() {
        let root = tempfile::tempdir().expect("temp");
        let file = root.path().join("vocpath.db");
        std::fs::write(&file, b"x").expect("write");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let warnings = tighten_files_in(root.path()).expect("tighten");
        assert_eq!(warnings.len(), 1);
        assert_eq!(mode(&file), 0o600);
        assert!(tighten_files_in(root.path()).expect("again").is_empty());
    }
}
