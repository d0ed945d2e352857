//! The journal's file on disk: its directory 0700 and the file and its `-wal`/`-shm`
//! 0600 (a mode only ever tightened), a symlink refused, never followed; its identity,
//! and the names SQLite gives the files beside it.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::{FILE_NAME, JournalError, io_error};

/// Makes sure the directory (0700 when created) and the file (0600) exist, that the file
/// is open to nobody else (its mode only ever tightened: a `chmod 400` journal stays
/// read-only), and that any -wal/-shm beside it are 0600 (SQLite gives new -wal/-shm files
/// the database file's mode). Returns the file's identity.
pub(super) fn prepare_file(path: &Path) -> Result<Option<(u64, u64)>, JournalError> {
    let dir = parent_dir(path);
    crate::files::create_private_dir(dir).map_err(|e| io_error(dir, e))?;
    // A symlink is refused, not followed: its target is not closer's to chmod or fill.
    for file in [
        path.to_path_buf(),
        with_suffix(path, "-wal"),
        with_suffix(path, "-shm"),
    ] {
        if fs::symlink_metadata(&file).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(JournalError::Symlink { path: file });
        }
    }
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(io_error(path, e)),
    }
    #[cfg(unix)]
    for file in [
        path.to_path_buf(),
        with_suffix(path, "-wal"),
        with_suffix(path, "-shm"),
    ] {
        use std::os::unix::fs::PermissionsExt;
        let mode = |meta: &fs::Metadata| meta.permissions().mode() & 0o777;
        // The journal: the person's own setting, less what others may do.
        let wanted = |m: u32| if file == path { m & 0o600 } else { 0o600 };
        match fs::metadata(&file) {
            Ok(meta) if mode(&meta) != wanted(mode(&meta)) => {
                fs::set_permissions(&file, fs::Permissions::from_mode(wanted(mode(&meta))))
                    .map_err(|e| io_error(&file, e))?;
            }
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_error(&file, e)),
        }
    }
    Ok(file_id(path))
}

/// The file's device and inode, to tell whether it was replaced meanwhile.
#[cfg(unix)]
pub(super) fn file_id(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
pub(super) fn file_id(_path: &Path) -> Option<(u64, u64)> {
    None
}

pub(super) fn parent_dir(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

pub(super) fn file_name(path: &Path) -> String {
    path.file_name()
        .map_or_else(|| FILE_NAME.into(), |n| n.to_string_lossy().into_owned())
}

/// `path` as the path of an SQLite `file:` URI: bytes other than unreserved ones and `/`
/// percent-encoded (a `?`, `#` or `%` in a name would otherwise end or change it).
pub(super) fn uri_path(path: &Path) -> String {
    #[cfg(unix)]
    let bytes = std::os::unix::ffi::OsStrExt::as_bytes(path.as_os_str()).to_vec();
    #[cfg(not(unix))]
    let bytes = path.to_string_lossy().into_owned().into_bytes();
    bytes
        .iter()
        .map(|&b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `path` with `suffix` appended to its file name, as SQLite names its -wal and -shm.
pub(super) fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::*;
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn files_are_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("share/closer").join(FILE_NAME);
        let (j, _) = Journal::open(&path).unwrap();
        j.record_sent(&step(t(9, 0))).unwrap();
        for file in [
            path.clone(),
            with_suffix(&path, "-wal"),
            with_suffix(&path, "-shm"),
        ] {
            assert_eq!(mode(&file), 0o600, "{}", file.display());
        }
        assert_eq!(mode(&dir.path().join("share")), 0o700);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        drop(j);

        // A file made public by hand is made private again.
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let (_j, opened) = Journal::open(&path).unwrap();
        assert_eq!(opened, Opened::Existing);
        assert_eq!(mode(&path), 0o600);
    }

    #[test]
    fn a_symlinked_journal_is_refused_and_its_target_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("notes.txt");
        fs::write(&target, "my notes").unwrap();
        fs::set_permissions(&target, fs::Permissions::from_mode(0o644)).unwrap();
        let path = dir.path().join(FILE_NAME);
        std::os::unix::fs::symlink(&target, &path).unwrap();
        let err = Journal::open(&path).unwrap_err();
        assert!(matches!(err, JournalError::Symlink { .. }), "{err:?}");
        assert!(err.to_string().contains("is a symlink"), "{err}");
        assert_eq!(fs::read_to_string(&target).unwrap(), "my notes");
        assert_eq!(mode(&target), 0o644);
        // A dangling one too: nothing is created at its target.
        fs::remove_file(&target).unwrap();
        assert!(Journal::open(&path).is_err());
        assert!(!target.exists());
    }
}
